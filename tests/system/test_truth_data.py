"""The real dataset tells the truth its sources tell: the pinned flags, every contradiction between the sources shown, honest claimants.

The expectations live in tests/truth_expectations.py, each with the FACTS row or contradiction it comes from.
"""

from django.test import TestCase

from programmes import rules
from programmes.models import Event, Figure, Source
from tests.helpers import disagreeing_by_rule
from tests.truth_expectations import CLAIMANT_IS_PUBLISHER, CONTRADICTIONS, FLAGGED


class TruthDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.figures = {figure.key: figure for figure in Figure.objects.with_related()}
        found = disagreeing_by_rule(cls.figures.values())
        by_pk = {figure.pk: figure for figure in cls.figures.values()}
        cls.flagged = {by_pk[pk].key: {other.key for other in others} for pk, others in found.items()}

    def test_it_flags_exactly_the_pinned_figures(self):
        self.assertEqual(set(self.flagged), set(FLAGGED))

    def test_it_shows_every_facts_contradiction(self):
        self.assertEqual(set(CONTRADICTIONS), {f"C{number}" for number in range(1, 17)})
        for name, shown in CONTRADICTIONS.items():
            with self.subTest(contradiction=name):
                self.assertTrue(shown.get("flag") or shown.get("note") or shown.get("record"))
                self.assertTrue(shown["where"])

    def test_it_flags_each_flagged_contradiction_between_its_two_figures(self):
        for name, shown in CONTRADICTIONS.items():
            for first, second in shown.get("flag", []):
                with self.subTest(contradiction=name, pair=(first, second)):
                    self.assertIn(second, self.flagged.get(first, set()))
                    self.assertIn(first, self.flagged.get(second, set()))

    def test_it_names_each_figure_in_the_other_note_where_a_flag_would_be_wrong(self):
        for name, shown in CONTRADICTIONS.items():
            for first, second in shown.get("note", []):
                with self.subTest(contradiction=name, pair=(first, second)):
                    self.assertIn(second, self.figures[first].note)
                    self.assertIn(first, self.figures[second].note)

    def test_it_records_contradictions_about_dates_on_the_event_or_source(self):
        models = {"event": Event, "source": Source}
        for name, shown in CONTRADICTIONS.items():
            for record in shown.get("record", []):
                kind, key = record.split(":")
                with self.subTest(contradiction=name, record=record):
                    self.assertTrue(models[kind].objects.get(key=key).note)

    def test_it_gives_every_audited_figure_an_audit_body_or_committee_as_claimant(self):
        for key, figure in self.figures.items():
            if figure.status == Figure.Status.AUDITED:
                with self.subTest(figure=key):
                    self.assertTrue(figure.claimant.is_auditor, figure.claimant.name)

    def test_it_names_the_publisher_as_claimant_only_where_the_publication_made_the_claim(self):
        same = {key for key, figure in self.figures.items() if figure.claimant_id == figure.source.publisher_id}
        self.assertEqual(same, set(CLAIMANT_IS_PUBLISHER))

    def test_it_never_compares_a_part_with_its_total(self):
        for key, figure in self.figures.items():
            if figure.part_of_id is not None:
                with self.subTest(figure=key):
                    self.assertNotEqual(rules.quantity_key(figure), rules.quantity_key(figure.part_of))
