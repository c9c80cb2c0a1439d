"""The public, read-only pages: each view reads the request, asks a presenter (dashboard/pages.py) for what the page
shows, and renders it.

Whole pages are cached under the data's change stamp with an ETag (page_cache.py); what a programme page and `/`
build from figures is cached too (page_cache.cached), so another page of a table, or a chart's CSV, does not build it again.
"""

from __future__ import annotations

import csv
import datetime
import json
from decimal import Decimal

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from dashboard import corrections, exports, pages, scrutiny
from dashboard.as_at import PARAMETER as AS_AT
from dashboard.charts import Chart
from dashboard.page_cache import as_at_of, cached, cached_page, change_stamp
from dashboard.pages import TABLE_FILTERS, BadPage
from programmes.models import Figure, Programme, Source


def bad_request(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def overview_built(request: HttpRequest) -> tuple[Page, dict]:
    """The page of strategies `/` shows (BadPage for a bad `?page=`), and what it builds from their figures, cached."""
    as_at = as_at_of(request)
    page = pages.strategies_page(request.GET, as_at)
    strategies = list(page.object_list)
    built = cached(f"overview:{page.number}", lambda: pages.overview_page(strategies, as_at, page.number), change_stamp(request), as_at)
    return page, built


def programme_built(request: HttpRequest, programme: Programme) -> dict:
    """What a programme page builds from its figures, whatever its table shows, cached."""
    as_at = as_at_of(request)
    return cached(
        f"{programme.slug}:page",
        lambda: {**pages.programme_page(programme, as_at), **scrutiny.programme_counts(programme, as_at)},
        change_stamp(request),
        as_at,
    )


def table_filters(request: HttpRequest) -> tuple[QuerySet[Figure], dict[str, list[str]]]:
    """The figure table's filters, read by the figures export's own parser: a bad one is exports.FilterError, a 400 naming it."""
    params = QueryDict(mutable=True)
    for name in TABLE_FILTERS:
        # The form's "Any" sends an empty value: no filter, as if the parameter were absent.
        params.setlist(name, [value for value in request.GET.getlist(name) if value])
    return exports.FIGURES.select(params)


@require_safe
@cached_page("page")
def overview(request: HttpRequest) -> HttpResponse:
    try:
        page, built = overview_built(request)
    except BadPage as error:
        return bad_request(str(error))
    rows = pages.programme_rows(list(page.object_list), as_at_of(request))
    context = {**built, "page": page, "programmes": rows, "csv_url": reverse("dashboard:programmes-csv")}
    return render(request, "dashboard/overview.html", context)


@require_safe
@cached_page("page", *TABLE_FILTERS)
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("parent__announced_by", "announced_by__publisher"), slug=slug)
    as_at = as_at_of(request)
    if not programme.is_announced_by(as_at):
        return render(request, "dashboard/programme_unannounced.html", {"programme": programme, "day": as_at})
    try:
        selected, applied = table_filters(request)
        table = pages.figure_table(selected, applied, request.GET, programme, as_at_of(request))
    except exports.FilterError as error:
        return bad_request(error.as_text())
    except BadPage as error:
        return bad_request(str(error))
    page = programme_built(request, programme)
    # A strategy this one belongs to, named only once the record knows of it.
    parent = programme.parent if programme.parent and programme.parent.is_announced_by(as_at) else None
    return render(request, "dashboard/programme_detail.html", {**page, **table, "programme": programme, "parent": parent})


@require_safe
def overview_chart_csv(request: HttpRequest, chart_id: str) -> HttpResponse:
    """A chart of `/` (of the page of strategies `?page=` names) as CSV."""
    try:
        built = overview_built(request)[1]
    except BadPage as error:
        return bad_request(str(error))
    return chart_csv(find_chart(built["charts"], chart_id))


@require_safe
def programme_chart_csv(request: HttpRequest, slug: str, chart_id: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.announced_by(as_at_of(request)), slug=slug)
    return chart_csv(find_chart(programme_built(request, programme)["charts"], chart_id))


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
        context = pages.source_list_page(request.GET, as_at_of(request))
    except BadPage as error:
        return bad_request(str(error))
    return render(request, "dashboard/source_list.html", context)


@require_safe
@cached_page("page")
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source.objects.as_at(as_at_of(request)).select_related("publisher"), pk=pk)
    try:
        context = pages.source_page(source, request.GET)
    except BadPage as error:
        return bad_request(str(error))
    return render(request, "dashboard/source_detail.html", context)


@require_safe
@cached_page("page")
def figure_detail(request: HttpRequest, pk: int | None = None, key: str | None = None) -> HttpResponse:
    """One figure, by its dataset key (the canonical address) or its id, with the other figures of the same quantity."""
    as_at = as_at_of(request)
    lookup = {"pk": pk} if pk is not None else {"key": key}
    try:
        figure = Figure.objects.as_at(as_at).with_related().select_related("part_of").get(**lookup)
    except Figure.DoesNotExist:
        return figure_gone(request, pk, key)
    try:
        context = pages.figure_page(figure, request.GET, as_at)
    except BadPage as error:
        return bad_request(str(error))
    context["corrections"] = corrections.of_figure(figure)
    return render(request, "dashboard/figure_detail.html", context)


def figure_gone(request: HttpRequest, pk: int | None, key: str | None) -> HttpResponse:
    """A figure's address once it was removed: 410 Gone, saying what it said, when and why it was removed and by whom (a role).

    Its address is cited in committee packs and articles, so it keeps telling what became of it. A figure still in
    the record but not yet published on the date asked for is a 404, as before.
    """
    lookup = {"pk": pk} if pk is not None else {"key": key}
    removal = None if Figure.objects.filter(**lookup).exists() else corrections.removal_of(pk, key)
    if removal is None:
        raise Http404("No such figure.")
    return render(request, "dashboard/figure_removed.html", {"removal": removal}, status=410)


@require_safe
@cached_page("page", "group", "programme")
def disagreements(request: HttpRequest) -> HttpResponse:
    """Every group of figures that disagree on one quantity (the ⚑ flags), by programme; ?group= opens the page holding it."""
    try:
        context = scrutiny.disagreements_page(request.GET, as_at_of(request))
    except BadPage as error:
        return bad_request(str(error))
    return render(request, "dashboard/disagreements.html", context)


@require_safe
@cached_page("page", "programme")
def never_audited(request: HttpRequest) -> HttpResponse:
    """Every claimed or forecast figure with no audited figure of its quantity, by strategy."""
    try:
        context = scrutiny.never_audited_page(request.GET, as_at_of(request))
    except BadPage as error:
        return bad_request(str(error))
    return render(request, "dashboard/never_audited.html", context)


@require_safe
@cached_page("page")
def corrections_log(request: HttpRequest) -> HttpResponse:
    """Every correction or removal of a published figure or source, newest first, with its reason (dashboard/corrections.py)."""
    try:
        context = corrections.corrections_page(request.GET)
    except BadPage as error:
        return bad_request(str(error))
    return render(request, "dashboard/corrections.html", context)


# The lists' downloads: their columns, their rows, and the parameters they take; anything else is refused, as the
# other downloads do. The corrections log takes as_at only to refuse a malformed one: it lists what was done and when.
LISTS = {
    "disagreements": (scrutiny.DISAGREEMENT_COLUMNS, scrutiny.disagreement_rows, ("programme", AS_AT)),
    "never-audited": (scrutiny.UNAUDITED_COLUMNS, scrutiny.unaudited_rows, ("programme", AS_AT)),
    "corrections": (corrections.COLUMNS, corrections.correction_rows, (AS_AT,)),
}


def list_rows(request: HttpRequest, name: str) -> list[dict]:
    """The rows of one of the lists for the query (BadQuery naming a parameter it cannot honour)."""
    accepted = LISTS[name][2]
    for parameter in request.GET:
        if parameter not in accepted:
            raise scrutiny.BadQuery(
                parameter, f"{parameter!r} is not a parameter of the {name} download; it accepts {' and '.join(accepted)}."
            )
    return LISTS[name][1](request.GET, as_at_of(request))


def list_name(name: str, request: HttpRequest, extension: str) -> str:
    parts = [name, *(f"{key}-{value}" for key, value in request.GET.items() if key in LISTS[name][2] and value)]
    return "_".join(parts) + f".{extension}"


@require_safe
def list_csv(request: HttpRequest, name: str) -> HttpResponse:
    """One of the lists as CSV, cells written as in the data downloads."""
    try:
        rows = list_rows(request, name)
    except scrutiny.BadQuery as error:
        return bad_request(str(error) + "\n")
    columns = LISTS[name][0]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, list_name(name, request, "csv"))
    response["Access-Control-Allow-Origin"] = "*"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row[column]) for column in columns])
    return response


@require_safe
def list_json(request: HttpRequest, name: str) -> HttpResponse:
    """One of the lists as JSON: the query, when the data last changed, the fields and the rows."""
    try:
        rows = list_rows(request, name)
    except scrutiny.BadQuery as error:
        return JsonResponse({"error": {"parameter": error.parameter, "message": str(error)}}, status=400)
    changed = exports.last_changed()
    day: datetime.date | None = as_at_of(request)
    document = {
        "resource": name,
        "as_at": day.isoformat() if day else None,
        "programme": request.GET.get("programme") or None,
        "last_changed": changed.astimezone(datetime.UTC).isoformat() if changed else None,
        "fields": LISTS[name][0],
        "rows": [{key: json_cell(value) for key, value in row.items()} for row in rows],
        "count": len(rows),
    }
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def json_cell(value: object) -> object:
    """Values as the JSON downloads write them: numbers as numbers, blanks as null."""
    if isinstance(value, Decimal) or value is None:
        return exports.json_number(value)
    return None if value == "" else value


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/about.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors: whatever broke the page may break them too.
    return HttpResponse(render_to_string("500.html"), status=500)
