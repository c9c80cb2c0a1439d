"""What each page asks the database for: the few figures a card can pick, and the figures each chart draws.

A page loads what it shows, never a programme's whole table: the rules (programmes/rules/) then judge those few
figures in Python, exactly as they would judge them all.
"""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear, RowNumber

from programmes import rules
from programmes.models import Basis, Measure, Qualifier, SpeaksFor, Unit

# The measures a card line or a savings chart's summary picks from (rules.headlines, rules.promised and the rest).
PICKED_MEASURES = (*rules.SAVINGS_MEASURES, Measure.SAVINGS_NPV, Measure.INVESTMENT, Measure.NET_BENEFIT)


def with_looks_ahead(figures: QuerySet) -> QuerySet:
    """The figures annotated `looks_ahead`: rules.looks_ahead in SQL, an outcome whose period's last financial year began
    (on 1 April) after its source appeared. Dates are compared as numbers, yyyymmdd, which every database computes alike;
    tests/dashboard/test_selections.py holds it to the rule."""
    first_day = ExpressionWrapper(F("period_end") * 10000 + 401, output_field=IntegerField())
    day = "source__appeared_by"
    appeared = ExpressionWrapper(ExtractYear(day) * 10000 + ExtractMonth(day) * 100 + ExtractDay(day), output_field=IntegerField())
    ahead = Q(measure__in=rules.OUTCOME_MEASURES, period_end__isnull=False, period_begins__gt=F("appeared_on"))
    return figures.annotate(period_begins=first_day, appeared_on=appeared).annotate(
        looks_ahead=Case(When(ahead, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def preferred(condition: Q) -> Case:
    """1 for a figure rules.pick prefers on this count, 0 otherwise: sorted descending, the preferred come first."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def pick_candidates(figures: QuerySet) -> QuerySet:
    """The figures among these that rules.choose can take for any card line or chart summary, whatever the bases and units asked.

    rules.choose keeps the figures of a line's measures, statuses, bases and units (only deliveries, for a delivered
    line) that are not parts of a larger sum, nor estimates a later figure revises, nor a customer's own or another
    quantity; it looks first at the whole-programme figures that stand alone, then at whole-programme scenarios, then at
    the figures for some of its members. Within each it keeps the known ones if any, then the statements themselves,
    then the official: the best there is. It takes the first or the latest stated of those, then the most assured
    status, then the lowest id. So of the figures alike in what selects them (programme, measure, status, basis, unit,
    for claims and audits whether they are a delivery, what they cover, their scenario), choose can only return the
    earliest or the latest of the best preferred, lowest id first on a day: two per group, and the groups are few however
    many figures there are. With those, the rules choose exactly what they would choose from every figure
    (tests/dashboard/test_selections.py checks it on the real record and on random groups).
    """
    delivered = Q(status__in=rules.DELIVERED_STATUSES)
    alike = [
        F("programme_id"),
        F("measure"),
        F("status"),
        F("basis"),
        F("unit"),
        # rules.is_delivery: a claim or an audit of an outturn that does not look ahead.
        Case(When(delivered, then=F("horizon")), default=Value(""), output_field=CharField()),
        Case(When(delivered, then=F("looks_ahead")), default=Value(False), output_field=BooleanField()),
        # rules.choose looks at the whole programme, then its scenarios, then its members: each is a group of its own.
        preferred(Q(speaks_for__in=rules.SPEAKS_FOR_WHOLE)),
        F("scenario"),
    ]
    best = [
        preferred(~Q(qualifier=Qualifier.UNKNOWN)).desc(),
        preferred(Q(source__is_primary=True) | Q(source__kind__in=rules.OFFICIAL_KINDS)).desc(),
        preferred(Q(source__kind__in=rules.OFFICIAL_KINDS)).desc(),
    ]
    day = F("source__appeared_by")
    # rules.unrevised: an estimate that a figure of the same measure, status, basis and unit revises never speaks.
    revised = Exists(
        figures.model.objects.filter(
            revises=OuterRef("pk"), measure=OuterRef("measure"), status=OuterRef("status"), basis=OuterRef("basis"), unit=OuterRef("unit")
        )
    )
    speaking = figures.filter(
        measure__in=PICKED_MEASURES, part_of__isnull=True, speaks_for__in=(*rules.SPEAKS_FOR_WHOLE, SpeaksFor.MEMBERS)
    ).exclude(~Q(speaks_for__in=rules.SPEAKS_FOR_WHOLE) & ~Q(scenario=""))
    return (
        with_looks_ahead(speaking.exclude(revised))
        .annotate(
            earliest=Window(RowNumber(), partition_by=alike, order_by=[*best, day.asc(), F("pk").asc()]),
            latest=Window(RowNumber(), partition_by=alike, order_by=[*best, day.desc(), F("pk").asc()]),
        )
        .filter(Q(earliest=1) | Q(latest=1))
    )


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
