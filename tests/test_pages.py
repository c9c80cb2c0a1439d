"""Every public page renders from the real dataset; unknown addresses are 404s, never 500s."""

from unittest import mock

from django.db import OperationalError
from django.test import TestCase
from django.utils.html import escape

from programmes.models import Figure, Programme, Source


class OverviewTests(TestCase):
    def test_it_lists_every_strategy_with_its_headline_promise(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        for programme in Programme.objects.strategies():
            self.assertContains(response, programme.name)
        self.assertContains(response, "£400–600m")

    def test_it_links_every_programme(self):
        response = self.client.get("/")
        for programme in Programme.objects.all():
            self.assertContains(response, f'href="/programmes/{programme.slug}/"')

    def test_it_sends_a_content_security_policy_that_forbids_other_origins(self):
        policy = self.client.get("/")["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)


class SmokeTests(TestCase):
    """Render every page from the real fixtures, as a reader would reach them."""

    def test_every_programme_page_renders(self):
        for programme in Programme.objects.all():
            with self.subTest(programme=programme.slug):
                response = self.client.get(programme.get_absolute_url())
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, programme.name)

    def test_every_source_page_renders(self):
        self.assertEqual(self.client.get("/sources/").status_code, 200)
        for source in Source.objects.all():
            with self.subTest(source=source.key):
                self.assertContains(self.client.get(source.get_absolute_url()), escape(source.publisher))

    def test_every_figure_page_renders_with_its_source(self):
        for figure in Figure.objects.with_related():
            with self.subTest(figure=figure.key):
                response = self.client.get(figure.get_absolute_url())
                self.assertContains(response, figure.source.get_absolute_url())

    def test_the_about_page_renders(self):
        self.assertContains(self.client.get("/about/"), "financial years", status_code=200)


class NotFoundTests(TestCase):
    def test_it_answers_404_for_unknown_slugs_and_ids(self):
        for url in ("/programmes/no-such-thing/", "/sources/999999/", "/figures/999999/", "/nowhere/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertContains(response, "Page not found", status_code=404)


class FigurePageTests(TestCase):
    def test_it_shows_other_sources_for_the_same_measure_and_period(self):
        figure = Figure.objects.get(key="F041")
        others = Figure.objects.filter(
            programme=figure.programme, measure=figure.measure, period_start=figure.period_start, period_end=figure.period_end
        ).exclude(pk=figure.pk)
        response = self.client.get(figure.get_absolute_url())
        for other in others:
            self.assertContains(response, other.get_absolute_url())


class DatabaseOutageTests(TestCase):
    def test_it_answers_503_with_a_plain_page_when_the_database_is_down(self):
        with mock.patch("dashboard.views.Programme.objects.for_overview", side_effect=OperationalError("connection refused")):
            response = self.client.get("/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertContains(response, "temporarily unavailable", status_code=503)
        self.assertNotContains(response, "OperationalError", status_code=503)

    def test_it_recovers_on_the_next_request(self):
        with mock.patch("dashboard.views.Programme.objects.for_overview", side_effect=OperationalError("connection refused")):
            self.client.get("/")
        self.assertEqual(self.client.get("/").status_code, 200)


class ChartPageTests(TestCase):
    def test_it_embeds_each_chart_with_its_table_download_and_link(self):
        response = self.client.get("/programmes/ngss-2012/")
        charts = response.context["charts"]
        self.assertGreaterEqual(len(charts), 4)
        for chart in charts:
            with self.subTest(chart=chart.id):
                self.assertContains(response, f'id="{chart.anchor}"')
                self.assertContains(response, f'<script id="{chart.data_id}" type="application/json">')
                self.assertContains(response, f'href="/programmes/ngss-2012/charts/{chart.id}.csv"')
                self.assertContains(response, f'href="#{chart.anchor}"')
                self.assertContains(response, escape(chart.summary))

    def test_it_states_the_2016_audit_in_plain_words(self):
        response = self.client.get("/programmes/ngss-2012/")
        self.assertContains(
            response, "National Audit Office found £90m saved against £94m invested over 2013-14 to 2015-16, a net cost of £4m."
        )

    def test_it_loads_plotly_from_our_own_static_files(self):
        response = self.client.get("/programmes/ngss-2012/")
        self.assertContains(response, 'src="/static/vendor/plotly/plotly-basic.')
        self.assertNotContains(response, "cdn")

    def test_it_leaves_out_chart_scripts_where_there_is_nothing_to_draw(self):
        programme = next(p for p in Programme.objects.all() if not self.client.get(p.get_absolute_url()).context["charts"])
        response = self.client.get(programme.get_absolute_url())
        self.assertNotContains(response, "plotly-basic")
        self.assertContains(response, "can be charted")

    def test_it_draws_the_overview_comparison_with_annual_and_total_apart(self):
        response = self.client.get("/")
        self.assertEqual([c.id for c in response.context["charts"]], ["overview-annual", "overview-total"])


class ChartCsvTests(TestCase):
    def read(self, url):
        import csv
        import io

        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        text = response.content.decode("utf-8")
        self.assertTrue(text.startswith("\ufeff"), "a BOM lets Excel read the £ sign")
        return response, list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))

    def test_it_downloads_exactly_the_rows_of_the_chart_table(self):
        page = self.client.get("/programmes/ngss-2012/")
        for chart in page.context["charts"]:
            with self.subTest(chart=chart.id):
                response, rows = self.read(chart.csv_url)
                self.assertEqual([row["Figure"] for row in rows], [row["Figure"] for row in chart.rows])
                self.assertEqual([row["Value"] for row in rows], [row["Value"] for row in chart.rows])
                self.assertIn(f'filename="ngss-2012-{chart.id}.csv"', response["Content-Disposition"])

    def test_it_keeps_numbers_as_numbers_and_neutralises_formulas(self):
        from decimal import Decimal

        from tests.helpers import make_figure, make_programme, make_source

        programme = make_programme("formula-test")
        make_figure(programme, make_source("formula-source"), description='=HYPERLINK("http://evil.example")', value=Decimal("-4"))
        _, rows = self.read("/programmes/formula-test/charts/savings-total.csv")
        (row,) = rows
        self.assertEqual(row["Figure"], '\'=HYPERLINK("http://evil.example")')
        self.assertEqual(row["Value"], "'-£4m")
        self.assertEqual(row["Value (low)"], "-4")

    def test_it_downloads_overview_charts(self):
        _, rows = self.read("/charts/overview-total.csv")
        self.assertTrue(rows)

    def test_it_answers_404_for_an_unknown_chart(self):
        self.assertEqual(self.client.get("/programmes/ngss-2012/charts/nothing.csv").status_code, 404)
        self.assertEqual(self.client.get("/programmes/nothing/charts/money.csv").status_code, 404)


class CompressionTests(TestCase):
    def test_it_compresses_pages_for_browsers_that_accept_it(self):
        plain = self.client.get("/programmes/ngss-2012/")
        compressed = self.client.get("/programmes/ngss-2012/", headers={"accept-encoding": "gzip"})
        self.assertEqual(compressed["Content-Encoding"], "gzip")
        self.assertLess(len(compressed.content), len(plain.content) / 3)


class DisagreementFlagTests(TestCase):
    def test_it_flags_figures_that_another_source_states_differently(self):
        response = self.client.get("/programmes/early-shared-services/")
        flagged = [f for f in response.context["figures"] if f.flag]
        self.assertTrue(flagged, "FACTS.md lists contradictions for the early centres; some must be flagged")
        for figure in flagged:
            others = Figure.objects.filter(
                programme=figure.programme,
                measure=figure.measure,
                status=figure.status,
                basis=figure.basis,
                period_start=figure.period_start,
                period_end=figure.period_end,
            ).exclude(source=figure.source)
            self.assertTrue(any(o.bounds != figure.bounds for o in others), figure.key)
        self.assertContains(response, "Differs from")

    def test_it_does_not_flag_figures_that_agree_or_differ_in_status_basis_or_kind(self):
        response = self.client.get("/programmes/ngss-2012/")
        by_key = {f.key: f for f in response.context["figures"]}
        self.assertEqual(by_key["F041"].flag, "", "the NAO's £90m agrees with its repeats")
        self.assertEqual(by_key["F040"].flag, "", "with no period stated, figures cannot be shown to cover the same years")
        self.assertFalse([f.key for f in response.context["figures"] if f.flag and not f.period_display])
        matrix = self.client.get("/programmes/matrix/").context["figures"]
        self.assertFalse([f.key for f in matrix if f.flag and f.measure in ("coverage", "contract_value")])


class FigureComparisonTests(TestCase):
    def test_it_lists_only_the_same_quantity_and_says_when_values_differ(self):
        figure = Figure.objects.get(key="F008a")  # The Register's £55.4m; the NAO page rounds it to about £55m
        response = self.client.get(figure.get_absolute_url())
        others = response.context["others"]
        self.assertTrue(others)
        self.assertTrue(all((o.basis, o.unit, o.measure) == (figure.basis, figure.unit, figure.measure) for o in others))
        self.assertContains(response, "state a different value")

    def test_it_says_when_every_other_source_agrees(self):
        response = self.client.get(Figure.objects.get(key="F041").get_absolute_url())
        self.assertTrue(response.context["others"])
        self.assertEqual(response.context["differing"], [])
        self.assertContains(response, "These state the same value.")


class QueryCountTests(TestCase):
    """Public pages load what they show in a fixed number of queries, whatever the number of figures."""

    def test_it_renders_each_page_in_a_handful_of_queries(self):
        # Pages with charts also ask the four change-history tables when the data last changed (the cache key).
        for url, most in (("/", 7), ("/programmes/clusters-2021/", 10), ("/sources/", 2), ("/figures/1/", 3)):
            with self.subTest(url=url):
                from django.db import connection
                from django.test.utils import CaptureQueriesContext

                with CaptureQueriesContext(connection) as queries:
                    self.client.get(url)
                self.assertLessEqual(len(queries), most)


class ChartEscapingTests(TestCase):
    def test_it_escapes_editors_text_inside_chart_labels(self):
        from decimal import Decimal

        from tests.helpers import make_figure, make_programme, make_source

        programme = make_programme("escape-test")
        make_figure(programme, make_source("escape-source", publisher='<a href="http://evil.example">Press</a>'), value=Decimal("5"))
        chart = self.client.get("/programmes/escape-test/").context["charts"][0]
        labels = chart.plotly["layout"]["yaxis"]["ticktext"] + chart.plotly["data"][0]["hovertext"]
        self.assertTrue(all("<a href" not in label and "&lt;a href" in label for label in labels))


class ChartCacheTests(TestCase):
    def test_it_redraws_charts_when_an_editor_changes_a_figure(self):
        before = self.client.get("/programmes/ngss-2012/").context["charts"]
        money_before = next(c for c in before if c.id == "money")
        self.assertIn("£90m saved", money_before.summary)
        figure = Figure.objects.get(key="F041")
        figure.value = 91
        figure.save()
        after = self.client.get("/programmes/ngss-2012/").context["charts"]
        money_after = next(c for c in after if c.id == "money")
        self.assertIn("£91m saved against £94m invested over 2013-14 to 2015-16, a net cost of £3m", money_after.summary)
