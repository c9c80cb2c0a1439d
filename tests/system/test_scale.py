"""Pages cost what they show, not what the database holds: queries, bytes, conditional GETs and aggregated charts.

The synthetic figures (tests.helpers.add_synthetic_figures) are bulk-inserted, which leaves no history row: the
change stamp does not move, so each test clears the cache after adding them, as an edit would.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal as D

from django.core.cache import cache
from django.db import connection, reset_queries
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from dashboard import charts
from dashboard.charts.findings import PAIRS_SHOWN
from dashboard.selections import CHART_FIGURES
from programmes import flags
from programmes.models import Figure, Programme, ProgrammeAccount, Source
from tests.helpers import add_synthetic_figures, make_figure, make_programme, make_source

LIMIT = 300_000  # bytes of HTML, decoded
# A cold programme page (the cache emptied, the date picker's four queries included): the change stamp (1), the
# programme, the table's filters (2), its count, rows and flags, the pick candidates, events, coverage, unknowns,
# children, its account as at the date, each chart's count, the figures drawn one by one and their flags, the
# claims-against-findings figures, how many disagreements and never-audited claims it has, the contradictions it
# touches (21); and two for each of the six charts when drawn from aggregates instead.
PROGRAMME_PAGE_MOST = 21 + 2 * 6


def figure_page_with_most_others(programme: Programme) -> str:
    """The address of the programme's figure whose quantity has the most figures."""
    from django.db.models import Count

    quantity = (
        Figure.objects.filter(programme=programme).values("quantity").annotate(n=Count("pk")).order_by("-n", "quantity").first()["quantity"]
    )
    return Figure.objects.filter(quantity=quantity).order_by("pk").first().get_absolute_url()


class GrownProgramme(TestCase):
    """A strategy of 3,000 synthetic figures beside the real record."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("grown", name="Grown strategy")
        add_synthetic_figures(cls.programme, 3000)
        cls.busiest_source = Source.objects.filter(key__startswith="synthetic").order_by("pk").first()

    def setUp(self):
        cache.clear()

    def pages(self) -> list[str]:
        return [
            "/",
            "/programmes/grown/",
            "/programmes/grown/?page=7",
            "/programmes/grown/?status=audited&measure=savings",
            figure_page_with_most_others(self.programme),
            "/sources/",
            self.busiest_source.get_absolute_url(),
        ]


class PageSizeTests(GrownProgramme):
    def test_no_page_grows_past_300_kb_with_3000_figures_in_one_programme(self):
        for url in self.pages():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertLess(len(response.content), LIMIT)

    def test_it_draws_the_grown_programmes_charts_aggregated_and_lists_its_figures_50_a_page(self):
        response = self.client.get("/programmes/grown/")
        built = {chart.id: chart for chart in response.context["charts"]}
        self.assertEqual(set(built) - {"claims-findings"}, set(CHART_FIGURES))
        self.assertTrue(all(built[chart_id].aggregated for chart_id in CHART_FIGURES))
        if "claims-findings" in built:  # pairs, not figures: the largest gaps only
            self.assertLessEqual(len(built["claims-findings"].rows), 2 * PAIRS_SHOWN)
        self.assertEqual(len(response.context["figures"]), 50)
        self.assertEqual(response.context["page"].paginator.count, 3000)
        self.assertContains(response, "Figures 1–50 of 3000, page 1 of 60.")
        self.assertContains(response, 'href="/data/figures.csv?programme=grown"')


class WorstCasePageSizeTests(TestCase):
    def test_a_page_with_charts_as_full_as_they_are_drawn_one_by_one_stays_under_300_kb(self):
        """Charts drawn figure by figure up to the page's limit, the rest aggregated over many years and every status,
        every figure flagged (a long ⚑ text) and described at length."""
        programme = make_programme("full", name="A strategy whose every chart is as full as it may be")
        sources = [
            make_source(f"full-{n}", publisher=f"A publisher with a long name, number {n}", kind="news_article", published=datetime.date(2005 + n, 5, 20))
            for n in range(20)
        ]  # fmt: skip
        statuses = ["target", "forecast", "claimed", "audited"]
        described = "A description as long as editors write them, about savings from shared services, figure {:03}"
        with flags.deferred():
            for n in range(charts.FIGURE_LIMIT + 1):  # aggregated, over twelve spans of years and four statuses
                make_figure(
                    programme, sources[n % 20], description=described.format(n), basis="annual", status=statuses[n % 4],
                    value=D(100 + 300 * (n % 2)), period_start=1995 + n % 40, period_end=1995 + n % 40,
                )  # fmt: skip
            for n in range(charts.FIGURE_LIMIT):  # drawn one by one, each disagreeing with others of its quantity
                make_figure(
                    programme, sources[n % 20], description=described.format(n), measure="funding_requested", value=D(100 + 300 * (n % 2))
                )
                make_figure(
                    programme, sources[n % 20], description=described.format(n), measure="deadline", unit="year", basis="point_in_time",
                    status="target", value=D(2020 + 8 * (n % 2)), period_start=None, period_end=None,
                )  # fmt: skip
            for n in range(10):  # ten nets: savings against investment, one claimant in one publication each
                for measure, value in (("savings", D(90 + n)), ("investment", D(94))):
                    make_figure(programme, sources[n], description=described.format(n), measure=measure, value=value)
        response = self.client.get("/programmes/full/")
        built = response.context["charts"]
        drawn = sum(len(chart.rows) for chart in built if not chart.aggregated)
        self.assertGreaterEqual(drawn, 70)
        self.assertGreaterEqual(len([chart for chart in built if chart.aggregated]), 3)
        self.assertTrue(any(figure.flag for figure in response.context["figures"]))
        self.assertLess(len(response.content), LIMIT)


class ManyProgrammesTests(TestCase):
    """`/` with 25 more strategies of 25 clusters each: ten strategies a page, twenty clusters under each."""

    @classmethod
    def setUpTestData(cls):
        cls.strategies = [
            make_programme(f"many-{n:02}", name=f"Many strategy {n:02}", started=datetime.date(2030, 1, 1 + n)) for n in range(25)
        ]
        Programme.objects.bulk_create(
            Programme(slug=f"many-{n:02}-{c:02}", name=f"Cluster {c:02} of many strategy {n:02}", kind="cluster", parent=strategy)
            for n, strategy in enumerate(cls.strategies)
            for c in range(25)
        )
        for strategy in cls.strategies:
            add_synthetic_figures(strategy, 40, seed=3)

    def test_it_shows_ten_strategies_a_page_with_their_cards_charts_and_clusters_under_300_kb(self):
        first = self.client.get("/")
        pages = first.context["page"].paginator.num_pages
        self.assertEqual(pages, 3)  # the four real strategies and 25 more
        seen = set()
        for number in range(1, pages + 1):
            with self.subTest(page=number):
                response = self.client.get("/", {"page": number})
                self.assertLess(len(response.content), LIMIT)
                cards = [card["programme"].slug for card in response.context["cards"]]
                self.assertLessEqual(len(cards), 10)
                seen.update(cards)
        self.assertEqual(seen, set(Programme.objects.strategies().values_list("slug", flat=True)))
        last = self.client.get("/", {"page": pages})
        self.assertContains(last, "Many strategy 24")
        self.assertContains(last, "and 5 more centres and clusters of Many strategy 24")
        self.assertContains(last, 'href="/programmes/many-24-19/"')
        self.assertNotContains(last, 'href="/programmes/many-24-20/"')

    def test_a_charts_csv_is_the_table_of_its_page(self):
        response = self.client.get("/", {"page": 3})
        for chart in response.context["charts"]:
            with self.subTest(chart=chart.id):
                self.assertTrue(chart.csv_url.endswith("?page=3"))
                rows = list(csv.DictReader(io.StringIO(self.client.get(chart.csv_url).content.decode("utf-8-sig"))))
                self.assertEqual([row["Figure"] for row in rows], [row["Figure"] for row in chart.rows])


def count_queries(client, url: str) -> int:
    reset_queries()  # each request empties the query log as it starts: capture from an empty one
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


class QueryCountTests(TestCase):
    """Cold and warm, each page makes the same number of queries on the real record and with hundreds more figures."""

    def pages(self) -> list[str]:
        figure = Figure.objects.get(key="F041")
        source = Source.objects.get(key=figure.source.key)
        return ["/", "/programmes/ngss-2012/", "/programmes/ngss-2012/?page=2", "/programmes/ngss-2012/?status=audited", figure.get_absolute_url(), "/sources/", source.get_absolute_url()]  # fmt: skip

    def counts(self) -> dict[str, tuple[int, int]]:
        found = {}
        for url in self.pages():
            cache.clear()
            cold = count_queries(self.client, url)
            found[url] = (cold, count_queries(self.client, url))
        return found

    def grow(self, count: int, seed: int) -> None:
        # As committed: the change stamp kept in the shared cache is replaced, as after an import.
        with self.captureOnCommitCallbacks(execute=True):
            figures = add_synthetic_figures(Programme.objects.get(slug="ngss-2012"), count, seed)
            # Same quantity as F041, so its page has hundreds of others to paginate.
            f041 = Figure.objects.get(key="F041")
            Figure.objects.filter(pk__in=[f.pk for f in figures[::3]]).update(quantity=f041.quantity, source=f041.source)
            flags.refresh_all()

    def test_it_makes_as_many_queries_on_the_real_record_as_with_300_more_figures_in_one_programme(self):
        real = self.counts()
        self.grow(300, seed=1)
        grown = self.counts()
        for url in self.pages():
            with self.subTest(url=url):
                cold_real, warm_real = real[url]
                cold_grown, warm_grown = grown[url]
                self.assertEqual(warm_grown, warm_real)
                self.assertEqual(warm_grown, 0, "the change stamp and the page, both from the shared cache")
                if url.startswith("/programmes/ngss-2012/"):
                    # The grown page draws some charts from aggregates (two queries each) instead of from its figures.
                    self.assertLessEqual(max(cold_real, cold_grown), PROGRAMME_PAGE_MOST)
                else:
                    self.assertEqual(cold_grown, cold_real)

    def test_it_makes_as_many_queries_with_1000_more_figures_as_with_2000_more(self):
        self.grow(1000, seed=1)
        grown = self.counts()
        self.grow(1000, seed=2)
        self.assertEqual(self.counts(), grown)
        self.assertLessEqual(grown["/programmes/ngss-2012/"][0], PROGRAMME_PAGE_MOST)

    def test_a_conditional_get_of_an_unchanged_page_is_a_304_without_a_query(self):
        for url in self.pages():
            with self.subTest(url=url):
                etag = self.client.get(url)["ETag"]
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    response = self.client.get(url, headers={"if-none-match": etag})
                self.assertEqual(response.status_code, 304)
                self.assertEqual(len(captured), 0)  # the change stamp, from the shared cache


class ConditionalGetTests(TestCase):
    def test_it_sends_an_etag_last_modified_and_no_cache(self):
        from dashboard import exports

        for url in ("/", "/programmes/ngss-2012/", "/sources/", "/figures/F041/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertTrue(response["ETag"].startswith('"'))
                self.assertEqual(response["Last-Modified"], http_date(exports.last_changed().timestamp()))
                self.assertIn("no-cache", response["Cache-Control"])

    def test_it_answers_a_conditional_get_with_304_and_no_body(self):
        first = self.client.get("/programmes/ngss-2012/")
        again = self.client.get("/programmes/ngss-2012/", headers={"if-none-match": first["ETag"]})
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again.content, b"")
        since = self.client.get("/programmes/ngss-2012/", headers={"if-modified-since": first["Last-Modified"]})
        self.assertEqual(since.status_code, 304)

    def test_an_edit_changes_the_etag_and_shows_at_once(self):
        first = self.client.get("/programmes/ngss-2012/")
        account = ProgrammeAccount.objects.in_force(Programme.objects.get(slug="ngss-2012"), None)
        account.summary = "An edited summary, shown at once."
        account.save()
        again = self.client.get("/programmes/ngss-2012/", headers={"if-none-match": first["ETag"]})
        self.assertEqual(again.status_code, 200)
        self.assertNotEqual(again["ETag"], first["ETag"])
        self.assertContains(again, "An edited summary, shown at once.")

    def test_each_page_of_a_table_each_filter_and_each_date_has_its_own_etag(self):
        tags = {
            self.client.get("/programmes/ngss-2012/", query)["ETag"]
            for query in ({}, {"page": "2"}, {"status": "audited"}, {"as_at": "2016-05-20"}, {"as_at": "2014-01-01"})
        }
        self.assertEqual(len(tags), 5)
        # A parameter the page does not read is the same page.
        self.assertEqual(self.client.get("/sources/", {"utm_source": "x"})["ETag"], self.client.get("/sources/")["ETag"])

    def test_a_bad_parameter_is_a_400_with_no_etag_and_is_not_cached(self):
        for url, parameter in (("/programmes/ngss-2012/?status=done", "status"), ("/sources/?page=99", "page")):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 400)
                self.assertIn(parameter, response.content.decode())
                self.assertNotIn("ETag", response)


class ProgrammeTableTests(TestCase):
    def test_it_filters_the_table_with_the_exports_parser_and_links_the_same_query_as_csv(self):
        response = self.client.get("/programmes/ngss-2012/", {"status": "audited", "measure": "savings"})
        shown = {figure.pk for figure in response.context["figures"]}
        expected = set(Figure.objects.filter(programme__slug="ngss-2012", status="audited", measure="savings").values_list("pk", flat=True))
        self.assertEqual(shown, expected)
        self.assertContains(response, 'href="/data/figures.csv?programme=ngss-2012&amp;status=audited&amp;measure=savings"')
        download = self.client.get("/data/figures.csv", {"programme": "ngss-2012", "status": "audited", "measure": "savings"})
        rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
        self.assertEqual({int(row["id"]) for row in rows}, shown)

    def test_an_empty_choice_is_no_filter(self):
        response = self.client.get("/programmes/ngss-2012/", {"status": "", "measure": ""})
        self.assertEqual(response.context["page"].paginator.count, Figure.objects.filter(programme__slug="ngss-2012").count())

    def test_it_keeps_the_filters_and_the_date_in_its_page_links(self):
        from django.template import Context, Template
        from django.test import RequestFactory

        # The day before the latest publication (a Synergy contract): every NGSS figure, yet a past record.
        latest = Source.objects.order_by("-appeared_by").first().appeared_by
        response = self.client.get("/programmes/ngss-2012/", {"as_at": (latest - datetime.timedelta(days=1)).isoformat()})
        day = response.wsgi_request.as_at.isoformat()
        self.assertEqual(response.context["page"].paginator.num_pages, 2)
        self.assertContains(
            response, f'<a href="?page=2&amp;as_at={day}" rel="next" aria-label="Next page of figures, page 2">Next page ›</a>'
        )
        response = self.client.get("/programmes/ngss-2012/")
        self.assertContains(response, '<a href="?page=2" rel="next" aria-label="Next page of figures, page 2">Next page ›</a>')
        self.assertContains(response, '<a href="?page=1" aria-current="page" aria-label="Page 1 of figures, this page">Page 1</a>')
        request = RequestFactory().get("/programmes/grown/", {"status": ["audited", "claimed"], "page": "2", "measure": "savings"})
        link = Template("{% load paging %}{% page_url 3 %}").render(Context({"request": request}))
        self.assertEqual(link, "?status=audited&amp;status=claimed&amp;page=3&amp;measure=savings")

    def test_a_bad_filter_is_a_400_naming_the_parameter_and_what_it_accepts(self):
        response = self.client.get("/programmes/ngss-2012/", {"basis": "yearly"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("basis='yearly' is not allowed", response.content.decode())
        self.assertIn("annual", response.content.decode())


class AsAtTests(TestCase):
    def test_a_page_as_at_a_date_shows_only_figures_whose_source_had_appeared(self):
        day = datetime.date(2014, 1, 1)
        response = self.client.get("/programmes/ngss-2012/", {"as_at": day.isoformat()})
        visible = Figure.objects.filter(programme__slug="ngss-2012", source__appeared_by__lte=response.wsgi_request.as_at)
        self.assertEqual(response.context["page"].paginator.count, visible.count())
        shown = {h.figure.pk for h in response.context["headlines"] if h.figure}
        self.assertTrue(shown <= set(visible.values_list("pk", flat=True)))
        self.assertContains(response, f'/?as_at={response.wsgi_request.as_at.isoformat()}"')

    def test_a_figure_not_yet_published_at_the_date_is_not_found(self):
        figure = Figure.objects.select_related("source").order_by("-source__appeared_by").first()
        before = figure.source.appeared_by - datetime.timedelta(days=1)
        self.assertEqual(self.client.get(figure.get_absolute_url(), {"as_at": before.isoformat()}).status_code, 404)

    def test_the_sources_list_as_at_a_date_counts_only_the_sources_that_had_appeared(self):
        response = self.client.get("/sources/", {"as_at": "2013-01-01"})
        expected = Source.objects.filter(appeared_by__lte=response.wsgi_request.as_at).count()
        self.assertEqual(response.context["page"].paginator.count, expected)


class AggregatedChartTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("spread", name="Spread strategy")
        early = make_source("spread-early", published=datetime.date(2014, 6, 1))
        late = make_source("spread-late", publisher="Computer Weekly", kind="news_article", published=datetime.date(2019, 6, 1))
        with flags.deferred():
            for number in range(charts.FIGURE_LIMIT + 1):
                make_figure(cls.programme, early if number % 2 else late, basis="annual", value=D(10 + number), period_end=2015)
            # A range: counted by its ends, never by its midpoint.
            make_figure(cls.programme, early, basis="annual", value=None, value_low=D(1), value_high=D(900), period_end=2015)
            make_figure(cls.programme, early, basis="annual", value=None, qualifier="unknown", period_end=2015)

    def chart(self):
        response = self.client.get("/programmes/spread/")
        return response, next(chart for chart in response.context["charts"] if chart.id == "savings-annual")

    def test_it_groups_by_year_and_status_with_count_lowest_median_and_highest(self):
        response, chart = self.chart()
        self.assertTrue(chart.aggregated)
        (row,) = chart.rows
        values = sorted(D(10 + n) for n in range(charts.FIGURE_LIMIT + 1))
        self.assertEqual(row["With an amount"], charts.FIGURE_LIMIT + 2)
        self.assertEqual((row["Lowest"], row["Highest"]), (D(1), D(900)), "a range counts by its two ends")
        self.assertEqual(row["Median"], values[(len(values) - 1) // 2], "the lower middle of the single values")
        self.assertEqual(row["Not known"], 1)
        (trace,) = chart.plotly["data"]
        self.assertEqual(trace["y"], [float(row["Median"])])
        self.assertEqual(trace["y"][0] - trace["error_y"]["arrayminus"][0], 1.0)
        self.assertEqual(trace["error_y"]["array"][0] + trace["y"][0], 900.0)

    def test_it_keeps_caption_summary_table_and_links_to_every_figure(self):
        response, chart = self.chart()
        self.assertIn("too many to draw one by one", chart.summary)
        self.assertIn("1 give no amount", chart.summary)
        self.assertContains(response, f"<caption>Data: {chart.title} ({chart.figure_count} figures in 1 group)</caption>")
        self.assertContains(response, 'href="/programmes/spread/?measure=savings&amp;unit=gbp_m&amp;basis=annual#figures-heading"')
        self.assertContains(response, 'href="/data/figures.csv?programme=spread&amp;measure=savings&amp;unit=gbp_m&amp;basis=annual"')
        download = self.client.get(chart.csv_url)
        rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0]["With an amount"], str(charts.FIGURE_LIMIT + 2))
        self.assertEqual(rows[0]["Lowest"], "1")

    def test_it_draws_the_same_chart_figure_by_figure_under_the_limit(self):
        Figure.objects.filter(programme=self.programme, value__gte=30).delete()
        cache.clear()
        _, chart = self.chart()
        self.assertFalse(chart.aggregated)
