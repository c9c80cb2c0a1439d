"""The public, read-only pages.

Each page asks the database for what it shows: the few figures a card can pick (selections.pick_candidates), each
chart's figures or, when too many to draw one by one, its aggregates, and one page of each table, with the ⚑ flags
stored on write for just those rows. So a page costs the same number of queries however many figures there are.
Whole pages are cached under the data's change stamp with an ETag (page_cache.py); what a programme page and `/`
build from figures is cached too, so another page of a table, or a chart's CSV, does not build it again.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Sequence
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from dashboard import charts, exports
from dashboard.charts import Chart
from dashboard.page_cache import CACHE_SECONDS, RELEASE, as_at_of, cached_page, change_stamp, stamp_key
from dashboard.selections import CHART_FIGURES, TESTABLE, pick_candidates
from programmes import rules
from programmes.flags import KEPT
from programmes.models import Basis, Event, Figure, Measure, Programme, Source, Status, Unit

# Figures per page of a table: a page stays small whatever the data; the full list is the CSV.
PAGE_SIZE = 50
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


def cached[T](scope: str, build: Callable[[], T], changed: datetime.datetime | None, as_at: datetime.date | None = None) -> T:
    """A value rebuilt only when the data changes: the change history's latest timestamp is part of the cache key.

    Building what a page shows from figures (cards, flags, charts with pandas and plotly) is most of a cold page's
    time; it is kept under the release, the date the page is shown at and the change stamp. Every write goes through
    the admin, the import or load_dataset, and each leaves a history row, so a new timestamp means a rebuild in every worker.
    """
    key = f"dashboard:{RELEASE}:{scope}:{as_at}:{stamp_key(changed)}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=CACHE_SECONDS)
    return value


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
    """For each of these programmes, the figures a card or a savings summary can pick (selections.pick_candidates), in one query."""
    by_programme: dict[int, list[Figure]] = {p.pk: [] for p in programmes}
    figures = Figure.objects.as_at(as_at).with_related().filter(programme__in=programmes)
    for figure in share_related(list(pick_candidates(figures).order_by("pk"))):
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
        chart.csv_url = reverse("dashboard:overview-chart-csv", args=[chart.id]) + (f"?page={page_number}" if page_number > 1 else "")
    return built


def overview_page(programmes: list[Programme], as_at: datetime.date | None, page_number: int = 1) -> dict:
    """The part of `/` that needs figures (the strategies' cards and the charts), built once per change stamp."""
    strategies = [p for p in programmes if p.kind == Programme.Kind.STRATEGY]
    figures = candidates_by_programme(strategies, as_at)
    cards = [{"programme": p, "headlines": rules.headlines(figures[p.pk])} for p in strategies]
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
    testable = share_related(list(visible.with_related().filter(TESTABLE)))
    findings = charts.build_findings_chart(testable, programme.slug, as_at)
    built = charts.programme_charts(figures, events, programme.slug, charts.flags(figures, as_at), aggregated, findings)
    for chart in built:
        chart.csv_url = reverse("dashboard:programme-chart-csv", args=[programme.slug, chart.id])
    return built


def programme_page(programme: Programme, as_at: datetime.date | None) -> dict:
    """The part of a programme page that does not depend on its table's filters or page, built once per change stamp."""
    visible = Figure.objects.as_at(as_at).with_related().filter(programme=programme)
    picked = candidates_by_programme([programme], as_at)[programme.pk]
    events, event_count = first_of(Event.objects.as_at(as_at).with_related().filter(programme=programme))
    coverage, coverage_count = first_of(visible.filter(measure=Measure.COVERAGE))
    unknowns, unknown_count = first_of(visible.filter(qualifier=Figure.Qualifier.UNKNOWN))
    children, child_count = first_of(programme.children.for_overview(as_at).order_by("started", "name", "pk"))
    return {
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
    }


class BadPage(Exception):
    """A `?page=` that is not a page of the list: answered with a 400 that names the parameter."""


def page_of(request: HttpRequest, items: Sequence | QuerySet, size: int = PAGE_SIZE) -> Page:
    """One page of `size` items, chosen by `?page=` (1 if absent)."""
    paginator = Paginator(items, size)
    try:
        return paginator.page(request.GET.get("page", "1"))
    except InvalidPage:
        raise BadPage(f"The query parameter page must be a whole number from 1 to {paginator.num_pages}.") from None


def bad_request(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def figure_table(request: HttpRequest, programme: Programme, as_at: datetime.date | None) -> dict:
    """One page of a programme's figures under the filters of the query string, read by the figures export's own parser.

    The rows are `/data/figures.csv?programme=<slug>&...` with the same filters, so the table's CSV link is the same
    query. A bad filter is exports.FilterError, a bad page BadPage: each a 400 naming its parameter.
    """
    params = QueryDict(mutable=True)
    for name in TABLE_FILTERS:
        # The form's "Any" sends an empty value: no filter, as if the parameter were absent.
        params.setlist(name, [value for value in request.GET.getlist(name) if value])
    selected, applied = exports.FIGURES.select(params)
    rows = selected.filter(programme=programme).as_at(as_at).with_related()
    page = page_of(request, rows)
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


def strategies_page(request: HttpRequest) -> Page:
    """The page of strategies `/` shows (`?page=`, OVERVIEW_PAGE_SIZE a page), with how many figures each has as at the date."""
    page = page_of(request, Programme.objects.strategies().order_by("started", "name", "pk"), OVERVIEW_PAGE_SIZE)
    # Figures are counted for the page's strategies only: counting them for every strategy, to keep ten, read the
    # whole figure table (1.3 s of a 2 s cold page at a million figures on SQLite).
    shown = [strategy.pk for strategy in page.object_list]
    counted = Programme.objects.for_overview(as_at_of(request)).in_bulk(shown)
    page.object_list = [counted[pk] for pk in shown]
    return page


def programme_rows(strategies: list[Programme], as_at: datetime.date | None) -> list[Programme]:
    """The overview table's rows: each strategy, then its first CHILDREN_SHOWN centres and clusters, in one query.

    A strategy with more has `more_children` set to how many are not listed (its own page lists them).
    """
    alike = [F("parent_id")]
    children = (
        Programme.objects.for_overview(as_at)
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


@require_safe
@cached_page("page")
def overview(request: HttpRequest) -> HttpResponse:
    as_at = as_at_of(request)
    try:
        page = strategies_page(request)
    except BadPage as error:
        return bad_request(str(error))
    strategies = list(page.object_list)
    built = cached(f"overview:{page.number}", lambda: overview_page(strategies, as_at, page.number), change_stamp(request), as_at)
    context = {**built, "page": page, "programmes": programme_rows(strategies, as_at), "csv_url": reverse("dashboard:programmes-csv")}
    return render(request, "dashboard/overview.html", context)


@require_safe
@cached_page("page", *TABLE_FILTERS)
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    as_at = as_at_of(request)
    programme = get_object_or_404(Programme.objects.select_related("parent"), slug=slug)
    try:
        table = figure_table(request, programme, as_at)
    except exports.FilterError as error:
        return bad_request(error.as_text())
    except BadPage as error:
        return bad_request(str(error))
    page = cached(f"{slug}:page", lambda: programme_page(programme, as_at), change_stamp(request), as_at)
    return render(request, "dashboard/programme_detail.html", {**page, **table, "programme": programme})


@require_safe
def overview_chart_csv(request: HttpRequest, chart_id: str) -> HttpResponse:
    """A chart of `/` (of the page of strategies `?page=` names) as CSV."""
    as_at = as_at_of(request)
    try:
        page = strategies_page(request)
    except BadPage as error:
        return bad_request(str(error))
    strategies = list(page.object_list)
    built = cached(f"overview:{page.number}", lambda: overview_page(strategies, as_at, page.number), change_stamp(request), as_at)
    return chart_csv(find_chart(built["charts"], chart_id))


@require_safe
def programme_chart_csv(request: HttpRequest, slug: str, chart_id: str) -> HttpResponse:
    as_at = as_at_of(request)
    programme = get_object_or_404(Programme, slug=slug)
    page = cached(f"{slug}:page", lambda: programme_page(programme, as_at), change_stamp(request), as_at)
    return chart_csv(find_chart(page["charts"], chart_id))


def find_chart(built: list[Chart], chart_id: str) -> Chart:
    for chart in built:
        if chart.id == chart_id:
            return chart
    raise Http404("No such chart.")


def chart_csv(chart: Chart) -> HttpResponse:
    """Exactly the rows of the chart's data table, as CSV that Excel and pandas both read."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{chart.filename}.csv")
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(chart.columns)
    for row in chart.rows:
        writer.writerow([safe_cell(row[column]) for column in chart.columns])
    return response


def safe_cell(value: object) -> object:
    """Cells written as in the data downloads: text escaped against formulas, numbers as plain decimals."""
    if isinstance(value, str):
        return exports.neutralise(value)
    if isinstance(value, int):  # an aggregated chart's counts
        return value
    return exports.plain_decimal(value)


@require_safe
@cached_page("page")
def source_list(request: HttpRequest) -> HttpResponse:
    try:
        page = page_of(request, Source.objects.as_at(as_at_of(request)).select_related("publisher"), SOURCES_PAGE_SIZE)
    except BadPage as error:
        return bad_request(str(error))
    sources = list(page.object_list)
    # Counted for this page's sources only, through the index on figures' source.
    counts = dict(Figure.objects.filter(source__in=sources).order_by().values("source").annotate(n=Count("pk")).values_list("source", "n"))
    for source in sources:
        source.figure_count = counts.get(source.pk, 0)
    context = {"sources": sources, "page": page, "sources_csv_url": reverse("dashboard:sources-csv")}
    return render(request, "dashboard/source_list.html", context)


@require_safe
@cached_page("page")
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    as_at = as_at_of(request)
    source = get_object_or_404(Source.objects.as_at(as_at).select_related("publisher"), pk=pk)
    try:
        page = page_of(request, source.figures.select_related("programme"))
    except BadPage as error:
        return bad_request(str(error))
    events, event_count = first_of(source.events.select_related("programme"))
    # The figures export has no filter by source: its publisher filter is the narrowest that holds all of this source's figures.
    csv_url = reverse("dashboard:figures-csv") + "?" + urlencode({"publisher": source.publisher.name})
    csv_note = f"this publication's are the rows with source_id {source.pk}"
    context = {
        "source": source,
        "figures": page.object_list,
        "page": page,
        "csv_url": csv_url,
        "csv_note": csv_note,
        "events": events,
        "event_count": event_count,
    }
    return render(request, "dashboard/source_detail.html", context)


def disagreeing_count(figure: Figure, as_at: datetime.date | None) -> tuple[int, bool]:
    """How many other figures of its quantity disagree with this one, from the flags stored on write; and whether that is a lower bound.

    Today it is the stored count. As at a past date it is the stored disagreements that held by then: they are the
    KEPT earliest, so fewer than KEPT is exact, and KEPT of a larger count means at least that many.
    """
    if as_at is None:
        return figure.disagreement_count, False
    held = figure.disagreements.held_on(as_at).count()
    return held, held == KEPT and figure.disagreement_count > KEPT


@require_safe
@cached_page("page")
def figure_detail(request: HttpRequest, pk: int | None = None, key: str | None = None) -> HttpResponse:
    """One figure, by its dataset key (the canonical address) or its id, with the other figures of the same quantity."""
    as_at = as_at_of(request)
    figures = Figure.objects.as_at(as_at).with_related().select_related("part_of")
    figure = get_object_or_404(figures, pk=pk) if pk is not None else get_object_or_404(figures, key=key)
    # The stored quantity (rules.quantity_key, indexed): one page of the same quantity, not a scan of the programme.
    others = Figure.objects.as_at(as_at).with_related().filter(quantity=figure.quantity).exclude(pk=figure.pk)
    try:
        page = page_of(request, others.order_by("source__appeared_by", "pk"))
    except BadPage as error:
        return bad_request(str(error))
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
    context = {
        "figure": figure,
        "others": shown,
        "page": page,
        "csv_url": reverse("dashboard:figures-csv") + "?" + urlencode(filters),
        "differing": [other for other in shown if other.flag],
        "differing_count": differing_count,
        "at_least": at_least,
        "parts": parts,
        "part_count": part_count,
        "own_statement": rules.is_own_statement(figure),
    }
    return render(request, "dashboard/figure_detail.html", context)


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/about.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors: whatever broke the page may break them too.
    return HttpResponse(render_to_string("500.html"), status=500)
