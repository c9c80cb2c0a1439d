"""The cited dataset: complete, sourced, and loaded without ever undoing an editor's work."""

import io
from decimal import Decimal

from django.core.management import call_command
from django.test import TestCase

from programmes.models import Event, Figure, Programme, Source

REQUIRED_SLUGS = {
    "early-shared-services", "ngss-2012", "issc1", "issc2", "gss-2018", "clusters-2021",
    "matrix", "synergy", "unity", "defence", "overseas",
}  # fmt: skip


def load() -> str:
    out = io.StringIO()
    call_command("load_dataset", stdout=out)
    return out.getvalue()


class DatasetContentTests(TestCase):
    def test_it_has_every_programme_in_the_domain(self):
        self.assertEqual(set(Programme.objects.values_list("slug", flat=True)), REQUIRED_SLUGS)

    def test_it_has_figures_for_every_programme(self):
        for slug in REQUIRED_SLUGS:
            with self.subTest(programme=slug):
                self.assertTrue(Figure.objects.filter(programme__slug=slug).exists())

    def test_it_holds_at_least_100_figures_from_40_sources(self):
        self.assertGreaterEqual(Figure.objects.count(), 100)
        self.assertGreaterEqual(Source.objects.filter(figures__isnull=False).distinct().count(), 40)

    def test_every_figure_has_a_dated_source_with_a_link_or_seed_file(self):
        self.assertFalse(Figure.objects.filter(source__isnull=True).exists())
        for source in Source.objects.all():
            with self.subTest(source=source.key):
                self.assertTrue(source.url or source.seed_file)
                self.assertIsNotNone(source.published)

    def test_it_keeps_the_headline_ngss_promise_as_a_range(self):
        figure = Figure.objects.get(key="F022")
        self.assertEqual((figure.value, figure.value_low, figure.value_high), (None, Decimal("400"), Decimal("600")))
        self.assertEqual((figure.measure, figure.status, figure.basis), ("savings", "target", "annual"))

    def test_it_has_the_2016_audit_of_savings_against_investment(self):
        saved = Figure.objects.get(key="F041")
        spent = Figure.objects.get(key="F042")
        self.assertEqual((saved.value, spent.value), (Decimal("90"), Decimal("94")))
        self.assertEqual((saved.period_start, saved.period_end), (2013, 2015))
        self.assertEqual(saved.status, "audited")

    def test_it_marks_aggregators_as_secondary(self):
        self.assertTrue(Source.objects.filter(is_primary=False).exists())

    def test_it_has_events_with_sources(self):
        self.assertGreaterEqual(Event.objects.count(), 20)
        self.assertFalse(Event.objects.filter(source__isnull=True).exists())


class DatasetLoadingTests(TestCase):
    """The test database already holds one load (see conftest); these load again on top of it."""

    def counts(self):
        return (Programme.objects.count(), Source.objects.count(), Figure.objects.count(), Event.objects.count())

    def test_it_adds_nothing_when_loaded_twice(self):
        before = self.counts()
        output = load()
        self.assertEqual(self.counts(), before)
        self.assertIn("figures.json: 0 added", output)

    def test_it_keeps_an_editors_correction(self):
        figure = Figure.objects.get(key="F041")
        figure.value = Decimal("91")
        figure.note = "Corrected by an editor"
        figure.save()
        load()
        figure.refresh_from_db()
        self.assertEqual(figure.value, Decimal("91"))
        self.assertEqual(figure.note, "Corrected by an editor")

    def test_it_keeps_figures_an_editor_added(self):
        figure = Figure.objects.get(key="F041")
        figure.pk = None
        figure.key = ""
        figure.note = "Entered by an editor"
        figure.save()
        load()
        self.assertTrue(Figure.objects.filter(note="Entered by an editor").exists())

    def test_it_adds_a_row_the_database_never_had(self):
        # As when a new release of the dataset adds a figure: no row and no history of one.
        Figure.objects.filter(key="F041").delete()
        Figure.history.filter(key="F041").delete()
        load()
        self.assertTrue(Figure.objects.filter(key="F041").exists())

    def test_it_does_not_duplicate_a_figure_an_editor_re_keyed(self):
        figure = Figure.objects.get(key="F041")
        figure.key = "F041-corrected"
        figure.save()
        load()
        self.assertFalse(Figure.objects.filter(key="F041").exists())
        self.assertEqual(Figure.objects.filter(value=90, source=figure.source, measure="savings", status="audited").count(), 1)

    def test_it_keeps_loading_after_an_editor_renames_a_programme(self):
        programme = Programme.objects.get(slug="issc1")
        programme.slug = "issc1-arvato"
        programme.save()
        output = load()
        self.assertIn("figures.json: 0 added", output)
        self.assertFalse(Programme.objects.filter(slug="issc1").exists())

    def test_it_does_not_bring_back_a_figure_an_editor_deleted(self):
        Figure.objects.get(key="F043").delete()
        load()
        self.assertFalse(Figure.objects.filter(key="F043").exists())

    def test_it_records_the_load_in_the_history(self):
        figure = Figure.objects.get(key="F041")
        self.assertEqual(figure.history.earliest().history_change_reason, "Loaded from the cited dataset")
