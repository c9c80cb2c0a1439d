"""Writing a checked import: CHUNK figures at a time, each with its history record, inside the import's one transaction."""

from __future__ import annotations

from django.db import IntegrityError
from simple_history.utils import bulk_create_with_history

from programmes import flags, lines, signals
from programmes.importing.plan import Change
from programmes.importing.reading import CHUNK, Problem
from programmes.models import Figure, Organisation, Source
from programmes.search import index as search_index

# history_change_reason holds at most 100 characters.
REASON_LENGTH = 100


class ImportRefused(Exception):
    """The database refused a row that passed every check: nothing was saved."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Writer:
    """Saves what the planner hands it, CHUNK figures at a time, with a history record for each and the import's reason."""

    def __init__(self, user, reason: str) -> None:
        self.user, self.reason = user, reason[:REASON_LENGTH]
        self.organisations: list[Organisation] = []
        self.sources: list[Source] = []
        self.created: list[tuple[int, Figure]] = []
        self.updated: list[tuple[int, Figure]] = []
        # The plan's changes for the figures created, so that each learns the id the database gave it (Recent actions links to it).
        self.created_changes: list[Change] = []
        self.enabled = True

    def add(self, change: Change, figure: Figure) -> None:
        (self.created if change.action == "create" else self.updated).append((change.line, figure))
        if change.action == "create":
            self.created_changes.append(change)
        if len(self.created) + len(self.updated) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write what is pending, unless an earlier row failed (then the whole import is rolled back anyway)."""
        if not self.enabled:
            self.organisations, self.sources, self.created, self.updated, self.created_changes = [], [], [], [], []
            return
        numbers = [line for line, _ in self.created + self.updated]
        try:
            for organisation in self.organisations:
                save(organisation, self.user, self.reason, force_insert=True)
            if self.sources:
                for source in self.sources:
                    source.fill_derived()  # bulk_create skips save()
                bulk_create_with_history(self.sources, Source, default_user=self.user, default_change_reason=self.reason)
                signals.history_written.send(sender=Source)
                search_index.refresh(search_index.BY_NAME["sources"], [source.pk for source in self.sources])
            if self.created:
                figures = [figure for _, figure in self.created]
                for figure in figures:
                    figure.fill_derived()
                bulk_create_with_history(figures, Figure, batch_size=500, default_user=self.user, default_change_reason=self.reason)
                signals.history_written.send(sender=Figure)
                flags.refresh(figure.quantity for figure in figures)
                lines.refresh(figure.pk for figure in figures)
                # bulk_create sends no signal: the search index learns of the new rows here (search/index.py).
                search_index.refresh(search_index.BY_NAME["figures"], [figure.pk for figure in figures])
                for change, figure in zip(self.created_changes, figures, strict=True):
                    change.figure_id = figure.pk
            for _, figure in self.updated:
                save(figure, self.user, self.reason, force_insert=False)
        except IntegrityError as error:
            where = f"lines {min(numbers)}\u2013{max(numbers)}" if numbers else "a new source"
            raise ImportRefused(
                Problem(min(numbers, default=0), "", f"the database refused {where} ({error}); nothing was saved")
            ) from error
        self.organisations, self.sources, self.created, self.updated, self.created_changes = [], [], [], [], []


def save(instance, user, reason: str, force_insert: bool) -> None:
    instance._history_user = user
    instance._change_reason = reason
    instance.save(force_insert=force_insert)
