"""/changes/ and its downloads: what changed in the record between two dates (dashboard/changes.py says what counts).

A long period can hold tens of thousands of changes, so the page shows PAGE_SIZE of them (?page=) and the downloads
stream PIECE_SIZE at a time: each loads only the figures it shows, from the period's index of changes (cached).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_safe

from dashboard import as_at, changes, exports
from dashboard.page_cache import cached
from dashboard.pages import BadPage, choose_page
from dashboard.search import bad_parameter

# Changes a page shows: enough to read a short period whole, few enough that a page of the longest builds quickly.
PAGE_SIZE = 100
# Changes a piece of a download loads and writes at once: a fixed number of queries, each fetching a bounded number of rows.
PIECE_SIZE = 500


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


def record_days(since: datetime.date, until: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days whose records are compared: the record only changes on the days sources appeared."""
    # Today's record (every source appeared) is read at the latest day any source counts from, so a source dated only to
    # this year is in it, as it is on today's pages.
    return as_at.record_day(since) or since, as_at.record_day(until) or until


def changes_index(since: datetime.date, until: datetime.date, changed: datetime.datetime | None) -> changes.Index:
    """The period's changes as ids, worked out once per pair of record days and change stamp (exports.last_changed)."""
    record_since, record_until = record_days(since, until)
    return cached(f"changes:{record_since}:{record_until}", lambda: changes.index(record_since, record_until), changed)


def download_query(since: datetime.date, until: datetime.date) -> str:
    return "?" + urlencode({"since": since.isoformat(), "until": until.isoformat()})


@require_safe
def changes_page(request: HttpRequest) -> HttpResponse:
    try:
        since, until = period(request)
    except BadParameter as error:
        body = render_to_string("400.html", {"message": str(error), "path": request.path}, request=request)
        return HttpResponseBadRequest(body)
    changed = exports.last_changed()
    found = changes_index(since, until, changed)
    paginator = Paginator(found.entries, PAGE_SIZE)
    try:
        page = choose_page(paginator, request.GET.get("page", "1"))
    except BadPage as error:
        last = paginator.num_pages
        return bad_parameter(request, "page", str(error), [f"a whole number from 1 to {last}", "all"])
    record_since, record_until = record_days(since, until)
    shown = cached(
        f"changes:{record_since}:{record_until}:page:{'all' if page.whole else page.number}",
        lambda: changes.page(found, page.start_index() - 1, page.end_index()),
        changed,
    )
    query = download_query(since, until)
    context = {
        "changes": shown,
        "page": page,
        "page_size": PAGE_SIZE,
        "since": since,
        "until": until,
        "counts": found.counts(),
        "csv_url": reverse("dashboard:changes-csv") + query,
        "json_url": reverse("dashboard:changes-json") + query,
        # The feed takes no dates: a subscription follows every change from now on (dashboard/feeds.py).
        "feed_url": reverse("dashboard:changes-feed"),
    }
    return render(request, "dashboard/changes.html", context)


def bad_download(error: BadParameter) -> HttpResponse:
    return HttpResponseBadRequest(f"{error}\nSee /changes/ for what the parameters accept.\n", content_type="text/plain; charset=utf-8")


def streamed(pieces: Iterator[str], found: changes.Index, content_type: str) -> StreamingHttpResponse:
    """A download sent as it is written, saying first how many rows it holds, readable by any site."""
    response = StreamingHttpResponse(pieces, content_type=content_type)
    # A stream cut short still ends well-formed to a client that ignores HTTP's final chunk; the count tells it apart.
    response["X-Row-Count"] = str(len(found.entries))
    response["Access-Control-Expose-Headers"] = "X-Row-Count"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def changes_csv(request: HttpRequest) -> HttpResponse:
    try:
        since, until = period(request)
    except BadParameter as error:
        return bad_download(error)
    found = changes_index(since, until, exports.last_changed())
    response = streamed(csv_pieces(found), found, "text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"changes_{since.isoformat()}_{until.isoformat()}.csv")
    return response


def csv_pieces(found: changes.Index) -> Iterator[str]:
    """The CSV: its header after a byte-order mark (so that Excel reads UTF-8), then PIECE_SIZE changes a piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(changes.COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for rows in changes.row_pieces(found, PIECE_SIZE):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([cell(row[column]) for column in changes.COLUMNS] for row in rows)
        yield buffer.getvalue()


def cell(value: object) -> object:
    """Cells written as in the data downloads: text escaped against formulas."""
    return exports.neutralise(value) if isinstance(value, str) else value


@require_safe
def changes_json(request: HttpRequest) -> HttpResponse:
    try:
        since, until = period(request)
    except BadParameter as error:
        return JsonResponse({"error": {"parameter": error.parameter, "message": str(error)}}, status=400)
    changed = exports.last_changed()
    found = changes_index(since, until, changed)
    return streamed(json_pieces(since, until, found, changed), found, "application/json")


def json_pieces(since: datetime.date, until: datetime.date, found: changes.Index, changed: datetime.datetime | None) -> Iterator[str]:
    """The JSON document, written as it streams: the period and fields, the rows PIECE_SIZE changes a piece, then the count sent."""
    head = {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "record_since": found.since.isoformat(),
        "record_until": found.until.isoformat(),
        "last_changed": changed.astimezone(datetime.UTC).isoformat() if changed else None,
        "fields": changes.COLUMNS,
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": ['
    count = 0
    for rows in changes.row_pieces(found, PIECE_SIZE):
        objects = [json.dumps({name: (None if value == "" else value) for name, value in row.items()}, ensure_ascii=False) for row in rows]
        yield ("\n" if count == 0 else ",\n") + ",\n".join(objects)
        count += len(rows)
    yield f'\n], "count": {count}}}\n'
