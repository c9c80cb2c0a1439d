"""Every public page renders from the real dataset; unknown addresses are 404s, never 500s."""

import datetime
import re
from decimal import Decimal as D
from html.parser import HTMLParser
from unittest import mock

from django.db import OperationalError
from django.test import TestCase
from django.utils.html import escape

from programmes import rules
from programmes.columns import unescape
from programmes.models import Figure, Programme, Source
from tests.helpers import disagreeing_by_rule, make_figure, make_programme, make_source
from tests.sharedservices.test_hardening import public_paths


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


class CitationTests(TestCase):
    """A citation in brackets reads "(the Cabinet Office, as reported by Government Computing, 1 April 2014)": no stray
    space between the source's link and the punctuation after it, which a template's trailing line break would make."""

    def test_no_citation_has_a_space_before_its_closing_punctuation(self):
        paths = ["/", "/changes/?since=2000-01-01", "/sources/"]
        paths += [programme.get_absolute_url() for programme in Programme.objects.all()]
        paths += [figure.get_absolute_url() for figure in Figure.objects.exclude(part_of=None)[:5]]
        paths += [figure.get_absolute_url() for figure in Figure.objects.filter(disagreement_count__gt=0)[:5]]
        for path in paths:
            with self.subTest(page=path):
                html = self.client.get(path).content.decode()
                self.assertEqual([html[m.start() - 60 : m.end()] for m in re.finditer(r"</a>\s+[).,;:]", html)], [])


class NotFoundTests(TestCase):
    def test_it_answers_404_for_unknown_slugs_and_ids(self):
        for url in ("/programmes/no-such-thing/", "/sources/999999/", "/figures/999999/", "/figures/NO-SUCH-KEY/", "/nowhere/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertContains(response, "Page not found", status_code=404)


class FigurePageTests(TestCase):
    def test_it_lists_every_other_figure_of_the_same_quantity(self):
        figure = Figure.objects.get(key="F041")
        same = [o for o in figure.programme.figures.exclude(pk=figure.pk) if rules.quantity_key(o) == rules.quantity_key(figure)]
        response = self.client.get(figure.get_absolute_url())
        self.assertEqual({o.pk for o in response.context["others"]}, {o.pk for o in same})
        for other in same:
            self.assertContains(response, other.get_absolute_url())

    def test_it_is_reachable_by_key_and_by_id_and_names_the_key_address_canonical(self):
        figure = Figure.objects.get(key="F047")
        self.assertEqual(figure.get_absolute_url(), "/figures/F047/")
        for url in ("/figures/F047/", f"/figures/{figure.pk}/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.context["figure"], figure)
                self.assertContains(response, '<link rel="canonical" href="http://testserver/figures/F047/">')

    def test_it_links_a_figure_without_a_key_at_its_id(self):
        figure = make_figure(make_programme("keyless"), make_source("keyless-source"))
        self.assertEqual(figure.get_absolute_url(), f"/figures/{figure.pk}/")
        self.assertEqual(self.client.get(figure.get_absolute_url()).status_code, 200)


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
        # The net the PAC stated is cited, not worked out again from the NAO's two figures.
        self.assertContains(
            response,
            "found £90m saved against £94m invested over 2013-14 to 2015-16 (20 May 2016), a net cost of £4m "
            "(as stated by the House of Commons Public Accounts Committee, 19 October 2016).",
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
        self.assertEqual([c.id for c in response.context["charts"]], ["overview-annual", "overview-total", "overview-claims-findings"])


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
                # A value such as -£4m is neutralised with a leading ' so that a spreadsheet does not run it as a formula.
                self.assertEqual([unescape(row["Value"]) for row in rows], [row["Value"] for row in chart.rows])
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


class PageData(TestCase):
    """A small strategy with the cases the issue found: a press report of another body's estimate, a percentage target,
    a claim with no figure, a rounded restatement and a real contradiction."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("truth-test", name="Truth test strategy")
        cls.strategy = make_source("truth-strategy", publisher="Cabinet Office", kind="strategy", published=datetime.date(2018, 1, 10))
        cls.press = make_source("truth-press", publisher="Government Computing", kind="news_article", published=datetime.date(2024, 4, 1))
        cls.register = make_source("truth-register", publisher="The Register", kind="news_article", published=datetime.date(2024, 5, 1))
        cls.nao = make_source("truth-nao", publisher="National Audit Office", published=datetime.date(2024, 6, 1))
        cls.rate = make_figure(
            cls.programme, cls.strategy, key="T-RATE", description="Savings target", measure="savings_rate", status="target",
            basis="annual", unit="percent", value=None, value_low=D("10"), value_high=D("15"), period_start=None, period_end=None,
        )  # fmt: skip
        cls.expected = make_figure(
            cls.programme, cls.press, key="T-EXPECTED", description="Expected savings", status="forecast", basis="annual",
            value=D("128"), claimant="Cabinet Office", period_start=None, period_end=None,
        )  # fmt: skip
        cls.claimed = make_figure(
            cls.programme, cls.press, key="T-CLAIMED", description="Savings so far", status="claimed", value=None,
            qualifier="unknown", claimant="Cabinet Office", period_start=2020, period_end=2023,
        )  # fmt: skip
        to_date = {"status": "audited", "measure": "investment", "period_start": 2020, "period_end": 2023}
        cls.exact = make_figure(cls.programme, cls.register, key="T-EXACT", description="Cost", value=D("55.4"), **to_date)
        cls.rounded = make_figure(cls.programme, cls.nao, key="T-ROUNDED", description="Cost", value=D("55"), qualifier="approx", **to_date)
        cls.rival = make_figure(
            cls.programme, cls.press, key="T-RIVAL", description="Cost", value=D("80"), claimant="Cabinet Office", **to_date
        )


class CardTests(PageData):
    def card_text(self, response) -> str:
        card = response.content.decode().split("Truth test strategy</a></h3>")[1].split("</li>")[0]
        return " ".join(card.split())

    def test_it_shows_a_percentage_target_as_the_promise(self):
        response = self.client.get("/programmes/truth-test/")
        promised = next(h for h in response.context["headlines"] if h.label == "Promised")
        self.assertEqual(promised.figure, self.rate)
        self.assertContains(response, "10–15%")

    def test_it_names_the_claimant_and_the_publication_that_reported_it(self):
        card = self.card_text(self.client.get("/"))
        self.assertIn("Cabinet Office, as reported by <a", card)
        self.assertIn('>Government Computing, 1 April 2024<span class="visually-hidden">: ', card)

    def test_it_never_names_the_publisher_as_the_claimant(self):
        response = self.client.get("/programmes/truth-test/")
        self.assertContains(response, "the Cabinet Office expected £128m a year, as reported by Government Computing (1 April 2024)")
        for wrong in ("Government Computing expected", "forecast by Government Computing", "stated by Government Computing"):
            self.assertNotContains(response, wrong)

    def test_it_shows_a_claim_with_no_figure_as_that(self):
        response = self.client.get("/programmes/truth-test/")
        claimed = next(h for h in response.context["headlines"] if h.label == "Delivered (claimed)")
        self.assertEqual(claimed.figure, self.claimed)
        self.assertContains(response, "Claimed, with no figure")
        self.assertNotContains(response, "No claim in the sources")

    def test_it_never_shows_a_projection_as_delivered(self):
        response = self.client.get("/programmes/truth-test/")
        delivered = [h.figure for h in response.context["headlines"] if h.label.startswith("Delivered") and h.figure]
        self.assertTrue(all(rules.is_delivery(figure) for figure in delivered))
        self.assertNotIn(self.expected, delivered)


class FigureTableTests(PageData):
    def test_it_gives_each_figure_its_scope_and_claimant(self):
        response = self.client.get("/programmes/truth-test/")
        self.assertContains(response, '<th scope="col">Claimed by</th>')
        self.assertContains(response, '<th scope="col">Scope</th>')
        self.assertContains(response, '<td data-label="Claimed by">Cabinet Office</td>')
        self.assertContains(response, '<td data-label="Scope">Whole programme</td>')


class DisagreementFlagTests(PageData):
    def test_it_flags_exactly_the_figures_the_rule_says_disagree(self):
        response = self.client.get("/programmes/truth-test/")
        flagged = {f.key for f in response.context["figures"] if f.flag}
        self.assertEqual(flagged, {"T-EXACT", "T-ROUNDED", "T-RIVAL"})
        by_key = {f.key: f.flag for f in response.context["figures"]}
        self.assertEqual(by_key["T-EXACT"], "Disagrees with £80m (Government Computing, 1 April 2024)", "not with about £55m")
        self.assertContains(response, "Disagrees with £80m")

    def test_it_flags_on_every_real_page_what_the_rule_flags(self):
        for programme in Programme.objects.all():
            with self.subTest(programme=programme.slug):
                response = self.client.get(programme.get_absolute_url())
                flagged = {f.pk for f in response.context["figures"] if f.flag}
                for number in response.context["page"].paginator.page_range[1:]:
                    flagged |= {f.pk for f in self.client.get(programme.get_absolute_url(), {"page": number}).context["figures"] if f.flag}
                self.assertEqual(flagged, set(disagreeing_by_rule(programme.figures.all())))

    def test_it_does_not_flag_a_rounded_restatement(self):
        self.rival.delete()
        response = self.client.get("/programmes/truth-test/")
        self.assertFalse([f.key for f in response.context["figures"] if f.flag])


class FigureComparisonTests(PageData):
    def test_it_lists_the_same_quantity_and_says_which_disagree(self):
        response = self.client.get("/figures/T-EXACT/")
        self.assertEqual({o.key for o in response.context["others"]}, {"T-ROUNDED", "T-RIVAL"})
        self.assertEqual([o.key for o in response.context["differing"]], ["T-RIVAL"])
        self.assertContains(response, "1 of 2 disagrees with this figure")
        self.assertContains(response, "/figures/T-RIVAL/")
        self.assertContains(response, "⚑</span> Disagrees with this figure")

    def test_it_says_when_no_other_figure_disagrees(self):
        response = self.client.get("/figures/T-EXPECTED/")
        self.assertEqual(response.context["others"], [])
        self.assertContains(response, "No other source in the record states this quantity.")
        self.rival.delete()
        response = self.client.get("/figures/T-EXACT/")
        self.assertEqual(response.context["differing"], [])
        self.assertContains(response, "None of them disagrees with this figure")

    def test_it_shows_scope_claimant_and_horizon(self):
        response = self.client.get("/figures/T-EXPECTED/")
        self.assertContains(response, "<dt>Scope</dt><dd>The whole programme</dd>")
        self.assertContains(response, "<dt>Claimed by</dt><dd>Cabinet Office, reported in Government Computing</dd>")
        self.assertContains(response, "A projection")
        part = make_figure(self.programme, self.nao, key="T-PART", value=D("20"), part_of=self.rounded, scope="one department")
        response = self.client.get(part.get_absolute_url())
        self.assertContains(response, "<dt>Scope</dt><dd>one department</dd>")
        self.assertContains(response, f'<dt>Part of</dt><dd><a href="{self.rounded.get_absolute_url()}">')
        self.assertContains(self.client.get(self.rounded.get_absolute_url()), f'<a href="{part.get_absolute_url()}">')


class QueryCountTests(TestCase):
    """Public pages load what they show in a fixed number of queries, whatever the number of figures."""

    def queries(self, url: str) -> list[str]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get(url).status_code, 200)
        return [query["sql"] for query in captured.captured_queries]

    def test_it_renders_each_page_in_a_handful_of_queries(self):
        # Every page first asks the change-history tables, in one query, when the data last changed (its cache key and
        # ETag); tests/system/test_scale.py counts queries at two sizes of the data. The date picker's days (the first source's,
        # the latest report days, how many there are, their first publications) add four until cached: the first page
        # asked pays them, so `/` is allowed them here; and one for the strategies' accounts (their summaries as at the date).
        # A programme page also counts its disagreements and its never-audited claims, for its links to those lists. A
        # figure's page also asks, in one query, for the sides of every contradiction the figure is a side of, and in one
        # more for its corrections (the rest of what a correction says is asked only when it has one).
        for url, most in (("/", 14), ("/programmes/clusters-2021/", 18), ("/sources/", 4), ("/figures/1/", 7)):
            with self.subTest(url=url):
                self.assertLessEqual(len(self.queries(url)), most)

    def test_it_serves_a_warm_page_without_loading_a_figure(self):
        # The change stamp's one query, then the cached page: not even the programme is asked for again.
        for url, most in (("/", 1), ("/programmes/ngss-2012/", 1)):
            with self.subTest(url=url):
                self.client.get(url)
                warm = self.queries(url)
                self.assertLessEqual(len(warm), most)
                self.assertFalse([sql for sql in warm if '"programmes_figure"."value"' in sql], "no figure is loaded")

    def test_it_makes_as_many_queries_for_a_warm_page_at_two_sizes(self):
        programme = make_programme("grown", name="Grown strategy")
        source = make_source("grown-source", publisher="National Audit Office")
        make_figure(programme, source)
        counts = {}
        for size in ("small", "grown"):
            if size == "grown":
                for number in range(200):
                    make_figure(programme, source, value=D(number))
            self.client.get("/programmes/grown/")
            self.client.get("/")
            counts[size] = (len(self.queries("/programmes/grown/")), len(self.queries("/")))
        self.assertEqual(counts["small"], counts["grown"])
        self.assertLessEqual(counts["grown"], (5, 5))

    def test_it_serves_a_warm_page_as_the_cold_one_rendered_it(self):
        for url in ("/", "/programmes/ngss-2012/"):
            with self.subTest(url=url):
                from django.core.cache import cache

                cache.clear()
                cold = self.client.get(url).content
                self.assertEqual(self.client.get(url).content, cold)

    def test_it_rebuilds_a_warm_page_when_a_figure_changes(self):
        programme = make_programme("changing", name="Changing strategy")
        source = make_source("changing-source")
        figure = make_figure(programme, source, description="First wording")
        self.assertContains(self.client.get("/programmes/changing/"), "First wording")
        figure.description = "Second wording"
        figure.save()
        self.assertContains(self.client.get("/programmes/changing/"), "Second wording")


class PaginationTests(TestCase):
    """Source and figure pages show 50 figures a page, whatever the data, with the full list one CSV away."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("paged", name="Paged strategy")
        cls.source = make_source("paged-source", publisher="Paged Publisher")
        # One quantity stated 121 times: each figure has 120 others of the same quantity.
        cls.figures = [make_figure(cls.programme, cls.source, value=D("90")) for _ in range(121)]

    def test_it_shows_fifty_of_a_sources_figures_and_links_the_next_page(self):
        response = self.client.get(self.source.get_absolute_url())
        self.assertEqual(len(response.context["figures"]), 50)
        self.assertEqual(response.context["page"].paginator.count, 121)
        self.assertContains(response, 'href="?page=2"')
        self.assertContains(response, "Figures 1–50 of 121, page 1 of 3.")
        self.assertContains(response, 'href="/data/figures.csv?publisher=Paged+Publisher"')
        last = self.client.get(self.source.get_absolute_url() + "?page=3")
        self.assertEqual(len(last.context["figures"]), 21)
        self.assertContains(last, 'href="?page=2"')
        self.assertNotContains(last, "Next page")

    def test_it_shows_fifty_other_figures_of_the_same_quantity(self):
        figure = self.figures[0]
        response = self.client.get(figure.get_absolute_url())
        self.assertEqual(len(response.context["page"].object_list), 50)
        self.assertEqual(response.context["page"].paginator.count, 120)
        self.assertContains(response, "Other figures 1–50 of 120, page 1 of 3.")
        self.assertContains(response, 'href="?page=2"')
        self.assertContains(response, "/data/figures.csv?programme=paged&amp;measure=savings&amp;status=audited")
        second = self.client.get(figure.get_absolute_url() + "?page=2")
        self.assertEqual(second.context["page"].number, 2)

    def test_it_answers_400_naming_the_parameter_for_a_bad_page(self):
        for url in (self.source.get_absolute_url(), self.figures[0].get_absolute_url()):
            for page in ("0", "4", "two", "", "1.5"):
                with self.subTest(url=url, page=page):
                    response = self.client.get(url, {"page": page})
                    self.assertEqual(response.status_code, 400)
                    self.assertContains(response, "The query parameter page must be a whole number from 1 to 3, or all.", status_code=400)

    def test_it_ignores_other_query_parameters(self):
        self.assertEqual(self.client.get(self.source.get_absolute_url(), {"sort": "value"}).status_code, 200)

    def test_it_shows_a_short_list_without_page_links(self):
        source = make_source("short-source", publisher="Short Publisher")
        make_figure(self.programme, source)
        response = self.client.get(source.get_absolute_url())
        self.assertNotContains(response, "page 1 of")
        self.assertContains(response, 'href="/data/figures.csv?publisher=Short+Publisher"')


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
        self.assertIn("£91m saved against £94m invested over 2013-14 to 2015-16 (20 May 2016), a net cost of £3m", money_after.summary)


class PeriodAsPublishedTests(TestCase):
    """A period the source gives as a length or in words is shown as the source gave it, never as a period not stated."""

    @classmethod
    def setUpTestData(cls):
        cls.programme, source = make_programme("periods-in-words"), make_source("periods-in-words")
        period = {"period_start": None, "period_end": None, "status": "forecast"}
        cls.length = make_figure(cls.programme, source, value=D("150"), period_as_published="15 years", period_years=15, **period)
        cls.life = make_figure(cls.programme, source, measure="investment", value=D("80"), period_as_published="programme life", **period)
        cls.by = make_figure(
            cls.programme, source, measure="savings_rate", unit="percent", value=D("15"), period_end=2028, period_start=None,
            period_as_published="by 2028-29", status="target", basis="point_in_time",
        )  # fmt: skip

    def test_it_shows_each_on_its_figure_page(self):
        for figure, shown in [(self.length, "15 years"), (self.life, "programme life"), (self.by, "to 2028-29")]:
            with self.subTest(shown=shown):
                page = self.client.get(figure.get_absolute_url())
                self.assertContains(page, f"<div><dt>Period</dt><dd>{shown}", html=False)
                self.assertNotContains(page, "not stated")
        self.assertContains(self.client.get(self.by.get_absolute_url()), "(as published: “by 2028-29”)")

    def test_it_shows_each_in_the_figure_list_the_programme_page_and_the_claims_never_audited(self):
        for url in ("/figures/?programme=periods-in-words", "/programmes/periods-in-words/", "/never-audited/?programme=periods-in-words"):
            with self.subTest(url=url):
                page = self.client.get(url)
                self.assertContains(page, "15 years")
                self.assertContains(page, "programme life")
                self.assertNotContains(page, "period not stated")

    def test_it_never_counts_a_length_as_the_same_quantity_as_a_period_not_stated(self):
        unstated = make_figure(self.programme, self.length.source, value=D("150"), period_start=None, period_end=None, status="forecast")
        self.assertNotEqual(unstated.quantity, self.length.quantity)
        self.assertTrue(self.length.quantity.endswith("/15-years"))
        self.assertTrue(self.life.quantity.endswith("/lifetime"))


class LinkNameParser(HTMLParser):
    """Each link's accessible name (its aria-label, else its text less anything aria-hidden) and address."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.stack: list[tuple[str, bool]] = []
        self.link: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = attrs.get("aria-hidden") == "true" or (bool(self.stack) and self.stack[-1][1])
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, hidden))
        if tag == "a" and "href" in attrs:
            self.link = {"href": attrs["href"], "label": attrs.get("aria-label"), "text": [], "depth": len(self.stack)}

    def handle_endtag(self, tag):
        if tag in VOID_ELEMENTS:
            return
        while self.stack and self.stack.pop()[0] != tag:
            pass
        if tag == "a" and self.link is not None and len(self.stack) < self.link["depth"]:
            name = self.link["label"] or " ".join("".join(self.link["text"]).split())
            self.links.append((name, self.link["href"]))
            self.link = None

    def handle_data(self, data):
        if self.link is not None and not (self.stack and self.stack[-1][1]):
            self.link["text"].append(data)


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def same_name_different_places(html: str) -> dict[str, set[str]]:
    """Link names on a page that lead to more than one address (a fragment is part of the address)."""
    parser = LinkNameParser()
    parser.feed(html)
    places: dict[str, set[str]] = {}
    for name, href in parser.links:
        places.setdefault(name, set()).add(href)
    return {name: hrefs for name, hrefs in places.items() if len(hrefs) > 1}


class LinkNameTests(TestCase):
    """A reader who lists a page's links (as screen readers do) can tell where each goes from its name alone."""

    def test_no_two_links_with_the_same_name_go_to_different_places_on_any_public_page(self):
        paths = [path for path in public_paths() if not path.startswith(("/healthz", "/readyz", "/data/"))]
        paths += [programme.get_absolute_url() for programme in Programme.objects.all()]
        paths += [source.get_absolute_url() for source in Source.objects.all()[:10]]
        paths += [figure.get_absolute_url() for figure in Figure.objects.filter(disagreement_count__gt=0)[:5]]
        for path in dict.fromkeys(paths):
            response = self.client.get(path)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            with self.subTest(page=path):
                self.assertEqual(same_name_different_places(response.content.decode()), {})
