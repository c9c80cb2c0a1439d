"""What changed in the record between two dates (/changes/, its CSV and JSON).

The record on a day is the figures whose sources had appeared by then (Figure.objects.as_at), so between `since`
and `until` the record only grows: a change is a figure whose source appeared after `since` and by `until`. From
those, by programme:

- new figures: the first statement of their quantity, or a repeat of its latest value;
- restated figures: a new value for a quantity already stated on an earlier day (rules.restated_from);
- new disagreements: figures that another figure disagrees with by `until` but did not on `since` (the stored flags:
  a figure is flagged from its earliest flag's holds_from);
- resolved disagreements: two claimants whose latest figures of a quantity disagreed on `since` and no longer do by
  `until` (rules.resolved); a flag between two published figures never disappears by itself;
- cards: every card line whose figure shown differs between the record on `since` and on `until` (rules.headlines on
  both): the one that speaks for the programme or, when none does, the one shown instead.

Only programmes with a figure new in the period can change, so only their figures are loaded.

Deciding what changed needs every figure of those programmes (a restatement is judged against the earlier figures of
its quantity, a card against all of the programme's), so `index` decides it once per period and keeps each change as a
few ids, in the order the page and the downloads list them. Showing changes (`shown`) loads only the figures of the
changes asked for: a page of them, or a piece of a download.

The Atom feeds list something else: the changes made to the record, by when they were made (dashboard/edits.py).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from dashboard import charts
from programmes import rules
from programmes.models import Disagreement, Figure, Programme


@dataclass(frozen=True)
class Restatement:
    figure: Figure
    before: Figure


@dataclass(frozen=True)
class NewFlag:
    figure: Figure
    flag: str


@dataclass(frozen=True)
class Resolution:
    """Two claimants' latest figures of one quantity: disagreeing on `since` (then), agreeing by `until` (now)."""

    then: tuple[Figure, Figure]
    now: tuple[Figure, Figure]


@dataclass(frozen=True)
class CardChange:
    role: str
    label: str
    before: Figure | None
    after: Figure | None
    missing_text: str


@dataclass
class ProgrammeChanges:
    programme: Programme
    # On a later page, the programme's changes that the page before began.
    continued: bool = False
    new: list[Figure] = field(default_factory=list)
    restated: list[Restatement] = field(default_factory=list)
    flagged: list[NewFlag] = field(default_factory=list)
    resolved: list[Resolution] = field(default_factory=list)
    cards: list[CardChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new or self.restated or self.flagged or self.resolved or self.cards)


@dataclass
class Changes:
    since: datetime.date
    until: datetime.date
    programmes: list[ProgrammeChanges]

    def count(self, name: str) -> int:
        return sum(len(getattr(group, name)) for group in self.programmes)


def stated(figure: Figure) -> tuple[datetime.date, int]:
    return (rules.stated_on(figure.source), figure.pk)


# The kinds of change, in the order a programme's changes are listed.
KINDS = ("cards", "new", "restated", "flagged", "resolved")


class Entry(NamedTuple):
    """One change, by ids: small enough to keep every change of a long period in the cache."""

    programme_id: int
    kind: str
    figure_id: int | None
    before_id: int | None = None
    # cards: the card line's role, label and missing text; resolved: the four figures (then, then, now, now).
    card: tuple[str, str, str] | None = None
    resolution: tuple[int, int, int, int] | None = None

    def figure_ids(self) -> list[int]:
        return [pk for pk in (self.figure_id, self.before_id, *(self.resolution or ())) if pk is not None]


@dataclass
class Index:
    """Every change between two dates as entries, grouped by programme in the page's order, and how many of each kind."""

    since: datetime.date
    until: datetime.date
    entries: list[Entry]

    def count(self, kind: str) -> int:
        return sum(1 for entry in self.entries if entry.kind == kind)

    def counts(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in KINDS}


def index(since: datetime.date, until: datetime.date) -> Index:
    """Everything that changed in the record from the day `since` (excluded) to the day `until` (included), as entries."""
    appeared = Figure.objects.filter(source__appeared_by__gt=since, source__appeared_by__lte=until)
    touched = Programme.objects.filter(pk__in=appeared.values("programme_id"))
    programmes = {programme.pk: programme for programme in touched}
    # The rules read each figure's source and programme; a long period loads tens of thousands of figures, so each
    # programme is one shared object and no publisher or claimant is built (the rows load those for the changes shown).
    figures = Figure.objects.as_at(until).select_related("source").filter(programme__in=list(programmes))
    by_programme: dict[int, list[Figure]] = defaultdict(list)
    for figure in figures:
        figure.programme = programmes[figure.programme_id]
        by_programme[figure.programme_id].append(figure)
    # A figure is flagged from its earliest flag's day: rank 1 is the disagreeing figure whose source appeared first.
    first_flagged = Disagreement.objects.first_held_between(since, until).filter(figure__programme__in=list(programmes))
    flagged_ids = set(first_flagged.values_list("figure_id", flat=True))
    entries: list[Entry] = []
    for programme in sorted(programmes.values(), key=lambda p: (p.started or datetime.date.max, p.name, p.pk)):
        own = by_programme[programme.pk]
        by_quantity: dict[str, list[Figure]] = defaultdict(list)
        for figure in own:
            by_quantity[figure.quantity].append(figure)
        found: dict[str, list[Entry]] = {kind: [] for kind in KINDS}
        for figure in sorted((f for f in own if since < f.source.appeared_by), key=stated):
            before = rules.restated_from(figure, by_quantity[figure.quantity])
            if before is None:
                found["new"].append(Entry(programme.pk, "new", figure.pk))
            else:
                found["restated"].append(Entry(programme.pk, "restated", figure.pk, before.pk))
        found["flagged"] = [Entry(programme.pk, "flagged", f.pk) for f in sorted((f for f in own if f.pk in flagged_ids), key=stated)]
        for _, members in sorted(by_quantity.items()):
            if any(since < f.source.appeared_by for f in members):
                for then_a, then_b, now_c, now_d in rules.resolved(members, since, until):
                    settling, replaced = settled_by(Resolution((then_a, then_b), (now_c, now_d)))
                    ids = (then_a.pk, then_b.pk, now_c.pk, now_d.pk)
                    found["resolved"].append(Entry(programme.pk, "resolved", settling.pk, replaced.pk, resolution=ids))
        then = rules.headlines(f for f in own if f.source.appeared_by <= since)
        for old, new in zip(then, rules.headlines(own), strict=True):
            if (old.shown and old.shown.pk) != (new.shown and new.shown.pk):
                card = (new.role, new.label, new.missing_text)
                found["cards"].append(Entry(programme.pk, "cards", new.shown and new.shown.pk, old.shown and old.shown.pk, card=card))
        entries += [entry for kind in KINDS for entry in found[kind]]
    return Index(since, until, entries)


def shown(found: Index, entries: Sequence[Entry], continued: bool = False) -> Changes:
    """These entries of the index with their figures, grouped by programme in their order: a page, or a piece of a download.

    A fixed number of queries whatever the number of entries: the programmes, the figures and the flags' text.
    """
    programmes = Programme.objects.select_related("parent").in_bulk({entry.programme_id for entry in entries})
    figures = Figure.objects.with_related().in_bulk({pk for entry in entries for pk in entry.figure_ids()})
    flag_text = charts.flags([figures[entry.figure_id] for entry in entries if entry.kind == "flagged"], found.until)
    groups: list[ProgrammeChanges] = []
    for entry in entries:
        if not groups or groups[-1].programme.pk != entry.programme_id:
            groups.append(ProgrammeChanges(programmes[entry.programme_id], continued=continued and not groups))
        group, figure, before = groups[-1], figures.get(entry.figure_id), figures.get(entry.before_id)
        if entry.kind == "cards":
            role, label, missing_text = entry.card
            group.cards.append(CardChange(role, label, before, figure, missing_text))
        elif entry.kind == "new":
            group.new.append(figure)
        elif entry.kind == "restated":
            group.restated.append(Restatement(figure, before))
        elif entry.kind == "flagged":
            group.flagged.append(NewFlag(figure, flag_text.get(figure.pk, "")))
        else:
            a, b, c, d = (figures[pk] for pk in entry.resolution)
            group.resolved.append(Resolution((a, b), (c, d)))
    return Changes(found.since, found.until, groups)


def page(found: Index, start: int, stop: int) -> Changes:
    """The changes from `start` to `stop` in the index's order, the first programme marked when it began on an earlier page."""
    entries = found.entries[start:stop]
    continued = bool(entries) and start > 0 and found.entries[start - 1].programme_id == entries[0].programme_id
    return shown(found, entries, continued)


def between(since: datetime.date, until: datetime.date) -> Changes:
    """Everything that changed in the record from the day `since` (excluded) to the day `until` (included), with its figures."""
    found = index(since, until)
    return shown(found, found.entries)


def row_pieces(found: Index, size: int) -> Iterator[list[dict]]:
    """The rows of every change, `size` changes at a time, each piece loading only its own figures."""
    for start in range(0, len(found.entries), size):
        yield rows(shown(found, found.entries[start : start + size]))


# The flat rows of /changes.csv and /changes.json, one per change, grouped by programme as the page is.
COLUMNS = [
    "programme",
    "change",
    "card",
    "figure_id",
    "figure_key",
    "value",
    "status",
    "description",
    "claimant",
    "source_id",
    "source",
    "published",
    "before_figure_id",
    "before_figure_key",
    "before_value",
    "before_claimant",
    "before_source_id",
    "before_source",
    "before_published",
    "detail",
]
COLUMN_MEANINGS = {
    "programme": "Slug of the programme whose record changed.",
    "change": "new_figure, restated, new_disagreement, resolved_disagreement or card.",
    "card": "For a card change, the card line's role (promised, latest-forecast, delivered-audited, delivered-claimed, investment, net-benefit).",
    "figure_id": "The figure new, restated, newly flagged, heading the card now, or settling a disagreement (blank for a card with no figure now).",
    "before_figure_id": "The figure it restates, the card's figure on the since date, or the figure the settling one replaced.",
    "detail": "In words: the ⚑ text of a new disagreement, or the two claimants' figures of a resolved one.",
}


def figure_cells(figure: Figure | None, prefix: str = "") -> dict:
    """A figure's cells, under before_ for the figure a change replaced; the status and description only for the figure itself."""
    if figure is None:
        return {}
    cells = {
        "figure_id": figure.pk,
        "figure_key": figure.key,
        "value": figure.display_value,
        "claimant": figure.claimant.name,
        "source_id": figure.source_id,
        "source": f"{figure.source.title} ({figure.source.publisher})",
        "published": figure.source.published_display,
    }
    if not prefix:
        cells |= {"status": figure.get_status_display().lower(), "description": figure.description}
    return {prefix + name: value for name, value in cells.items()}


def resolution_detail(resolution: Resolution) -> str:
    (a, b), (c, d) = resolution.then, resolution.now
    return (
        f"{rules.statement(a)} against {rules.statement(b)}; by then {rules.statement(c)} and {rules.statement(d)}, which do not disagree"
    )


def rows(changes: Changes) -> list[dict]:
    """One row per change, every column present (blank when it does not apply)."""
    found = []
    for group in changes.programmes:
        slug = group.programme.slug
        for card in group.cards:
            found.append(
                {"programme": slug, "change": "card", "card": card.role, **figure_cells(card.after), **figure_cells(card.before, "before_")}
            )
        for figure in group.new:
            found.append({"programme": slug, "change": "new_figure", **figure_cells(figure)})
        for item in group.restated:
            found.append({"programme": slug, "change": "restated", **figure_cells(item.figure), **figure_cells(item.before, "before_")})
        for item in group.flagged:
            found.append({"programme": slug, "change": "new_disagreement", **figure_cells(item.figure), "detail": item.flag})
        for item in group.resolved:
            settling, replaced = settled_by(item)
            cells = {"programme": slug, "change": "resolved_disagreement", **figure_cells(settling), **figure_cells(replaced, "before_")}
            found.append(cells | {"detail": resolution_detail(item)})
    return [{column: row.get(column, "") for column in COLUMNS} for row in found]


def settled_by(resolution: Resolution) -> tuple[Figure, Figure]:
    """The later statement that settled a disagreement, and the same claimant's figure it replaced (the latest, if both moved)."""
    (a, b), (c, d) = resolution.then, resolution.now
    moved = [(now, then) for now, then in ((c, a), (d, b)) if now.pk != then.pk]
    return max(moved, key=lambda pair: stated(pair[0]))
