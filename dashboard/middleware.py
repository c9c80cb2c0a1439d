"""Answers for requests the site cannot serve: a 503 page for a lost database connection, a 400 for an address it cannot read.

Django opens a fresh connection on the next request (CONN_HEALTH_CHECKS), so the site recovers by itself
once the database is back; nothing here needs resetting.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        return unavailable(request, exception)


def unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 503 page for a request the database could not answer."""
    logger.error("Database unavailable for %s: %s", request.path, exception)
    # A form sent while the database was out (an editor's save) was not stored: say so, rather than that nothing was lost.
    unsaved = request.method not in ("GET", "HEAD", "OPTIONS")
    body = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS, "unsaved": unsaved})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class NulCharacterMiddleware:
    """Refuse an address with a NUL character in its path or its query: 400, naming where it is.

    PostgreSQL cannot hold NUL in text, so psycopg2 refuses any query given one (ValueError, a 500); SQLite quietly
    compares it. Refusing it here, before any view or form, answers alike on both databases, the admin's included.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return refused(request, "The address holds a NUL character (%00), which no page of this site has.")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                shown = name.replace("\x00", "%00")
                return refused(request, f"The parameter {shown} holds a NUL character (%00), which it never accepts.")
        return self.get_response(request)


# Downloads answer a bad address in plain text; pages with a page saying what to write.
DOWNLOAD_SUFFIXES = (".csv", ".json", "/feed/")


def refused(request: HttpRequest, message: str) -> HttpResponse:
    path = request.path.replace("\x00", "")
    if path.startswith("/data/") or path.endswith(DOWNLOAD_SUFFIXES):
        return HttpResponseBadRequest(message + "\n", content_type="text/plain; charset=utf-8")
    body = render_to_string("400.html", {"message": message, "path": path}, request=request)
    return HttpResponseBadRequest(body)
