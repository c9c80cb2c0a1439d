"""Views that belong to the running service rather than to the public record: probes and the CSRF failure page."""

from __future__ import annotations

from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

READY_RETRY_AFTER_SECONDS = 5


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and answering; the database is not asked (a load balancer restarts on this)."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """The database answers within its timeout (a load balancer sends traffic on this)."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        response = HttpResponse(f"database unavailable: {type(error).__name__}\n", status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(READY_RETRY_AFTER_SECONDS)
        return response
    return HttpResponse("ready\n", content_type="text/plain; charset=utf-8")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's own CSRF page carries an inline style that our Content-Security-Policy blocks; this one uses site.css."""
    return render(request, "403_csrf.html", status=403)
