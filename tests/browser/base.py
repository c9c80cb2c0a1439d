"""A live server and the system Chromium, shared by the browser tests.

Django's LiveServerTestCase, not StaticLiveServerTestCase: it serves STATIC_ROOT, which holds the hashed file names
that CompressedManifestStaticFilesStorage writes into the pages (`make test` runs collectstatic first).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.models import Max
from django.test import LiveServerTestCase
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response, sync_playwright

from programmes.models import Figure, Programme, Source
from tests.helpers import PATIENCE

# Playwright's sync API runs an asyncio event loop in this thread, and Django refuses ORM calls from a thread with a
# running loop (SynchronousOnlyOperation). The tests query the database only between browser steps, never at the
# same time as the browser, so the check guards against nothing here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, headless; Playwright never downloads a browser of its own. No sandbox because CI runs as root;
# the rest stops the browser fetching anything for itself, so every request it makes is one the page asked for.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = 1280
PHONE = 375
# The widths between a phone and a desktop where an eleven-column table scrolls inside its frame.
LAPTOP = 1024
TABLET = 800
HEIGHTS = {DESKTOP: 900, LAPTOP: 768, TABLET: 1024, PHONE: 812}
SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"
# The page with the most charts (five: savings a year and in total, restatements, money in and out, deadlines).
BUSIEST_PAGE = "/programmes/ngss-2012/"

OVERFLOW = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  widest: [...document.querySelectorAll("body *")]
    .filter(el => !el.closest("svg, .table-scroll") && el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(-3).map(el => el.outerHTML.slice(0, 120)),
})"""

ALL_CHARTS_DRAWN = "() => [...document.querySelectorAll('.chart-plot')].every(plot => plot.dataset.drawn === 'true')"


@dataclass
class Visit:
    """One page open in the browser, with every request it made and every error it reported."""

    page: Page
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_request_failed(self, request: Request) -> None:
        self.failures.append(f"{request.url}: {request.failure}")

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.url}: HTTP {response.status}")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


def history_models() -> list:
    """The history table of every model whose changes simple-history keeps."""
    return [model for model in apps.get_models() if model._meta.object_name.startswith("Historical") and hasattr(model, "history_id")]


class BrowserTestCase(LiveServerTestCase):
    """One Chromium per class; each page is opened once per width and kept open for the class's other tests."""

    host = "127.0.0.1"
    browser: Browser
    contexts: dict[int, BrowserContext]
    visits: dict[tuple[str, int, str], Visit]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        playwright = sync_playwright().start()
        cls.addClassCleanup(playwright.stop)
        cls.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        cls.addClassCleanup(cls.browser.close)
        cls.contexts = {}
        cls.visits = {}

    # The classes that save through the admin set this: see _fixture_teardown. The others only read, and touch the
    # database neither before nor after a test, while the pages they keep open may still be asking the live server.
    writes = False

    @classmethod
    def _fixture_setup(cls) -> None:
        super()._fixture_setup()
        if cls.writes:
            cls.history_marks = {model: model.objects.aggregate(last=Max("history_id"))["last"] or 0 for model in history_models()}

    def _fixture_teardown(self) -> None:
        # TransactionTestCase would empty every table after each test, wiping the cited dataset that tests/conftest.py
        # loads once per session; loading it again costs 2-4 seconds a test. The tests that write (the admin's) put back
        # what they change in their cleanups; what stays is the history of those changes and cleanups, which the
        # corrections log and the feeds read as the record's: it goes too, so that the tests after these see the
        # history the dataset's load left.
        for model, last in (self.history_marks if self.writes else {}).items():
            model.objects.filter(history_id__gt=last).delete()

    @classmethod
    def context(cls, width: int) -> BrowserContext:
        if width not in cls.contexts:
            cls.contexts[width] = cls.browser.new_context(viewport={"width": width, "height": HEIGHTS[width]})
            cls.contexts[width].set_default_timeout(PATIENCE * 1000)
        return cls.contexts[width]

    @classmethod
    def open(cls, path: str, width: int = DESKTOP, media: str = "screen") -> Visit:
        """Open a page in a new tab, recording its requests and errors, and wait until every chart is drawn."""
        page = cls.context(width).new_page()
        visit = Visit(page)
        page.on("request", visit.on_request)
        page.on("requestfailed", visit.on_request_failed)
        page.on("response", visit.on_response)
        page.on("console", visit.on_console)
        page.on("pageerror", visit.on_page_error)
        page.goto(cls.live_server_url + path)
        page.wait_for_function(ALL_CHARTS_DRAWN)
        # After drawing, as a reader prints a page they have been looking at.
        page.emulate_media(media=media)
        return visit

    @classmethod
    def visit(cls, path: str, width: int = DESKTOP, media: str = "screen") -> Visit:
        """The page at this width and media, opened by whichever test of the class asks first and then kept open."""
        key = (path, width, media)
        if key not in cls.visits:
            cls.visits[key] = cls.open(path, width, media)
        return cls.visits[key]


def chart_pages() -> list[str]:
    """Every page that draws charts: the overview and each programme's page."""
    return ["/", *(programme.get_absolute_url() for programme in Programme.objects.order_by("slug"))]


def other_pages() -> list[str]:
    """The pages without charts: the sources list, the most-cited source, a figure that sources disagree on, about, the
    two lists auditors asked for (every disagreement, the claims never audited) and the corrections log."""
    source = Source.objects.with_figure_counts().order_by("-figure_count", "pk").first()
    figure = Figure.objects.get(key="F041")
    return [
        "/sources/",
        source.get_absolute_url(),
        figure.get_absolute_url(),
        "/about/",
        "/disagreements/",
        "/never-audited/",
        "/corrections/",
    ]
