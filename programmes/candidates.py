"""The figures the rules could pick for a card line or a chart's summary (pick_candidates), and that choice stored on
write for today's record, as the ⚑ flags are (programmes/flags.py).

Picking from a programme's every figure took seconds at 100,000 figures (two window sorts over all of them on every
cold page), so each figure stores whether it is a candidate today (Figure.pick_candidate). A figure competes only with
the figures of its programme, measure, status, basis and unit, which its quantity spells (rules.quantity_key), so a
write recomputes the groups of the quantities it touched, with the same SQL a page asked before; a page shown as at a
past date still asks pick_candidates of the figures visible then.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

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
from programmes.models import Figure, Measure, Programme, Qualifier, SpeaksFor

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


# Groups recomputed per query: bounds the OR of the query and the memory of one step.
GROUPS_AT_ONCE = 200
# Programmes recomputed per query by refresh_all: few enough that one query's sorts stay small.
PROGRAMMES_AT_ONCE = 50
# Where quantity_key puts the parts that make a group: programme, then (after the scope) measure, status, basis, unit.
GROUP_PARTS = (0, 2, 3, 4, 5)


def groups_of(quantities: Iterable[str]) -> set[tuple[str, ...]]:
    """The groups (programme slug, measure, status, basis, unit) these quantities belong to."""
    parts = (quantity.split("/") for quantity in quantities if quantity)
    return {tuple(part[n] for n in GROUP_PARTS) for part in parts if len(part) > max(GROUP_PARTS)}


def refresh(quantities: Iterable[str]) -> None:
    """Recompute the stored candidates of every group these quantities belong to (called by flags.refresh)."""
    groups = sorted(groups_of(quantities))
    ids = dict(Programme.objects.filter(slug__in={group[0] for group in groups}).values_list("slug", "pk"))
    for start in range(0, len(groups), GROUPS_AT_ONCE):
        chosen = [
            Q(programme_id=ids[slug], measure=measure, status=status, basis=basis, unit=unit)
            for slug, measure, status, basis, unit in groups[start : start + GROUPS_AT_ONCE]
            if slug in ids
        ]
        if chosen:
            # The programmes first: an OR of equalities alone is no index lookup, and SQLite would read the whole table.
            store(
                Q(programme_id__in={ids[group[0]] for group in groups[start : start + GROUPS_AT_ONCE] if group[0] in ids})
                & reduce(or_, chosen)
            )


def refresh_all() -> None:
    """Recompute every stored candidate, PROGRAMMES_AT_ONCE programmes at a time: after a bulk load that went around save()."""
    programmes = list(Programme.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(programmes), PROGRAMMES_AT_ONCE):
        store(Q(programme_id__in=programmes[start : start + PROGRAMMES_AT_ONCE]))


def store(group: Q) -> None:
    """Mark exactly pick_candidates of these figures as candidates. A plain update: derived, so no version and no history."""
    figures = Figure.objects.filter(group)
    chosen = list(pick_candidates(figures).values_list("pk", flat=True))
    figures.filter(pick_candidate=True).exclude(pk__in=chosen).update(pick_candidate=False)
    for start in range(0, len(chosen), 2000):
        Figure.objects.filter(pk__in=chosen[start : start + 2000], pick_candidate=False).update(pick_candidate=True)
