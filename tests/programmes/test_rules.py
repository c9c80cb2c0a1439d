"""The rules in programmes/rules/, on small named cases and as properties that must hold for any figures."""

import datetime
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase
from hypothesis import given
from hypothesis import strategies as st

from programmes import rules
from programmes.models import Figure
from tests.helpers import disagreeing_by_rule, make_figure, make_organisation, make_programme, make_source, unsaved

money = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2, allow_nan=False, allow_infinity=False)
qualifiers = st.sampled_from(["exact", "approx", "over", "at_least", "at_most", "unknown"])


@st.composite
def figures(draw, pk: int) -> Figure:
    """Any figure: a point, a range or an unknown, in one of two scopes, scenarios, periods, sources and claimants."""
    qualifier = draw(qualifiers)
    fields = {
        "qualifier": qualifier,
        "scope": draw(st.sampled_from(["", "DfT shared services"])),
        "scenario": draw(st.sampled_from(["", "without HMRC"])),
        "status": draw(st.sampled_from(["forecast", "audited"])),
        "source_id": draw(st.integers(1, 3)),
        "claimant_id": draw(st.integers(1, 3)),
        "part_of_id": draw(st.sampled_from([None, 1, 2])),
    }
    fields["period_start"], fields["period_end"] = draw(st.sampled_from([(None, None), (2013, 2015), (None, 2023)]))
    if qualifier == "unknown":
        fields["value"] = None
    elif draw(st.booleans()):
        low, high = sorted([draw(money), draw(money)])
        fields.update(value=None, value_low=low, value_high=high)
    else:
        fields["value"] = draw(money)
    return unsaved(pk, **fields)


class DisagreementPropertyTests(SimpleTestCase):
    """rules.disagree for any two figures: what docs/vocabulary.md says must always hold."""

    @given(figures(1), figures(2))
    def test_it_is_symmetric(self, first, second):
        self.assertEqual(rules.disagree(first, second), rules.disagree(second, first))

    @given(figures(1))
    def test_it_never_flags_a_figure_against_itself(self, figure):
        self.assertFalse(rules.disagree(figure, figure))
        self.assertNotIn(figure.pk, disagreeing_by_rule([figure]))

    @given(money, st.integers(-1, 3))
    def test_it_never_flags_a_restatement_within_rounding(self, value, places):
        unit = D(10) ** places
        if unit > value:
            return  # rounding £40m to the nearest £100m says "about £0m", which nobody writes
        rounded = value.quantize(unit, rounding=ROUND_HALF_EVEN) if places <= 0 else (value / unit).quantize(1, ROUND_HALF_EVEN) * unit
        exact = unsaved(1, value=value)
        about = unsaved(2, value=rounded, qualifier="approx", source_id=2, claimant_id=2)
        self.assertFalse(rules.disagree(exact, about), f"{value} against about {rounded}")

    @given(figures(1), figures(2))
    def test_it_never_compares_different_scopes_scenarios_or_periods(self, first, second):
        if (first.scope, first.scenario, first.period_start, first.period_end) != (
            second.scope,
            second.scenario,
            second.period_start,
            second.period_end,
        ):
            self.assertFalse(rules.disagree(first, second))

    @given(figures(1), figures(2))
    def test_it_never_compares_a_part_with_its_total(self, total, part):
        part.part_of_id = total.pk
        self.assertFalse(rules.disagree(total, part))

    @given(figures(1), figures(2))
    def test_it_flags_only_figures_whose_values_cannot_both_be_right(self, first, second):
        if rules.disagree(first, second):
            self.assertEqual(rules.quantity_key(first), rules.quantity_key(second))
            self.assertFalse(rules.overlap(rules.interval(first), rules.interval(second)))
            self.assertNotEqual((first.source_id, first.claimant_id), (second.source_id, second.claimant_id))


class DisagreementTests(SimpleTestCase):
    """Named cases from the dataset's history: what was wrongly flagged, and what must be."""

    def test_it_does_not_flag_a_rounded_restatement(self):
        register = unsaved(1, value=D("55.4"), source_id=1)
        nao = unsaved(2, value=D("55"), qualifier="approx", source_id=2, claimant_id=2)
        self.assertFalse(rules.disagree(register, nao))

    def test_it_honours_over_and_up_to(self):
        exact = unsaved(1, value=D("121.2"))
        over = unsaved(2, value=D("120"), qualifier="over", source_id=2, claimant_id=2)
        up_to = unsaved(3, value=D("45"), qualifier="at_most", source_id=3, claimant_id=3)
        self.assertFalse(rules.disagree(exact, over))
        self.assertTrue(rules.disagree(exact, up_to))

    def test_over_and_at_least_admit_the_same_bound(self):
        self.assertEqual(rules.interval_of((D("25"), D("25")), "over"), rules.interval_of((D("25"), D("25")), "at_least"))
        exactly = unsaved(1, value=D("25"), unit="count", measure="coverage")
        for qualifier in ("over", "at_least"):
            with self.subTest(qualifier=qualifier):
                bound = unsaved(2, value=D("25"), unit="count", measure="coverage", qualifier=qualifier, source_id=2, claimant_id=2)
                below = unsaved(3, value=D("20"), unit="count", measure="coverage", source_id=3, claimant_id=3)
                self.assertFalse(rules.disagree(exactly, bound))
                self.assertTrue(rules.disagree(below, bound))

    def test_it_flags_two_claimants_who_cannot_both_be_right(self):
        nao = unsaved(1, value=D("484"), status="forecast")
        press = unsaved(2, value=D("504"), status="forecast", source_id=2, claimant_id=2)
        self.assertTrue(rules.disagree(nao, press))
        self.assertEqual({pk: [o.pk for o in others] for pk, others in disagreeing_by_rule([nao, press]).items()}, {1: [2], 2: [1]})

    def test_it_compares_two_figures_that_both_leave_the_period_unstated(self):
        one = unsaved(1, value=D("600"), period_start=None, period_end=None)
        other = unsaved(2, value=D("400"), period_start=None, period_end=None, source_id=2, claimant_id=2)
        self.assertTrue(rules.disagree(one, other))

    def test_it_never_flags_two_parts_of_one_sale(self):
        first = unsaved(1, value=D("57"), part_of_id=9)
        second = unsaved(2, value=D("25"), part_of_id=9, source_id=2, claimant_id=2)
        self.assertFalse(rules.disagree(first, second))

    def test_it_never_flags_one_claimant_in_one_publication(self):
        self.assertFalse(rules.disagree(unsaved(1, value=D("90")), unsaved(2, value=D("30"))))

    def test_it_never_flags_an_unknown(self):
        self.assertFalse(rules.disagree(unsaved(1), unsaved(2, value=None, qualifier="unknown", source_id=2, claimant_id=2)))


class RuleData(TestCase):
    """A small strategy: a Cabinet Office promise reported by the press, a percentage target, a forecast, an NAO audit."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("rules")
        cls.cabinet_office = make_organisation("Cabinet Office")
        cls.press = make_source("gc", publisher="Government Computing", kind="news_article", published=datetime.date(2014, 4, 1))
        cls.strategy = make_source("strategy", publisher="Cabinet Office", kind="strategy", published=datetime.date(2012, 12, 28))
        cls.nao = make_source("nao-2016", publisher="National Audit Office", published=datetime.date(2016, 5, 20))
        cls.rate = make_figure(
            cls.programme, cls.strategy, measure="savings_rate", status="target", basis="annual", unit="percent",
            value=None, value_low=D("10"), value_high=D("15"), period_start=None, period_end=None,
        )  # fmt: skip
        cls.expected = make_figure(
            cls.programme, cls.press, status="forecast", basis="annual", value=D("128"), claimant=cls.cabinet_office,
            period_start=None, period_end=None,
        )  # fmt: skip
        cls.found = make_figure(cls.programme, cls.nao, value=D("90"))
        cls.spent = make_figure(cls.programme, cls.nao, measure="investment", value=D("94"))


class HeadlineTests(RuleData):
    def lines(self, figures):
        return {headline.label: headline.figure for headline in rules.headlines(figures)}

    def test_it_takes_a_percentage_target_as_the_promise(self):
        self.assertEqual(self.lines([self.rate, self.expected, self.found])["Promised"], self.rate)

    def test_it_takes_the_first_target_in_pounds_or_percent(self):
        later = make_figure(self.programme, self.press, status="target", basis="annual", value=D("600"), period_start=None, period_end=None)
        self.assertEqual(rules.promised([later, self.rate]), self.rate)
        self.assertEqual(rules.promised([later]), later)

    def test_it_never_takes_a_projection_as_a_delivery(self):
        by_2024 = make_figure(self.programme, self.press, status="claimed", value=D("504"), period_start=None, period_end=2023)
        self.assertTrue(rules.looks_ahead(by_2024), "a 2014 source cannot report savings to 2023-24 as delivered")
        lines = self.lines([self.expected, by_2024])
        self.assertIsNone(lines["Delivered (claimed)"])
        self.assertEqual(lines["Latest forecast"], self.expected)
        self.assertFalse(rules.is_delivery(self.expected))

    def test_it_lets_the_more_assured_of_two_figures_stated_together_head_the_line(self):
        fields = {"measure": "investment", "basis": "cumulative", "period_start": 2004, "period_end": 2010}
        estimate = make_figure(self.programme, self.nao, status="forecast", value=D("900"), **fields)
        found = make_figure(self.programme, self.nao, status="audited", value=D("1400"), qualifier="at_least", **fields)
        self.assertEqual(self.lines([estimate, found])["Investment"], found)

    def test_it_takes_outturns_as_deliveries(self):
        self.assertEqual(self.lines([self.found])["Delivered (audited)"], self.found)
        self.assertTrue(rules.is_delivery(self.found))

    def test_it_shows_a_claim_with_no_figure_rather_than_no_claim(self):
        to_date = {"status": "claimed", "period_start": 2012, "period_end": 2013}
        unknown = make_figure(self.programme, self.press, value=None, qualifier="unknown", **to_date)
        self.assertEqual(self.lines([unknown])["Delivered (claimed)"], unknown)
        known = make_figure(self.programme, self.press, value=D("20"), **to_date)
        self.assertEqual(self.lines([unknown, known])["Delivered (claimed)"], known, "a number, when there is one, heads the line")

    def test_it_never_presents_a_members_figure_as_the_programmes_and_shows_it_as_theirs(self):
        centres = make_figure(
            self.programme, self.nao, status="target", basis="annual", value=D("128"), scope="the two centres", speaks_for="members"
        )
        self.assertFalse(rules.is_whole(centres))
        self.assertIsNone(rules.promised([centres]), "the centres' target is not the programme's promise")
        self.assertEqual(rules.choose([centres], rules.SAVINGS_MEASURES, ["target"], first=True), rules.Choice(narrower=centres))
        whole = make_figure(self.programme, self.nao, status="target", basis="annual", value=D("600"))
        self.assertEqual(rules.promised([centres, whole]), whole)
        rolled_up = make_figure(
            self.programme, self.nao, status="forecast", value=D("300"), scope="all five clusters", speaks_for="all_parts"
        )
        self.assertEqual(rules.latest_forecast([rolled_up]), rolled_up, "all its parts summed, named as such, speak for it")

    def test_it_never_shows_a_customers_own_saving_or_another_quantity_on_a_card(self):
        own = make_figure(self.programme, self.press, status="forecast", value=D("100"), scope="the Met's contract", speaks_for="own")
        benchmark = make_figure(
            self.programme,
            self.press,
            status="forecast",
            basis="annual",
            unit="percent",
            measure="savings_rate",
            value=D("67"),
            scope="one ERP against another",
            speaks_for="other",
        )
        self.assertEqual(rules.choose([own, benchmark], rules.SAVINGS_MEASURES, ["forecast"]), rules.Choice())

    def test_it_shows_scenarios_stated_together_side_by_side(self):
        fields = {"status": "forecast", "basis": "cumulative", "measure": "savings_npv"}
        with_hmrc = make_figure(self.programme, self.nao, value=D("300"), scenario="with HMRC", **fields)
        without = make_figure(self.programme, self.nao, value=D("200"), scenario="without HMRC", **fields)
        line = {h.role: h for h in rules.headlines([with_hmrc, without])}["latest-forecast"]
        self.assertIsNone(line.figure)
        self.assertEqual(line.scenarios, (with_hmrc, without))

    def test_a_revised_forecast_replaces_the_estimate_it_revises_and_is_never_flagged_against_it(self):
        fields = {"measure": "investment", "status": "forecast", "period_start": None, "period_end": 2014}
        original = make_figure(self.programme, self.press, value=D("55"), claimant="Department for Transport", **fields)
        revised = make_figure(self.programme, self.press, value=D("121"), revises=original, **fields)
        self.assertEqual(rules.choose([original, revised], ["investment"], ["forecast"]).figure, revised)
        self.assertFalse(rules.disagree(original, revised))
        self.assertEqual(
            rules.choose([original], ["investment"], ["forecast"]).figure, original, "before the revision, the estimate speaks"
        )

    def test_it_prefers_primary_publications_to_repeats(self):
        secondary = make_source(
            "aggregator", publisher="Aggregator", kind="news_article", is_primary=False, published=datetime.date(2024, 3, 4)
        )
        repeat = make_figure(self.programme, secondary, status="forecast", basis="annual", value=D("130"))
        self.assertEqual(rules.latest_forecast([self.expected, repeat]), self.expected)
        self.assertEqual(rules.latest_forecast([repeat]), repeat)

    def test_a_ministers_answer_read_in_a_copy_is_still_the_ministers_statement(self):
        copy = make_source(
            "answer-copy",
            publisher="Parallel Parliament",
            kind="parliamentary_answer",
            is_primary=False,
            published=datetime.date(2024, 3, 4),
        )
        paper = make_source("paper", publisher="PublicTechnology", kind="news_article", published=datetime.date(2024, 3, 13))
        answer = make_figure(
            self.programme, copy, status="claimed", value=D("120"), qualifier="at_least", period_start=None, period_end=2023
        )
        account = make_figure(
            self.programme, paper, status="claimed", value=D("120"), qualifier="approx", period_start=None, period_end=2023
        )
        self.assertEqual(rules.delivered([account, answer], "claimed"), answer, "its own words head the card, qualifier and all")


class StatementTests(RuleData):
    def test_it_names_the_claimant_and_the_publication_that_reported_it(self):
        self.assertEqual(
            rules.statement(self.expected, "£128m a year"),
            "the Cabinet Office expected £128m a year, as reported by Government Computing (1 April 2014)",
        )
        self.assertEqual(rules.attribution(self.expected), "the Cabinet Office, as reported by Government Computing, 1 April 2014")

    def test_it_names_one_body_when_the_claimant_published_it(self):
        self.assertEqual(rules.statement(self.found), "the National Audit Office found £90m (20 May 2016)")
        self.assertTrue(rules.is_own_statement(self.found))
        self.assertFalse(rules.is_own_statement(self.expected))

    def test_it_says_an_unknown_is_not_known(self):
        unknown = make_figure(self.programme, self.nao, value=None, qualifier="unknown")
        self.assertEqual(rules.statement(unknown), "the National Audit Office found it not known (20 May 2016)")

    def test_it_reads_names_as_a_sentence_does(self):
        self.assertEqual(rules.named(self.cabinet_office), "the Cabinet Office")
        self.assertEqual(rules.named(make_organisation("HM Treasury", kind="government")), "HM Treasury")
        self.assertEqual(rules.named(make_organisation("Computer Weekly")), "Computer Weekly")


class RestatementTests(RuleData):
    def test_it_chains_only_within_one_scope_whole_programme_first(self):
        centres = make_figure(self.programme, self.nao, status="target", basis="annual", value=D("128"), scope="the two centres")
        chains = rules.restatement_chains([centres, self.expected, self.found])
        self.assertEqual([(scope, [f.pk for f in chain]) for scope, chain in chains], [
            ("", [self.expected.pk, self.found.pk]),
            ("the two centres", [centres.pk]),
        ])  # fmt: skip

    def test_it_leaves_out_parts_of_a_larger_sum(self):
        part = make_figure(self.programme, self.nao, value=D("30"), part_of=self.found)
        self.assertEqual(rules.restatement_chains([part, self.found]), [("", [self.found])])


class NetTests(RuleData):
    def test_it_nets_savings_and_investment_that_one_claimant_stated_together(self):
        self.assertEqual(rules.net_pairs([self.found, self.spent]), [(self.found, self.spent)])
        self.assertEqual(rules.net(self.found, self.spent), (D("-4"), D("-4"), "exact"))

    def test_it_does_not_net_across_claimants_scopes_or_unstated_periods(self):
        other_claimant = make_figure(self.programme, self.nao, measure="investment", value=D("94"), claimant=self.cabinet_office)
        other_scope = make_figure(self.programme, self.nao, measure="investment", value=D("94"), scope="ISSC1")
        self.assertEqual(rules.net_pairs([self.found, other_claimant]), [])
        self.assertEqual(rules.net_pairs([self.found, other_scope]), [])
        saved = make_figure(self.programme, self.press, value=D("9"), period_start=None, period_end=None)
        spent = make_figure(self.programme, self.press, measure="investment", value=D("5"), period_start=None, period_end=None)
        self.assertEqual(rules.net_pairs([saved, spent]), [])

    def test_it_works_out_no_net_from_a_bound(self):
        over = make_figure(self.programme, self.nao, value=D("90"), qualifier="at_least")
        self.assertIsNone(rules.net(over, self.spent))

    def test_it_gives_a_shortfall_only_for_one_period_and_exact_figures(self):
        asked = make_figure(self.programme, self.nao, measure="funding_requested", value=D("300"), period_start=2022, period_end=2024)
        granted = make_figure(self.programme, self.nao, measure="funding_approved", value=D("200"), period_start=2022, period_end=2024)
        later = make_figure(self.programme, self.nao, measure="funding_approved", value=D("200"), period_start=2025, period_end=2026)
        self.assertEqual(rules.shortfall(asked, granted), (D("100"), D("100")))
        self.assertIsNone(rules.shortfall(asked, later))


class SameStatementTests(SimpleTestCase):
    """A stated net belongs beside the savings and investment it nets only when it is part of the same statement."""

    def test_a_net_from_the_same_claimant_publication_and_period_is_the_same_statement(self):
        savings = unsaved(1)
        stated_net = unsaved(2, measure="net_benefit", value=D("-81"))
        self.assertTrue(rules.same_statement(stated_net, savings))

    def test_a_net_that_differs_in_any_part_of_the_statement_is_not(self):
        savings = unsaved(1)
        for field, value in [
            ("source_id", 2),
            ("claimant_id", 2),
            ("scope", "one centre"),
            ("scenario", "with HMRC"),
            ("period_end", 2016),
            ("status", "claimed"),
            ("unit", "percent"),
        ]:
            with self.subTest(field=field):
                self.assertFalse(rules.same_statement(unsaved(2, measure="net_benefit", **{field: value}), savings))


class PlausibilityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme()
        cls.source = make_source()

    def problem(self, **fields):
        figure = Figure(programme=self.programme, source=self.source, description="x", status="audited", basis="one_off", **fields)
        return rules.implausible(figure)

    def test_it_refuses_a_year_outside_1990_to_2060(self):
        self.assertIn("between 1990 and 2060", self.problem(measure="deadline", unit="year", value=D("20282029")))
        self.assertIn("between 1990 and 2060", self.problem(measure="deadline", unit="year", value=D("1989")))
        self.assertIsNone(self.problem(measure="deadline", unit="year", value=D("2028")))

    def test_it_refuses_a_year_that_is_not_whole(self):
        self.assertIsNotNone(self.problem(measure="deadline", unit="year", value=D("2028.5")))

    def test_it_keeps_percentages_within_0_to_100(self):
        self.assertIn("between 0% and 100%", self.problem(measure="savings_rate", unit="percent", value=D("-5000")))
        self.assertIn("between 0% and 100%", self.problem(measure="coverage", unit="percent", value=D("101")))
        self.assertIsNone(self.problem(measure="savings_rate", unit="percent", value_low=D("10"), value_high=D("15")))

    def test_it_lets_a_change_against_plan_fall_or_exceed_100_percent(self):
        self.assertIsNone(self.problem(measure="investment", unit="percent", value=D("-33")))
        self.assertIsNone(self.problem(measure="cost_overrun", unit="percent", value=D("150")))

    def test_it_refuses_negative_money_except_a_net_benefit(self):
        self.assertIn("£ millions, up to £100bn", self.problem(measure="savings", unit="gbp_m", value=D("-1400")))
        self.assertIsNone(self.problem(measure="net_benefit", unit="gbp_m", value=D("-81")))

    def test_it_refuses_money_beyond_100bn(self):
        self.assertIn("up to £100bn", self.problem(measure="savings", unit="gbp_m", value=D("999999999999")))
        self.assertIsNone(self.problem(measure="savings", unit="gbp_m", value=D("100000")))

    def test_it_refuses_counts_beyond_ten_million_or_in_fractions(self):
        self.assertIn("10,000,000", self.problem(measure="coverage", unit="count", value=D("10000001")))
        self.assertIn("whole count", self.problem(measure="coverage", unit="count", value=D("2.5")))

    def test_it_refuses_durations_and_unit_costs_beyond_reason(self):
        self.assertIn("50 years", self.problem(measure="contract_term", unit="years", value=D("70")))
        self.assertIn("600 months", self.problem(measure="delay", unit="months", value=D("700")))
        self.assertIn("£920 per FTE", self.problem(measure="unit_cost", unit="gbp_per_fte", value=D("2000000")))

    def test_it_says_which_units_a_measure_is_stated_in(self):
        self.assertIn("a calendar year (2028)", self.problem(measure="deadline", unit="count", value=D("2028")))
        self.assertIn("months (18 months)", self.problem(measure="delay", unit="count", value=D("18")))

    def test_it_shows_the_problem_next_to_the_value_when_a_figure_is_cleaned(self):
        figure = make_figure(self.programme, self.source)
        figure.value = D("-5")
        with self.assertRaises(ValidationError) as caught:
            figure.full_clean()
        self.assertIn("value", caught.exception.message_dict)

    def test_it_finds_every_seeded_figure_plausible(self):
        figures = Figure.objects.exclude(programme=self.programme)
        self.assertGreater(figures.count(), 200)
        self.assertEqual({f.key: rules.implausible(f) for f in figures if rules.implausible(f)}, {})


class ContradictionTests(RuleData):
    """rules.contradiction: two disagreeing figures, each with who said it and where, and why they cannot both be right."""

    def figure(self, source_key: str, **fields) -> Figure:
        return make_figure(self.programme, make_source(source_key, publisher="Computer Weekly"), claimant="Cabinet Office", **fields)

    def test_it_names_both_sides_and_says_a_value_lies_outside_a_range(self):
        point, span = self.figure("cw-a", value=D("600")), self.figure("cw-b", value=None, value_low=D("300"), value_high=D("400"))
        self.assertTrue(rules.disagree(point, span))
        self.assertEqual(
            rules.contradiction(point, span),
            "£600m (the Cabinet Office, as reported by Computer Weekly, 20 May 2016) and £300–400m (the Cabinet Office, as reported "
            "by Computer Weekly, 20 May 2016) cannot both be right: the value lies outside the range",
        )

    def test_it_says_why_for_two_ranges_two_values_and_qualified_values(self):
        cases = [
            (
                {"value": None, "value_low": D("100"), "value_high": D("200")},
                {"value": None, "value_low": D("300"), "value_high": D("400")},
                "the ranges do not overlap",
            ),
            ({"value": D("90")}, {"value": D("95")}, "the values differ by more than their rounding allows"),
            (
                {"value": D("500"), "qualifier": "at_most"},
                {"value": D("600")},
                'even read as their sources wrote them ("about", "over", "up to"), they do not overlap',
            ),
        ]
        for number, (first, second, why) in enumerate(cases):
            with self.subTest(why=why):
                a, b = self.figure(f"first-{number}", **first), self.figure(f"second-{number}", **second)
                self.assertTrue(rules.disagree(a, b))
                self.assertTrue(rules.contradiction(a, b).endswith(f"cannot both be right: {why}"))


class MilestoneRuleTests(TestCase):
    """Deadlines for different milestones are different things due: never one deadline that moved, never one quantity."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("deadlines")
        cls.strategy = make_source("strategy-2018", publisher="Cabinet Office", published=datetime.date(2018, 1, 10))
        cls.audit = make_source("audit-2022", published=datetime.date(2022, 11, 30))

    def deadline(self, source, year: str, milestone: str) -> Figure:
        return make_figure(
            self.programme, source, measure="deadline", status="target", basis="point_in_time", unit="year", value=D(year),
            period_start=None, period_end=None, milestone=milestone,
        )  # fmt: skip

    def test_it_groups_one_milestones_deadlines_whatever_their_case_and_spacing(self):
        first = self.deadline(self.strategy, "2025", "All departments on cloud ERP")
        second = self.deadline(self.audit, "2028", "all departments  on cloud ERP")
        (milestone,) = rules.milestones([second, first])
        self.assertEqual(milestone.deadlines, (first, second))
        self.assertTrue(milestone.has_moved)
        self.assertEqual(rules.quantity_key(first), rules.quantity_key(second))

    def test_it_never_makes_two_milestones_one_quantity(self):
        pathfinder = self.deadline(self.strategy, "2020", "Home Office HR and payroll live on Oracle Fusion")
        cloud = self.deadline(self.audit, "2025", "all departments on cloud ERP")
        self.assertEqual([len(m.deadlines) for m in rules.milestones([pathfinder, cloud])], [1, 1])
        self.assertNotEqual(rules.quantity_key(pathfinder), rules.quantity_key(cloud))
        self.assertFalse(rules.disagree(pathfinder, cloud))

    def test_a_deadline_without_a_milestone_is_a_group_of_its_own(self):
        groups = rules.milestones([self.deadline(self.strategy, "2020", ""), self.deadline(self.audit, "2025", "")])
        self.assertEqual([m.has_moved for m in groups], [False, False])


class MadeByTests(SimpleTestCase):
    """rules.made_by: who made a change, told by role alone."""

    def test_it_tells_an_editor_from_an_administrator(self):
        self.assertEqual(rules.made_by(False, "Misread the table"), "editor")
        self.assertEqual(rules.made_by(True, "Misread the table"), "administrator")

    def test_it_tells_the_datasets_own_saves_as_its_maintainers(self):
        self.assertEqual(rules.made_by(None, rules.CORRECTION_REASON), "dataset maintainers")
        self.assertEqual(rules.made_by(None, rules.LOAD_REASON), "dataset maintainers")

    def test_it_tells_a_command_line_import_as_an_operators(self):
        self.assertEqual(rules.made_by(None, "Imported from nao-2026.csv"), "operator (command-line import)")

    def test_an_editor_importing_in_the_admin_is_an_editor(self):
        self.assertEqual(rules.made_by(False, "Imported from nao-2026.csv"), "editor")

    def test_any_other_save_with_no_editor_is_the_site_maintainers(self):
        self.assertEqual(rules.made_by(None, ""), "site maintainers")
