"""The figure explorer (/figures/): the download's query as a page, its facets, its CSV and JSON links, over the real dataset."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from dashboard import exports
from programmes.models import Basis, Figure, Measure, Programme, Source, Status, Unit
from tests.helpers import csv_rows, json_document, make_figure, make_programme, make_source


def page_ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [figure.pk for figure in response.context["figures"]]


def every_page(client, query: str) -> tuple[list[int], object]:
    """The ids of every page of the explorer for this query, following its own next links, and the first page's response."""
    first = response = client.get(f"/figures/?{query}")
    ids = page_ids(response)
    while response.context["next_url"]:
        response = client.get(response.context["next_url"])
        ids += page_ids(response)
    return ids, first


def count_of(url: str) -> int:
    """How many figures the explorer at this address holds, read with the download's own parser."""
    figures, _ = exports.FIGURES.select(QueryDict(urlsplit(url).query))
    return figures.count()


def filters(data) -> dict:
    """A random valid combination of the explorer's filters and order, drawn from what the real dataset holds."""
    slugs = list(Programme.objects.order_by("slug").values_list("slug", flat=True))
    publishers = sorted(set(Source.objects.values_list("publisher__name", flat=True)))
    claimants = sorted(set(Figure.objects.values_list("claimant__name", flat=True)))
    scopes = sorted(set(Figure.objects.values_list("scope", flat=True)))
    params: dict = {}
    if programmes := data.draw(st.lists(st.sampled_from(slugs), max_size=2, unique=True)):
        params["programme"] = programmes
        if data.draw(st.booleans()):
            params["include_children"] = "1"
    for name, choices in (("measure", Measure), ("status", Status), ("basis", Basis), ("unit", Unit)):
        if values := data.draw(st.lists(st.sampled_from(choices.values), max_size=2, unique=True)):
            params[name] = values
    for name, values in (("publisher", publishers), ("claimant", claimants), ("scope", scopes)):
        if data.draw(st.integers(0, 3)) == 0:
            params[name] = [data.draw(st.sampled_from(values))]
    if data.draw(st.booleans()):
        first = data.draw(st.integers(2004, 2028))
        params["from"] = f"{first}-{(first + 1) % 100:02d}"
        if data.draw(st.booleans()):
            last = data.draw(st.integers(first, 2030))
            params["to"] = f"{last}-{(last + 1) % 100:02d}"
    if data.draw(st.booleans()):
        key = data.draw(st.sampled_from(exports.FIGURES.names))
        params["sort"] = data.draw(st.sampled_from([key, f"-{key}"]))
    return params


class CsvLinkPropertyTests(HypothesisTestCase):
    """The page's "this view as CSV/JSON" holds exactly the rows of the view: every page of it, in the page's order."""

    @settings(max_examples=40)
    @given(st.data())
    def test_the_csv_and_json_links_hold_every_row_of_every_page_in_the_pages_order(self, data):
        query = urlencode(filters(data), doseq=True)
        shown, first = every_page(self.client, query)
        csv_ids = [int(row["id"]) for row in csv_rows(self.client.get(first.context["csv_url"]))]
        self.assertEqual(csv_ids, shown, query)
        document = json_document(self.client.get(first.context["json_url"]))
        self.assertEqual([row["id"] for row in document["rows"]], shown, query)
        self.assertEqual(first.context["page"].paginator.count, len(shown))

    def test_without_filters_the_csv_holds_all_five_pages_of_figures(self):
        shown, first = every_page(self.client, "")
        self.assertEqual(len(shown), Figure.objects.count())
        self.assertEqual(first.context["page"].paginator.num_pages, -(-Figure.objects.count() // 50))
        self.assertEqual([int(row["id"]) for row in csv_rows(self.client.get(first.context["csv_url"]))], shown)
        self.assertEqual(first.context["csv_url"], "/data/figures.csv")

    def test_the_links_carry_the_filters_and_the_order_but_not_the_page(self):
        response = self.client.get("/figures/", {"unit": "gbp_m", "sort": "-value", "page": "2"})
        self.assertEqual(response.context["csv_url"], "/data/figures.csv?unit=gbp_m&sort=-value")
        self.assertEqual(response.context["json_url"], "/data/figures.json?unit=gbp_m&sort=-value")
        self.assertContains(response, 'href="/data/figures.csv?unit=gbp_m&amp;sort=-value"')


class FacetCountTests(HypothesisTestCase):
    """Each facet's count is the number of figures its link shows."""

    def facet_links(self, response) -> list[tuple[str, int, str]]:
        links = []
        for facet in response.context["facets"]:
            for value in facet.values:
                links.append((f"{facet.name}: {value.label}", value.count, value.url))
                if value.family:
                    links.append((f"{facet.name}: {value.label} {value.family[0]}", value.family[1], value.family[2]))
        return links

    def test_each_count_is_the_rows_its_link_shows_on_the_page(self):
        for query in ["", "status=audited&measure=savings", "programme=ngss-2012&include_children=1&sort=-value"]:
            response = self.client.get(f"/figures/?{query}")
            links = self.facet_links(response)
            self.assertGreater(len(links), 10)
            for label, count, url in links[:: max(1, len(links) // 12)]:
                with self.subTest(query=query, value=label):
                    self.assertEqual(self.client.get(url).context["page"].paginator.count, count)

    @settings(max_examples=25)
    @given(st.data())
    def test_each_count_is_the_rows_its_link_filters_to_for_any_filters(self, data):
        query = urlencode(filters(data), doseq=True)
        response = self.client.get(f"/figures/?{query}")
        total = response.context["page"].paginator.count
        for label, count, url in self.facet_links(response):
            self.assertEqual(count_of(url), count, f"{query} → {label}")
            self.assertLessEqual(count, total)

    def test_the_programme_facet_is_a_tree_with_each_family_as_one_link(self):
        response = self.client.get("/figures/")
        (facet,) = [facet for facet in response.context["facets"] if facet.name == "programme"]
        by_slug = {value.url.rsplit("programme=", 1)[1]: value for value in facet.values}
        self.assertEqual(set(by_slug), set(Programme.objects.values_list("slug", flat=True)))
        self.assertEqual(
            {slug: by_slug[slug].depth for slug in ("ngss-2012", "issc1", "gss-2018", "clusters-2021", "matrix")},
            {"ngss-2012": 0, "issc1": 1, "gss-2018": 0, "clusters-2021": 1, "matrix": 2},
        )
        ngss = by_slug["ngss-2012"]
        self.assertEqual(ngss.family[1], Figure.objects.in_programmes(Programme.objects.filter(slug="ngss-2012"), True).count())
        self.assertIn("include_children=1", ngss.family[2])

    def test_years_offered_lie_within_the_years_asked_for(self):
        response = self.client.get("/figures/", {"from": "2013-14", "to": "2015-16"})
        (facet,) = [facet for facet in response.context["facets"] if facet.name == "year"]
        self.assertEqual([value.label for value in facet.values], ["2013-14", "2014-15", "2015-16"])

    def test_each_years_count_is_the_number_of_figures_its_link_keeps(self):
        # Over the real dataset, open-ended periods included: the facet counts with the filter's own rule.
        response = self.client.get("/figures/")
        (facet,) = [facet for facet in response.context["facets"] if facet.name == "year"]
        self.assertTrue(facet.values)
        for value in facet.values:
            with self.subTest(year=value.label):
                self.assertEqual(value.count, count_of(value.url))

    def test_a_year_link_leaves_out_an_open_period_that_does_not_reach_the_year(self):
        programme = make_programme("open-ended")
        old = make_figure(programme, make_source("old-claim", published=datetime.date(2016, 5, 20)), period_start=2014, period_end=None)
        recent = make_figure(programme, make_source("new-claim", published=datetime.date(2021, 5, 20)), period_start=2014, period_end=None)
        response = self.client.get("/figures/", {"programme": "open-ended", "from": "2019-20", "to": "2019-20"})
        self.assertEqual(page_ids(response), [recent.pk])
        response = self.client.get("/figures/", {"programme": "open-ended", "from": "2015-16", "to": "2015-16"})
        self.assertEqual(sorted(page_ids(response)), sorted([old.pk, recent.pk]))


class PageTests(TestCase):
    def test_it_shows_fifty_figures_a_page_with_links_to_each(self):
        response = self.client.get("/figures/")
        self.assertEqual(len(response.context["figures"]), 50)
        self.assertContains(response, f"{Figure.objects.count()} figures, 1–50 shown")
        first = Figure.objects.order_by("pk").first()
        self.assertContains(response, f'<a href="{first.get_absolute_url()}">')
        self.assertContains(response, 'rel="next"')
        self.assertLess(len(response.content), 300_000)

    def test_a_heading_sorts_by_its_column_and_again_the_other_way(self):
        response = self.client.get("/figures/", {"status": "audited"})
        self.assertContains(response, 'href="/figures/?status=audited&amp;sort=value"')
        response = self.client.get("/figures/", {"status": "audited", "sort": "value"})
        self.assertContains(response, 'aria-sort="ascending"')
        self.assertContains(response, 'href="/figures/?status=audited&amp;sort=-value"')
        self.assertContains(response, "sorted by value (smallest or earliest first)")
        values = [f.value if f.value is not None else f.value_low for f in response.context["figures"]]
        known = [v for v in values if v is not None]
        self.assertEqual(known, sorted(known))

    def test_each_filter_in_force_can_be_removed(self):
        response = self.client.get("/figures/", {"status": ["audited", "claimed"], "programme": "ngss-2012", "include_children": "1"})
        removals = {item["label"]: item["url"] for item in response.context["filters"]}
        self.assertEqual(removals["Audited"], "/figures/?status=claimed&programme=ngss-2012&include_children=1")
        self.assertEqual(removals["Next Generation Shared Services (2012)"], "/figures/?status=audited&status=claimed")
        self.assertEqual(removals["with its centres and clusters"], "/figures/?status=audited&status=claimed&programme=ngss-2012")

    def test_a_bad_parameter_is_a_readable_400_naming_it(self):
        for params, parameter in [
            ({"staus": "audited"}, "staus"),
            ({"status": "promised"}, "status"),
            ({"sort": "size"}, "sort"),
            ({"page": "0"}, "page"),
            ({"page": "99"}, "page"),
            ({"include_children": "1"}, "include_children"),
            ({"from": "2025-23"}, "from"),
        ]:
            with self.subTest(params=params):
                response = self.client.get("/figures/", params)
                self.assertContains(response, f"<code>{parameter}</code>", status_code=400)
                self.assertContains(response, "<h1>This address asks for something the site cannot show</h1>", status_code=400)

    def test_a_figure_others_disagree_with_carries_its_flag(self):
        flagged = Figure.objects.filter(disagreement_count__gt=0).order_by("pk").first()
        response = self.client.get("/figures/", {"sort": "-disagrees"})
        self.assertContains(response, '<span class="flag-mark" aria-hidden="true">⚑</span> Disagrees with')
        self.assertGreater(response.context["figures"][0].disagreement_count, 0)
        self.assertTrue(flagged)

    def test_as_at_a_past_date_it_holds_only_figures_published_by_then_and_links_keep_the_date(self):
        response = self.client.get("/figures/", {"as_at": "2016-06-01", "status": "audited"})
        day = response.wsgi_request.as_at
        expected = Figure.objects.filter(status="audited", source__appeared_by__lte=day).count()
        self.assertEqual(response.context["page"].paginator.count, expected)
        self.assertLess(expected, Figure.objects.filter(status="audited").count())
        main = response.content.decode().split('<main id="main"', 1)[1].split("</main>", 1)[0]
        # The banner's links leave the date on purpose: back to today, and what changed since.
        main = re.sub(r'<div class="as-at-banner".*?</div>', "", main, flags=re.S)
        hrefs = re.findall(r'<a href="(/[^"]*)"', main)
        internal = [href for href in hrefs if not href.startswith("/static/")]
        self.assertTrue(all(f"as_at={day.isoformat()}" in href for href in internal), [h for h in internal if "as_at" not in h][:5])

    def test_its_queries_do_not_grow_with_the_figures(self):
        def queries(path: str) -> tuple[int, int]:
            """The queries of a request with the facets to build (cold), then with them cached (warm)."""
            cache.clear()
            counts = []
            for _ in range(2):
                with CaptureQueriesContext(connection) as captured:
                    self.assertEqual(self.client.get(path).status_code, 200)
                counts.append(len(captured))
            return tuple(counts)

        paths = ["/figures/", "/figures/?unit=gbp_m&sort=-value&page=2"]
        before = [queries(path) for path in paths]
        # As committed: the change stamp kept in the shared cache is replaced, as after an import.
        with self.captureOnCommitCallbacks(execute=True):
            programme, source = make_programme("many"), make_source("many", published=datetime.date(2016, 5, 1))
            for number in range(120):
                make_figure(programme, source, scope=f"Scope {number % 30}", value=Decimal(number + 1))
        self.assertEqual([queries(path) for path in paths], before)
