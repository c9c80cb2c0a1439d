"""What each page asks the database for: the few figures a card can pick (programmes/candidates.py, stored on write for
today's record), and the figures each chart draws.

A page loads what it shows, never a programme's whole table: the rules (programmes/rules/) then judge those few
figures in Python, exactly as they would judge them all.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from programmes import rules
from programmes.candidates import pick_candidates
from programmes.models import Basis, Figure, Measure, Qualifier, Status, Unit


def picked_figures(figures: QuerySet[Figure], as_at: datetime.date | None) -> QuerySet[Figure]:
    """The candidates among these figures (pick_candidates): today the ones stored on write, an indexed read; as at a
    past date, asked of the figures visible then."""
    if as_at is None:
        return figures.filter(pick_candidate=True)
    return pick_candidates(figures.as_at(as_at))


# Which figures each programme chart draws (dashboard/charts): the chart is drawn figure by figure up to
# as many as can be read (charts.to_aggregate), and aggregated beyond.
TOTALS = rules.TOTAL_BASES
# rules.is_claim and rules.is_finding, as far as SQL can say it: the figures the claims-against-findings chart pairs
# (the rules decide; this only keeps the rest out of memory).
# Unknowns and parts stay in: the chart's summary says why a strategy has no pair (e.g. auditors found the amount not known).
TESTABLE = Q(unit=Unit.GBP_M, measure__in=list(rules.OUTCOME_MEASURES))

CHART_FIGURES = {
    "savings-annual": Q(measure=Measure.SAVINGS, unit=Unit.GBP_M, basis=Basis.ANNUAL),
    "savings-total": Q(measure=Measure.SAVINGS, unit=Unit.GBP_M, basis__in=TOTALS),
    "restatements": Q(measure=Measure.SAVINGS, unit=Unit.GBP_M, basis__in=(Basis.ANNUAL, *TOTALS)),
    # rules.net_pairs: known savings and investment totals in £ over a stated period, not parts; and stated nets beside them.
    "money": (
        Q(measure__in=(Measure.SAVINGS, Measure.INVESTMENT), unit=Unit.GBP_M, basis__in=TOTALS, part_of__isnull=True)
        & ~Q(qualifier=Qualifier.UNKNOWN)
        & ~Q(period_start__isnull=True, period_end__isnull=True)
    )
    | Q(measure=Measure.NET_BENEFIT, unit=Unit.GBP_M),
    "funding": Q(measure__in=(Measure.FUNDING_REQUESTED, Measure.FUNDING_APPROVED, Measure.FUNDING_GAP), unit=Unit.GBP_M),
    "deadlines": Q(measure=Measure.DEADLINE, unit=Unit.YEAR) & ~Q(qualifier=Qualifier.UNKNOWN),
}


def with_a_finding(figures: QuerySet[Figure], as_at: datetime.date | None) -> QuerySet[Figure]:
    """The figures of like-for-like keys that hold an audited figure visible at the date: rules.claims_against_findings
    pairs nothing else, and most claims are never audited (at 100,000 figures a programme's chart read 66,000 claims to
    pair none). The stored key is indexed with the status."""
    audited = Figure.objects.as_at(as_at).filter(status=Status.AUDITED, like_for_like=OuterRef("like_for_like"))
    return figures.filter(Exists(audited))
