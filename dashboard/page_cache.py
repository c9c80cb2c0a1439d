"""Whole public pages served from the cache while the data they show is unchanged, with ETag and Last-Modified.

A page is stored under what shapes it: the view and its arguments, the query parameters it reads, the scheme and host
it was asked at, the date it is shown at (`request.as_at`), the data's change stamp and the release (the code and
templates that render it). The cache is one every process shares (files in CACHE_DIR, or Redis), so a page is built once
per change whichever worker serves it. The change stamp is kept there too (dashboard/exports/stamp.py): a warm request
costs two cache reads and no query; a browser that already holds the page gets a 304 from Django's `condition`
without the page's read. A reader without a session gets the page before the sessions middleware and the rest run
(dashboard/early_pages.py), with the headers the whole stack gave it when it was built. Every write goes through the
admin, the import or load_dataset and leaves a history row, so an edit is a new stamp once it commits: a new key and a
new ETag at once, in every process. `Cache-Control: no-cache` makes browsers ask every time (a 304 costs a few hundred
bytes), so nobody keeps an old page after an edit. Filtered downloads are kept the same way (cached_download).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from dashboard.as_at import PARAMETER as AS_AT_PARAMETER
from dashboard.exports import stamp

# Pages and the data built for them expire after an hour, in case rows were changed outside the admin, import and load.
CACHE_SECONDS = 60 * 60


def release_digest(root: Path, manifest: Path) -> str:
    """A digest of what renders the pages: the code of both apps, the templates and the static files' manifest.

    A release that changes any of them changes every key and ETag, so neither a shared cache nor a browser keeps a
    page rendered by the previous release (which could name static files the new release no longer serves).
    """
    digest = hashlib.blake2b(digest_size=8)
    files = [*root.glob("dashboard/**/*.py"), *root.glob("programmes/**/*.py"), *root.glob("templates/**/*.html")]
    for path in sorted(path for path in [*files, manifest] if path.is_file()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


RELEASE = release_digest(Path(settings.BASE_DIR), Path(settings.STATIC_ROOT) / "staticfiles.json")


def change_stamp(request: HttpRequest) -> datetime.datetime | None:
    """When the data last changed (exports.last_changed, from the shared cache), asked once per request."""
    if not hasattr(request, "change_stamp"):
        request.change_stamp, request.stamp_token = stamp.kept()
    return request.change_stamp


def kept_parameters(request: HttpRequest) -> QueryDict:
    """The request's query parameters that shape its page (a copy): on a cached page those in its key, elsewhere all."""
    query = request.GET.copy()
    kept = getattr(request, "page_parameters", None)
    for name in list(query) if kept is not None else ():
        if name not in kept:
            del query[name]
    # A date that is today's record (every publication had appeared by it) shows the live page, whose links are today's.
    if getattr(request, "as_at", None) is None:
        query.pop(AS_AT_PARAMETER, None)
    return query


def stamp_key(changed: datetime.datetime | None) -> str:
    """The change stamp as it appears in cache keys."""
    return changed.isoformat() if changed else "empty"


def cached[T](scope: str, build: Callable[[], T], changed: datetime.datetime | None, as_at: datetime.date | None = None) -> T:
    """A value rebuilt only when the data changes: the change history's latest timestamp is part of the cache key.

    Building what a page shows from figures (cards, flags, charts with pandas and plotly) is most of a cold page's
    time; it is kept under the release, the date the page is shown at and the change stamp. Every write goes through
    the admin, the import or load_dataset, and each leaves a history row, so a new timestamp means a rebuild in every worker.
    """
    key = f"dashboard:{RELEASE}:{scope}:{as_at}:{stamp_key(changed)}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=CACHE_SECONDS)
    return value


def as_at_of(request: HttpRequest) -> datetime.date | None:
    """The date the page is shown at (None for today); a request made without the middleware (a test's RequestFactory) is today."""
    return getattr(request, "as_at", None)


def page_etag(request: HttpRequest, view: Callable, parameters: tuple[str, ...], args: tuple, kwargs: dict) -> str:
    """The page's ETag, which is also its key in the cache: a digest of everything that shapes the page."""
    shape = [RELEASE, stamp_key(change_stamp(request)), view.__module__, view.__name__, repr(args), repr(sorted(kwargs.items()))]
    # The scheme and host too: a page may name its own address (a figure's canonical link). The date as asked,
    # beside the day it was moved back to: the banner names both.
    shape += [request.scheme, request.get_host(), str(as_at_of(request)), request.GET.get(AS_AT_PARAMETER, "")]
    shape += [f"{name}={request.GET.getlist(name)}" for name in parameters]
    return hashlib.blake2b("\n".join(shape).encode(), digest_size=16).hexdigest()


def page_key(etag: str) -> str:
    """Where the page of that ETag is kept: (content, content type, and the headers its answer had, once known)."""
    return f"dashboard:page:{etag}"


@dataclass(frozen=True)
class CachedPage:
    """What marks a view as a cached page, for dashboard/early_pages.py: the view and the query parameters in its key."""

    view: Callable
    parameters: tuple[str, ...]


def cached_page(*parameters: str) -> Callable:
    """Serve the view's 200 pages from the cache under their ETag; `parameters` are the query parameters that shape the page.

    Any other query parameter is ignored by the page, so it is left out of the key too (?utm_source=... is the same page).
    A response other than 200 (a 400 for a bad parameter, a 404) is neither stored nor given an ETag.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def etag(request: HttpRequest, *args, **kwargs) -> str:
            return page_etag(request, view, parameters, args, kwargs)

        def last_modified(request: HttpRequest, *args, **kwargs) -> datetime.datetime | None:
            return change_stamp(request)

        def stored(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            key = page_key(etag(request, *args, **kwargs))
            kept = cache.get(key)
            if kept is not None:
                content, content_type, _headers = kept
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                # With its type: the Atom feeds are served this way too.
                cache.set(key, (response.content, response["Content-Type"], None), timeout=CACHE_SECONDS)
            return response

        conditional = condition(etag_func=etag, last_modified_func=last_modified)(stored)

        @functools.wraps(view)
        def page(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            # The page's links (its other pages, the banner's way back to today) keep only what is in the key.
            request.page_parameters = (*parameters, AS_AT_PARAMETER)
            response = conditional(request, *args, **kwargs)
            if response.status_code in (200, 304):
                patch_cache_control(response, no_cache=True)
            else:
                for header in ("ETag", "Last-Modified"):
                    if header in response:
                        del response[header]
            return response

        # Kept by the decorators above it (functools.wraps copies it), so the URL's view says it is a cached page.
        page.cached_page = CachedPage(view, parameters)
        return page

    return decorator


# A filtered download this size or smaller is kept whole under its query, date and change stamp; a larger one, and every
# unfiltered one (a whole table), streams from the database each time, bounded by the download slots.
DOWNLOAD_BYTES = 4 * 1024 * 1024
DOWNLOAD_PIECE = 64 * 1024


def cached_download(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a filtered download's bytes from the cache once it has been streamed whole, with the headers it had.

    The first request streams from the database as before, and its bytes are kept if it ends complete and within
    DOWNLOAD_BYTES; later ones stream the kept bytes, in the same kind of response (so with the same headers, and
    bounded by the same download slots). A conditional request is left to the view, whose 304 costs no export.
    """

    @functools.wraps(view)
    def download(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        filtered = any(name != AS_AT_PARAMETER for name in request.GET)
        if not filtered or "If-Modified-Since" in request.headers or "If-None-Match" in request.headers:
            return view(request, *args, **kwargs)
        shape = [RELEASE, stamp_key(change_stamp(request)), request.path, repr(args), repr(sorted(kwargs.items()))]
        shape += [request.scheme, request.get_host(), str(as_at_of(request)), repr(sorted(request.GET.lists()))]
        key = "dashboard:download:" + hashlib.blake2b("\n".join(shape).encode(), digest_size=16).hexdigest()
        kept = cache.get(key)
        if kept is not None:
            content, headers = kept
            response = StreamingHttpResponse(content[start : start + DOWNLOAD_PIECE] for start in range(0, len(content), DOWNLOAD_PIECE))
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and response.streaming:
            response.streaming_content = kept_whole(response.streaming_content, key, tuple(response.items()))
        return response

    return download


def kept_whole(pieces: Iterable[bytes], key: str, headers: tuple) -> Iterator[bytes]:
    """The download's pieces, passed on as they come; kept in the cache once the last has gone, if they were few enough."""
    kept: list[bytes] | None = []
    size = 0
    for piece in pieces:
        size += len(piece)
        if kept is not None and size <= DOWNLOAD_BYTES:
            kept.append(piece)
        else:
            kept = None
        yield piece
    if kept is not None:
        cache.set(key, (b"".join(kept), headers), timeout=CACHE_SECONDS)
