"""When a figure was stated, and whether it speaks of a period still to come."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from programmes import fiscal
from programmes.choices import PROJECTION_STATUSES, Horizon, Measure

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
    if figure.status in PROJECTION_STATUSES or looks_ahead(figure):
        return Horizon.PROJECTION
    return Horizon.OUTTURN
