"""What a figure states and what it admits: its quantity, its interval, and when two figures disagree."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.text import slugify

from programmes import fiscal
from programmes.choices import Qualifier

if TYPE_CHECKING:
    from programmes.models import Figure

# "over 25" and "at least 25" admit the same bound: 25 is itself a rounded number, so "over" cannot exclude it.
LOWER_BOUNDS = (Qualifier.OVER, Qualifier.AT_LEAST)

# The least and most a figure admits; None is an open end.
Interval = tuple[Decimal | None, Decimal | None]

# Scopes and scenarios repeat across thousands of figures; an export of a million rows slugifies each once.
cached_slugify = functools.lru_cache(maxsize=4096)(slugify)


def quantity_key(figure: Figure) -> str:
    """Figures state the same quantity when they share programme, scope, measure, status, basis, unit, stated period, scenario and milestone.

    The key spells those out, so that an analyst can group by it: ngss-2012/whole/savings/audited/cumulative/gbp_m/2013-14..2015-16.
    """
    return "/".join(quantity_parts(figure))


def duplicate_lookup(figure: Figure) -> dict[str, object]:
    """Two figures are likely duplicates when they state the same quantity (quantity_key, which begins with the programme),
    from the same source, with the same value; saving one takes the editor's word that it is a separate figure."""
    return {
        "quantity": quantity_key(figure),
        "source": figure.source_id,
        "qualifier": figure.qualifier,
        "value": figure.value,
        "value_low": figure.value_low,
        "value_high": figure.value_high,
    }


def quantity_parts(figure: Figure, with_status: bool = True) -> list[str]:
    """The parts of quantity_key, in order; without the status they say what two figures of different status are about."""
    period = f"{fiscal.label(figure.period_start) or '?'}..{fiscal.label(figure.period_end) or '?'}"
    if figure.period_start is None and figure.period_end is None:
        # "15 years" and "programme life" are stated periods, though of no financial years: never the same as a period
        # the source leaves unstated. Migration 0007 keys figures of a schema that had neither field yet.
        years = getattr(figure, "period_years", None)
        period = f"{years}-years" if years else "lifetime" if getattr(figure, "period_as_published", "").strip() else "unstated"
    parts = [
        figure.programme.slug,
        cached_slugify(figure.scope) or "whole",
        figure.measure,
        *([figure.status] if with_status else []),
        figure.basis,
        figure.unit,
        period,
    ]
    if figure.scenario:
        parts.append(cached_slugify(figure.scenario))
    # Deadlines for different milestones are different things due, never one deadline stated twice (rules.milestones).
    # Migration 0007 keys figures of a schema that had no milestone yet: those have none.
    if milestone := getattr(figure, "milestone", ""):
        parts.append(f"for-{cached_slugify(milestone)}")
    return parts


def stated_precision(number: Decimal) -> Decimal:
    """Half a unit of the last digit a number was stated to: 55 -> 0.5, 55.4 -> 0.05, 1400 -> 0.5."""
    exponent = min(number.normalize().as_tuple().exponent, 0)
    return Decimal(5) * Decimal(10) ** (exponent - 1)


def rounded_precision(number: Decimal) -> Decimal:
    """Half a unit of the last non-zero digit, for an "about": about 1,800 -> 50, about 55 -> 0.5."""
    exponent = number.normalize().as_tuple().exponent
    return Decimal(5) * Decimal(10) ** (exponent - 1)


def interval(figure: Figure) -> Interval | None:
    """What a figure admits once its qualifier and stated precision are honoured; None for an unknown, None ends are open.

    "about £55m" covers £54.5–55.5m; "£40m" covers £39.5–40.5m; "over £120m" covers £120m and up; "up to £45m" covers
    £45m and below; a range covers its two ends, each read at its stated precision.
    """
    return interval_of(figure.bounds, figure.qualifier)


def interval_of(bounds: tuple[Decimal, Decimal] | None, qualifier: str) -> Interval | None:
    """interval() for stored columns, without a Figure: bounds as Figure.bounds gives them."""
    if bounds is None:
        return None
    low, high = bounds
    slack = rounded_precision if qualifier == Qualifier.APPROX else stated_precision
    low, high = low - slack(low), high + slack(high)
    if qualifier in LOWER_BOUNDS:
        return (low, None)
    if qualifier == Qualifier.AT_MOST:
        return (None, high)
    return (low, high)


def overlap(first: Interval, second: Interval) -> bool:
    """Two intervals overlap unless one ends before the other begins; open ends reach as far as needed."""
    (low_a, high_a), (low_b, high_b) = first, second
    if high_a is not None and low_b is not None and high_a < low_b:
        return False
    return not (high_b is not None and low_a is not None and high_b < low_a)


def disagree(first: Figure, second: Figure) -> bool:
    """Two figures disagree when they state the same quantity, come from different claimants or publications, and cannot both be right.

    Rounding ("about £55m" against £55.4m) and bounds ("over £120m" against £121.2m) are not disagreements;
    figures a source says are unknown, two figures one claimant stated in one publication, and a part against
    its total (or two parts of one total) never are.
    """
    if not disagree_within_quantity(first, second, interval(first), interval(second)):
        return False
    return quantity_key(first) == quantity_key(second)


def disagree_within_quantity(first: Figure, second: Figure, first_interval: Interval | None, second_interval: Interval | None) -> bool:
    """disagree() for two figures already known to state one quantity, given their intervals: all of the rule but the quantity_key."""
    # programmes/flags.py and rules.sweep ask this of pairs of one quantity, with intervals read from stored columns.
    if never_compared(first, second) or first_interval is None or second_interval is None:
        return False
    return not overlap(first_interval, second_interval)


def never_compared(first: Figure, second: Figure) -> bool:
    """Figures are never set against each other, whatever their values, when they are one figure, one claimant's statement in one publication, a revision, a part and its total, or two parts of one total."""
    if first is second or (first.pk == second.pk and first.pk is not None):
        return True
    if first.source_id == second.source_id and first.claimant_id == second.claimant_id:
        return True
    if is_part_of(first, second) or is_part_of(second, first):
        return True
    # A revised forecast replaces an earlier estimate; set beside the estimate (or a copy of it) it is a revision, not
    # two sources disagreeing.
    if first.revises_id is not None or second.revises_id is not None:
        return True
    return first.part_of_id is not None and first.part_of_id == second.part_of_id


def is_part_of(part: Figure, total: Figure) -> bool:
    """A figure is part of another when it was recorded as one component of the sum that the other states."""
    return part.part_of_id is not None and part.part_of_id == total.pk
