"""Whether a figure's unit and numbers can be what a source stated, and what to type when not."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from programmes.choices import Measure

if TYPE_CHECKING:
    from programmes.models import Figure

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
