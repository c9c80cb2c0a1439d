"""The judgements the site makes about figures, each stated in one sentence a reader can check.

Charts, pages, exports, the admin and the tests call these; none of them re-implements a rule.
"""

from __future__ import annotations

import datetime
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


def quantity_key(figure: Figure) -> str:
    """Figures state the same quantity when they share programme, scope, measure, status, basis, unit, stated period and scenario.

    The key spells those out, so that an analyst can group by it: ngss-2012/whole/savings/audited/cumulative/gbp_m/2013-14..2015-16.
    """
    period = f"{fiscal.label(figure.period_start) or '?'}..{fiscal.label(figure.period_end) or '?'}"
    if figure.period_start is None and figure.period_end is None:
        period = "unstated"
    parts = [
        figure.programme.slug,
        slugify(figure.scope) or "whole",
        figure.measure,
        figure.status,
        figure.basis,
        figure.unit,
        period,
    ]
    if figure.scenario:
        parts.append(slugify(figure.scenario))
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


def same_quantity(figure: Figure) -> list[tuple[Figure, bool]]:
    """The other figures that state this figure's quantity (quantity_key), each with whether it disagrees with this one."""
    from programmes.models import Figure

    if figure.pk is None:
        return []
    candidates = (
        Figure.objects.with_related()
        .filter(programme=figure.programme_id, measure=figure.measure, status=figure.status, basis=figure.basis, unit=figure.unit)
        .filter(period_start=figure.period_start, period_end=figure.period_end)
        .exclude(pk=figure.pk)
        .order_by("source__published", "pk")
    )
    key = quantity_key(figure)
    return [(other, disagree(figure, other)) for other in candidates if quantity_key(other) == key]


# The units each measure may be stated in; the first is the one an "unknown" of that measure is recorded in.
# Money measures may also be a percentage (a savings rate, an investment change against plan).
MONEY = ("gbp_m", "percent")
MEASURE_UNITS = {
    Measure.SAVINGS: MONEY,
    Measure.SAVINGS_NPV: MONEY,
    Measure.SAVINGS_RATE: ("percent",),
    Measure.INVESTMENT: MONEY,
    Measure.COST_OVERRUN: MONEY,
    Measure.NET_BENEFIT: MONEY,
    Measure.FUNDING_REQUESTED: MONEY,
    Measure.FUNDING_APPROVED: MONEY,
    Measure.FUNDING_GAP: MONEY,
    Measure.BASELINE_COST: MONEY,
    Measure.UNIT_COST: ("gbp_per_fte",),
    Measure.CONTRACT_VALUE: MONEY,
    Measure.CONTRACT_TERM: ("years", "months"),
    Measure.REVENUE: MONEY,
    Measure.PROCEEDS: MONEY,
    Measure.WRITE_OFF: MONEY,
    Measure.COVERAGE: ("count", "percent"),
    Measure.DELAY: ("months", "years"),
    Measure.DEADLINE: ("year",),
}
# A net benefit is savings less costs and is negative when costs won; every other sum of money is a size.
SIGNED_MONEY = frozenset({Measure.NET_BENEFIT})
# Percentages of a change against plan can fall (investment 33% below plan) or more than double.
PERCENT_CHANGE_MEASURES = frozenset({Measure.INVESTMENT, Measure.COST_OVERRUN})
# (lowest, highest, what to type): the widest any government programme in this record states, with room to spare.
UNIT_LIMITS = {
    "gbp_m": (Decimal(0), Decimal(100_000), "money in £ millions, up to £100bn: type £1.4bn or £400m"),
    "percent": (Decimal(0), Decimal(100), "a percentage between 0% and 100%"),
    "count": (Decimal(0), Decimal(10_000_000), "a whole count up to 10,000,000"),
    "year": (Decimal(1990), Decimal(2060), "a calendar year between 1990 and 2060, e.g. 2028"),
    "years": (Decimal(0), Decimal(50), "a duration up to 50 years, e.g. 7 years"),
    "months": (Decimal(0), Decimal(600), "a duration up to 600 months, e.g. 18 months"),
    "gbp_per_fte": (Decimal(0), Decimal(1_000_000), "a cost per person in pounds up to £1,000,000, e.g. £920 per FTE"),
}
WHOLE_UNITS = frozenset({"count", "year"})


def limits(measure: str, unit: str) -> tuple[Decimal, Decimal, str]:
    """The plausible range of a figure of this measure in this unit, and what the editor should type."""
    low, high, hint = UNIT_LIMITS[unit]
    if unit == "gbp_m" and measure in SIGNED_MONEY:
        return (-high, high, "a net benefit in £ millions between -£100bn and £100bn; a net cost is negative, e.g. -£81m")
    if unit == "percent" and measure in PERCENT_CHANGE_MEASURES:
        return (Decimal(-100), Decimal(1000), "a change against plan between -100% and 1000%, e.g. -33%")
    return (low, high, hint)


def implausible(figure: Figure) -> str | None:
    """Why a figure's unit or numbers cannot be what a source stated, in words that say what to type; None when plausible.

    Each measure has its units (MEASURE_UNITS); each unit a range (UNIT_LIMITS): years 1990–2060, percentages 0–100
    (a change against plan -100–1000), money non-negative except a net benefit and at most £100bn, counts whole and
    at most 10 million.
    """
    allowed = MEASURE_UNITS.get(figure.measure)
    if allowed and figure.unit not in allowed:
        names = " or ".join(UNIT_WORDS[unit] for unit in allowed)
        return f"A {Measure(figure.measure).label.lower()} figure is stated in {names}."
    if figure.unit not in UNIT_LIMITS:
        return None
    low, high, hint = limits(figure.measure, figure.unit)
    for number in (figure.value, figure.value_low, figure.value_high):
        if number is None:
            continue
        if not low <= number <= high or (figure.unit in WHOLE_UNITS and number != number.to_integral_value()):
            return f"{number.normalize():f} is not plausible here: type {hint}."
    return None


UNIT_WORDS = {
    "gbp_m": "£ millions (£115m, £1.4bn)",
    "percent": "percent (15%)",
    "count": "a plain count (1,000)",
    "year": "a calendar year (2028)",
    "years": "years (7 years)",
    "months": "months (18 months)",
    "gbp_per_fte": "pounds per person (£920 per FTE)",
}
