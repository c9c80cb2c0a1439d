"""Turn a lost database connection into a 503 page that says so, instead of a 500.

Django opens a fresh connection on the next request (CONN_HEALTH_CHECKS), so the site recovers by itself
once the database is back; nothing here needs resetting.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
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
