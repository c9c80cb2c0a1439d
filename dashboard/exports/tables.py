"""The published tables (contradictions in dashboard/exports/contradictions.py): their columns, filters and parameters; when they last changed."""

from __future__ import annotations

import datetime

from django.db.models import Exists, Expression, F, OuterRef, QuerySet, Subquery
from django.http import QueryDict
from django.utils.text import slugify

from dashboard.exports import sorting
from dashboard.exports.contradictions import CONTRADICTIONS
from dashboard.exports.filters import FLAG_VALUES, Query, in_requested_programmes, read_at
from dashboard.exports.schema import AS_AT, Column, ForeignKey, Parameter, Resource
from programmes.columns import FIGURE_COLUMNS, judgements_today
from programmes.models import (
    Basis,
    DatePrecision,
    Disagreement,
    Event,
    EventKind,
    Figure,
    Measure,
    Programme,
    ProgrammeAccount,
    ProgrammeKind,
    Source,
    SourceKind,
    Status,
    Unit,
)


def programme_parameters(noun: str) -> tuple[Parameter, ...]:
    return (
        Parameter("programme", f"{noun} of this programme (its slug). Repeat it for several programmes.", "a programme slug"),
        Parameter("include_children", "With 1, also the centres or clusters of the programmes given.", "0 or 1"),
    )


def choice_parameter(name: str, choices: type, noun: str) -> Parameter:
    return Parameter(name, f"{noun} with this {name}. Repeat it to allow several.", ", ".join(choices.values))


SOURCE_COLUMNS = (
    Column("id", "id", "integer", "The source's number on this site; figures.csv and events.csv refer to it as source_id.", True),
    Column("key", "key", "code", "Stable short name of the source.", True),
    Column("title", "title", "text", "Title as published.", True),
    Column("publisher", "publisher__name", "text", "Who published it.", True),
    Column("kind", "kind", "code", "What sort of publication it is.", True, tuple(SourceKind.values)),
    Column("published", "published", "date", "Publication date; for a month or a year only, the 1st (see date_precision).", True),
    Column("date_precision", "date_precision", "code", "How precisely the source is dated.", True, tuple(DatePrecision.values)),
    Column("url", "url", "text", "Link to the publication; blank where no online copy is known."),
    Column(
        "seed_file",
        "seed_file",
        "text",
        "The project's own name for its archived copy of the article, if it keeps one: a file name, not a publication.",
    ),
    Column("reference", "reference", "text", "Official reference, e.g. HC 16 2016-17."),
    Column("is_primary", "is_primary", "boolean", "false for a secondary source: an aggregator or mirror repeating others' figures.", True),
    Column("note", "note", "text", "A short caveat about the source itself."),
)


PROGRAMME_COLUMNS = (
    Column("slug", "slug", "code", "Short name used in web addresses and in the programme column of the other tables.", True),
    Column("name", "name", "text", "Full name.", True),
    Column("kind", "kind", "code", "A strategy, or a centre or cluster within one.", True, tuple(ProgrammeKind.values)),
    Column("parent", "parent__slug", "code", "Slug of the strategy this centre or cluster belongs to, or that this strategy revised."),
    Column("announced_by", "announced_by_id", "integer", "The first publication in the record about it (see sources.csv)."),
    Column("started", "started", "date", "When it was launched or began operating, as its account on the day read says.", computed=True),
    Column("ended", "ended", "date", "When it was replaced or wound up, as its account on the day read says.", computed=True),
    Column("summary", "summary", "text", "A few plain sentences about it: its account on the day read.", computed=True),
    Column(
        "summary_source_id",
        "summary_source_id",
        "integer",
        "The publication that account rests on (see sources.csv): the latest to have appeared by the day read.",
        computed=True,
    ),
)


EVENT_COLUMNS = (
    Column("id", "id", "integer", "The event's number on this site.", True),
    Column("key", "key", "code", "Identifier in the cited dataset; blank for an event entered by an editor."),
    Column("programme", "programme__slug", "code", "Slug of the programme.", True),
    Column("date", "date", "date", "When it happened; for a month or a year only, the 1st (see date_precision).", True),
    Column("date_precision", "date_precision", "code", "How precisely the date is known.", True, tuple(DatePrecision.values)),
    Column("kind", "kind", "code", "What sort of event.", True, tuple(EventKind.values)),
    Column("title", "title", "text", "Short label, as shown on charts.", True),
    Column("source_id", "source__id", "integer", "The publication that reports it (see sources.csv).", True),
    Column("note", "note", "text", "A short caveat."),
)


def select_figures(params: QueryDict) -> tuple[QuerySet, dict]:
    """Figures matching the query string, and the filters applied."""
    query = Query(params, FIGURES)
    as_at = query.as_at()
    figures = in_requested_programmes(query, read_at(Figure.objects.all(), as_at))
    for name, choices in (("measure", Measure), ("status", Status), ("basis", Basis), ("unit", Unit)):
        figures = query.chosen(figures, name, choices)
    if publishers := query.publishers("publisher"):
        figures = figures.filter(source__publisher__name__in=publishers)
    first, last = query.period()
    if first is not None or last is not None:
        figures = figures.overlapping(first, last)
    # Added with the figure explorer (/figures/), whose facets are these filters and whose address is this query.
    if claimants := query.claimants("claimant"):
        figures = figures.filter(claimant__name__in=claimants)
    scopes = query.texts("scope", Figure._meta.get_field("scope").max_length)
    if scopes:
        figures = figures.filter(scope__in=scopes)
    if (disagrees := query.choice("disagrees", FLAG_VALUES)) is not None:
        figures = disagreeing(figures, as_at, disagrees == "1")
    query.page("page")
    disagrees_then = None if as_at is None else figure_judgements(as_at)["disagrees"]
    return figures.order_by(*sorting.ordering(query.sort("sort", sorting.KEYS), disagrees_then)), query.applied


def select_sources(params: QueryDict) -> tuple[QuerySet, dict]:
    """Sources matching the query string, and the filters applied."""
    query = Query(params, SOURCES)
    sources = read_at(Source.objects.all(), query.as_at())
    if publishers := query.publishers("publisher"):
        sources = sources.filter(publisher__name__in=publishers)
    return query.chosen(sources, "kind", SourceKind), query.applied


def select_programmes(params: QueryDict) -> tuple[QuerySet, dict]:
    """Programmes announced by the day read (today: all), matching the query string, and the filters applied."""
    query = Query(params, PROGRAMMES)
    programmes = Programme.objects.announced_by(query.as_at())
    return query.chosen(programmes, "kind", ProgrammeKind), query.applied


def programme_accounts(as_at: datetime.date | None) -> dict[str, Expression]:
    """Each programme's summary, start and end from its account in force on the day (ProgrammeAccount.objects.in_force), and its source."""
    in_force = ProgrammeAccount.objects.filter(programme=OuterRef("pk")).as_at(as_at).order_by("-source__appeared_by", "-pk")
    return {name: Subquery(in_force.values(lookup)[:1]) for name, lookup in ACCOUNT_COLUMNS.items()}


ACCOUNT_COLUMNS = {"started": "started", "ended": "ended", "summary": "summary", "summary_source_id": "source_id"}


def select_events(params: QueryDict) -> tuple[QuerySet, dict]:
    """Events matching the query string, and the filters applied."""
    query = Query(params, EVENTS)
    events = in_requested_programmes(query, read_at(Event.objects.all(), query.as_at()))
    return query.chosen(events, "kind", EventKind), query.applied


def disagreeing(figures: QuerySet, as_at: datetime.date | None, flagged: bool) -> QuerySet:
    """The figures that another disagrees with (a ⚑: the stored flags, as they held on the date), or with flagged False those none does."""
    if as_at is None:
        return figures.filter(disagreement_count__gt=0) if flagged else figures.filter(disagreement_count=0)
    held = Exists(Disagreement.objects.held_on(as_at).filter(figure=OuterRef("pk")))
    return figures.filter(held if flagged else ~held)


def figure_judgements(as_at: datetime.date | None) -> dict[str, Expression]:
    """The quantity and disagreement columns, as stored on write (programmes/flags.py): nothing is compared on read.

    As at a past date, a figure disagrees when a stored disagreement already held then: the stored ones are the earliest,
    so if any disagreeing figure had appeared by that date, the first of them had.
    """
    if as_at is None:
        return judgements_today()
    return {"quantity": F("quantity"), "disagrees": Exists(Disagreement.objects.held_on(as_at).filter(figure=OuterRef("pk")))}


FIGURES = Resource(
    name="figures",
    title="Figures",
    description="Every figure: one value or range that one publication stated about one programme.",
    columns=FIGURE_COLUMNS,
    primary_key="id",
    select=select_figures,
    computed=figure_judgements,
    stored_line="stored_line__csv",
    parameters=(
        *programme_parameters("Figures"),
        choice_parameter("measure", Measure, "Figures"),
        choice_parameter("status", Status, "Figures"),
        choice_parameter("basis", Basis, "Figures"),
        choice_parameter("unit", Unit, "Figures"),
        Parameter(
            "publisher", "Figures from publications by this publisher (any case). Repeat it to allow several.", "a publisher in sources.csv"
        ),
        Parameter(
            "from",
            "Figures whose period reaches this financial year or later; an open end reaches the year its source was published in.",
            "a financial year, e.g. 2013-14",
        ),
        Parameter(
            "to", "Figures whose period reaches this financial year or earlier (the same rule).", "a financial year, not before from"
        ),
        AS_AT,
        Parameter("claimant", "Figures claimed by this organisation (any case). Repeat it to allow several.", "a claimant in figures.csv"),
        Parameter(
            "scope",
            "Figures with exactly this scope; scope= with nothing after it keeps the figures about a whole programme. "
            "Repeat it to allow several.",
            "a scope in figures.csv, or nothing",
        ),
        Parameter(
            "disagrees",
            "With 1, only the figures another figure of the same quantity disagrees with (those marked ⚑ on the site, and "
            "true in the disagrees column), as the record stood on as_at if given; with 0, only those none disagrees with.",
            "0 or 1",
        ),
        Parameter(
            "sort",
            "The order of the rows: a column, with a leading - for descending (sort=-value). value sorts a range by its low end, "
            "disagrees by how many figures disagree with each; blanks come last, ties in id order. Without it, id order.",
            "a column of figures.csv, optionally preceded by -",
        ),
        Parameter(
            "page",
            "Ignored by the downloads, which hold every row matching the filters: accepted so that any address of the "
            "figure explorer (/figures/?...) is also a download address.",
            "a whole number from 1",
        ),
    ),
    foreign_keys=(
        ForeignKey("programme", "programmes", "slug"),
        ForeignKey("source_id", "sources", "id"),
        ForeignKey("part_of", "", "id"),
    ),
    examples=(
        ("programme=ngss-2012&include_children=1", "Next Generation Shared Services with its two centres"),
        ("status=audited&measure=savings", "Audited savings"),
        ("from=2013-14&to=2015-16&unit=gbp_m", "Money figures whose period overlaps 2013-14 to 2015-16"),
        ("publisher=National+Audit+Office", "Figures from NAO reports"),
        ("claimant=Cabinet+Office&sort=-value", "The Cabinet Office's claims, largest first"),
        ("disagrees=1&as_at=2016-05-20", "The figures another disagreed with on 20 May 2016"),
    ),
)


SOURCES = Resource(
    name="sources",
    title="Sources",
    description="Every publication cited by a figure or an event.",
    columns=SOURCE_COLUMNS,
    primary_key="id",
    select=select_sources,
    parameters=(
        Parameter("publisher", "Sources by this publisher (any case). Repeat it to allow several.", "a publisher"),
        choice_parameter("kind", SourceKind, "Sources"),
        AS_AT,
    ),
    examples=(("kind=audit_report", "NAO and other audit reports"),),
)


PROGRAMMES = Resource(
    name="programmes",
    title="Programmes",
    description="The strategies, and the centres and clusters within them.",
    columns=PROGRAMME_COLUMNS,
    primary_key="slug",
    select=select_programmes,
    computed=programme_accounts,
    parameters=(choice_parameter("kind", ProgrammeKind, "Programmes"), AS_AT),
    foreign_keys=(
        ForeignKey("parent", "", "slug"),
        ForeignKey("announced_by", "sources", "id"),
        ForeignKey("summary_source_id", "sources", "id"),
    ),
    examples=(("kind=cluster", "The five clusters"),),
)


EVENTS = Resource(
    name="events",
    title="Events",
    description="Dated milestones: launches, deadlines moved, departures, reports.",
    columns=EVENT_COLUMNS,
    primary_key="id",
    select=select_events,
    parameters=(*programme_parameters("Events"), choice_parameter("kind", EventKind, "Events"), AS_AT),
    foreign_keys=(ForeignKey("programme", "programmes", "slug"), ForeignKey("source_id", "sources", "id")),
    examples=(("programme=gss-2018&include_children=1", "Events of the 2018 strategy and its cluster model"),),
)


RESOURCES = {resource.name: resource for resource in (FIGURES, SOURCES, PROGRAMMES, EVENTS, CONTRADICTIONS)}


def filename(resource: Resource, applied: dict, extension: str) -> str:
    """A download name that says what was filtered: figures_programme-ngss-2012_include-children.csv."""
    parts = [resource.name]
    for parameter in resource.parameters:
        value = applied.get(parameter.name)
        if value is True:
            parts.append(slugify(parameter.name))
        elif isinstance(value, list):
            parts.append(slugify(f"{parameter.name}-{'-'.join(value)}"))
        elif value:
            parts.append(slugify(f"{parameter.name}-{value}"))
    # Long enough to tell downloads apart, short enough for every file system.
    return "_".join(parts)[:150] + f".{extension}"
