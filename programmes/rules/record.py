"""The record over time: restatements, each claimant's latest figure, and disagreements resolved."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from programmes.rules.quantity import disagree
from programmes.rules.timing import stated_on

if TYPE_CHECKING:
    from programmes.models import Figure


def same_value(first: Figure, second: Figure) -> bool:
    """Two figures state the same value when they give the same number or range (or both none): "about £900m" repeats "£900m"; the qualifier says how precisely, not what."""
    return first.bounds == second.bounds


def restated_from(figure: Figure, same_quantity: Iterable[Figure]) -> Figure | None:
    """A figure restates its quantity when the latest figures of it stated on an earlier day all had another value: the first of those, or None for a first statement or a repeat.

    Whoever states it: a new value for the same quantity (quantity_key) is a restatement, by its claimant or by another.
    """
    day = stated_on(figure.source)
    earlier = [other for other in same_quantity if stated_on(other.source) < day]
    if not earlier:
        return None
    latest = max(stated_on(other.source) for other in earlier)
    last = sorted((other for other in earlier if stated_on(other.source) == latest), key=lambda other: other.pk or 0)
    if any(same_value(figure, other) for other in last):
        return None
    return last[0]


# Fields a save changes without changing what the figure says: the version guards against two editors overwriting each
# other. The stored quantity and flag count are left out of the history altogether.
BOOKKEEPING_FIELDS = frozenset({"version"})


def corrected_fields(before: object, after: object, names: Iterable[str]) -> list[str]:
    """A save corrects a figure when it changes a field the public sees: those of `names` whose value differs between the two versions, bookkeeping aside."""
    return [name for name in names if name not in BOOKKEEPING_FIELDS and getattr(before, name) != getattr(after, name)]


# The reasons the dataset's load writes into the history (programmes/dataset.py): its first load of a row, and its later
# corrections of it. A command-line import without an editor writes "Imported from <file>".
LOAD_REASON = "Loaded from the cited dataset"
CORRECTION_REASON = "Corrected from the cited dataset"
IMPORT_REASON_OPENING = "Imported from"


def made_by(is_administrator: bool | None, reason: str) -> str:
    """Who made a change, as the public may know them: by role, never by name.

    An editor's save is told as an "editor", or an "administrator" for an account that may also manage the other accounts
    (a superuser, as `make admin` creates); a row saved with no editor is the dataset's maintainers' when it carries
    the dataset's reasons, an operator's when a command-line import wrote it, and otherwise the site's maintainers'.
    `is_administrator` is None when the history names no editor. The role is the account's now: the history keeps who,
    not what they could do then.
    """
    if is_administrator is not None:
        return "administrator" if is_administrator else "editor"
    if reason in (LOAD_REASON, CORRECTION_REASON):
        return "dataset maintainers"
    if reason.startswith(IMPORT_REASON_OPENING):
        return "operator (command-line import)"
    return "site maintainers"


def latest_by_claimant(figures: Iterable[Figure], day: datetime.date) -> dict[int, Figure]:
    """Each claimant's latest known figure of one quantity stated by a day (the first recorded, for two on that day)."""
    latest: dict[int, Figure] = {}
    for figure in sorted(figures, key=lambda f: (stated_on(f.source), -(f.pk or 0))):
        if not figure.is_unknown and stated_on(figure.source) <= day:
            latest[figure.claimant_id] = figure
    return latest


def resolved(figures: list[Figure], since: datetime.date, until: datetime.date) -> list[tuple[Figure, Figure, Figure, Figure]]:
    """Two claimants' disagreement over one quantity is resolved between two days when their latest figures of it disagreed on the first day and no longer do on the second: one of them moved to a value the other's admits.

    Figures of one quantity only. Each resolution is (one claimant's figure then, the other's then, the first's now, the
    other's now). A disagreement between two published figures never ends by itself: both publications still say
    what they said, and their ⚑ flags stay; only a later statement by one of the claimants can settle it.
    """
    before, after = latest_by_claimant(figures, since), latest_by_claimant(figures, until)
    found = []
    claimants = sorted(before)
    for index, first in enumerate(claimants):
        for second in claimants[index + 1 :]:
            if disagree(before[first], before[second]) and not disagree(after[first], after[second]):
                found.append((before[first], before[second], after[first], after[second]))
    return found
