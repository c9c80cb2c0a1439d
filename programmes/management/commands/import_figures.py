"""Load a CSV of figures with the columns of /data/figures.csv; see programmes/importing/ for the rules."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from programmes.audit import log_import
from programmes.importing import ADD, SKIP, import_figures


class Command(BaseCommand):
    help = (
        "Create figures from a CSV with the export's columns, and with --update change existing ones. "
        "Every row is checked first; one bad row saves nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="CSV with the columns of /data/figures.csv.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be created and changed, and save nothing.")
        parser.add_argument(
            "--update",
            action="store_true",
            help="Apply the changes to existing figures (rows with their id); without it, they are listed and nothing is saved.",
        )
        parser.add_argument(
            "--duplicates",
            choices=[SKIP, ADD],
            help="What to do with new figures that are likely duplicates of recorded ones (same programme, quantity, source and "
            "value): skip them, or add them as new figures anyway; without it, they are listed and nothing is saved.",
        )
        parser.add_argument("--user", help="Username recorded in the change history as who made the import.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        user = self.user(options["user"]) if options["user"] else None
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        plan = import_figures(
            data,
            user=user,
            reason=f"Imported from {path.name}",
            dry_run=options["dry_run"],
            allow_updates=options["update"],
            duplicates=options["duplicates"] or "",
        )
        if plan.problems:
            problems = "\n".join(str(problem) for problem in plan.problems)
            raise CommandError(f"{path.name}: {len(plan.problems)} problems; nothing was saved.\n{problems}")
        for line in plan.describe():
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write(f"Dry run, nothing saved: {plan.summary}.")
        elif not plan.saved and plan.duplicates and not options["duplicates"]:
            raise CommandError(
                f"{path.name} has {len(plan.duplicates)} likely duplicates of figures already recorded or given above (listed above); "
                "nothing was saved. Run the command again with --duplicates skip, or --duplicates add to add them as new figures anyway."
            )
        elif not plan.saved:
            raise CommandError(
                f"{path.name} changes {len(plan.updates)} existing figures (listed above, before -> after); nothing was saved. "
                "Check the changes and run the command again with --update to apply them."
            )
        else:
            log_import(plan, user, path.name)
            self.stdout.write(self.style.SUCCESS(f"Saved: {plan.summary}."))
            # REVIEW_REQUIRED holds the admin's changes for a second editor; the operator at the command line is trusted.
            self.stdout.write("Published directly, without a second editor's review: a command-line import is an operator's.")
            if user is None:
                self.stdout.write("No --user given: the change history records the import, but no editor's Recent actions show it.")

    def user(self, username: str):
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"There is no user {username!r}.") from error
