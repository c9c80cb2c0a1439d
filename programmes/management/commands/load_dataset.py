"""Load the cited dataset from fixtures/ without touching anything an editor has entered or changed.

Django's loaddata overwrites rows whose keys match, which would undo an editor's corrections on every
deploy. This command adds only the rows that are missing, and does not bring back a row an editor deleted or re-keyed.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
FIXTURE_FILES = ["programmes.json", "organisations.json", "sources.json", "figures.json", "events.json"]
CHANGE_REASON = "Loaded from the cited dataset"


def was_changed_by_editor(instance) -> bool:
    """True when a row with this natural key existed before: an editor has since deleted it or renamed its key."""
    key_field = next(name for name in ("slug", "key", "name") if hasattr(instance, name))
    return instance.history.model.objects.filter(**{key_field: getattr(instance, key_field)}).exists()


class Command(BaseCommand):
    help = "Add the cited dataset's missing rows; never overwrite or delete what editors have entered."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fixtures", type=Path, default=FIXTURE_DIR, help="Folder holding the fixture files.")

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        for name in FIXTURE_FILES:
            path = options["fixtures"] / name
            if not path.exists():
                raise CommandError(f"{path} is missing.")
            added, kept = self.load_file(path)
            if options["verbosity"] > 0:
                self.stdout.write(f"{name}: {added} added, {kept} already present or changed by an editor")

    def load_file(self, path: Path) -> tuple[int, int]:
        added = kept = 0
        with path.open(encoding="utf-8") as fixture:
            for record in serializers.deserialize("json", fixture, handle_forward_references=True):
                instance = record.object
                if instance.pk is not None or was_changed_by_editor(instance):
                    kept += 1
                    continue
                try:
                    instance.full_clean()
                except ValidationError as exc:
                    raise CommandError(f"{path.name}: {instance._meta.model_name} {instance.natural_key()[0]}: {exc}") from exc
                instance._change_reason = CHANGE_REASON
                instance.save()
                added += 1
        return added, kept
