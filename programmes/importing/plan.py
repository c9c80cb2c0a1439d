"""What an import would do, row by row: the plan the preview shows, the command prints and the writer saves from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from programmes.columns import STORED_FIGURE_COLUMNS
from programmes.importing.reading import Problem
from programmes.models import Figure, Organisation, Source

# What to do with the rows that are likely duplicates (rules.duplicate_lookup): the editor must choose one.
SKIP = "skip"
ADD = "add"


@dataclass(slots=True)
class Change:
    """What one row does: for a new figure a few cells to show, for an existing one each column it changes.
    A new figure may be a likely duplicate of a recorded figure, or of one an earlier line of the file states."""

    line: int
    action: str
    figure_id: int | None
    brief: tuple[str, ...] = ()
    differences: list[tuple[str, str, str]] = field(default_factory=list)
    duplicate_of: Figure | None = None
    duplicate_line: int | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None or self.duplicate_line is not None

    @property
    def duplicate_text(self) -> str:
        """Which figure this row likely duplicates, for a terminal; blank when none."""
        if self.duplicate_of is not None:
            return f" (likely a duplicate of figure {self.duplicate_of.pk})"
        if self.duplicate_line is not None:
            return f" (likely a duplicate of line {self.duplicate_line})"
        return ""

    @property
    def programme(self) -> str:
        return self.brief[0]

    @property
    def shown(self) -> dict[str, str]:
        """The brief by name, for the preview table."""
        return dict(zip(("programme", "measure", "status", "basis", "value", "period", "source"), self.brief, strict=True))


@dataclass(frozen=True)
class NewSource:
    line: int
    source: Source
    guessed: tuple[str, ...]


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    new_sources: list[NewSource] = field(default_factory=list)
    new_organisations: list[Organisation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    saved: bool = False
    stale: bool = False
    digest: str = ""
    # The earlier confirmation of this same preview, when a second one was refused (an AppliedImport).
    applied: object = None

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def updates(self) -> list[Change]:
        return [change for change in self.changes if change.action == "update"]

    @property
    def duplicates(self) -> list[Change]:
        """The rows that are likely duplicates, whether they are to be added or skipped."""
        return [change for change in self.changes if change.is_duplicate]

    @property
    def summary(self) -> str:
        created, updated, unchanged = self.count("create"), self.count("update"), self.count("unchanged")
        skipped = f", {self.count('skip')} skipped as likely duplicates" if self.count("skip") else ""
        return f"{created} created, {updated} updated, {unchanged} unchanged{skipped}; {len(self.new_sources)} new sources"

    def describe(self) -> Iterator[str]:
        """One line per new organisation, new source and figure created or updated, for a terminal."""
        for organisation in self.new_organisations:
            yield f"new organisation {organisation.name!r}, kind {organisation.kind} (set it in the admin)"
        for new in self.new_sources:
            source, guessed = new.source, f" (guessed: {', '.join(new.guessed)})" if new.guessed else ""
            yield (
                f"line {new.line}: new source {source.title!r} ({source.publisher}, {source.published}), kind {source.kind}, "
                f"dated to the {source.date_precision}, {'primary' if source.is_primary else 'secondary: verify before use'}{guessed}"
            )
        for change in self.changes:
            if change.action in ("create", "skip"):
                programme, measure, status, _basis, value, *_ = change.brief
                yield f"line {change.line}: {change.action} {programme} {measure} {status} {value}{change.duplicate_text}"
            elif change.action == "update":
                edits = "; ".join(f"{name} {old!r} -> {new!r}" for name, old, new in change.differences)
                yield f"line {change.line}: update figure {change.figure_id}: {edits}"


def describe_value(figure: Figure) -> str:
    """The value as the source published it ("~1,000"), else as the site prints it with its qualifier ("about 1,000")."""
    return figure.as_published.strip() or figure.display_value


def snapshot(figure: Figure) -> dict[str, str]:
    """The figure as the cells of its export row, the terms in which changes are shown and compared."""
    cells = {}
    for column in STORED_FIGURE_COLUMNS:
        value: object = figure
        for part in column.lookup.split("__"):
            value = getattr(value, part, None) if value is not None else None
        cells[column.name] = column.csv_cell(value)
    return cells
