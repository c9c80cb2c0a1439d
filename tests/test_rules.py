"""rules.disagreeing finds exactly the figures rules.disagreements finds, in linear time."""

from __future__ import annotations

from decimal import Decimal

from django.test import TestCase

from programmes import rules
from programmes.models import Figure
from tests.helpers import make_figure, make_organisation, make_programme, make_source


class DisagreeingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("rules")
        cls.nao = make_source("nao", publisher="National Audit Office")
        cls.press = make_source("press", publisher="Computer Weekly")

    def test_it_flags_both_figures_of_a_quantity_that_cannot_both_be_right(self):
        low = make_figure(self.programme, self.nao, value=Decimal("40"))
        high = make_figure(self.programme, self.press, value=Decimal("90"))
        self.assertEqual(rules.disagreeing([low, high]), {low.pk, high.pk})

    def test_it_allows_rounding_bounds_and_one_claimant_in_one_publication(self):
        about = make_figure(self.programme, self.nao, value=Decimal("55"), qualifier="approx")
        exact = make_figure(self.programme, self.press, value=Decimal("55.4"))
        over = make_figure(self.programme, self.press, value=Decimal("50"), qualifier="at_least")
        same_source = make_figure(self.programme, self.nao, value=Decimal("900"))
        self.assertEqual(rules.disagreeing([about, exact, over]), set())
        self.assertEqual(rules.disagreeing([about, same_source]), set())

    def test_it_compares_only_figures_of_one_quantity(self):
        savings = make_figure(self.programme, self.nao, value=Decimal("40"))
        scoped = make_figure(self.programme, self.press, value=Decimal("90"), scope="One centre")
        self.assertEqual(rules.disagreeing([savings, scoped]), set())

    def test_it_agrees_with_disagreements_on_the_real_dataset_and_on_a_crowd(self):
        other = make_organisation("Cabinet Office")
        for n, value in enumerate(["10", "12", "55", "300", "301"]):
            source = self.nao if n % 2 else self.press
            make_figure(self.programme, source, value=Decimal(value), claimant=other if n == 4 else source.publisher)
        make_figure(self.programme, self.press, value_low=Decimal("11"), value_high=Decimal("13"), value=None)
        make_figure(self.programme, self.nao, value=Decimal("9"), qualifier="at_most")
        figures = list(Figure.objects.select_related("programme", "source"))
        self.assertEqual(rules.disagreeing(figures), set(rules.disagreements(figures)))
