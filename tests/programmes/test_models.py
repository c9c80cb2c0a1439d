"""The database itself refuses figures that break the rules of docs/vocabulary.md, whichever way the data arrives."""

import datetime
from decimal import Decimal as D

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase

from programmes.models import Figure, Programme, Source
from tests.helpers import make_figure, make_programme, make_source


class FigureConstraintTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme()
        cls.source = make_source()

    def assert_rejected(self, **fields):
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_figure(self.programme, self.source, **fields)

    def test_it_accepts_a_value(self):
        figure = make_figure(self.programme, self.source)
        self.assertEqual(figure.display_value, "£90m")

    def test_it_accepts_a_range(self):
        figure = make_figure(
            self.programme, self.source, value=None, value_low=D("400"), value_high=D("600"), status="target", basis="annual"
        )
        self.assertEqual(figure.display_value, "£400–600m")

    def test_it_accepts_an_unknown_without_a_number(self):
        figure = make_figure(self.programme, self.source, value=None, qualifier="unknown")
        self.assertEqual(figure.display_value, "unknown")

    def test_it_rejects_a_value_and_a_range_together(self):
        self.assert_rejected(value_low=D("80"), value_high=D("100"))

    def test_it_rejects_a_range_whose_low_end_is_above_its_high_end(self):
        self.assert_rejected(value=None, value_low=D("600"), value_high=D("400"))

    def test_it_rejects_half_a_range(self):
        self.assert_rejected(value=None, value_low=D("400"))

    def test_it_rejects_no_number_unless_unknown(self):
        self.assert_rejected(value=None)

    def test_it_rejects_a_period_that_ends_before_it_starts(self):
        self.assert_rejected(period_start=2016, period_end=2015)

    def test_it_rejects_a_status_outside_the_vocabulary(self):
        self.assert_rejected(status="promised")

    def test_it_rejects_a_measure_outside_the_vocabulary(self):
        self.assert_rejected(measure="benefits")

    def test_it_rejects_a_basis_unit_or_qualifier_outside_the_vocabulary(self):
        self.assert_rejected(basis="monthly")
        self.assert_rejected(unit="gbp")
        self.assert_rejected(qualifier="roughly")

    def test_it_rejects_a_figure_without_a_source(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Figure.objects.create(
                programme=self.programme, description="x", measure="savings", status="target", basis="annual", value=D("1"), unit="gbp_m"
            )

    def test_it_rejects_two_figures_with_the_same_dataset_key(self):
        make_figure(self.programme, self.source, key="T001")
        self.assert_rejected(key="T001")

    def test_it_allows_many_figures_entered_without_a_key(self):
        make_figure(self.programme, self.source)
        make_figure(self.programme, self.source)
        self.assertEqual(Figure.objects.filter(key="", programme=self.programme).count(), 2)


class FigureCleanTests(TestCase):
    """The same rules, as the plain-words messages an editor sees next to the field."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme()
        cls.source = make_source()

    def errors_for(self, **fields):
        base = {
            "programme": self.programme,
            "source": self.source,
            "description": "x",
            "measure": "savings",
            "status": "target",
            "basis": "annual",
            "unit": "gbp_m",
        }
        with self.assertRaises(ValidationError) as caught:
            Figure(**{**base, **fields}).full_clean()
        return caught.exception.message_dict

    def test_it_names_the_value_field_when_both_are_given(self):
        self.assertIn("not both", self.errors_for(value=D("1"), value_low=D("1"), value_high=D("2"))["value"][0])

    def test_it_names_the_high_end_when_the_range_is_upside_down(self):
        self.assertIn("below the low end", self.errors_for(value_low=D("6"), value_high=D("4"))["value_high"][0])

    def test_it_shows_financial_years_when_the_period_is_backwards(self):
        message = self.errors_for(value=D("1"), period_start=2016, period_end=2015)["period_end"][0]
        self.assertIn("2015-16", message)
        self.assertIn("2016-17", message)


class SourceConstraintTests(TestCase):
    def test_it_rejects_a_source_with_neither_link_nor_seed_file(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_source(url="", seed_file="")

    def test_it_accepts_a_seed_file_instead_of_a_link(self):
        source = make_source(url="", seed_file="001_3590c4f7e21cd59b.txt")
        self.assertEqual(Source.objects.get(pk=source.pk).seed_file, "001_3590c4f7e21cd59b.txt")

    def test_it_rejects_a_kind_outside_the_vocabulary(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_source(kind="blog")

    def test_it_prints_dates_no_more_precisely_than_the_source(self):
        self.assertEqual(make_source(key="a", date_precision="month").published_display, "May 2016")
        self.assertEqual(make_source(key="b", date_precision="year").published_display, "2016")
        self.assertEqual(make_source(key="c").published_display, "20 May 2016")


class ProgrammeConstraintTests(TestCase):
    def test_it_rejects_a_kind_outside_the_vocabulary(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_programme(kind="department")

    def test_it_rejects_a_programme_that_is_its_own_parent(self):
        programme = make_programme()
        with self.assertRaises(IntegrityError), transaction.atomic():
            Programme.objects.filter(pk=programme.pk).update(parent=programme)

    def test_it_rejects_an_end_before_the_start(self):
        import datetime

        with self.assertRaises(IntegrityError), transaction.atomic():
            make_programme(started=datetime.date(2012, 12, 1), ended=datetime.date(2010, 1, 1))


class PublishedByTests(TestCase):
    def test_it_sorts_a_month_dated_source_at_the_end_of_its_month(self):
        import datetime

        self.assertEqual(
            make_source(key="m", date_precision="month", published=datetime.date(2012, 12, 1)).published_by, datetime.date(2012, 12, 31)
        )
        self.assertEqual(
            make_source(key="f", date_precision="month", published=datetime.date(2024, 2, 1)).published_by, datetime.date(2024, 2, 29)
        )
        self.assertEqual(
            make_source(key="y", date_precision="year", published=datetime.date(2013, 1, 1)).published_by, datetime.date(2013, 12, 31)
        )


class StricterRuleTests(TestCase):
    def test_it_rejects_a_value_marked_unknown(self):
        programme, source = make_programme(), make_source()
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_figure(programme, source, qualifier="unknown")

    def test_it_rejects_a_centre_that_belongs_to_no_strategy(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_programme("lonely-centre", kind="centre")

    def test_it_explains_the_missing_strategy_next_to_the_field(self):
        with self.assertRaises(ValidationError) as caught:
            Programme(slug="lonely", name="Lonely cluster", kind="cluster").full_clean()
        self.assertIn("belongs to a strategy", caught.exception.message_dict["parent"][0])


class SameQuantityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme()
        cls.nao = make_source("nao")
        cls.press = make_source("press", publisher="Cabinet Office", kind="press_release")
        cls.figure = make_figure(cls.programme, cls.nao, value=D("90"))

    def test_it_lists_the_other_figures_of_the_quantity_with_whether_they_disagree(self):
        agrees = make_figure(self.programme, self.press, value=D("90.2"), qualifier="approx")
        disagrees = make_figure(self.programme, self.press, value=D("300"))
        self.assertEqual(self.figure.same_quantity(), [(agrees, False), (disagrees, True)])
        self.assertEqual(set(Figure.objects.same_quantity_as(self.figure)), {agrees, disagrees})

    def test_it_leaves_out_other_quantities(self):
        make_figure(self.programme, self.press, value=D("300"), period_start=2014)
        make_figure(self.programme, self.press, value=D("300"), scope="one centre")
        make_figure(self.programme, self.press, value=D("300"), status="claimed")
        make_figure(self.programme, self.press, value=D("300"), scenario="without HMRC")
        self.assertEqual(self.figure.same_quantity(), [])
        self.assertFalse(Figure.objects.same_quantity_as(self.figure).exists())

    def test_it_lists_nothing_for_a_figure_not_yet_saved(self):
        self.assertEqual(Figure(programme=self.programme, source=self.nao).same_quantity(), [])


class MilestoneTests(TestCase):
    def test_it_refuses_a_milestone_on_a_figure_that_is_not_a_deadline(self):
        figure = Figure.objects.get(key="F041")
        figure.milestone = "all departments on cloud ERP"
        with self.assertRaises(ValidationError) as caught:
            figure.full_clean()
        self.assertIn("milestone", caught.exception.message_dict)

    def test_it_gives_every_cited_deadline_its_milestone(self):
        for figure in Figure.objects.filter(measure="deadline"):
            with self.subTest(figure=figure.key):
                self.assertTrue(figure.milestone.strip())


class SourceYearsTests(TestCase):
    """The years a source was published in, stored for the charts and the explorer, follow its date."""

    def test_every_loaded_source_stores_the_years_of_its_date(self):
        for source in Source.objects.all():
            self.assertEqual((source.published_year, source.published_financial_year), years_of(source.published), source.key)

    def test_a_new_date_moves_them(self):
        source = Source.objects.get(key="nao-2016-shared-service-centres")
        source.published = datetime.date(2017, 2, 1)
        source.save()
        source.refresh_from_db()
        self.assertEqual((source.published_year, source.published_financial_year), (2017, 2016))


def years_of(day: datetime.date) -> tuple[int, int]:
    return day.year, day.year if day.month >= 4 else day.year - 1
