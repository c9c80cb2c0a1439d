"""Pages printed to PDF in Chromium, on A4 and Letter, from a desktop-wide window: every chart is drawn again for the
sheet and lies within it, and every sheet says where it came from, when it was printed and which page it is."""

from __future__ import annotations

import datetime
import io
import unicodedata

import pypdf
import pytest

from tests.browser.base import ALL_CHARTS_DRAWN, BUSIEST_PAGE, DESKTOP, BrowserTestCase
from tests.helpers import PATIENCE

PAST = "/programmes/ngss-2012/?as_at=2016-05-20"
# The pages with charts on both sizes of paper; a past date and the explorer's table (no charts) on A4.
PRINTS = [("/", "A4"), ("/", "Letter"), (BUSIEST_PAGE, "A4"), (BUSIEST_PAGE, "Letter"), (PAST, "A4"), ("/figures/", "A4")]


def printed_days() -> set[str]:
    """Today as the page writes it, and yesterday, for a run that crosses midnight."""
    today = datetime.date.today()
    return {f"{day.day} {day:%B %Y}" for day in (today, today - datetime.timedelta(days=1))}


def words(text: str) -> str:
    """Printed text as a reader reads it: ligatures (ﬁ) as their letters, and any run of spaces or line breaks as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def text_runs(sheet: pypdf.PageObject) -> list[tuple[float, str]]:
    """Where each run of text on a sheet starts (points from its left edge), with the text."""
    runs = []

    def visit(text, cm, tm, font, size) -> None:
        if text.strip():
            runs.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], text))

    sheet.extract_text(visitor_text=visit)
    return runs


@pytest.mark.browser
class PrintTests(BrowserTestCase):
    def printed(self, path: str, sheet: str) -> pypdf.PdfReader:
        page = self.context(DESKTOP).new_page()
        self.addCleanup(page.close)
        page.goto(self.live_server_url + path)
        page.wait_for_function(ALL_CHARTS_DRAWN, timeout=PATIENCE * 1000)
        return pypdf.PdfReader(io.BytesIO(page.pdf(format=sheet)))

    def test_every_chart_and_line_lies_within_the_sheet_and_every_sheet_says_where_and_when_it_was_printed(self):
        for path, sheet in PRINTS:
            with self.subTest(page=path, sheet=sheet):
                document = self.printed(path, sheet)
                total = len(document.pages)
                for number, printed in enumerate(document.pages, start=1):
                    width = float(printed.mediabox.width)
                    outside = [(round(x), text[:40]) for x, text in text_runs(printed) if not 0 <= x < width]
                    self.assertEqual(outside, [], f"text off sheet {number}")
                    text = words(printed.extract_text())
                    self.assertIn(f"Page {number} of {total}", text)
                    self.assertIn(f"{self.live_server_url}{path} · printed ", text)
                    self.assertTrue(any(f"printed {day}" in text for day in printed_days()), text[:200])
                    if "as_at=" in path:
                        self.assertIn("the record as at 20 May 2016", text)
                    else:
                        self.assertNotIn("the record as at", text)

    def test_it_prints_neither_the_navigation_nor_the_search(self):
        page = self.visit(BUSIEST_PAGE, media="print").page
        for part in (".site-header nav", ".site-search", ".date-bar", ".skip-link"):
            with self.subTest(part=part):
                self.assertTrue(page.locator(part).first.is_hidden())
        text = words(self.printed(BUSIEST_PAGE, "A4").pages[0].extract_text())
        self.assertNotIn("Search", text)

    def test_no_chart_is_split_between_sheets(self):
        page = self.visit(BUSIEST_PAGE, media="print").page
        breaks = page.locator(".chart-figure").evaluate_all("figures => figures.map(f => getComputedStyle(f).breakInside)")
        self.assertTrue(breaks)
        self.assertEqual(set(breaks), {"avoid"})

    def test_a_paged_table_says_on_paper_where_it_is_whole_and_its_whole_page_prints_every_row(self):
        paged = self.printed("/figures/", "A4")
        text = words(" ".join(sheet.extract_text() for sheet in paged.pages))
        count = int(text.split("This sheet holds figures 1–50 of ")[1].split(".")[0])
        self.assertGreater(count, 50)
        # A long address may wrap at any character on paper: spaces are left out of the comparison.
        self.assertIn(f"Allofthemononepage:{self.live_server_url}/figures/?page=all", text.replace(" ", ""))
        self.assertNotIn("on one page, to print", text)

        whole = self.visit("/figures/?page=all", media="print").page
        rows = whole.locator(".explorer-table tbody tr")
        self.assertEqual(rows.count(), count)
        self.assertTrue(rows.last.is_visible())
        printed = self.printed("/figures/?page=all", "A4")
        self.assertGreater(len(printed.pages), len(paged.pages))
        self.assertIn(f"All {count} figures, on one page.", words(" ".join(sheet.extract_text() for sheet in printed.pages)))
