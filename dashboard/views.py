"""The public, read-only pages."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from dashboard import charts, exports
from dashboard.charts import Chart
from programmes import rules
from programmes.models import Basis, Event, Figure, Measure, Programme, Source

CHART_CACHE_SECONDS = 60 * 60
# Figures per page of a source's or a figure's list: a page stays small whatever the data; the full list is the CSV.
PAGE_SIZE = 50


def stamp_key(changed: datetime.datetime | None) -> str:
    """The change stamp as it appears in cache keys (and in the keys of the templates' cached fragments)."""
    return changed.isoformat() if changed else "empty"


def cached[T](scope: str, build: Callable[[], T], changed: datetime.datetime | None) -> T:
    """A value rebuilt only when the data changes: the change history's latest timestamp is part of the cache key.

    Loading figures and building what a page shows from them (cards, flags, charts with pandas and plotly) is most
    of a page's time, and grows with the data; so the whole figure-dependent part of a page is cached, and a warm
    request loads no figure. Every write goes through the admin, the import or load_dataset, and each leaves a
    history row, so a new timestamp means a rebuild in every worker.
    """
    key = f"dashboard:{scope}:{stamp_key(changed)}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=CHART_CACHE_SECONDS)
    return value


def strategy_figures(programmes: list[Programme], as_at: datetime.date | None = None) -> dict[int, list[Figure]]:
    """Each strategy's own figures (with sources and claimants), by programme id, in one query."""
    strategies = [p.pk for p in programmes if p.kind == Programme.Kind.STRATEGY]
    by_programme: dict[int, list[Figure]] = {pk: [] for pk in strategies}
    for figure in share_related(list(Figure.objects.as_at(as_at).with_related().filter(programme__in=strategies))):
        by_programme[figure.programme_id].append(figure)
    return by_programme


def overview_charts(
    programmes: list[Programme], figures: dict[int, list[Figure]] | None = None, as_at: datetime.date | None = None
) -> list[Chart]:
    """The overview's charts: each strategy's figures for the strategy as a whole (a centre's figure speaks for the centre)."""
    figures = strategy_figures(programmes, as_at) if figures is None else figures
    by_strategy = {p.name: figures[p.pk] for p in programmes if p.pk in figures}
    built = [charts.build_overview_chart(by_strategy, basis, as_at) for basis in (Basis.ANNUAL, Basis.CUMULATIVE)]
    built.append(charts.build_findings_overview(by_strategy, as_at))
    built = [chart for chart in built if chart is not None]
    for chart in built:
        chart.csv_url = reverse("dashboard:overview-chart-csv", args=[chart.id])
    return built


def overview_page(programmes: list[Programme], as_at: datetime.date | None = None) -> dict:
    """The part of `/` that needs figures (the strategies' cards and the charts), built once per change stamp and date."""
    figures = strategy_figures(programmes, as_at)
    cards = [{"programme": p, "headlines": rules.headlines(figures[p.pk])} for p in programmes if p.pk in figures]
    return {"cards": cards, "charts": overview_charts(programmes, figures, as_at)}


def programme_charts(
    programme: Programme, figures: list[Figure] | None = None, events: list[Event] | None = None, as_at: datetime.date | None = None
) -> list[Chart]:
    """A programme page's charts, from its own figures and events (loaded here unless the page has them)."""
    if figures is None:
        figures = list(Figure.objects.as_at(as_at).with_related().filter(programme=programme))
    if events is None:
        events = list(Event.objects.as_at(as_at).with_related().filter(programme=programme))
    built = charts.programme_charts(figures, events, programme.slug, as_at)
    for chart in built:
        chart.csv_url = reverse("dashboard:programme-chart-csv", args=[programme.slug, chart.id])
    return built


def share_related(figures: list[Figure]) -> list[Figure]:
    """The figures, made to share one instance of each programme, source and organisation they refer to.

    select_related gives every row its own copies; the cached page pickles a shared instance once, which makes it
    about a third smaller (6.9 MB to 4.7 MB with 2,051 figures in one programme), and it is read back on every warm request.
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


def programme_page(programme: Programme, as_at: datetime.date | None = None) -> dict:
    """The part of a programme page that needs its figures (cards, charts, flags, the tables), built once per change stamp.

    A warm request then loads no figure at all: its cost is the programme, the change stamp and the cache.
    """
    figures = share_related(list(Figure.objects.as_at(as_at).with_related().filter(programme=programme)))
    events = list(Event.objects.as_at(as_at).with_related().filter(programme=programme))
    flags = charts.flags(figures, as_at)
    for figure in figures:
        figure.flag = flags.get(figure.pk, "")
    return {
        "figures": figures,
        "headlines": rules.headlines(figures),
        "events": events,
        "charts": programme_charts(programme, figures, events, as_at),
        "coverage": [f for f in figures if f.measure == Measure.COVERAGE],
        "unknowns": [f for f in figures if f.is_unknown],
    }


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    programmes = list(Programme.objects.for_overview())
    page = cached(f"overview:page:{request.as_at}", lambda: overview_page(programmes, request.as_at), exports.last_changed())
    return render(request, "dashboard/overview.html", {**page, "programmes": programmes})


@require_safe
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("parent"), slug=slug)
    changed = exports.last_changed()
    page = cached(f"{slug}:page:{request.as_at}", lambda: programme_page(programme, request.as_at), changed)
    # The template caches its rendered content under the same stamp: rendering the tables is most of a warm request.
    children = programme.children.annotate(figure_count=Count("figures"))
    stamp = f"{stamp_key(changed)}:{request.as_at}"
    context = {**page, "programme": programme, "children": children, "stamp": stamp, "cache_seconds": CHART_CACHE_SECONDS}
    return render(request, "dashboard/programme_detail.html", context)


@require_safe
def overview_chart_csv(request: HttpRequest, chart_id: str) -> HttpResponse:
    programmes = list(Programme.objects.for_overview())
    page = cached(f"overview:page:{request.as_at}", lambda: overview_page(programmes, request.as_at), exports.last_changed())
    return chart_csv(find_chart(page["charts"], chart_id))


@require_safe
def programme_chart_csv(request: HttpRequest, slug: str, chart_id: str) -> HttpResponse:
    programme = get_object_or_404(Programme, slug=slug)
    page = cached(f"{slug}:page:{request.as_at}", lambda: programme_page(programme, request.as_at), exports.last_changed())
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
    return exports.plain_decimal(value)


@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    sources = Source.objects.with_figure_counts()
    return render(request, "dashboard/source_list.html", {"sources": sources})


class BadPage(Exception):
    """A `?page=` that is not a page of the list: answered with a 400 that names the parameter."""


def page_of(request: HttpRequest, items: Sequence | QuerySet) -> Page:
    """One page of PAGE_SIZE items, chosen by `?page=` (1 if absent); other query parameters are ignored, as on every page."""
    paginator = Paginator(items, PAGE_SIZE)
    try:
        return paginator.page(request.GET.get("page", "1"))
    except InvalidPage:
        raise BadPage(f"The query parameter page must be a whole number from 1 to {paginator.num_pages}.") from None


def bad_page(error: BadPage) -> HttpResponse:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


@require_safe
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source.objects.select_related("publisher"), pk=pk)
    try:
        page = page_of(request, source.figures.select_related("programme"))
    except BadPage as error:
        return bad_page(error)
    events = source.events.select_related("programme")
    # The figures export has no filter by source: its publisher filter is the narrowest that holds all of this source's figures.
    csv_url = reverse("dashboard:figures-csv") + "?" + urlencode({"publisher": source.publisher.name})
    csv_note = f"this publication's are the rows with source_id {source.pk}"
    context = {"source": source, "figures": page.object_list, "page": page, "csv_url": csv_url, "csv_note": csv_note, "events": events}
    return render(request, "dashboard/source_detail.html", context)


@require_safe
def figure_detail(request: HttpRequest, pk: int | None = None, key: str | None = None) -> HttpResponse:
    """One figure, by its dataset key (the canonical address) or its id, with the other figures of the same quantity."""
    figures = Figure.objects.with_related().select_related("part_of")
    figure = get_object_or_404(figures, pk=pk) if pk is not None else get_object_or_404(figures, key=key)
    candidates = Figure.objects.with_related().filter(programme=figure.programme, measure=figure.measure).exclude(pk=figure.pk)
    others = [other for other in candidates if rules.quantity_key(other) == rules.quantity_key(figure)]
    disagreeing = {other.pk for other in others if rules.disagree(figure, other)}
    for other in others:
        other.flag = "Disagrees with this figure" if other.pk in disagreeing else ""
    try:
        page = page_of(request, others)
    except BadPage as error:
        return bad_page(error)
    # The export's filters hold every figure of this quantity, and others that differ in scope, period or scenario.
    filters = {
        "programme": figure.programme.slug,
        "measure": figure.measure,
        "status": figure.status,
        "basis": figure.basis,
        "unit": figure.unit,
    }
    context = {
        "figure": figure,
        "others": others,
        "page": page,
        "csv_url": reverse("dashboard:figures-csv") + "?" + urlencode(filters),
        "differing": [other for other in others if other.pk in disagreeing],
        "parts": list(figure.parts.select_related("source__publisher", "claimant")),
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
