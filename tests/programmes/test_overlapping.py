"""FigureQuerySet.overlapping: which figures a financial-year filter keeps, open-ended periods included."""

from __future__ import annotations

import datetime

from django.test import TestCase
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from programmes.models import Figure
from tests.helpers import make_figure, make_programme, make_source


def reached(start: int | None, end: int | None, published: datetime.date) -> tuple[int, int] | None:
    """The years a period reaches, as the about page states it: an open end reaches to the year its source appeared in."""
    stated = published.year if published.month >= 4 else published.year - 1
    if start is None and end is None:
        return None
    return (start if start is not None else min(end, stated), end if end is not None else max(start, stated))


def kept(start: int | None, end: int | None, published: datetime.date, first: int | None, last: int | None) -> bool:
    years = reached(start, end, published)
    return years is not None and (first is None or years[1] >= first) and (last is None or years[0] <= last)


class OverlappingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme()
        cls.report_2018 = make_source("report-2018", published=datetime.date(2018, 7, 1))
        cls.plan_2012 = make_source("plan-2012", published=datetime.date(2012, 6, 1))
        cls.strategy_2020 = make_source("strategy-2020", published=datetime.date(2021, 2, 1))

    def figure(self, source, start, end, **fields) -> Figure:
        return make_figure(self.programme, source, period_start=start, period_end=end, **fields)

    def kept(self, first: int | None, last: int | None) -> set[int]:
        return set(Figure.objects.filter(programme=self.programme).overlapping(first, last).values_list("pk", flat=True))

    def test_it_keeps_a_closed_period_that_overlaps_the_years_and_no_other(self):
        figure = self.figure(self.report_2018, 2013, 2015)
        self.assertEqual(self.kept(2015, 2016), {figure.pk})
        self.assertEqual(self.kept(2016, None), set())
        self.assertEqual(self.kept(None, 2012), set())

    def test_an_open_start_reaches_to_the_year_its_source_was_published_and_no_further(self):
        # "From 2014-15", in a report of July 2018 (2018-19).
        figure = self.figure(self.report_2018, 2014, None)
        self.assertEqual(self.kept(2016, 2016), {figure.pk})
        self.assertEqual(self.kept(2018, 2018), {figure.pk})
        self.assertEqual(self.kept(2019, None), set())
        self.assertEqual(self.kept(2030, 2030), set())
        self.assertEqual(self.kept(None, 2013), set())

    def test_an_open_start_stated_before_it_begins_reaches_its_first_year_alone(self):
        # "From 2014-15", in a plan of June 2012.
        figure = self.figure(self.plan_2012, 2014, None)
        self.assertEqual(self.kept(2014, 2014), {figure.pk})
        self.assertEqual(self.kept(2015, None), set())
        self.assertEqual(self.kept(2012, 2013), set())

    def test_an_open_end_reaches_back_to_the_year_its_source_was_published_and_no_earlier(self):
        # "To 2028-29", in a strategy of February 2021 (2020-21: before April).
        figure = self.figure(self.strategy_2020, None, 2028)
        self.assertEqual(self.kept(2020, 2020), {figure.pk})
        self.assertEqual(self.kept(2028, None), {figure.pk})
        self.assertEqual(self.kept(2021, 2021), {figure.pk})
        self.assertEqual(self.kept(2000, 2019), set())
        self.assertEqual(self.kept(2029, None), set())

    def test_an_open_end_already_past_when_stated_reaches_its_last_year_alone(self):
        # "To 2015-16", in a report of 2018.
        figure = self.figure(self.report_2018, None, 2015)
        self.assertEqual(self.kept(2015, 2015), {figure.pk})
        self.assertEqual(self.kept(2016, 2018), set())
        self.assertEqual(self.kept(None, 2014), set())

    def test_a_period_known_only_as_a_length_is_in_no_year_filter(self):
        self.figure(self.report_2018, None, None, period_years=15, period_as_published="15 years")
        self.figure(self.report_2018, None, None, period_as_published="programme life")
        for first, last in ((2018, 2018), (None, 2030), (1990, None), (1990, 2100)):
            with self.subTest(first=first, last=last):
                self.assertEqual(self.kept(first, last), set())

    def test_it_reports_the_same_years_it_filters_on(self):
        figure = self.figure(self.report_2018, 2014, None)
        years = Figure.objects.with_years_reached().get(pk=figure.pk)
        self.assertEqual((years.reaches_from, years.reaches_to), (2014, 2018))


YEARS = st.none() | st.integers(min_value=2005, max_value=2030)


class OverlappingPropertyTests(HypothesisTestCase):
    @settings(max_examples=60)
    @given(
        start=YEARS,
        end=YEARS,
        published=st.dates(min_value=datetime.date(2005, 1, 1), max_value=datetime.date(2030, 12, 31)),
        first=YEARS,
        last=YEARS,
    )
    def test_it_keeps_exactly_the_figures_the_stated_rule_keeps(self, start, end, published, first, last):
        if start is not None and end is not None and end < start:
            start, end = end, start
        figure = make_figure(make_programme(), make_source(published=published), period_start=start, period_end=end)
        is_kept = Figure.objects.filter(pk=figure.pk).overlapping(first, last).exists()
        self.assertEqual(is_kept, kept(start, end, published, first, last))
