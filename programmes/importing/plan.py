"""What an import would do, row by row: the plan the preview shows, the command prints and the writer saves from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from programmes.columns import STORED_FIGURE_COLUMNS
from programmes.importing.reading import Problem
from programmes.models import Figure, Organisation, Source


@dataclass(slots=True)
class Change:
    """What one row does: for a new figure a few cells to show, for an existing one each column it changes."""

    line: int
    action: str
    figure_id: int | None
    brief: tuple[str, ...] = ()
    differences: list[tuple[str, str, str]] = field(default_factory=list)

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
    def summary(self) -> str:
        created, updated, unchanged = self.count("create"), self.count("update"), self.count("unchanged")
        return f"{created} created, {updated} updated, {unchanged} unchanged; {len(self.new_sources)} new sources"

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
            if change.action == "create":
                programme, measure, status, _basis, value, *_ = change.brief
                yield f"line {change.line}: create {programme} {measure} {status} {value}"
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
