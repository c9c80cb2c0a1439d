"""Load the cited dataset from fixtures/ without undoing anything an editor has entered or changed.

Django's loaddata overwrites rows whose keys match, which would undo an editor's corrections on every
deploy; adding only missing rows would leave a corrected dataset unpublished on every upgraded site.
This command adds missing rows, corrects the fields no editor has changed since they were loaded, and
reports the fields an editor changed (programmes/dataset.py holds the rules). It never deletes a row,
and does not bring back a row an editor deleted or re-keyed.

The first load publishes the dataset as the first dataset release, and a load that changes rows publishes another
(dashboard/releases.py); loading the same dataset again publishes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programmes import dataset, flags, signals
from programmes.models import DatasetRelease

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
# Sources before programmes: a programme names the publication that announced it, and each account the one it rests on;
# contradictions last, as they name figures, events and sources.
FIXTURE_FILES = [
    "organisations.json",
    "sources.json",
    "programmes.json",
    "programme_accounts.json",
    "figures.json",
    "events.json",
    "contradictions.json",
]


class Command(BaseCommand):
    help = "Add the cited dataset's missing rows and correct the fields no editor has changed; never delete a row."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fixtures", type=Path, default=FIXTURE_DIR, help="Folder holding the fixture files.")

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        # Flags are recomputed once per quantity at the end, not after every row (programmes/flags.py).
        with flags.deferred():
            changed = self.load(options)
        if changed and options["verbosity"] > 0:
            # REVIEW_REQUIRED holds editors' changes in the admin for a second editor; the shipped dataset is not one.
            self.stdout.write("Published directly, without a second editor's review: the shipped dataset is the dataset maintainers'.")
        # After the flags are recomputed, so that what is built from the record shows them: a dataset release (built by
        # the public downloads, dashboard/releases.py) and the link previews' pictures. Those are the listeners'.
        for _receiver, result in signals.dataset_loaded.send(sender=self.__class__, rows_changed=changed):
            if isinstance(result, DatasetRelease) and options["verbosity"] > 0:
                self.stdout.write(f"Published dataset release {result.version}, dated {result.published.isoformat()}.")

    def load(self, options: dict) -> bool:
        """Load every file; True if any row was added or corrected."""
        changed = False
        for name in FIXTURE_FILES:
            path = options["fixtures"] / name
            if not path.exists():
                raise CommandError(f"{path} is missing.")
            try:
                result = dataset.load_file(path)
            except dataset.DatasetError as exc:
                raise CommandError(str(exc)) from exc
            for line in result.report(name, options["verbosity"]):
                self.stdout.write(line)
            changed = changed or bool(result.added or result.corrected)
        return changed
