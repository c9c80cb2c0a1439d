"""The pages with the keyboard alone: the skip link comes first, and Tab reaches every chart's downloads."""

from __future__ import annotations

import pytest

from tests.browser.base import BUSIEST_PAGE, BrowserTestCase

# More Tab presses than the busiest page has stops before its last chart's buttons (about 200).
MAX_TABS = 400
RECORD_CHART_ACTIONS_FOCUSED = """() => {
  window.chartActionsFocused = new Set();
  document.addEventListener("focusin", event => {
    if (event.target.closest(".chart-actions")) {
      window.chartActionsFocused.add(event.target.closest(".chart").id + ": " + event.target.textContent);
    }
  });
}"""


@pytest.mark.browser
class KeyboardTests(BrowserTestCase):
    def test_it_reaches_the_skip_link_first_and_it_moves_focus_to_main(self):
        page = self.open("/").page
        page.keyboard.press("Tab")
        self.assertEqual(page.evaluate("document.activeElement.textContent"), "Skip to main content")
        self.assertGreaterEqual(page.locator(".skip-link").bounding_box()["x"], 0, "the focused skip link is on screen")
        page.keyboard.press("Enter")
        self.assertEqual(page.evaluate("document.activeElement.id"), "main")
        page.keyboard.press("Tab")
        self.assertTrue(page.evaluate("document.activeElement.closest('main') !== null"), "the next Tab skips the navigation")

    def test_it_reaches_every_chart_download_with_the_tab_key(self):
        page = self.open(BUSIEST_PAGE).page
        wanted = set(
            page.locator(".chart-actions a[download], .chart-actions .png-download").evaluate_all(
                'controls => controls.map(c => c.closest(".chart").id + ": " + c.textContent)'
            )
        )
        self.assertEqual(len(wanted), 2 * page.locator(".chart-plot").count())
        page.evaluate(RECORD_CHART_ACTIONS_FOCUSED)
        reached: set[str] = set()
        for _ in range(MAX_TABS // 20):
            for _ in range(20):
                page.keyboard.press("Tab")
            reached = set(page.evaluate("[...window.chartActionsFocused]"))
            if wanted <= reached:
                break
        self.assertEqual(wanted - reached, set())
