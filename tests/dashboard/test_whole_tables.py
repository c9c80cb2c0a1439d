"""?page=all: every list shown a page at a time can be shown whole on one page, so that a printed table is whole.

Printing a paged table used to print its first page only ("Figures 1–50"), with nothing on paper to say so.
"""

import re
from decimal import Decimal as D
from unittest import mock

from django.test import TestCase

from tests.helpers import make_figure, make_programme, make_source

# Page sizes made small where the cited dataset alone is too short to need a second page.
SMALL_PAGES = {
    "dashboard.pages.OVERVIEW_PAGE_SIZE": 2,
    "dashboard.pages.SOURCES_PAGE_SIZE": 10,
    "dashboard.scrutiny.PAGE_SIZE": 2,
}


class WholeTableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("paged", name="Paged strategy")
        cls.source = make_source("paged-source", publisher="Paged Publisher")
        # 121 figures of one quantity: each figure's page lists 120 others, and the programme's table 121.
        cls.figures = [make_figure(cls.programme, cls.source, value=D(n)) for n in range(1, 122)]

    def setUp(self):
        for target, size in SMALL_PAGES.items():
            patcher = mock.patch(target, size)
            patcher.start()
            self.addCleanup(patcher.stop)

    def paged_lists(self) -> list[tuple[str, str]]:
        """Every list a page shows a page at a time: its address and what the page calls its rows."""
        return [
            ("/", "strategies"),
            ("/programmes/paged/", "figures"),
            ("/figures/", "figures"),
            (self.figures[0].get_absolute_url(), "other figures"),
            ("/sources/", "publications"),
            (self.source.get_absolute_url(), "figures"),
            ("/changes/?since=2000-01-01", "changes"),
            ("/never-audited/", "claims"),
            ("/disagreements/", "disagreements"),
        ]

    def test_every_paged_list_links_its_whole_table_which_holds_every_row(self):
        for address, noun in self.paged_lists():
            with self.subTest(address=address):
                first = self.client.get(address)
                self.assertEqual(first.status_code, 200)
                paged = first.context["page"]
                self.assertGreater(paged.paginator.num_pages, 1, "the list must have pages for the test to mean anything")
                count = paged.paginator.count
                link = re.search(rf'<a href="([^"]+)">All {count} {noun} on one page</a>', first.content.decode())
                self.assertIsNotNone(link, f"no link to all {count} {noun}")
                path = address.split("?")[0]
                whole_address = path + link.group(1).replace("&amp;", "&")
                self.assertIn("page=all", whole_address)
                # On paper, the page's links are gone: the sheet says what it holds and gives the whole table's address.
                self.assertContains(
                    first,
                    f"This sheet holds {noun} {paged.start_index()}–{paged.end_index()} of {count}. "
                    f"All of them on one page: http://testserver{whole_address.replace('&', '&amp;')}",
                )

                whole = self.client.get(whole_address)
                self.assertEqual(whole.status_code, 200)
                page = whole.context["page"]
                self.assertEqual((page.start_index(), page.end_index()), (1, count))
                self.assertEqual(len(page.object_list), count)
                self.assertContains(whole, f"All {count} {noun}, on one page.")
                self.assertNotContains(whole, "Next page")

    def test_the_whole_table_of_a_programme_shows_its_last_figure(self):
        response = self.client.get("/programmes/paged/?page=all")
        shown = {figure.pk for figure in response.context["figures"]}
        self.assertEqual(shown, {figure.pk for figure in self.figures})

    def test_a_table_longer_than_the_limit_is_not_offered_whole_and_asking_is_a_400_naming_the_parameter(self):
        refused = 0
        with mock.patch("dashboard.pages.WHOLE_TABLE_ROWS", 100):
            for address, _noun in self.paged_lists():
                with self.subTest(address=address):
                    first = self.client.get(address)
                    if first.context["page"].paginator.count <= 100:
                        continue
                    self.assertNotContains(first, "on one page")
                    joiner = "&" if "?" in address else "?"
                    response = self.client.get(f"{address}{joiner}page=all")
                    self.assertContains(response, "page=all shows at most 100 rows", status_code=400)
                    refused += 1
        self.assertGreaterEqual(refused, 4)

    def test_a_short_list_has_no_link_to_itself_whole(self):
        source = make_source("short-source", publisher="Short Publisher")
        make_figure(self.programme, source)
        response = self.client.get(source.get_absolute_url())
        self.assertNotContains(response, "on one page")
        self.assertEqual(self.client.get(source.get_absolute_url() + "?page=all").status_code, 200)
