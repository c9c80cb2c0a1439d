"""Every public page in Chromium: the charts a reader sees, what the page fetches, accessibility, phone layout."""

from __future__ import annotations

import os
import struct
from collections import Counter
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db.models import Q
from django.urls import resolve

from dashboard import pages
from dashboard.charts import Chart
from programmes.models import Basis, Event, Figure, Measure, Programme, Unit
from tests.browser.base import (
    BUSIEST_PAGE,
    DESKTOP,
    LAPTOP,
    OVERFLOW,
    PHONE,
    SCREENSHOTS,
    TABLET,
    BrowserTestCase,
    chart_pages,
    other_pages,
)

# Which figures each programme chart must draw, asked of the database directly rather than of the chart builders.
# The overview's headline picks and the money chart's savings-and-investment pairs are chosen by their builders, so for
# those charts the builder's table says which figures they hold.
CHART_FIGURES = {
    "savings-annual": Q(measure=Measure.SAVINGS, unit=Unit.GBP_M, basis=Basis.ANNUAL),
    "savings-total": Q(measure=Measure.SAVINGS, unit=Unit.GBP_M, basis__in=[Basis.CUMULATIVE, Basis.ONE_OFF]),
    "restatements": Q(measure=Measure.SAVINGS, unit=Unit.GBP_M),
    "funding": Q(measure__in=[Measure.FUNDING_REQUESTED, Measure.FUNDING_APPROVED, Measure.FUNDING_GAP], unit=Unit.GBP_M),
    "deadlines": Q(measure=Measure.DEADLINE, unit=Unit.YEAR, value__isnull=False),
}
# The restatement chart needs two figures to show a change; the others need one.
FIGURES_NEEDED = {"restatements": 2}

# For each trace plotly drew, the figure behind each visible mark (bar or marker); a mark of no size is one nobody
# sees. plotly binds each trace's data to its <g class="trace"> and each point's to its mark (d3's __data__), so this
# reads what is on screen, not the JSON that was sent.
MARKS = """plot => [...plot.querySelectorAll("g.trace")].map(group => {
  const trace = group.__data__[0].trace;
  const marks = [...group.querySelectorAll(".point")].filter(mark => {
    const box = mark.getBBox();
    return box.width > 0 || box.height > 0;
  });
  return {index: trace.index, figures: marks.map(mark => (trace.customdata || [])[mark.__data__.i] ?? null)};
}).sort((a, b) => a.index - b.index)"""


def charts_for(path: str) -> tuple[Programme | None, list[Chart]]:
    """The charts the server builds for a page, from the test database."""
    if path == "/":
        return None, pages.overview_charts(list(Programme.objects.for_overview()))
    programme = Programme.objects.get(slug=resolve(path).kwargs["slug"])
    return programme, pages.programme_charts(programme)


def figure_id(url: str) -> int:
    """The figure behind a link, which is at its dataset key where it has one and at its id otherwise."""
    kwargs = resolve(url).kwargs
    return kwargs["pk"] if "pk" in kwargs else Figure.objects.get(key=kwargs["key"]).pk


def expected_marks(chart: Chart, programme: Programme | None) -> Counter[int]:
    """Figure id -> marks it must have: every known figure once, and a range twice (both ends) on the restatement chart."""
    if programme is not None and chart.id in CHART_FIGURES:
        figures = Figure.objects.filter(CHART_FIGURES[chart.id], programme=programme)
    else:
        figures = Figure.objects.filter(pk__in=[figure_id(row["url"]) for row in chart.rows])
    return Counter({figure.pk: 2 if chart.id == "restatements" and figure.is_range else 1 for figure in figures.known()})


def points_in(trace: dict) -> int:
    """Points of a trace in the server's figure JSON that have both coordinates (None separates range lines)."""
    return sum(1 for x, y in zip(trace["x"], trace["y"], strict=True) if x is not None and y is not None)


def screenshot_name(path: str) -> str:
    return path.strip("/").replace("/", "-") or "overview"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
class PageTests(BrowserTestCase):
    """Each page is opened once per width and shared by these tests, rather than loaded again by each of them."""

    def pages_at_both_widths(self) -> list[tuple[str, int]]:
        """Pages with charts at desktop and phone widths, the others at desktop width."""
        return [(path, width) for path in chart_pages() for width in (DESKTOP, PHONE)] + [(path, DESKTOP) for path in other_pages()]

    def test_it_draws_every_chart_with_every_figure_from_the_database(self):
        for path in chart_pages():
            programme, built = charts_for(path)
            page = self.visit(path).page
            with self.subTest(page=path):
                self.assertEqual(
                    page.locator(".chart-plot").evaluate_all("plots => plots.map(p => p.dataset.chart)"), [c.data_id for c in built]
                )
                for chart_id, rule in CHART_FIGURES.items():
                    if programme and Figure.objects.filter(rule, programme=programme).known().count() >= FIGURES_NEEDED.get(chart_id, 1):
                        self.assertIn(chart_id, [chart.id for chart in built], "the database has figures for this chart")
            for chart in built:
                with self.subTest(page=path, chart=chart.id):
                    plot = page.locator(f'.chart-plot[data-chart="{chart.data_id}"]')
                    self.assertEqual(plot.get_attribute("data-drawn"), "true")
                    self.assertGreater(plot.locator("svg").count(), 0)
                    traces = plot.evaluate(MARKS)
                    sent = chart.plotly["data"]
                    self.assertEqual([t["index"] for t in traces], list(range(len(sent))), "one drawn trace per trace built")
                    self.assertEqual([len(t["figures"]) for t in traces], [points_in(trace) for trace in sent], "marks per trace")
                    drawn = Counter(pk for trace in traces for pk in trace["figures"] if pk is not None)
                    expected = expected_marks(chart, programme)
                    self.assertEqual(drawn, expected, f"figures missing: {expected - drawn}, unexpected: {drawn - expected}")
                    links = page.locator(f"#{chart.anchor} .chart-table tbody tr td:first-child a").evaluate_all(
                        "as => as.map(a => a.pathname)"
                    )
                    listed = Figure.objects.filter(pk__in=[figure_id(url) for url in links])
                    self.assertEqual(len(links), len(chart.rows))
                    self.assertEqual(set(drawn), {figure.pk for figure in listed.known()}, "the table lists every figure drawn")
                    if chart.id == "restatements":
                        events = sum(1 for trace in traces for pk in trace["figures"] if pk is None)
                        self.assertEqual(events, Event.objects.filter(programme=programme).count())

    def test_it_logs_no_console_error(self):
        for path, width in self.pages_at_both_widths():
            with self.subTest(page=path, width=width):
                self.assertEqual(self.visit(path, width).errors, [])

    def test_it_has_no_failed_request(self):
        for path, width in self.pages_at_both_widths():
            with self.subTest(page=path, width=width):
                self.assertEqual(self.visit(path, width).failures, [])

    def test_it_requests_nothing_from_another_origin(self):
        origin = urlsplit(self.live_server_url)[:2]
        for path, width in self.pages_at_both_widths():
            with self.subTest(page=path, width=width):
                requests = self.visit(path, width).requests
                self.assertIn(self.live_server_url + path, requests)
                self.assertEqual([url for url in requests if urlsplit(url)[:2] != origin], [])

    def test_it_has_no_accessibility_violations(self):
        axe = Axe()
        for path in [*chart_pages(), *other_pages()]:
            with self.subTest(page=path):
                visit = self.visit(path)
                before = len(visit.requests)
                results = axe.run(visit.page)
                self.assertEqual(visit.requests[before:], [], "axe-core is injected from the package and fetches nothing")
                self.assertEqual(results.violations_count, 0, results.generate_report())

    def test_it_never_scrolls_sideways_on_a_phone(self):
        for path in [*chart_pages(), *other_pages()]:
            with self.subTest(page=path):
                layout = self.visit(path, PHONE).page.evaluate(OVERFLOW)
                self.assertLessEqual(layout["scrollWidth"], layout["innerWidth"] + 1, layout["widest"])

    def test_the_date_control_is_on_the_first_screen_of_a_programme_page(self):
        for width in (DESKTOP, PHONE):
            with self.subTest(width=width):
                page = self.visit(BUSIEST_PAGE, width).page
                for control in ("#as-at-date", ".date-picker button", "details.notches summary"):
                    box = page.locator(control).bounding_box()
                    self.assertLess(box["y"] + box["height"], page.viewport_size["height"], control)

    def test_the_explorer_never_scrolls_sideways_between_tablet_and_desktop_widths(self):
        # Its table scrolls inside its own frame; nothing in it (such as a sort heading's hidden text) may widen the page.
        for width in (TABLET, LAPTOP, DESKTOP):
            with self.subTest(width=width):
                layout = self.visit("/figures/", width).page.evaluate(OVERFLOW)
                self.assertEqual(layout["scrollWidth"], layout["innerWidth"], layout["widest"])

    def test_it_saves_full_page_screenshots_at_desktop_and_phone_widths(self):
        # Encoding a full-page PNG costs more than drawing the page: by default the overview and the busiest page, for a
        # person to look at after a change; SCREENSHOTS=all writes every page with charts.
        SCREENSHOTS.mkdir(exist_ok=True)
        for path in chart_pages() if os.environ.get("SCREENSHOTS") == "all" else ["/", BUSIEST_PAGE]:
            for width in (DESKTOP, PHONE):
                with self.subTest(page=path, width=width):
                    file = SCREENSHOTS / f"{screenshot_name(path)}-{width}.png"
                    file.unlink(missing_ok=True)
                    self.visit(path, width).page.screenshot(path=file, full_page=True)
                    shot_width, shot_height = png_size(file.read_bytes())
                    self.assertEqual(shot_width, width)
                    self.assertGreater(shot_height, 800)
