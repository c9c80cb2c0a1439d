"""The public, read-only pages."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
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


def cached[T](scope: str, build: Callable[[], T], changed: datetime.datetime | None) -> T:
    """A value rebuilt only when the data changes: the change history's latest timestamp is part of the cache key.

    Building charts (pandas, plotly) is most of a page's time; every write goes through the admin, the import
    or load_dataset, and each leaves a history row, so a new timestamp means a rebuild in every worker.
    """
    key = f"dashboard:{scope}:{changed.isoformat() if changed else 'empty'}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=CHART_CACHE_SECONDS)
    return value


def overview_charts(programmes: list[Programme]) -> list[Chart]:
    """The overview's charts: each strategy's figures for the strategy as a whole (a centre's figure speaks for the centre)."""
    by_strategy = {p.name: list(p.figures.all()) for p in programmes if p.kind == Programme.Kind.STRATEGY}
    built = [charts.build_overview_chart(by_strategy, basis) for basis in (Basis.ANNUAL, Basis.CUMULATIVE)]
    built = [chart for chart in built if chart is not None]
    for chart in built:
        chart.csv_url = reverse("dashboard:overview-chart-csv", args=[chart.id])
    return built


def programme_charts(programme: Programme, figures: list[Figure] | None = None, events: list[Event] | None = None) -> list[Chart]:
    """A programme page's charts, from its own figures and events (loaded here unless the page has them)."""
    if figures is None:
        figures = list(Figure.objects.with_related().filter(programme=programme))
    if events is None:
        events = list(Event.objects.with_related().filter(programme=programme))
    built = charts.programme_charts(figures, events, programme.slug)
    for chart in built:
        chart.csv_url = reverse("dashboard:programme-chart-csv", args=[programme.slug, chart.id])
    return built


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    programmes = list(Programme.objects.for_overview())
    cards = [{"programme": p, "headlines": rules.headlines(p.figures.all())} for p in programmes if p.kind == Programme.Kind.STRATEGY]
    built = cached("overview:charts", lambda: overview_charts(programmes), exports.last_changed())
    context = {"cards": cards, "programmes": programmes, "charts": built}
    return render(request, "dashboard/overview.html", context)


@require_safe
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("parent"), slug=slug)
    figures = list(Figure.objects.with_related().filter(programme=programme))
    events = list(Event.objects.with_related().filter(programme=programme))
    changed = exports.last_changed()
    flags = cached(f"{slug}:flags", lambda: charts.flags(figures), changed)
    for figure in figures:
        figure.flag = flags.get(figure.pk, "")
    context = {
        "programme": programme,
        "figures": figures,
        "headlines": rules.headlines(figures),
        "children": programme.children.annotate(figure_count=Count("figures")),
        "events": events,
        "charts": cached(f"{slug}:charts", lambda: programme_charts(programme, figures, events), changed),
        "coverage": [f for f in figures if f.measure == Measure.COVERAGE],
        "unknowns": [f for f in figures if f.is_unknown],
    }
    return render(request, "dashboard/programme_detail.html", context)


@require_safe
def overview_chart_csv(request: HttpRequest, chart_id: str) -> HttpResponse:
    built = cached("overview:charts", lambda: overview_charts(list(Programme.objects.for_overview())), exports.last_changed())
    return chart_csv(find_chart(built, chart_id))


@require_safe
def programme_chart_csv(request: HttpRequest, slug: str, chart_id: str) -> HttpResponse:
    programme = get_object_or_404(Programme, slug=slug)
    built = cached(f"{slug}:charts", lambda: programme_charts(programme), exports.last_changed())
    return chart_csv(find_chart(built, chart_id))


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


@require_safe
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source.objects.select_related("publisher"), pk=pk)
    figures = source.figures.select_related("programme")
    events = source.events.select_related("programme")
    return render(request, "dashboard/source_detail.html", {"source": source, "figures": figures, "events": events})


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
    context = {
        "figure": figure,
        "others": others,
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
