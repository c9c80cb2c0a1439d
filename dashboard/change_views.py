"""/changes/ and its downloads: what changed in the record between two dates (dashboard/changes.py says what counts)."""

from __future__ import annotations

import csv
import datetime
import json

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_safe

from dashboard import as_at, changes, exports
from dashboard.page_cache import cached


class BadParameter(ValueError):
    """A since or until that is not a date, or a period that ends before it starts; it names the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def parse_day(request: HttpRequest, name: str) -> datetime.date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise BadParameter(name, f"The query parameter {name} must be a date written like 2016-05-20; {text!r} is not one.") from None


def year_before(day: datetime.date) -> datetime.date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    """The dates asked for: until defaults to the date the page is read at (?as_at=), else today; since to a year before until."""
    until = parse_day(request, "until") or request.as_at or timezone.localdate()
    since = parse_day(request, "since") or year_before(until)
    if since > until:
        raise BadParameter("since", f"The query parameter since ({since.isoformat()}) must not be after until ({until.isoformat()}).")
    return since, until


def changes_between(since: datetime.date, until: datetime.date) -> changes.Changes:
    """The changes, built once per pair of source dates and change stamp: the record only changes on the days sources appeared."""
    # Today's record (every source appeared) is read at the latest day any source counts from, so a source dated only to
    # this year is in it, as it is on today's pages.
    record_since, record_until = as_at.record_day(since) or since, as_at.record_day(until) or until
    return cached(f"changes:{record_since}:{record_until}", lambda: changes.between(record_since, record_until), exports.last_changed())


def download_query(since: datetime.date, until: datetime.date) -> str:
    return "?" + urlencode({"since": since.isoformat(), "until": until.isoformat()})


@require_safe
def changes_page(request: HttpRequest) -> HttpResponse:
    try:
        since, until = period(request)
    except BadParameter as error:
        body = render_to_string("400.html", {"message": str(error), "path": request.path}, request=request)
        return HttpResponseBadRequest(body)
    found = changes_between(since, until)
    query = download_query(since, until)
    context = {
        "changes": found,
        "since": since,
        "until": until,
        "counts": {name: found.count(name) for name in ("cards", "new", "restated", "flagged", "resolved")},
        "csv_url": reverse("dashboard:changes-csv") + query,
        "json_url": reverse("dashboard:changes-json") + query,
        "feed_url": reverse("dashboard:changes-feed") + query,
    }
    return render(request, "dashboard/changes.html", context)


def bad_download(error: BadParameter) -> HttpResponse:
    return HttpResponseBadRequest(f"{error}\nSee /changes/ for what the parameters accept.\n", content_type="text/plain; charset=utf-8")


@require_safe
def changes_csv(request: HttpRequest) -> HttpResponse:
    try:
        since, until = period(request)
    except BadParameter as error:
        return bad_download(error)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"changes_{since.isoformat()}_{until.isoformat()}.csv")
    response["Access-Control-Allow-Origin"] = "*"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(changes.COLUMNS)
    for row in changes.rows(changes_between(since, until)):
        writer.writerow([cell(row[column]) for column in changes.COLUMNS])
    return response


def cell(value: object) -> object:
    """Cells written as in the data downloads: text escaped against formulas."""
    return exports.neutralise(value) if isinstance(value, str) else value


@require_safe
def changes_json(request: HttpRequest) -> HttpResponse:
    try:
        since, until = period(request)
    except BadParameter as error:
        return JsonResponse({"error": {"parameter": error.parameter, "message": str(error)}}, status=400)
    found = changes_between(since, until)
    changed = exports.last_changed()
    document = {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "record_since": found.since.isoformat(),
        "record_until": found.until.isoformat(),
        "last_changed": changed.astimezone(datetime.UTC).isoformat() if changed else None,
        "fields": changes.COLUMNS,
        "rows": [{name: (None if value == "" else value) for name, value in row.items()} for row in changes.rows(found)],
    }
    document["count"] = len(document["rows"])
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response
