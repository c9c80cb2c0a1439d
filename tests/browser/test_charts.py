"""A chart's own controls in Chromium, and how a page of charts prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.base import BUSIEST_PAGE, BrowserTestCase

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
class ChartTests(BrowserTestCase):
    def test_it_downloads_each_chart_as_a_png_named_after_the_chart(self):
        page = self.visit("/").page
        buttons = page.locator(".png-download").all()
        self.assertTrue(buttons)
        self.assertEqual(len(buttons), page.locator(".chart-plot").count())
        for button in buttons:
            filename = page.locator(f'.chart-plot[data-chart="{button.get_attribute("data-target")}"]').get_attribute("data-filename")
            with self.subTest(chart=filename):
                with page.expect_download() as started:
                    button.click()
                download = started.value
                self.assertTrue(download.suggested_filename.startswith(filename), download.suggested_filename)
                self.assertTrue(download.suggested_filename.endswith(".png"), download.suggested_filename)
                self.assertEqual(Path(download.path()).read_bytes()[:8], PNG_SIGNATURE)

    def test_it_offers_no_toolbar_button_that_uploads_the_chart(self):
        titles = self.visit("/").page.locator(".chart-plot .modebar-btn").evaluate_all("buttons => buttons.map(b => b.dataset.title)")
        self.assertIn("Reset axes", titles)
        self.assertNotIn("Share chart...", titles)
        # The page's own button makes the PNG (with the chart's title in it); plotly's would leave the title out.
        self.assertNotIn("Download plot as a PNG", titles)

    def test_it_prints_every_chart_table_and_leaves_out_the_navigation_and_buttons(self):
        page = self.visit(BUSIEST_PAGE, media="print").page
        tables = page.locator(".chart-table").all()
        self.assertTrue(tables)
        self.assertEqual(len(tables), page.locator(".chart-plot").count())
        for table in tables:
            self.assertTrue(table.is_visible())
        self.assertTrue(page.locator(".site-header nav").is_hidden())
        for actions in page.locator(".chart-actions").all():
            self.assertTrue(actions.is_hidden())

    def test_it_prints_each_chart_clear_of_its_caption_and_table(self):
        page = self.visit(BUSIEST_PAGE, media="print").page
        for chart in page.locator("section.chart").all():
            with self.subTest(chart=chart.get_attribute("id")):
                drawing = chart.locator("svg.main-svg").first.bounding_box()
                caption = chart.locator("figcaption").bounding_box()
                self.assertGreater(drawing["height"], 100)
                self.assertLessEqual(drawing["y"] + drawing["height"], caption["y"] + 1, "the drawing covers its caption and table")

    def test_it_prints_the_sources_of_each_chart(self):
        page = self.visit(BUSIEST_PAGE, media="print").page
        lists = page.locator(".chart-sources ol").all()
        self.assertEqual(len(lists), page.locator(".chart-plot").count())
        for sources in lists:
            self.assertTrue(sources.is_visible(), "a chart's list of sources is hidden in print")
