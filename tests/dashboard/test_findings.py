"""Claims against findings: what was claimed beside what auditors found for the same scope, period and basis."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal as D

from django.test import SimpleTestCase, TestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from programmes import rules
from programmes.models import Figure, Programme, Source
from tests.helpers import make_figure, make_programme, make_source, unsaved
from tests.record_expectations import FINDINGS, OVERVIEW_RANKING


class PinnedPairTests(TestCase):
    def test_it_pins_every_programme(self):
        self.assertEqual(set(FINDINGS), set(Programme.objects.values_list("slug", flat=True)))

    def test_each_programme_has_exactly_the_pinned_pairs_or_the_pinned_reason(self):
        for programme in Programme.objects.all():
            figures = list(Figure.objects.with_related().filter(programme=programme))
            pairs = [(pair.claim.key, pair.finding.key) for pair in rules.claims_against_findings(figures)]
            expected = FINDINGS[programme.slug]
            with self.subTest(programme=programme.slug):
                if isinstance(expected, str):
                    self.assertEqual(pairs, [])
                    self.assertTrue(f"none, because {rules.unpaired_reason(figures)}".startswith(expected))
                else:
                    self.assertEqual(pairs, expected)

    def test_the_programme_page_draws_each_pair_and_links_every_bar_to_its_figure(self):
        chart = next(c for c in self.client.get("/programmes/early-shared-services/").context["charts"] if c.id == "claims-findings")
        self.assertEqual([row["url"] for row in chart.rows], ["/figures/F014/", "/figures/F015a/"])
        labels = [text for trace in chart.plotly["data"] for text in trace["text"]]
        self.assertEqual(sorted(labels), ["over £1.4bn (found)", "£900m (forecast)"])
        claim, finding = Figure.objects.get(key="F014").pk, Figure.objects.get(key="F015a").pk
        self.assertEqual([trace["customdata"] for trace in chart.plotly["data"]], [[claim], [finding]])
        # static/js/charts.js opens the page of the bar clicked, by its customdata.
        self.assertEqual(chart.plotly["layout"]["meta"]["links"], {str(claim): "/figures/F014/", str(finding): "/figures/F015a/"})
        at_a_date = self.client.get("/programmes/early-shared-services/?as_at=2016-05-20").context["charts"]
        links = next(c for c in at_a_date if c.id == "claims-findings").plotly["layout"]["meta"]["links"]
        self.assertEqual(links[str(claim)], "/figures/F014/?as_at=2016-05-20", "a bar keeps the date the page is read at")
        self.assertIn("over £500m more than claimed (over 55.5% more)", chart.summary)
        self.assertEqual(chart.rows[1]["Gap (£m, least)"], D("500"))
        self.assertIsNone(chart.rows[1]["Gap (£m, most)"], "over £1.4bn leaves the gap open above")

    def test_the_csv_carries_the_gap_in_pounds_and_as_a_share_of_the_claim(self):
        response = self.client.get("/programmes/early-shared-services/charts/claims-findings.csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
        self.assertEqual([row["Role"] for row in rows], ["Claim", "Audit finding"])
        self.assertEqual((rows[1]["Gap (£m, least)"], rows[1]["Gap (£m, most)"]), ("500", ""))
        self.assertEqual(rows[1]["Gap (% of claim, least)"], "55.5")
        self.assertEqual(rows[1]["Gap"], "over £500m more than claimed (over 55.5% more)")

    def test_a_programme_without_a_pair_has_no_such_chart(self):
        for slug in ("ngss-2012", "clusters-2021"):
            with self.subTest(programme=slug):
                self.assertNotIn("claims-findings", [c.id for c in self.client.get(f"/programmes/{slug}/").context["charts"]])

    def test_the_overview_ranks_strategies_and_says_why_the_others_have_no_pair(self):
        chart = next(c for c in self.client.get("/").context["charts"] if c.id == "overview-claims-findings")
        ranked = list(dict.fromkeys(row["Programme"] for row in chart.rows))
        self.assertEqual(ranked, [Programme.objects.get(slug=slug).name for slug in OVERVIEW_RANKING])
        self.assertEqual([row["Rank"] for row in chart.rows], [1, 1])
        self.assertIn("Next Generation Shared Services (2012): none, because no claim for the same scope", chart.summary)
        self.assertIn("cluster model (2021): none, because auditors found the amounts not known", chart.summary)
        self.assertContains(self.client.get("/"), 'id="chart-overview-claims-findings"')

    def test_the_overview_puts_the_larger_gap_first(self):
        programme = make_programme("wide-gap", name="A strategy with a wide gap")
        promise = make_source("wide-gap-plan", publisher="Cabinet Office", kind="strategy", published=datetime.date(2013, 1, 1))
        audit = make_source("wide-gap-audit", published=datetime.date(2017, 1, 1))
        make_figure(programme, promise, status="target", value=D("2000"))
        make_figure(programme, audit, value=D("100"))
        chart = next(c for c in self.client.get("/").context["charts"] if c.id == "overview-claims-findings")
        self.assertEqual(chart.rows[0]["Programme"], "A strategy with a wide gap")
        self.assertEqual(chart.rows[1]["Gap"], "£1.9bn less than claimed (95% less)")


class GapTests(SimpleTestCase):
    def pair(self, claim: dict, finding: dict) -> rules.Pair:
        return rules.Pair(unsaved(1, status="target", **claim), unsaved(2, **finding))

    def test_it_subtracts_the_claim_from_the_finding(self):
        pair = self.pair({"value": D("128")}, {"value": D("90")})
        self.assertEqual((pair.gap.low, pair.gap.high), (D("-38"), D("-38")))
        self.assertEqual(rules.gap_phrase(pair), "£38m less than claimed (29.7% less)")

    def test_a_range_gives_a_range(self):
        pair = self.pair({"value": None, "value_low": D("400"), "value_high": D("600")}, {"value": D("90")})
        self.assertEqual(rules.gap_phrase(pair), "£310m to £510m less than claimed (77.5% to 85% less)")

    def test_a_range_that_covers_the_finding_may_agree(self):
        pair = self.pair({"value": None, "value_low": D("80"), "value_high": D("100")}, {"value": D("90")})
        self.assertEqual(rules.gap_phrase(pair), "between £10m less and £10m more than claimed (between 10% less and 12.5% more)")
        self.assertEqual(rules.certain_gap(pair), 0)

    def test_an_up_to_claim_reaches_down_to_nothing_and_has_no_share(self):
        pair = self.pair({"qualifier": "at_most", "value": D("500")}, {"value": D("90")})
        self.assertEqual(rules.gap_phrase(pair), "between £410m less and £90m more than claimed")
        self.assertFalse(pair.gap.has_share)

    def test_about_is_kept(self):
        pair = self.pair({"qualifier": "approx", "value": D("100")}, {"value": D("90")})
        self.assertEqual(rules.gap_phrase(pair), "about £10m less than claimed (about 10% less)")


money = st.decimals(min_value=D("1"), max_value=D("5000"), places=0)
# Periods mostly ended before the sources appear (2010-2024), so that an audited figure is often an outturn.
PERIODS = [(2008, 2010), (2008, 2009), (None, 2010), (2009, None), (None, None), (2020, 2030)]
DIMENSIONS = {
    "programme": [Programme(pk=1, slug="p"), Programme(pk=2, slug="q")],
    "scope": ["", "Centre A", "centre a", "Centre B"],
    "scenario": ["", "without HMRC"],
    "measure": ["savings", "investment", "net_benefit", "coverage"],
    "basis": ["annual", "cumulative", "one_off"],
    "unit": ["gbp_m", "percent"],
    "period": PERIODS,
}


@st.composite
def template(draw) -> dict:
    """What a group of figures is about: the like-for-like key, drawn mostly from the dimensions a pair can have."""
    return {name: draw(st.sampled_from(values)) for name, values in DIMENSIONS.items()} | {"unit": "gbp_m"}


@st.composite
def synthetic(draw, pk: int, about: dict) -> Figure:
    """A figure about `about`, of any status, value and source date, point, range, bound or unknown."""
    qualifier = draw(st.sampled_from(["exact", "approx", "at_least", "at_most", "unknown"]))
    values = {"value": None} if qualifier == "unknown" else {"value": draw(money)}
    if qualifier != "unknown" and draw(st.booleans()):
        low, high = sorted([draw(money), draw(money)])
        values = {"value": None, "value_low": low, "value_high": high}
    day = datetime.date(2010, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 5400)))
    source = Source(
        pk=pk,
        published=day,
        date_precision=draw(st.sampled_from(["day", "month", "year"])),
        is_primary=draw(st.booleans()),
        kind=draw(st.sampled_from(["audit_report", "news_article", "strategy"])),
    )
    fields = dict(about)
    fields["period_start"], fields["period_end"] = fields.pop("period")
    status = draw(st.sampled_from(["target", "forecast", "claimed", "audited", "audited"]))
    return unsaved(pk, source=source, status=status, qualifier=qualifier, **fields, **values)


@st.composite
def many(draw) -> list[Figure]:
    """Figures about a few things, some differing from their group in one dimension: the near misses a pair must never join."""
    templates = draw(st.lists(template(), min_size=1, max_size=3))
    figures = []
    for pk in range(1, draw(st.integers(2, 16)) + 1):
        about = dict(draw(st.sampled_from(templates)))
        if draw(st.integers(0, 3)) == 0:
            name = draw(st.sampled_from(list(DIMENSIONS)))
            about[name] = draw(st.sampled_from(DIMENSIONS[name]))
        figures.append(draw(synthetic(pk, about)))
    return figures


class PairingPropertyTests(SimpleTestCase):
    @settings(max_examples=200)
    @given(many())
    def test_a_pair_never_combines_different_scopes_periods_or_bases(self, figures):
        pairs = rules.claims_against_findings(figures)
        for pair in pairs:
            claim, finding = pair.claim, pair.finding
            self.assertEqual(claim.programme.slug, finding.programme.slug)
            self.assertEqual(rules.cached_slugify(claim.scope), rules.cached_slugify(finding.scope))
            self.assertEqual((claim.period_start, claim.period_end), (finding.period_start, finding.period_end))
            self.assertEqual(claim.basis, finding.basis)
            self.assertEqual((claim.measure, claim.unit, claim.scenario), (finding.measure, finding.unit, finding.scenario))
            self.assertEqual(finding.status, "audited")
            self.assertNotEqual(claim.status, "audited")
            self.assertFalse(claim.is_unknown or finding.is_unknown)
            self.assertLessEqual(
                rules.stated_on(claim.source), rules.stated_on(finding.source), "an audit tests what was claimed before it"
            )

    @settings(max_examples=200)
    @given(many())
    def test_every_like_for_like_finding_with_an_earlier_claim_gets_one_pair(self, figures):
        pairs = rules.claims_against_findings(figures)
        keys = [rules.like_for_like_key(pair.finding) for pair in pairs]
        self.assertEqual(len(keys), len(set(keys)), "one pair per like-for-like quantity")
        for key in {rules.like_for_like_key(f) for f in figures if rules.is_finding(f)}:
            group = [f for f in figures if rules.like_for_like_key(f) == key]
            latest = rules.best_sourced(f for f in group if rules.is_finding(f))[-1]
            claims = [f for f in group if rules.is_claim(f) and rules.stated_on(f.source) <= rules.stated_on(latest.source)]
            self.assertEqual(key in keys, bool(claims))

    @settings(max_examples=200)
    @given(many())
    def test_the_gap_holds_every_difference_the_two_figures_allow(self, figures):
        for pair in rules.claims_against_findings(figures):
            gap = pair.gap
            if gap.low is not None and gap.high is not None:
                self.assertLessEqual(gap.low, gap.high)
            claim_low, claim_high = rules.extent(pair.claim)
            found_low, found_high = rules.extent(pair.finding)
            for claimed in (claim_low, claim_high):
                for found in (found_low, found_high):
                    if claimed is None or found is None:
                        continue
                    difference = found - claimed
                    self.assertTrue(gap.low is None or gap.low <= difference)
                    self.assertTrue(gap.high is None or difference <= gap.high)
