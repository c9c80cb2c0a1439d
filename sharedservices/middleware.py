"""Site-wide rules about requests and responses that sit in front of every app (settings.MIDDLEWARE orders them)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

from sharedservices import accounts, database, routers

PUBLIC_METHODS = ("GET", "HEAD")


class HeadWithoutBodyMiddleware:
    """Answer HEAD with the headers of GET and no body.

    Django builds the full response for HEAD; gunicorn then drops the body and logs a warning for every HEAD request.
    Dropping it here keeps HEAD to its one access-log line, and a streamed export is never started.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                # The unstarted stream is dropped (its generator never runs); the server still calls close().
                response.streaming_content = []
            else:
                response.content = b""
        return response


class PermissionsPolicyMiddleware:
    """Send Permissions-Policy (Django has no setting for it): the site uses no camera, microphone, location and so on."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.value = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response


class RequestLimitsMiddleware:
    """Refuse what the site never accepts before a byte of the body is read.

    The public site only reads: anything but GET or HEAD outside the admin is a 405, decided from the request line
    alone (CsrfViewMiddleware, further in, would read a POST body to look for its token). In the admin a request
    body larger than MAX_REQUEST_BODY_BYTES is a 413, decided from Content-Length, and so is a plain form's larger
    than DATA_UPLOAD_MAX_MEMORY_SIZE, which Django would refuse with a bare 400 once read. A browser's form post gets
    a page saying so, which leads back to the form with the typing kept; anything else, a line of text.
    Django's own limits (DATA_UPLOAD_MAX_NUMBER_FIELDS, the fields of a multipart upload) then apply to what is read.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.admin_prefix = "/admin/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(self.admin_prefix):
            if request.method not in PUBLIC_METHODS:
                return HttpResponseNotAllowed(PUBLIC_METHODS, "This site only reads: use GET.\n", content_type="text/plain; charset=utf-8")
        elif (size := self.declared_length(request)) > (limit := self.body_limit(request)):
            return too_large(request, size, limit)
        return self.get_response(request)

    @staticmethod
    def body_limit(request: HttpRequest) -> int:
        """The largest body the admin reads: Django holds a plain form's whole body in memory, a multipart upload's files not."""
        if request.content_type == "application/x-www-form-urlencoded":
            return min(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.MAX_REQUEST_BODY_BYTES)
        return settings.MAX_REQUEST_BODY_BYTES

    @staticmethod
    def declared_length(request: HttpRequest) -> int:
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0


def too_large(request: HttpRequest, size: int, limit: int) -> HttpResponse:
    """The 413 for a body over the limit: a page for a browser's form post, a line of text for anything else."""
    if "text/html" not in request.headers.get("Accept", ""):
        return HttpResponse(f"Request body too large: at most {limit} bytes.\n", status=413, content_type="text/plain; charset=utf-8")
    referer = request.headers.get("Referer", "")
    same_site = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    context = {
        "size": size,
        "limit": limit,
        "form_url": referer if same_site else "/admin/",
    }
    # Rendered without the request's context processors: nothing past this middleware has run.
    return HttpResponse(render_to_string("413.html", context), status=413)


# A download slot frees when a download ends, or when its reader has stopped reading for WEB_CLIENT_TIMEOUT.
DOWNLOAD_RETRY_AFTER_SECONDS = 10


class DownloadSlotsMiddleware:
    """At most DOWNLOADS_AT_ONCE downloads stream from one process at once; one more is a 503 at once, with Retry-After.

    A download holds its thread for as long as its reader reads (one who stops is dropped after WEB_CLIENT_TIMEOUT,
    sharedservices/serving.py). Without a limit, a few readers who open a large download and never read it would hold
    every thread, and no page would be answered; with it, they hold only the download slots.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.slots = threading.BoundedSemaphore(settings.DOWNLOADS_AT_ONCE)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.streaming or isinstance(response, FileResponse) or request.method == "HEAD":
            return response
        if not self.slots.acquire(blocking=False):
            # Not closed: close() announces the end of the request (request_finished), which is the refusal's to do.
            # The stream was never started, so it holds no cursor or COPY to end.
            refused = HttpResponse(
                "Every download slot is in use; try again in a few seconds.\n", status=503, content_type="text/plain; charset=utf-8"
            )
            refused["Retry-After"] = str(DOWNLOAD_RETRY_AFTER_SECONDS)
            refused["Cache-Control"] = "no-store"
            return refused
        response.streaming_content = HoldingSlot(response.streaming_content, self.slots)
        return response


class HoldingSlot:
    """A download's pieces, giving its slot back when the server closes the response: sent whole, cut, or never started.

    A class rather than a generator: a generator that never started runs no `finally` when closed.
    """

    def __init__(self, pieces, slots: threading.BoundedSemaphore) -> None:
        self.pieces = iter(pieces)
        self.slots: threading.BoundedSemaphore | None = slots

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.pieces)

    def close(self) -> None:
        if self.slots is not None:
            self.slots.release()
            self.slots = None


class DatabaseBudgetMiddleware:
    """Give each request its total time to wait on the database (sharedservices.database explains the budget).

    A page gets DATABASE_TIMEOUT. A streamed download is produced after this returns, while the server sends it, so
    its stream gets budgets of its own: DATABASE_EXPORT_TIMEOUT for each piece it sends.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with database.waiting_at_most(settings.DATABASE_TIMEOUT):
            response = self.get_response(request)
        if response.streaming and not isinstance(response, FileResponse):
            response.streaming_content = database.streamed_within(response.streaming_content, settings.DATABASE_EXPORT_TIMEOUT)
        return response


class ReplicaReadsMiddleware:
    """Let the public site's reads go to a replica (sharedservices.routers); the admin always reads the primary."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/admin/") or request.method not in PUBLIC_METHODS:
            return self.get_response(request)
        token = routers.replica_reads_allowed.set(True)
        try:
            response = self.get_response(request)
        finally:
            routers.replica_reads_allowed.reset(token)
        if response.streaming and not isinstance(response, FileResponse):
            response.streaming_content = on_replicas(response.streaming_content)
        return response


def on_replicas(pieces):
    """A download streams after the view returns; its reads stay on the replica its query started on."""
    iterator = iter(pieces)
    try:
        while True:
            token = routers.replica_reads_allowed.set(True)
            try:
                piece = next(iterator)
            except StopIteration:
                return
            finally:
                routers.replica_reads_allowed.reset(token)
            yield piece
    finally:
        if hasattr(iterator, "close"):
            iterator.close()


class LockedOutShortcutMiddleware:
    """Refuse a login POST from an address django-axes has locked out, before sessions, CSRF or a password hash run.

    One read of axes' records decides it (sharedservices.accounts.is_locked_out), so a guessing loop costs the workers
    next to nothing and cannot slow the public pages.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info == "/admin/login/" and accounts.is_locked_out(accounts.client_ip(request)):
            response = HttpResponse(
                "Too many failed logins from this address; try again later.\n", status=429, content_type="text/plain; charset=utf-8"
            )
            response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
            return response
        return self.get_response(request)
