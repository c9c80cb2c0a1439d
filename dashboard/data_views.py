"""The data downloads: each table as streamed CSV and JSON, the Frictionless data package, and the page that documents them."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe

from dashboard import corrections, exports, scrutiny
from dashboard.as_at import PARAMETER as AS_AT
from dashboard.changes import COLUMNS as CHANGE_COLUMNS
from programmes.models import DatasetRelease


def stamp(response: HttpResponse, changed: datetime.datetime | None) -> HttpResponse:
    """Headers every download shares: when the data last changed, and that any site may fetch it."""
    if changed is not None:
        response["Last-Modified"] = http_date(changed.timestamp())
    # Public, read-only data with no cookies involved: notebooks on other sites may read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def count_rows(response: StreamingHttpResponse, queryset) -> StreamingHttpResponse:
    """Say how many rows the stream will hold before it starts, so a client can tell a complete download from a cut one.

    A stream cut by a fault (the database gone mid-export) is also ended without HTTP's final chunk, so curl and
    pandas report an error rather than a short, well-formed file; X-Row-Count covers clients that ignore that.
    """
    response["X-Row-Count"] = str(queryset.count())
    response["Access-Control-Expose-Headers"] = "X-Row-Count"
    return response


def not_modified(request: HttpRequest, changed: datetime.datetime | None) -> HttpResponse | None:
    """A 304 when the client already holds the current data, so polling costs no export."""
    if changed is None:
        return None
    return get_conditional_response(request, last_modified=int(changed.timestamp()))


def download(
    request: HttpRequest, changed: datetime.datetime | None, queryset, pieces, content_type: str, name: str, attachment: bool = True
) -> HttpResponse:
    """A table streamed as `pieces` (a 304 when the client holds the current data), with the headers every download carries."""
    if cached := not_modified(request, changed):
        return stamp(cached, changed)
    response = StreamingHttpResponse(pieces, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(attachment, name)
    return stamp(count_rows(response, queryset), changed)


@require_safe
def data(request: HttpRequest) -> HttpResponse:
    context = {
        "resources": exports.RESOURCES.values(),
        "change_columns": CHANGE_COLUMNS,
        "disagreement_columns": scrutiny.DISAGREEMENT_COLUMNS,
        "unaudited_columns": scrutiny.UNAUDITED_COLUMNS,
        "correction_columns": corrections.COLUMNS,
        "releases": DatasetRelease.objects.listed(),
    }
    return render(request, "dashboard/data.html", context)


@require_safe
def datapackage(request: HttpRequest) -> HttpResponse:
    # The package describes every table at once, so the tables' filters mean nothing here: only the day read does.
    for name in request.GET:
        if name != AS_AT:
            message = (
                f"The parameter {name} is not accepted by datapackage.json, which takes only {AS_AT}.\nSee /data/ for every parameter.\n"
            )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return stamp(
        JsonResponse(exports.datapackage(request.as_at), json_dumps_params={"ensure_ascii": False, "indent": 2}), exports.last_changed()
    )


@require_safe
def table_csv(request: HttpRequest, resource: str) -> HttpResponse:
    table = exports.RESOURCES[resource]
    try:
        queryset, applied = table.select(request.GET)
    except exports.FilterError as error:
        return HttpResponseBadRequest(error.as_text(), content_type="text/plain; charset=utf-8")
    pieces = exports.csv_pieces(table, queryset, request.as_at)
    return download(request, exports.last_changed(), queryset, pieces, "text/csv; charset=utf-8", exports.filename(table, applied, "csv"))


@require_safe
def table_json(request: HttpRequest, resource: str) -> HttpResponse:
    table = exports.RESOURCES[resource]
    try:
        queryset, applied = table.select(request.GET)
    except exports.FilterError as error:
        return JsonResponse(error.as_json(), status=400, json_dumps_params={"ensure_ascii": False})
    changed = exports.last_changed()
    pieces = exports.json_pieces(table, queryset, applied, changed, request.as_at)
    return download(request, changed, queryset, pieces, "application/json", exports.filename(table, applied, "json"), attachment=False)
