"""The main pages built into the shared cache after each committed change, after load_dataset and when the server starts.

The first reader after an edit would otherwise wait for `/` or a programme page to be built (pandas and plotly, the
most of a cold page's time). One thread of the process that saved the change builds them instead, once the change is
committed, as a reader's request would: through the whole middleware stack, so each page is kept under the key a
reader's request computes (page_cache.page_etag) and with the headers its answer carries (dashboard/early_pages.py).
Changes committed while it builds have it build once more when it ends, so the last pages built show the last change;
an import of a thousand rows builds them once. load_dataset builds them before it ends; `manage.py warm_pages` does
when the server starts (gunicorn.conf.py runs it once, beside the workers).

The key holds the scheme and host a reader asked for. The pages are built for the site's public address (SITE_URL),
the address readers arrive at and every link the site publishes names, when ALLOWED_HOSTS serves it; otherwise for
the first host ALLOWED_HOSTS names, over plain HTTP. A reader at another address of the same site builds its own copy
of a page, from the same cached charts.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from django.http.request import split_domain_port, validate_host
from django.test import RequestFactory
from django.urls import reverse

from dashboard.after_changes import AfterChanges
from dashboard.exports import stamp
from dashboard.pages import OVERVIEW_PAGE_SIZE
from programmes.models import Programme, ProgrammeKind

logger = logging.getLogger(__name__)


def addresses() -> list[str]:
    """The pages built ahead of their readers: `/`, the page of each strategy its first page shows, the figures and the sources.

    Only those strategies: with hundreds of them, building every one after each edit would keep a thread busy for
    minutes; the others are built by their first reader, from charts kept under the change stamp.
    """
    strategies = Programme.objects.announced_by(None).filter(kind=ProgrammeKind.STRATEGY).order_by("started", "name", "pk")
    strategies = strategies[:OVERVIEW_PAGE_SIZE]
    programmes = [reverse("dashboard:programme-detail", args=[slug]) for slug in strategies.values_list("slug", flat=True)]
    return [reverse("dashboard:overview"), *programmes, reverse("dashboard:figure-list"), reverse("dashboard:source-list")]


def served_hosts() -> list[str]:
    """The hosts the site answers, as Django's request.get_host() decides: with DEBUG and none named, the local ones."""
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


def origin() -> tuple[str, str] | None:
    """The scheme and host the pages are built for: SITE_URL's if the site serves it, else the first host it names;
    None when it names none (a command run with no ALLOWED_HOSTS answers no reader, so there is nothing to build for)."""
    site = urlsplit(settings.SITE_URL)
    domain, _port = split_domain_port(site.netloc)
    hosts = served_hosts()
    if domain and validate_host(domain, hosts):
        return site.scheme or "http", site.netloc
    named = [host for host in hosts if host != "*" and not host.startswith(".")]
    return ("http", named[0]) if named else None


def warm() -> int:
    """Build every page of addresses() into the cache as a reader without a session would ask for it; how many answered 200."""
    where = origin()
    if where is None:
        return 0
    scheme, host = where
    # The stamp this builds under is the one committed last, whichever process committed it.
    stamp.committed()
    handler = WSGIHandler()
    requests = RequestFactory(headers={"host": host})
    built = 0
    for address in addresses():
        # Not closed: close() announces the end of a request (request_finished), whose handler closes the database
        # connections between requests, and a test's transaction with them; the pages are whole, with nothing to close.
        response = handler.get_response(requests.get(address, secure=scheme == "https"))
        built += response.status_code == 200
    return built


class Warmer(AfterChanges):
    """The main pages built again after changes (dashboard/after_changes.py): a page that fails to build is built by its first reader instead."""

    thread_name = "warm-pages"
    logger = logger
    failure = "The main pages could not be built ahead of their readers."

    def run_once(self) -> None:
        warm()


warmer = Warmer()


def record_changed(**kwargs) -> None:
    """A history row was written: the pages are built again, in a thread, once it is committed."""
    if settings.PAGES_WARM:
        transaction.on_commit(warmer.changed)


def dataset_loaded(**kwargs) -> None:
    """load_dataset has loaded the cited dataset: the pages are built once it is committed, before the command ends."""
    if settings.PAGES_WARM:
        transaction.on_commit(lambda: logger.info("Pages built ahead of their readers: %s.", warm()))
