"""Charts that fit the reader's screen: from a small phone to a desktop, no page scrolls sideways and every chart fits
its column with a plot a reader can read; on a touch screen a tap shows what pointing shows."""

from __future__ import annotations

import pytest

from programmes.models import Figure
from tests.browser.base import BrowserTestCase, chart_pages
from tests.helpers import PATIENCE

WIDTHS = (320, 375, 768, 1280)
# The smallest type a reader must read on a chart: tick labels, bar labels, notes.
SMALLEST_TEXT = 11

# Every chart laid out for the width its column has now (static/js/charts.js marks each with the width it was drawn for).
LAID_OUT = """() => [...document.querySelectorAll('.chart-plot')].every(
  plot => plot.dataset.drawn === 'true' && plot.dataset.width === String(Math.floor(plot.clientWidth)))"""

LAYOUT = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  charts: [...document.querySelectorAll('.chart-plot')].map(plot => {
    const column = plot.closest('.chart').getBoundingClientRect();
    const drawn = [...plot.querySelectorAll('svg.main-svg')].map(svg => svg.getBoundingClientRect());
    const texts = [...plot.querySelectorAll('.xtick text, .ytick text, .annotation-text, .legendtext, .g-xtitle text, .g-ytitle text')]
      .filter(text => text.getBoundingClientRect().width > 0);
    return {
      id: plot.dataset.chart,
      column: {left: column.left, right: column.right},
      left: Math.min(...drawn.map(box => box.left)),
      right: Math.max(...drawn.map(box => box.right)),
      width: plot.getBoundingClientRect().width,
      plots: [...plot.querySelectorAll('.nsewdrag')].map(area => area.getBoundingClientRect().width),
      smallest: Math.min(...texts.map(text => parseFloat(getComputedStyle(text).fontSize))),
      outside: texts.filter(text => {
        const box = text.getBoundingClientRect();
        return box.left < column.left - 1 || box.right > column.right + 1;
      }).map(text => text.textContent).slice(0, 3),
    };
  }),
})"""


def reflow_pages() -> list[str]:
    """The overview, every programme page, the figure explorer, a figure page and a page of the record at a past date."""
    return [*chart_pages(), "/figures/", Figure.objects.get(key="F041").get_absolute_url(), "/programmes/ngss-2012/?as_at=2016-05-20"]


@pytest.mark.browser
class ReflowTests(BrowserTestCase):
    def test_every_chart_fits_its_column_at_every_width_from_a_small_phone_to_a_desktop(self):
        narrowest: dict[int, float] = {}
        context = self.browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        self.addCleanup(context.close)
        context.set_default_timeout(PATIENCE * 1000)
        for path in reflow_pages():
            page = context.new_page()
            page.goto(self.live_server_url + path)
            for width in WIDTHS:
                # The same page made wider, as a phone turned on its side or a window dragged wider: the charts follow.
                page.set_viewport_size({"width": width, "height": 900})
                page.wait_for_function(LAID_OUT, timeout=PATIENCE * 1000)
                layout = page.evaluate(LAYOUT)
                with self.subTest(page=path, width=width):
                    self.assertEqual(layout["scrollWidth"], layout["innerWidth"], "the page scrolls sideways")
                for chart in layout["charts"]:
                    with self.subTest(page=path, width=width, chart=chart["id"]):
                        self.assertGreaterEqual(chart["left"], chart["column"]["left"] - 1)
                        self.assertLessEqual(chart["right"], chart["column"]["right"] + 1)
                        self.assertEqual(chart["outside"], [], "text drawn outside the chart's column")
                        self.assertTrue(chart["plots"], "no plot area drawn")
                        for plot in chart["plots"]:
                            self.assertGreaterEqual(plot, chart["width"] / 2, "the plot area is less than half the chart")
                        self.assertGreaterEqual(chart["smallest"], SMALLEST_TEXT)
                        narrowest[width] = min(narrowest.get(width, chart["width"]), *chart["plots"])
            page.close()
        print("\nnarrowest plot area at each width:", {width: round(plot) for width, plot in sorted(narrowest.items())})

    def test_on_a_touch_screen_a_tap_shows_a_bars_value_and_a_second_tap_opens_its_figure(self):
        context = self.browser.new_context(viewport={"width": 375, "height": 812}, has_touch=True, is_mobile=True)
        self.addCleanup(context.close)
        context.set_default_timeout(PATIENCE * 1000)
        page = context.new_page()
        page.goto(self.live_server_url + "/")
        page.wait_for_function(LAID_OUT)
        # The overview's chart of claims beside findings opens a bar's figure when the bar is clicked.
        chart = page.locator(".chart-plot.has-links").first
        bar = chart.locator(".bars .point path").first
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("chart => chart.querySelectorAll('.hoverlayer .hovertext').length > 0", arg=chart.element_handle())
        self.assertEqual(page.url, self.live_server_url + "/", "the first tap opened the figure instead of showing its value")
        self.assertRegex(chart.locator(".hoverlayer .hovertext").first.text_content(), r"£")
        # A second tap, not a double tap: plotly takes two taps within 300 ms for a double click, which resets the zoom.
        page.wait_for_timeout(500)
        with page.expect_navigation():
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.assertRegex(page.url, r"/figures/F?\w+/$")
