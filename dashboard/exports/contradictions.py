"""The contradictions table: one row for each side of each contradiction between sources, with the publication that said it."""

from __future__ import annotations

import datetime

from django.db.models import Case, Exists, Expression, F, OuterRef, QuerySet, StringAgg, Subquery, TextField, Value, When
from django.http import QueryDict

from dashboard.exports.filters import Query
from dashboard.exports.schema import AS_AT, Column, ForeignKey, Parameter, Resource
from programmes.models import Contradiction, ContradictionProgramme, ContradictionSide

CONTRADICTION_COLUMNS = (
    Column("id", "id", "integer", "The side's number on this site: one row for each thing one publication said.", True),
    Column("contradiction", "contradiction__key", "code", "Short name of the contradiction; its rows are its sides.", True),
    Column("title", "contradiction__title", "text", "What the sources disagree on.", True),
    Column(
        "programmes",
        "programmes",
        "text",
        "Slugs of the programmes it touches, separated by spaces (see programmes.csv); each of their pages shows it.",
        True,
        computed=True,
    ),
    Column(
        "description",
        "contradiction__description",
        "text",
        "Why the sources differ, or why they cannot all be right. As at a date before every side had appeared, blank: it speaks of them all.",
        computed=True,
    ),
    Column("position", "position", "integer", "Order of this side among the contradiction's sides.", True),
    Column("claimant", "claimant__name", "text", "Who said it, which may not be who published it.", True),
    Column("says", "says", "text", "What this side says, with its value or wording as published.", True),
    Column("source_id", "source__id", "integer", "The publication that says it (see sources.csv).", True),
    Column("figure", "figure__key", "code", "Key of the figure that records it (see figures.csv), if one does."),
    Column("event", "event__key", "code", "Key of the event that records it (see events.csv), if one does."),
)


def select_contradictions(params: QueryDict) -> tuple[QuerySet, dict]:
    """The sides of the contradictions matching the query string, and the filters applied.

    As at a date: only contradictions at least two of whose publications had appeared, and only the sides that had.
    """
    query = Query(params, CONTRADICTIONS)
    as_at = query.as_at()
    contradictions = Contradiction.objects.as_at(as_at)
    if programmes := query.programmes("programme"):
        contradictions = contradictions.filter(touches__programme__in=programmes)
    sides = ContradictionSide.objects.filter(contradiction__in=contradictions.values("pk"))
    if as_at is not None:
        sides = sides.filter(source__appeared_by__lte=as_at)
    return sides.order_by("contradiction__title", "contradiction_id", "position", "id"), query.applied


def contradiction_judgements(as_at: datetime.date | None) -> dict[str, Expression]:
    """The programmes each side's contradiction touches, as one cell; and its description, once every side had appeared."""
    touched = (
        ContradictionProgramme.objects.filter(contradiction=OuterRef("contradiction"))
        .order_by()
        .values("contradiction")
        .annotate(slugs=StringAgg("programme__slug", delimiter=Value(" ")))
        .values("slugs")
    )
    description = F("contradiction__description")
    if as_at is not None:
        later = ContradictionSide.objects.filter(contradiction=OuterRef("contradiction"), source__appeared_by__gt=as_at)
        description = Case(When(Exists(later), then=Value("")), default=description, output_field=TextField())
    return {"programmes": Subquery(touched), "description": description}


CONTRADICTIONS = Resource(
    name="contradictions",
    title="Contradictions",
    description="Where the sources disagree, in words: one row for each side of each contradiction, with the publication that said it.",
    columns=CONTRADICTION_COLUMNS,
    primary_key="id",
    select=select_contradictions,
    computed=contradiction_judgements,
    parameters=(
        Parameter("programme", "Contradictions touching this programme (its slug). Repeat it for several programmes.", "a programme slug"),
        Parameter(
            "as_at",
            "The contradictions as they stood on this day: those at least two of whose publications had appeared by then, with "
            "only the sides that had (a publication dated to a month or a year counts from its last day).",
            AS_AT.allowed,
        ),
    ),
    foreign_keys=(ForeignKey("source_id", "sources", "id"),),
    examples=(("programme=issc2", "What the sources disagree on about the second independent centre"),),
)
