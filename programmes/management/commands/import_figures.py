"""Load a CSV of figures with the columns of /data/figures.csv; see programmes/importing.py for the rules."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from programmes.audit import log_import
from programmes.importing import import_figures


class Command(BaseCommand):
    help = "Create and update figures from a CSV with the export's columns. Every row is checked first; one bad row saves nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="CSV with exactly the columns of /data/figures.csv.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be created and updated, and save nothing.")
        parser.add_argument("--user", help="Username recorded in the change history as who made the import.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get_by_natural_key(options["user"])
            except get_user_model().DoesNotExist as error:
                raise CommandError(f"There is no user {options['user']!r}.") from error
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        plan = import_figures(data, user=user, reason=f"Imported from {path.name}", dry_run=options["dry_run"])
        if plan.problems:
            problems = "\n".join(str(problem) for problem in plan.problems)
            raise CommandError(f"{path.name}: {len(plan.problems)} problems; nothing was saved.\n{problems}")
        for line in plan.describe():
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write(f"Dry run, nothing saved: {plan.summary}.")
        else:
            log_import(plan, user, path.name)
            self.stdout.write(self.style.SUCCESS(f"Saved: {plan.summary}."))
            if user is None:
                self.stdout.write("No --user given: the change history records the import, but no editor's Recent actions show it.")
