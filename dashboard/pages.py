"""What the public pages show, as plain data: the presenters the views (and the admin's Preview) call.

Each page asks the database for what it shows: the few figures a card can pick (candidates.pick_candidates, stored on write), each
chart's figures or, when too many to draw one by one, its aggregates, and one page of each table, with the ⚑ flags
stored on write for just those rows. So a page costs the same number of queries however many figures there are.
A presenter takes data (a programme, a date, the query's parameters), never a request.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import QueryDict
from django.urls import reverse

from dashboard import charts
from dashboard.charts import Chart
from dashboard.selections import CHART_FIGURES, TESTABLE, picked_figures, with_a_finding
from programmes import rules
from programmes.flags import held_count
from programmes.models import (
    Basis,
    Contradiction,
    ContradictionQuerySet,
    ContradictionSide,
    Event,
    Figure,
    Measure,
    Programme,
    ProgrammeAccount,
    Shown,
    Source,
    Status,
    Unit,
    shown_as_at,
)

# Figures per page of a table: a page stays small whatever the data; the full list is the CSV.
PAGE_SIZE = 50
# ?page=all: a table on one page, to print it whole (choose_page), up to this many rows.
WHOLE_TABLE = "all"
WHOLE_TABLE_ROWS = 2_000
# Sources per page of /sources/: one row each, so a page of them weighs about what 50 figures do.
SOURCES_PAGE_SIZE = 100
# Other lists a page shows in full when short (unknowns, coverage, centres and clusters, events, parts): beyond this,
# the first ones and how many there are in all, with a link to where every one is listed.
LIST_LIMIT = 50
# Strategies per page of `/`: each is a card, up to four marks in each of the two charts and rows in its table.
OVERVIEW_PAGE_SIZE = 10
# Centres and clusters listed under each strategy in `/`'s table; its own page lists more.
CHILDREN_SHOWN = 20
# The figures export's filters a programme page's figure table offers; the table's CSV link is that export query.
TABLE_FILTERS = ("status", "measure", "basis", "unit")


def share_related(figures: list[Figure]) -> list[Figure]:
    """The figures, made to share one instance of each programme, source and organisation they refer to.

    select_related gives every row its own copies; the cached data pickles a shared instance once, which makes it smaller.
    """
    seen: dict[tuple[type, int], object] = {}

    def one[M](instance: M) -> M:
        return seen.setdefault((type(instance), instance.pk), instance)

    for figure in figures:
        figure.programme = one(figure.programme)
        figure.claimant = one(figure.claimant)
        figure.source = one(figure.source)
        figure.source.publisher = one(figure.source.publisher)
    return figures


def first_of[M](queryset: QuerySet, limit: int = LIST_LIMIT) -> tuple[list[M], int]:
    """The first `limit` rows and how many there are in all, in one query: each row carries the total (a window count)."""
    rows = list(queryset.annotate(rows_in_all=Window(Count("pk")))[:limit])
    return rows, rows[0].rows_in_all if rows else 0


def candidates_by_programme(programmes: list[Programme], as_at: datetime.date | None) -> dict[int, list[Figure]]:
    """For each of these programmes, the figures a card or a savings summary can pick (candidates.pick_candidates), in one query."""
    by_programme: dict[int, list[Figure]] = {p.pk: [] for p in programmes}
    figures = Figure.objects.with_related().filter(programme__in=programmes)
    for figure in share_related(list(picked_figures(figures, as_at).order_by("pk"))):
        by_programme[figure.programme_id].append(figure)
    return by_programme


def overview_charts(
    programmes: list[Programme],
    figures: dict[int, list[Figure]] | None = None,
    as_at: datetime.date | None = None,
    page_number: int = 1,
) -> list[Chart]:
    """The overview's charts: each strategy's figures for the strategy as a whole (a centre's figure speaks for the centre)."""
    strategies = [p for p in programmes if p.kind == Programme.Kind.STRATEGY]
    figures = candidates_by_programme(strategies, as_at) if figures is None else figures
    by_strategy = {p.name: figures[p.pk] for p in strategies}
    flagged = charts.flags([f for group in by_strategy.values() for f in group], as_at)
    built = [charts.build_overview_chart(by_strategy, basis, flagged) for basis in (Basis.ANNUAL, Basis.CUMULATIVE)]
    testable = {p.name: [] for p in strategies}
    names = {p.pk: p.name for p in strategies}
    for figure in share_related(list(Figure.objects.as_at(as_at).with_related().filter(TESTABLE, programme__in=strategies))):
        testable[names[figure.programme_id]].append(figure)
    built.append(charts.build_findings_overview(testable, as_at))
    built = [chart for chart in built if chart is not None]
    for chart in built:
        on_page = f"?page={page_number}" if page_number > 1 else ""
        chart.csv_url = reverse("dashboard:overview-chart-csv", args=[chart.id]) + on_page
        chart.embed_url = reverse("dashboard:overview-embed", args=[chart.id]) + on_page
        chart.cite_url = reverse("dashboard:overview-cite") + on_page + f"#{chart.anchor}"
    return built


def overview_page(programmes: list[Programme], as_at: datetime.date | None, page_number: int = 1) -> dict:
    """The part of `/` that needs figures (the strategies' cards and the charts), built once per change stamp."""
    strategies = [p for p in programmes if p.kind == Programme.Kind.STRATEGY]
    figures = candidates_by_programme(strategies, as_at)
    accounts = ProgrammeAccount.objects.in_force_for(strategies, as_at)
    cards = [{"programme": p, "account": accounts.get(p.pk), "headlines": rules.headlines(figures[p.pk])} for p in strategies]
    return {"cards": cards, "charts": overview_charts(programmes, figures, as_at, page_number)}


def programme_charts(
    programme: Programme,
    as_at: datetime.date | None = None,
    picked: list[Figure] | None = None,
    events: list[Event] | None = None,
) -> list[Chart]:
    """A programme page's charts: each from its own figures, or from aggregates when too many to draw one by one (charts.to_aggregate).

    At most three queries and two per aggregated chart whatever the number of figures: how many each chart would draw,
    the figures of those drawn one by one, and their ⚑ flags. `picked` (pick candidates) give an aggregated savings
    chart its summary.
    """
    visible = Figure.objects.as_at(as_at).filter(programme=programme)
    counted = visible.aggregate(**{chart_id.replace("-", "_"): Count("pk", filter=q) for chart_id, q in CHART_FIGURES.items()})
    counts = {chart_id: counted[chart_id.replace("-", "_")] for chart_id in CHART_FIGURES}
    over = charts.to_aggregate(counts)
    drawn = [CHART_FIGURES[chart_id] for chart_id in CHART_FIGURES if chart_id not in over and counts[chart_id]]
    figures = share_related(list(visible.with_related().filter(reduce(or_, drawn)))) if drawn else []
    if events is None:
        events = first_of(Event.objects.as_at(as_at).with_related().filter(programme=programme))[0]
    if over and picked is None:
        picked = candidates_by_programme([programme], as_at)[programme.pk]
    aggregated = {
        chart_id: charts.build_aggregate_chart(chart_id, visible.filter(CHART_FIGURES[chart_id]), programme.slug, picked or [])
        for chart_id in over
    }
    testable = share_related(list(with_a_finding(visible.with_related().filter(TESTABLE), as_at)))
    findings = charts.build_findings_chart(testable, programme.slug, as_at)
    built = charts.build_programme_charts(figures, events, programme.slug, charts.flags(figures, as_at), aggregated, findings)
    for chart in built:
        chart.csv_url = reverse("dashboard:programme-chart-csv", args=[programme.slug, chart.id])
        chart.embed_url = reverse("dashboard:programme-embed", args=[programme.slug, chart.id])
        chart.cite_url = reverse("dashboard:programme-cite", args=[programme.slug]) + f"#{chart.anchor}"
    return built


def contradictions_shown(contradictions: ContradictionQuerySet, as_at: datetime.date | None) -> list[Shown]:
    """The contradictions a page shows as at a date, each with the sides that had appeared by then (shown_as_at), in one query."""
    return shown_as_at(ContradictionSide.objects.of(contradictions), as_at)


def programme_page(programme: Programme, as_at: datetime.date | None) -> dict:
    """The part of a programme page that does not depend on its table's filters or page, built once per change stamp."""
    visible = Figure.objects.as_at(as_at).with_related().filter(programme=programme)
    picked = candidates_by_programme([programme], as_at)[programme.pk]
    events, event_count = first_of(Event.objects.as_at(as_at).with_related().filter(programme=programme))
    coverage, coverage_count = first_of(visible.filter(measure=Measure.COVERAGE))
    unknowns, unknown_count = first_of(visible.filter(qualifier=Figure.Qualifier.UNKNOWN))
    children, child_count = first_of(programme.children.announced_by(as_at).for_overview(as_at).order_by("started", "name", "pk"))
    return {
        "account": ProgrammeAccount.objects.in_force(programme, as_at),
        "headlines": rules.headlines(picked),
        "events": events,
        "event_count": event_count,
        "charts": programme_charts(programme, as_at, picked, events),
        "coverage": coverage,
        "coverage_count": coverage_count,
        "unknowns": unknowns,
        "unknown_count": unknown_count,
        "children": children,
        "child_count": child_count,
        "coverage_url": programme.get_absolute_url() + "?" + urlencode({"measure": Measure.COVERAGE}),
        "events_csv_url": reverse("dashboard:events-csv") + "?" + urlencode({"programme": programme.slug}),
        "contradictions": contradictions_shown(Contradiction.objects.touching(programme), as_at),
    }


class BadPage(Exception):
    """A `?page=` that is not a page of the list: answered with a 400 that names the parameter."""


def page_of(query: QueryDict, items: Sequence | QuerySet, size: int = PAGE_SIZE) -> Page:
    """One page of `size` items, chosen by the query's `page` (1 if absent; `all` for every item, see choose_page)."""
    return choose_page(Paginator(items, size), query.get("page", "1"))


def choose_page(paginator: Paginator, number: str) -> Page:
    """Page `number` of the paginator, or with `all` every item on one page: a table printed is printed whole.

    `all` is refused above WHOLE_TABLE_ROWS items, where a page would take long to build and a printout would run to
    hundreds of sheets; the table's download holds every row. Each page says whether it could be shown whole
    (`whole_allowed`), and the whole table's page says that it is one (`whole`).
    """
    allowed = paginator.count <= WHOLE_TABLE_ROWS
    if number == WHOLE_TABLE:
        if not allowed:
            raise BadPage(
                f"The query parameter page=all shows at most {WHOLE_TABLE_ROWS:,} rows, and this table has {paginator.count:,}: "
                "narrow it with its filters, or download it whole."
            )
        whole = Paginator(paginator.object_list, max(paginator.count, 1))
        whole.count = paginator.count  # a count already made (the explorer's, with its facets) is not made again
        page = whole.page(1)
    else:
        try:
            page = paginator.page(number)
        except InvalidPage:
            raise BadPage(f"The query parameter page must be a whole number from 1 to {paginator.num_pages}, or all.") from None
    page.whole = number == WHOLE_TABLE
    page.whole_allowed = allowed and paginator.num_pages > 1
    return page


def figure_table(
    selected: QuerySet[Figure], applied: dict[str, list[str]], query: QueryDict, programme: Programme, as_at: datetime.date | None
) -> dict:
    """One page (the query's `page`) of a programme's figures, `selected` under the `applied` filters of the figures export.

    The rows are `/data/figures.csv?programme=<slug>&...` with the same filters, so the table's CSV link is the same
    query. A bad page is BadPage, a 400 naming its parameter.
    """
    rows = selected.filter(programme=programme).as_at(as_at).with_related()
    page = page_of(query, rows)
    figures = list(page.object_list)
    flagged = charts.flags(figures, as_at)
    for figure in figures:
        figure.flag = flagged.get(figure.pk, "")
    chosen = [(name, value) for name in TABLE_FILTERS for value in applied.get(name, [])]
    fields = [
        {"name": name, "label": label, "options": [(value, text, value in applied.get(name, [])) for value, text in choices.choices]}
        for name, label, choices in (
            ("status", "Status", Status),
            ("measure", "Measure", Measure),
            ("basis", "Basis", Basis),
            ("unit", "Unit", Unit),
        )
    ]
    return {
        "figures": figures,
        "page": page,
        "filter_fields": fields,
        "filtered": bool(chosen),
        "csv_url": reverse("dashboard:figures-csv") + "?" + urlencode([("programme", programme.slug), *chosen]),
        "all_csv_url": reverse("dashboard:figures-csv") + "?" + urlencode([("programme", programme.slug)]),
    }


def strategies_page(query: QueryDict, as_at: datetime.date | None) -> Page:
    """The page of strategies announced by the date that `/` shows (`?page=`, OVERVIEW_PAGE_SIZE a page), with how many figures each has as at the date."""
    announced = Programme.objects.strategies().announced_by(as_at)
    page = page_of(query, announced.order_by("started", "name", "pk"), OVERVIEW_PAGE_SIZE)
    # Figures are counted for the page's strategies only: counting them for every strategy, to keep ten, read the
    # whole figure table (1.3 s of a 2 s cold page at a million figures on SQLite).
    shown = [strategy.pk for strategy in page.object_list]
    counted = Programme.objects.for_overview(as_at).in_bulk(shown)
    page.object_list = [counted[pk] for pk in shown]
    return page


def programme_rows(strategies: list[Programme], as_at: datetime.date | None) -> list[Programme]:
    """The overview table's rows: each strategy, then its first CHILDREN_SHOWN centres and clusters announced by the date, in one query.

    A strategy with more has `more_children` set to how many are not listed (its own page lists them).
    """
    alike = [F("parent_id")]
    children = (
        Programme.objects.announced_by(as_at)
        .for_overview(as_at)
        .filter(parent__in=strategies)
        .exclude(kind=Programme.Kind.STRATEGY)
        .annotate(
            rank=Window(RowNumber(), partition_by=alike, order_by=[F("started").asc(nulls_last=True), F("name").asc()]),
            siblings=Window(Count("pk"), partition_by=alike),
        )
        .filter(rank__lte=CHILDREN_SHOWN)
        .order_by("parent_id", "rank")
    )
    by_parent: dict[int, list[Programme]] = {}
    for child in children:
        by_parent.setdefault(child.parent_id, []).append(child)
    rows = []
    for strategy in strategies:
        listed = by_parent.get(strategy.pk, [])
        strategy.more_children = listed[0].siblings - len(listed) if listed else 0
        rows += [strategy, *listed]
    return rows


def disagreeing_count(figure: Figure, as_at: datetime.date | None) -> tuple[int, bool]:
    """How many other figures of its quantity disagree with this one (as at a date), and whether that is a lower bound (flags.held_count)."""
    if as_at is None:
        return figure.disagreement_count, False
    return held_count(figure.disagreements.held_on(as_at).count(), figure.disagreement_count, past=True)


def source_list_page(query: QueryDict, as_at: datetime.date | None) -> dict:
    """A page of /sources/ (the query's `page`), each source with how many figures cite it."""
    page = page_of(query, Source.objects.as_at(as_at).select_related("publisher"), SOURCES_PAGE_SIZE)
    sources = list(page.object_list)
    # Counted for this page's sources only, through the index on figures' source.
    counts = dict(Figure.objects.filter(source__in=sources).order_by().values("source").annotate(n=Count("pk")).values_list("source", "n"))
    for source in sources:
        source.figure_count = counts.get(source.pk, 0)
    return {"sources": sources, "page": page, "sources_csv_url": reverse("dashboard:sources-csv")}


def source_page(source: Source, query: QueryDict) -> dict:
    """A source's page: a page of the figures it gives (the query's `page`) and the events it dates."""
    page = page_of(query, source.figures.select_related("programme"))
    events, event_count = first_of(source.events.select_related("programme"))
    # The figures export has no filter by source: its publisher filter is the narrowest that holds all of this source's figures.
    csv_url = reverse("dashboard:figures-csv") + "?" + urlencode({"publisher": source.publisher.name})
    csv_note = f"this publication's are the rows with source_id {source.pk}"
    return {
        "source": source,
        "figures": page.object_list,
        "page": page,
        "csv_url": csv_url,
        "csv_note": csv_note,
        "events": events,
        "event_count": event_count,
    }


def figure_page(figure: Figure, query: QueryDict, as_at: datetime.date | None) -> dict:
    """A figure's page: a page of the other figures of its quantity (the query's `page`), those that disagree, and its parts."""
    # The stored quantity (rules.quantity_key, indexed): one page of the same quantity, not a scan of the programme.
    others = Figure.objects.as_at(as_at).same_quantity_as(figure)
    page = page_of(query, others.order_by("source__appeared_by", "pk"))
    shown = list(page.object_list)
    for other in shown:
        # One figure against at most a page of others; the count of all that disagree is the stored one.
        other.flag = "Disagrees with this figure" if rules.disagree(figure, other) else ""
    differing_count, at_least = disagreeing_count(figure, as_at)
    # The export's filters hold every figure of this quantity, and others that differ in scope, period or scenario.
    filters = {
        "programme": figure.programme.slug,
        "measure": figure.measure,
        "status": figure.status,
        "basis": figure.basis,
        "unit": figure.unit,
    }
    parts, part_count = first_of(figure.parts.as_at(as_at).with_related())
    return {
        "figure": figure,
        "others": shown,
        "page": page,
        "csv_url": reverse("dashboard:figures-csv") + "?" + urlencode(filters),
        "differing": [other for other in shown if other.flag],
        "differing_count": differing_count,
        "at_least": at_least,
        "parts": parts,
        "part_count": part_count,
        "contradictions": contradictions_shown(Contradiction.objects.involving(figure), as_at),
    }
