"""Sums worked out from stated figures: nets of savings and investment, and funding shortfalls."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from programmes import formatting
from programmes.choices import Basis, Measure, Qualifier, Unit

if TYPE_CHECKING:
    from programmes.models import Figure


def has_period(figure: Figure) -> bool:
    """A figure has a stated period when the source gives at least one end of it."""
    return figure.period_start is not None or figure.period_end is not None


TOTAL_BASES = (Basis.CUMULATIVE, Basis.ONE_OFF)


def statement_key(figure: Figure) -> tuple:
    """What makes figures one statement: one claimant, in one publication, about one programme, scope, scenario, stated period and status."""
    f = figure
    return (f.programme_id, f.scope, f.scenario, f.period_start, f.period_end, f.status, f.claimant_id, f.source_id)


def same_statement(figure: Figure, other: Figure) -> bool:
    """Two figures belong to one statement when they share its statement_key and their unit: a stated net beside the savings and investment it nets."""
    return statement_key(figure) == statement_key(other) and figure.unit == other.unit


def net_pairs(figures: Iterable[Figure]) -> list[tuple[Figure, Figure]]:
    """A net can be worked out from one savings and one investment total in £ of the same programme, scope, scenario, stated period and status, stated by one claimant in one publication.

    Known figures over a stated period only; a group holding two savings or two investment figures is ambiguous and gives no net.
    """
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figures:
        is_total = f.measure in (Measure.SAVINGS, Measure.INVESTMENT) and f.unit == Unit.GBP_M and f.basis in TOTAL_BASES
        if is_total and not f.is_unknown and has_period(f) and f.part_of_id is None:
            groups[statement_key(f)].append(f)
    pairs = []
    for group in groups.values():
        savings = [f for f in group if f.measure == Measure.SAVINGS]
        investment = [f for f in group if f.measure == Measure.INVESTMENT]
        if len(savings) == 1 and len(investment) == 1:
            pairs.append((savings[0], investment[0]))
    return pairs


def difference(first: Figure, second: Figure) -> tuple[Decimal, Decimal, str] | None:
    """First minus second as (low, high, qualifier): a range where either is a range, "about" where either is; None where either is only a bound or unknown."""
    qualifiers = {first.qualifier, second.qualifier}
    if qualifiers & {Qualifier.OVER, Qualifier.AT_LEAST, Qualifier.AT_MOST, Qualifier.UNKNOWN}:
        return None
    (low_a, high_a), (low_b, high_b) = first.bounds, second.bounds
    qualifier = Qualifier.APPROX if Qualifier.APPROX in qualifiers else Qualifier.EXACT
    return low_a - high_b, high_a - low_b, qualifier


def net(savings: Figure, investment: Figure) -> tuple[Decimal, Decimal, str] | None:
    """Net benefit is savings minus investment over the same period; none where either side is only a bound ("over £90m")."""
    return difference(savings, investment)


def shortfall(requested: Figure, approved: Figure) -> tuple[Decimal, Decimal] | None:
    """A funding shortfall is what was requested minus what was approved for one programme, scope and stated period, when both are exact and the gap is positive."""
    same = (requested.programme_id, requested.scope, requested.period_start, requested.period_end) == (
        approved.programme_id,
        approved.scope,
        approved.period_start,
        approved.period_end,
    )
    if not same or not has_period(requested) or {requested.qualifier, approved.qualifier} != {Qualifier.EXACT}:
        return None
    gap = difference(requested, approved)
    if gap is None or gap[0] <= 0:
        return None
    return gap[0], gap[1]


def money_phrase(low: Decimal, high: Decimal, qualifier: str = Qualifier.EXACT) -> str:
    """A worked-out sum as a reader says it: "about £900m", "£100m to £200m"."""
    if low == high:
        return ("about " if qualifier == Qualifier.APPROX else "") + formatting.money(low)
    return f"{formatting.money(low)} to {formatting.money(high)}"


def net_phrase(net: tuple[Decimal, Decimal, str] | None) -> str:
    """A worked-out net as a reader says it: "a net cost of £4m", "a net benefit of about £30m", "a net result between £10m and £20m"."""
    if net is None:
        return "so the net result cannot be worked out from these figures"
    low, high, qualifier = net
    about = "about " if qualifier == Qualifier.APPROX else ""
    if low == high:
        return f"a net cost of {about}{formatting.money(-low)}" if low < 0 else f"a net benefit of {about}{formatting.money(low)}"
    return f"a net result between {formatting.money(low)} and {formatting.money(high)}"
