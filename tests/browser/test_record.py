"""The record at a date in Chromium: a reader opens a page as it stood then, sees which date, follows links and stays there."""

from __future__ import annotations

import pytest

from tests.browser.base import BrowserTestCase

NAO_2016 = "/programmes/ngss-2012/?as_at=2016-05-20"


@pytest.mark.browser
class RecordAtADateTests(BrowserTestCase):
    def test_a_reader_follows_links_from_a_page_at_a_date_and_stays_at_the_date(self):
        visit = self.open(NAO_2016)
        page = visit.page
        banner = page.locator(".as-at-banner")
        self.assertTrue(banner.is_visible())
        self.assertIn("The record as it stood on 20 May 2016", banner.inner_text())
        card = page.locator('[data-card="delivered-audited"]').first
        self.assertIn("£90m", card.inner_text())
        self.assertIn(
            "No figure in the sources", page.locator('[data-card="net-benefit"]').first.inner_text(), "the PAC's net came in October"
        )
        for name, path in (("Sources", "/sources/"), ("About", "/about/"), ("Changes", "/changes/"), ("Strategies", "/")):
            with self.subTest(link=name):
                page.locator(".site-header nav").get_by_role("link", name=name, exact=True).click()
                page.wait_for_url(f"**{path}?as_at=2016-05-20")
                self.assertTrue(page.locator(".as-at-banner").is_visible())
                self.assertIn("20 May 2016", page.locator(".as-at-banner").inner_text())
        page.get_by_role("link", name="See this page as it stands today").click()
        page.wait_for_url(self.live_server_url + "/")
        self.assertEqual(page.locator(".as-at-banner").count(), 0)
        self.assertEqual(visit.errors, [])
        self.assertEqual(visit.failures, [])

    def test_a_bar_of_claims_against_findings_opens_its_figure_at_the_date(self):
        page = self.open("/programmes/early-shared-services/?as_at=2012-03-07").page
        bars = page.locator("#chart-claims-findings .bars .point path")
        self.assertEqual(bars.count(), 2)
        page.locator("#chart-claims-findings .chart-plot").scroll_into_view_if_needed()
        box = bars.nth(1).bounding_box()
        # As a reader does: over the bar first (plotly reads the click from the hover), then a click.
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.locator("#chart-claims-findings .hoverlayer .hovertext").wait_for()
        page.mouse.down()
        page.mouse.up()
        page.wait_for_url(lambda url: "/figures/" in url)
        self.assertRegex(page.url, r"/figures/F01(4|5a)/\?as_at=2012-03-07$")
        self.assertTrue(page.locator(".as-at-banner").is_visible())

    def test_the_date_picker_works_without_javascript(self):
        context = self.browser.new_context(java_script_enabled=False)
        self.addCleanup(context.close)
        page = context.new_page()
        page.goto(self.live_server_url + "/about/")
        self.assertEqual(page.locator(".as-at-banner").count(), 0)
        page.fill("#as-at-date", "2014-04-15")
        page.get_by_role("button", name="Show", exact=True).click()
        page.wait_for_url("**/about/?as_at=2014-04-15")
        banner = page.locator(".as-at-banner").inner_text()
        # 15 April 2014 is shown as the record stood on the last day a publication appeared by then.
        self.assertIn("The record as it stood on 1 April 2014", banner)
        page.locator("details.notches summary").click()
        page.get_by_role("link", name="20 May 2016").click()
        page.wait_for_url("**/about/?as_at=2016-05-20")
        self.assertIn("20 May 2016", page.locator(".as-at-banner").inner_text())
