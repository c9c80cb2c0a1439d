"""The figures download's parameters added with the figure explorer: claimant, scope, sort (the row order) and page (ignored)."""

from __future__ import annotations

from decimal import Decimal

from django.test import TestCase

from dashboard import exports
from programmes.models import Figure
from tests.helpers import body, csv_rows, json_document


def ids(query: str) -> list[int]:
    """The ids of the CSV download for this query, in file order."""
    return [int(row["id"]) for row in csv_rows(TestCase.client_class().get(f"/data/figures.csv?{query}"))]


def sort_value(figure: Figure) -> Decimal | None:
    return figure.value if figure.value is not None else figure.value_low


class SortTests(TestCase):
    def test_without_sort_the_rows_are_in_id_order(self):
        self.assertEqual(ids(""), sorted(Figure.objects.values_list("pk", flat=True)))

    def test_sort_by_value_puts_a_range_at_its_low_end_and_blanks_last_either_way(self):
        figures = {figure.pk: figure for figure in Figure.objects.all()}
        for query, descending in (("sort=value", False), ("sort=-value", True)):
            with self.subTest(query=query):
                order = ids(query)
                values = [sort_value(figures[pk]) for pk in order]
                known = [value for value in values if value is not None]
                self.assertEqual(values, known + [None] * (len(values) - len(known)), "unknowns last")
                self.assertEqual(known, sorted(known, reverse=descending))
                # Ties in id order, so that a page of the explorer is exactly a slice of this file.
                for first, second in zip(order, order[1:], strict=False):
                    if sort_value(figures[first]) == sort_value(figures[second]):
                        self.assertLess(first, second)

    def test_every_column_sorts_the_csv_and_the_json_alike(self):
        for key in exports.FIGURES.names:
            for query in (f"sort={key}", f"sort=-{key}"):
                with self.subTest(query=query):
                    document = json_document(self.client.get(f"/data/figures.json?{query}"))
                    self.assertEqual([row["id"] for row in document["rows"]], ids(query))
                    self.assertEqual(document["filters"], {"sort": query.removeprefix("sort=")})

    def test_sort_by_disagrees_puts_the_most_disputed_first(self):
        counts = dict(Figure.objects.values_list("pk", "disagreement_count"))
        order = [counts[pk] for pk in ids("sort=-disagrees")]
        self.assertEqual(order, sorted(order, reverse=True))
        self.assertGreater(order[0], 0)


class PageAndFilterTests(TestCase):
    def test_page_is_accepted_and_every_row_still_sent(self):
        self.assertEqual(ids("status=audited&page=3"), ids("status=audited"))

    def test_claimant_keeps_the_figures_that_organisation_claimed_in_any_case(self):
        expected = sorted(Figure.objects.filter(claimant__name="Cabinet Office").values_list("pk", flat=True))
        self.assertTrue(expected)
        self.assertEqual(ids("claimant=cabinet+office"), expected)

    def test_scope_keeps_that_scope_and_empty_scope_the_whole_programme(self):
        self.assertEqual(ids("scope="), sorted(Figure.objects.filter(scope="").values_list("pk", flat=True)))
        scope = "ISSC2 contract (SSCL)"
        self.assertEqual(ids(f"scope={scope}&scope="), sorted(Figure.objects.filter(scope__in=[scope, ""]).values_list("pk", flat=True)))

    def test_a_bad_value_is_a_400_naming_the_parameter(self):
        for query, parameter in [
            ("sort=size", "sort"),
            ("sort=value&sort=id", "sort"),
            ("page=0", "page"),
            ("page=two", "page"),
            ("claimant=Nobody", "claimant"),
            ("scope=" + "x" * 121, "scope"),
        ]:
            with self.subTest(query=query):
                response = self.client.get(f"/data/figures.csv?{query}")
                self.assertEqual(response.status_code, 400)
                self.assertIn(f"{parameter}".encode(), body(response).split(b"\n")[0])
                self.assertEqual(self.client.get(f"/data/figures.json?{query}").json()["error"]["parameter"], parameter)

    def test_the_data_page_documents_the_new_parameters(self):
        response = self.client.get("/data/")
        for name in ("claimant", "scope", "sort", "page"):
            self.assertContains(response, f'<th scope="row"><code>{name}</code></th>')
