"""Cached pages answered before sessions, CSRF, authentication, two-factor and lockout middleware run.

A reader without a session (no session cookie: nobody signed in, no messages waiting) who asks for a cached page
(page_cache.cached_page) gets the stored answer at once: the change stamp and the page are two cache reads, with no
database query. The answer is the one the whole middleware stack gave when the page was built: its bytes and every
header (ETag, Last-Modified, Cache-Control: no-cache, Content-Type, Vary, X-Frame-Options...), kept beside the page
the first time a reader without a session was given it; a browser holding it gets the same 304 as on the normal path.
A page not yet kept with its headers, a signed-in editor, a request with ?as_at= (the date is normalised against the
sources, a query, by dashboard/as_at.py) and anything that is not a GET or HEAD of a cached page take the normal path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from dashboard.as_at import PARAMETER as AS_AT_PARAMETER
from dashboard.page_cache import CACHE_SECONDS, page_etag, page_key

# What a view may say to the middleware outside this one, beside its headers: the embeds' own Content-Security-Policy
# (django.views.decorators.csp), which the policy middleware reads from the response.
RESPONSE_NOTES = ("_csp_config", "_csp_ro_config")

# The headers the normal path's 304 carries: condition's ETag and Last-Modified, the page's Cache-Control, the
# clickjacking middleware's X-Frame-Options, CommonMiddleware's Content-Length (0).
NOT_MODIFIED_HEADERS = ("ETag", "Last-Modified", "Cache-Control", "X-Frame-Options")


class Recent:
    """The pages this process answered early last: a hot page is answered without reading it from the shared cache.

    Each is kept under its ETag and the token of the change stamp's cache entry (exports/stamp.py). The stamp is still
    read from the shared cache on every request: an edit is a new ETag, and a cleared or expired entry a new token, so
    a page kept here is never served after either; the oldest are dropped past MOST.
    """

    MOST = 32

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: OrderedDict[str, tuple] = OrderedDict()

    def get(self, etag: str) -> tuple | None:
        with self.lock:
            kept = self.pages.get(etag)
            if kept is not None:
                self.pages.move_to_end(etag)
            return kept

    def put(self, etag: str, kept: tuple) -> None:
        with self.lock:
            self.pages[etag] = kept
            self.pages.move_to_end(etag)
            while len(self.pages) > self.MOST:
                self.pages.popitem(last=False)


recent = Recent()


class EarlyPagesMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        etag = self.etag_of(request)
        if etag is None:
            return self.get_response(request)
        # In this process's memory under the stamp's cache entry too: a cleared or replaced entry is read again.
        token = getattr(request, "stamp_token", None)
        remembered = f"{etag}:{token}" if token else None
        kept = (remembered and recent.get(remembered)) or cache.get(page_key(etag))
        if kept is not None and kept[2] is not None:
            if remembered:
                recent.put(remembered, kept)
            return answer(request, kept)
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies and response.get("ETag") == f'"{etag}"':
            answered = (tuple(response.items()), {note: getattr(response, note) for note in RESPONSE_NOTES if hasattr(response, note)})
            cache.set(page_key(etag), (response.content, response["Content-Type"], answered), CACHE_SECONDS)
        return response

    @staticmethod
    def etag_of(request: HttpRequest) -> str | None:
        """The ETag of the cached page a reader without a session asks for, or None if the request takes the normal path."""
        if request.method not in ("GET", "HEAD") or AS_AT_PARAMETER in request.GET:
            return None
        if request.COOKIES.get(CookieStorage.cookie_name) or request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        page = getattr(match.func, "cached_page", None)
        if page is None:
            return None
        try:
            return page_etag(request, page.view, page.parameters, match.args, match.kwargs)
        except (DisallowedHost, OperationalError, InterfaceError):
            # The normal path answers these: a 400 for a host not served, a 503 for a database that does not answer.
            return None


def answer(request: HttpRequest, kept: tuple) -> HttpResponse:
    """The kept page with the headers its answer had, or the same 304 the normal path gives a browser that holds it."""
    content, _content_type, (headers, notes) = kept
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    for note, value in notes.items():
        setattr(response, note, value)
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    conditional = get_conditional_response(request, etag=response["ETag"], last_modified=last_modified)
    if conditional is None or conditional.status_code != 304:  # a 412 for an If-Match that fails, as condition gives
        return conditional or response
    not_modified = HttpResponseNotModified()
    for name in NOT_MODIFIED_HEADERS:
        if name in response:
            not_modified[name] = response[name]
    not_modified["Content-Length"] = "0"
    for note, value in notes.items():
        setattr(not_modified, note, value)
    return not_modified
