"""The plausibility rule and the same-quantity query, on named cases."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.test import TestCase

from programmes import rules
from programmes.models import Figure
from tests.helpers import make_figure, make_programme, make_source


class PlausibilityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme()
        cls.source = make_source()

    def problem(self, **fields):
        figure = Figure(programme=self.programme, source=self.source, description="x", status="audited", basis="one_off", **fields)
        return rules.implausible(figure)

    def test_it_refuses_a_year_outside_1990_to_2060(self):
        self.assertIn("between 1990 and 2060", self.problem(measure="deadline", unit="year", value=Decimal("20282029")))
        self.assertIn("between 1990 and 2060", self.problem(measure="deadline", unit="year", value=Decimal("1989")))
        self.assertIsNone(self.problem(measure="deadline", unit="year", value=Decimal("2028")))

    def test_it_refuses_a_year_that_is_not_whole(self):
        self.assertIsNotNone(self.problem(measure="deadline", unit="year", value=Decimal("2028.5")))

    def test_it_keeps_percentages_within_0_to_100(self):
        self.assertIn("between 0% and 100%", self.problem(measure="savings_rate", unit="percent", value=Decimal("-5000")))
        self.assertIn("between 0% and 100%", self.problem(measure="coverage", unit="percent", value=Decimal("101")))
        self.assertIsNone(self.problem(measure="savings_rate", unit="percent", value_low=Decimal("10"), value_high=Decimal("15")))

    def test_it_lets_a_change_against_plan_fall_or_exceed_100_percent(self):
        self.assertIsNone(self.problem(measure="investment", unit="percent", value=Decimal("-33")))
        self.assertIsNone(self.problem(measure="cost_overrun", unit="percent", value=Decimal("150")))

    def test_it_refuses_negative_money_except_a_net_benefit(self):
        self.assertIn("£ millions, up to £100bn", self.problem(measure="savings", unit="gbp_m", value=Decimal("-1400")))
        self.assertIsNone(self.problem(measure="net_benefit", unit="gbp_m", value=Decimal("-81")))

    def test_it_refuses_money_beyond_100bn(self):
        self.assertIn("up to £100bn", self.problem(measure="savings", unit="gbp_m", value=Decimal("999999999999")))
        self.assertIsNone(self.problem(measure="savings", unit="gbp_m", value=Decimal("100000")))

    def test_it_refuses_counts_beyond_ten_million_or_in_fractions(self):
        self.assertIn("10,000,000", self.problem(measure="coverage", unit="count", value=Decimal("10000001")))
        self.assertIn("whole count", self.problem(measure="coverage", unit="count", value=Decimal("2.5")))

    def test_it_refuses_durations_and_unit_costs_beyond_reason(self):
        self.assertIn("50 years", self.problem(measure="contract_term", unit="years", value=Decimal("70")))
        self.assertIn("600 months", self.problem(measure="delay", unit="months", value=Decimal("700")))
        self.assertIn("£920 per FTE", self.problem(measure="unit_cost", unit="gbp_per_fte", value=Decimal("2000000")))

    def test_it_says_which_units_a_measure_is_stated_in(self):
        self.assertIn("a calendar year (2028)", self.problem(measure="deadline", unit="count", value=Decimal("2028")))
        self.assertIn("months (18 months)", self.problem(measure="delay", unit="count", value=Decimal("18")))

    def test_it_shows_the_problem_next_to_the_value_when_a_figure_is_cleaned(self):
        figure = make_figure(self.programme, self.source)
        figure.value = Decimal("-5")
        with self.assertRaises(ValidationError) as caught:
            figure.full_clean()
        self.assertIn("value", caught.exception.message_dict)

    def test_it_finds_every_seeded_figure_plausible(self):
        figures = Figure.objects.exclude(programme=self.programme)
        self.assertGreater(figures.count(), 200)
        self.assertEqual({f.key: rules.implausible(f) for f in figures if rules.implausible(f)}, {})


class SameQuantityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme()
        cls.nao = make_source("nao")
        cls.press = make_source("press", publisher="Cabinet Office", kind="press_release")
        cls.figure = make_figure(cls.programme, cls.nao, value=Decimal("90"))

    def test_it_lists_the_other_figures_of_the_quantity_with_whether_they_disagree(self):
        agrees = make_figure(self.programme, self.press, value=Decimal("90.2"), qualifier="approx")
        disagrees = make_figure(self.programme, self.press, value=Decimal("300"))
        self.assertEqual(rules.same_quantity(self.figure), [(agrees, False), (disagrees, True)])

    def test_it_leaves_out_other_quantities(self):
        make_figure(self.programme, self.press, value=Decimal("300"), period_start=2014)
        make_figure(self.programme, self.press, value=Decimal("300"), scope="one centre")
        make_figure(self.programme, self.press, value=Decimal("300"), status="claimed")
        make_figure(self.programme, self.press, value=Decimal("300"), scenario="without HMRC")
        self.assertEqual(rules.same_quantity(self.figure), [])

    def test_it_lists_nothing_for_a_figure_not_yet_saved(self):
        self.assertEqual(rules.same_quantity(Figure(programme=self.programme, source=self.nao)), [])
