"""The judgements the site makes about figures, each stated in one sentence a reader can check.

Charts, pages, exports, the admin and the tests call these; none of them re-implements a rule.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.text import slugify

from programmes import fiscal
from programmes.models import Measure

if TYPE_CHECKING:
    from programmes.models import Figure, Source

# Money that moves over a period: these can be delivered, so their timing decides outturn or projection.
# Counts, contract terms, funding decisions and deadlines are stated as at their date.
OUTCOME_MEASURES = frozenset(
    {
        Measure.SAVINGS,
        Measure.SAVINGS_NPV,
        Measure.INVESTMENT,
        Measure.COST_OVERRUN,
        Measure.NET_BENEFIT,
        Measure.REVENUE,
        Measure.PROCEEDS,
        Measure.WRITE_OFF,
    }
)


def stated_on(source: Source) -> datetime.date:
    """A figure is stated on the last day its source could have appeared, given how precisely the source is dated."""
    return source.published_by


def looks_ahead(figure: Figure) -> bool:
    """An outcome whose period's last financial year had not begun when its source appeared is a projection.

    A period ending in the financial year the source appeared in reads as "to date": a claim in March 2024
    of £120m delivered "in 2023-24" is an outturn.
    """
    if figure.measure not in OUTCOME_MEASURES or figure.period_end is None:
        return False
    return fiscal.first_day(figure.period_end) > stated_on(figure.source)


def suggested_horizon(figure: Figure) -> str:
    """A target or forecast, or an outcome whose period had not begun when stated, is a projection; anything else an outturn."""
    from programmes.models import Horizon, Status

    if figure.status in (Status.TARGET, Status.FORECAST) or looks_ahead(figure):
        return Horizon.PROJECTION
    return Horizon.OUTTURN


# Scopes and scenarios repeat across thousands of figures; an export of a million rows slugifies each once.
cached_slugify = functools.lru_cache(maxsize=4096)(slugify)


def quantity_key(figure: Figure) -> str:
    """Figures state the same quantity when they share programme, scope, measure, status, basis, unit, stated period and scenario.

    The key spells those out, so that an analyst can group by it: ngss-2012/whole/savings/audited/cumulative/gbp_m/2013-14..2015-16.
    """
    period = f"{fiscal.label(figure.period_start) or '?'}..{fiscal.label(figure.period_end) or '?'}"
    if figure.period_start is None and figure.period_end is None:
        period = "unstated"
    parts = [
        figure.programme.slug,
        cached_slugify(figure.scope) or "whole",
        figure.measure,
        figure.status,
        figure.basis,
        figure.unit,
        period,
    ]
    if figure.scenario:
        parts.append(cached_slugify(figure.scenario))
    return "/".join(parts)


def stated_precision(number: Decimal) -> Decimal:
    """Half a unit of the last digit a number was stated to: 55 -> 0.5, 55.4 -> 0.05, 1400 -> 0.5."""
    exponent = min(number.normalize().as_tuple().exponent, 0)
    return Decimal(5) * Decimal(10) ** (exponent - 1)


def rounded_precision(number: Decimal) -> Decimal:
    """Half a unit of the last non-zero digit, for an "about": about 1,800 -> 50, about 55 -> 0.5."""
    exponent = number.normalize().as_tuple().exponent
    return Decimal(5) * Decimal(10) ** (exponent - 1)


def interval(figure: Figure) -> tuple[Decimal | None, Decimal | None] | None:
    """What a figure admits once its qualifier and stated precision are honoured; None for an unknown, None ends are open.

    "about £55m" covers £54.5–55.5m; "£40m" covers £39.5–40.5m; "over £120m" covers £120m and up; "up to £45m" covers
    £45m and below; a range covers its two ends, each read at its stated precision.
    """
    from programmes.models import Qualifier

    bounds = figure.bounds
    if bounds is None:
        return None
    low, high = bounds
    slack = rounded_precision if figure.qualifier == Qualifier.APPROX else stated_precision
    low, high = low - slack(low), high + slack(high)
    if figure.qualifier == Qualifier.AT_LEAST:
        return (low, None)
    if figure.qualifier == Qualifier.AT_MOST:
        return (None, high)
    return (low, high)


def overlap(first: tuple[Decimal | None, Decimal | None], second: tuple[Decimal | None, Decimal | None]) -> bool:
    """Two intervals overlap unless one ends before the other begins; open ends reach as far as needed."""
    (low_a, high_a), (low_b, high_b) = first, second
    if high_a is not None and low_b is not None and high_a < low_b:
        return False
    return not (high_b is not None and low_a is not None and high_b < low_a)


def disagree(first: Figure, second: Figure) -> bool:
    """Two figures disagree when they state the same quantity, come from different claimants or publications, and cannot both be right.

    Rounding ("about £55m" against £55.4m) and bounds ("over £120m" against £121.2m) are not disagreements;
    figures a source says are unknown, and two figures one claimant stated in one publication, never are.
    """
    if first.pk == second.pk and first.pk is not None:
        return False
    if first.source_id == second.source_id and first.claimant_id == second.claimant_id:
        return False
    if quantity_key(first) != quantity_key(second):
        return False
    a, b = interval(first), interval(second)
    if a is None or b is None:
        return False
    return not overlap(a, b)


def disagreements(figures: Iterable[Figure]) -> dict[int, list[Figure]]:
    """For each figure that another disagrees with, the figures it disagrees with; compares only within a quantity."""
    groups: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        groups[quantity_key(figure)].append(figure)
    found: dict[int, list[Figure]] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        for figure in group:
            others = [other for other in group if disagree(figure, other)]
            if others:
                found[figure.pk] = others
    return found


def disagreeing(figures: Iterable[Figure]) -> set[int]:
    """The ids of the figures that another disagrees with: the keys of disagreements(), found in linear time instead of pair by pair.

    disagree() says two figures of one quantity disagree when they come from different (source, claimant) pairs and one's
    interval ends before the other's begins. So a figure disagrees with some other exactly when the lowest top, or the highest
    bottom, among the other pairs' intervals lies beyond its own. The first pass keeps those extremes for two pairs per quantity,
    the second compares each figure with them: figures is read twice (give a queryset or a list, not a generator), and memory
    grows with the number of quantities, not of figures, which keeps an export of a million rows flat.
    """
    tops: dict[str, list[tuple[Decimal, tuple]]] = defaultdict(list)
    bottoms: dict[str, list[tuple[Decimal, tuple]]] = defaultdict(list)
    for figure in figures:
        bounds = interval(figure)
        if bounds is None:
            continue
        key, pair = quantity_key(figure), (figure.source_id, figure.claimant_id)
        low, high = bounds
        if high is not None:
            keep_extremes(tops[key], high, pair, lowest=True)
        if low is not None:
            keep_extremes(bottoms[key], low, pair, lowest=False)
    found = set()
    for figure in figures:
        bounds = interval(figure)
        if bounds is None:
            continue
        key, pair = quantity_key(figure), (figure.source_id, figure.claimant_id)
        low, high = bounds
        top = next((value for value, other in tops.get(key, ()) if other != pair), None)
        bottom = next((value for value, other in bottoms.get(key, ()) if other != pair), None)
        if (low is not None and top is not None and top < low) or (high is not None and bottom is not None and bottom > high):
            found.add(figure.pk)
    return found


def keep_extremes(extremes: list[tuple[Decimal, tuple]], value: Decimal, pair: tuple, lowest: bool) -> None:
    """Keep, most extreme first, the extreme value of at most two different (source, claimant) pairs."""
    for index, (kept, kept_pair) in enumerate(extremes):
        if kept_pair == pair:
            if (value < kept) if lowest else (value > kept):
                extremes[index] = (value, pair)
                extremes.sort(key=lambda item: item[0], reverse=not lowest)
            return
    extremes.append((value, pair))
    extremes.sort(key=lambda item: item[0], reverse=not lowest)
    del extremes[2:]
