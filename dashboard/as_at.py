"""The record as it stood on a date: `?as_at=2016-05-20` on any public page or download.

The middleware reads the parameter once, for every view: `request.as_at` is the date the site is computed at, or
None for today. A date is normalised to the latest day on or before it on which a source appeared, so that the
pages (and their caches) are one per source date, not one per calendar day; a date by which every publication had
appeared is today's record (None), the live site itself; a date before the first source becomes the day before it,
which shows the honest empty record. A date that is not one, or is after today, is refused with a 400 naming the
parameter: plain text on the downloads, a page saying what to write on the pages. A link that keeps
the date is written by at_date, for the templates ({% at %}) and the charts alike.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.db.models import Count, F, Max, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dashboard.middleware import refused, unavailable
from programmes.models import AUDITOR_KINDS, Source, SourceKind

PARAMETER = "as_at"
# The paths outside the public record: the admin and the probes have no past.
EXEMPT_PREFIXES = ("/admin/", "/healthz", "/readyz", "/static/")


class BadDate(ValueError):
    """An as_at that is not a date written like 2016-05-20."""


def parse(text: str) -> datetime.date:
    """The date written, no later than today; BadDate otherwise."""
    try:
        day = datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise BadDate(f"The query parameter {PARAMETER} must be a date written like 2016-05-20; {text!r} is not one.") from None
    today = timezone.localdate()
    if day > today:
        raise BadDate(
            f"The query parameter {PARAMETER} must be a date no later than today ({today.isoformat()}); "
            f"{day.isoformat()} is in the future, and the record holds nothing from it."
        )
    return day


def at_date(url: str, day: datetime.date | None) -> str:
    """The url with ?as_at=day added (replacing any there), or unchanged for today's record (day None)."""
    if day is None:
        return url
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != PARAMETER]
    query.append((PARAMETER, day.isoformat()))
    return urlunsplit(parts._replace(query=urlencode(query)))


def appeared_after(day: datetime.date) -> Q:
    """Sources a reader on `day` could not yet have seen.

    A source dated to a month or a year counts from its last day (Source.appeared_by), but one whose month or year has
    not ended yet counts from its own recorded day: today's record holds it, and would otherwise hide it until the year
    is out.
    """
    today = timezone.localdate()
    return Q(appeared_by__gt=day, appeared_by__lte=today) | Q(appeared_by__gt=today, published__gt=day)


def normalise(day: datetime.date) -> datetime.date | None:
    """The latest day on or before `day` on which a source appeared; None (today's record) when every source had appeared
    by then; the day before the first source if none had."""
    if not Source.objects.filter(appeared_after(day)).exists():
        return None
    latest = Source.objects.filter(appeared_by__lte=day).aggregate(latest=Max("appeared_by"))["latest"]
    if latest is not None:
        return latest
    first = Source.objects.aggregate(first=Min("appeared_by"))["first"]
    return first - datetime.timedelta(days=1) if first is not None else day


def record_day(day: datetime.date) -> datetime.date | None:
    """The day whose record is the record on `day`, as a date even for today's: the latest day any source counts from
    (which a source whose year has not ended may put after today). None for an empty record."""
    normalised = normalise(day)
    if normalised is not None:
        return normalised
    return Source.objects.aggregate(latest=Max("appeared_by"))["latest"]


# Publications a reader dates the record by: audit reports, committee reports and hearings, and anything an audit body
# or committee published itself (the NAO's 2016 report is recorded as its press release).
NOTCH_KINDS = (SourceKind.AUDIT_REPORT, SourceKind.COMMITTEE_REPORT, SourceKind.COMMITTEE_EVIDENCE)
NOTCHES_KEY = "dashboard:as-at-notches"
# A saved or deleted source clears them at once (notches_changed); an import or a dataset load writes sources
# without signals, and a worker's own memory cache is not told of another's saves, so they also expire.
NOTCHES_SECONDS = 10 * 60


@dataclass(frozen=True)
class Notch:
    """A day worth opening the record at: the latest day a report or hearing can have appeared, and what it was."""

    day: datetime.date
    label: str


@dataclass(frozen=True)
class RecordDays:
    """The days every page's frame needs: the first day a source appeared (None for an empty record), the notches
    shown (the latest NOTCHES_SHOWN days) and how many days there are in all."""

    first: datetime.date | None
    notches: list[Notch]
    notch_days: int = 0


# Every page carries the picker, so it names a bounded number of days whatever the record holds: the latest ones
# (the real record has about a dozen), each with at most a few of its publications.
NOTCHES_SHOWN = 30
LABELS_PER_NOTCH = 3


def record_days() -> RecordDays:
    """The first source's day and the notches, cached: the banner and the date picker ask no query on a warm page."""
    found = cache.get(NOTCHES_KEY)
    if found is None:
        first = Source.objects.aggregate(first=Min("appeared_by"))["first"]
        found = RecordDays(first, list_notches(), notch_sources().values("appeared_by").distinct().count())
        cache.set(NOTCHES_KEY, found, timeout=NOTCHES_SECONDS)
    return found


def notches() -> list[Notch]:
    """The latest NOTCHES_SHOWN days of audit reports and committee reports and hearings, oldest first (cached)."""
    return record_days().notches


def notch_sources() -> QuerySet[Source]:
    return Source.objects.filter(Q(kind__in=NOTCH_KINDS) | Q(publisher__kind__in=AUDITOR_KINDS))


def list_notches() -> list[Notch]:
    days = list(notch_sources().values_list("appeared_by", flat=True).distinct().order_by("-appeared_by")[:NOTCHES_SHOWN])
    by_day: dict[datetime.date, list[str]] = {day: [] for day in sorted(days)}
    more: dict[datetime.date, int] = dict.fromkeys(days, 0)
    sources = notch_sources().filter(appeared_by__in=days).select_related("publisher")
    # The first few sources of each day (twice the labels, as two can read alike), however many share a day, each
    # with how many the day has in all.
    each_day = {"partition_by": F("appeared_by")}
    firsts = sources.annotate(
        rank=Window(RowNumber(), order_by=[F("publisher__name"), F("pk")], **each_day), in_day=Window(Count("pk"), **each_day)
    ).filter(rank__lte=2 * LABELS_PER_NOTCH)
    for source in firsts.order_by("appeared_by", "publisher__name", "pk"):
        label = f"{source.publisher.name}, {source.get_kind_display().lower()} ({source.published_display})"
        if label not in by_day[source.appeared_by] and len(by_day[source.appeared_by]) < LABELS_PER_NOTCH:
            by_day[source.appeared_by].append(label)
        more[source.appeared_by] = source.in_day
    more = {when: count - len(by_day[when]) for when, count in more.items()}
    return [Notch(day, "; ".join(labels) + (f"; and {more[day]} more" if more[day] > 0 else "")) for day, labels in by_day.items()]


def notches_changed(**kwargs) -> None:
    cache.delete(NOTCHES_KEY)


def requested(request: HttpRequest) -> datetime.date | None:
    """The normalised as-at date the request asks for, or None for today's record; BadDate if it is not a date."""
    text = request.GET.get(PARAMETER, "")
    if not text:
        return None
    return normalise(parse(text))


class AsAtMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.as_at = None
        if request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        try:
            request.as_at = requested(request)
        except BadDate as error:
            return refused(request, str(error))
        except (OperationalError, InterfaceError) as error:  # raised here, outside any view: the same 503 a view would give
            return unavailable(request, error)
        return self.get_response(request)
