"""Search and the figure explorer in Chromium: the keyboard alone finds and opens a result, and axe finds nothing on either."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.base import DESKTOP, OVERFLOW, PHONE, BrowserTestCase

PAGES = [
    "/search/",
    "/search/?q=Oracle",
    "/search/?q=%C2%A3504m",
    "/search/?q=Oracle&kind=figures",
    "/figures/",
    "/figures/?programme=ngss-2012&include_children=1&status=audited&sort=-value",
]
# More Tab presses than the search page has stops before its first result.
MAX_TABS = 40
FOCUSED = "document.activeElement"


@pytest.mark.browser
class FindTests(BrowserTestCase):
    def test_with_the_keyboard_alone_a_reader_jumps_to_search_types_and_opens_a_result(self):
        page = self.open("/").page
        page.keyboard.press("/")
        self.assertEqual(page.evaluate(f"{FOCUSED}.id"), "site-search")
        page.keyboard.type("SSCL")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        self.assertTrue(page.url.endswith("/search/?q=SSCL"), page.url)
        self.assertIn("SSCL", page.locator(".results mark").first.text_content())
        for _ in range(MAX_TABS):
            page.keyboard.press("Tab")
            if page.evaluate(f"{FOCUSED}.classList.contains('result-title')"):
                break
        target = page.evaluate(f"{FOCUSED}.href")
        self.assertEqual(target, page.locator(".result-title").first.evaluate("link => link.href"), "the first result is reached first")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        self.assertEqual(page.url, target)
        self.assertEqual(page.title().split(" – ")[-1], "Shared Services Savings Tracker")

    def test_a_slash_typed_into_a_box_stays_a_slash(self):
        page = self.open("/search/?q=Oracle").page
        page.locator("#search-page-q").focus()
        page.keyboard.press("End")
        page.keyboard.type(" a/b")
        self.assertEqual(page.locator("#search-page-q").input_value(), "Oracle a/b")
        self.assertEqual(page.evaluate(f"{FOCUSED}.id"), "search-page-q")

    def test_the_box_works_without_javascript(self):
        context = self.browser.new_context(java_script_enabled=False, viewport={"width": DESKTOP, "height": 900})
        self.addCleanup(context.close)
        page = context.new_page()
        page.goto(self.live_server_url + "/sources/")
        page.locator("#site-search").fill("write-off")
        with page.expect_navigation():
            page.locator(".site-search button").click()
        self.assertIn("/search/?q=write-off", page.url)
        self.assertGreater(page.locator(".results li").count(), 0)

    def test_the_keyboard_reaches_the_sort_links_and_jumps_to_the_facets_of_the_explorer(self):
        page = self.open("/figures/").page
        jump = "Jump to the filters and their counts"

        def tab_until(condition: str, key: str = "Tab") -> bool:
            for _ in range(MAX_TABS):
                page.keyboard.press(key)
                if page.evaluate(condition):
                    return True
            return False

        self.assertTrue(tab_until(f"{FOCUSED}.textContent.trim() === {jump!r}"))
        self.assertTrue(tab_until(f"{FOCUSED}.closest('thead') !== null"), "the column headings are links, after the jump link")
        self.assertTrue(tab_until(f"{FOCUSED}.textContent.trim() === {jump!r}", "Shift+Tab"))
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        self.assertTrue(page.evaluate(f"{FOCUSED}.closest('.facets') !== null"), "after the jump, the next Tab is in the facets")

    def test_axe_finds_no_accessibility_violation(self):
        axe = Axe()
        for path in PAGES:
            with self.subTest(page=path):
                visit = self.visit(path)
                results = axe.run(visit.page)
                self.assertEqual(results.violations_count, 0, results.generate_report())
                self.assertEqual(visit.errors, [])
                self.assertEqual(visit.failures, [])

    def test_nothing_scrolls_sideways_on_a_phone(self):
        for path in PAGES:
            with self.subTest(page=path):
                layout = self.visit(path, PHONE).page.evaluate(OVERFLOW)
                self.assertLessEqual(layout["scrollWidth"], layout["innerWidth"] + 1, layout["widest"])
