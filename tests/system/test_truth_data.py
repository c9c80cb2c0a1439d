"""The real dataset tells the truth its sources tell: the pinned flags, every contradiction between the sources shown, honest claimants.

The expectations live in tests/truth_expectations.py, each with the FACTS row or contradiction it comes from.
"""

import re

from django.test import TestCase
from django.utils.html import escape

from programmes import rules
from programmes.models import Contradiction, Event, Figure, Programme, Source
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


# The sources' own codes for contradictions ("C4"), which the site never shows: it tells each one in words instead.
INTERNAL_CODE = re.compile(r"\bC\d{1,2}\b")


class ContradictionsInWordsTests(TestCase):
    """Every contradiction between the sources is told in words on the page of each programme it touches."""

    def section(self, slug: str) -> str:
        """The "Where the sources disagree" section of a programme's page, as served."""
        page = self.client.get(f"/programmes/{slug}/").content.decode()
        start = page.find('id="contradictions-heading"')
        self.assertNotEqual(start, -1, f"{slug} has no section on where the sources disagree")
        return page[start : page.find("</section>", start)]

    def test_it_tells_every_contradiction_on_each_programme_page_it_touches(self):
        sections: dict[str, str] = {}
        for name, shown in CONTRADICTIONS.items():
            self.assertTrue(shown.get("records"), f"{name} has no record telling it in words")
            for key, slugs in shown["records"].items():
                contradiction = Contradiction.objects.with_sides().get(key=key)
                sides = list(contradiction.sides.all())
                with self.subTest(contradiction=name, record=key):
                    self.assertEqual(sorted(contradiction.programmes.values_list("slug", flat=True)), sorted(slugs))
                    self.assertGreaterEqual(len(sides), 2)
                for slug in slugs:
                    if slug not in sections:
                        sections[slug] = self.section(slug)
                    with self.subTest(contradiction=name, record=key, programme=slug):
                        self.assertIn(escape(contradiction.title), sections[slug])
                        self.assertIn(escape(contradiction.description), sections[slug])
                        for side in sides:
                            self.assertIn(escape(side.says), sections[slug])
                            self.assertIn(side.source.get_absolute_url(), sections[slug])
                            if side.figure is not None:
                                self.assertIn(side.figure.get_absolute_url(), sections[slug])

    def test_every_programme_shows_where_its_sources_disagree(self):
        touched = {slug for shown in CONTRADICTIONS.values() for slugs in shown["records"].values() for slug in slugs}
        self.assertEqual(touched, set(Programme.objects.values_list("slug", flat=True)))

    def test_no_public_text_shows_an_internal_contradiction_code(self):
        texts = [("figure", f.key, f.note) for f in Figure.objects.all()]
        texts += [("event", e.key, e.note) for e in Event.objects.all()]
        texts += [("source", s.key, s.note) for s in Source.objects.all()]
        for contradiction in Contradiction.objects.with_sides():
            texts += [
                ("contradiction", contradiction.key, contradiction.title),
                ("contradiction", contradiction.key, contradiction.description),
            ]
            texts += [("side", side.key, side.says) for side in contradiction.sides.all()]
        for kind, key, text in texts:
            with self.subTest(kind=kind, key=key):
                self.assertIsNone(INTERNAL_CODE.search(text), text)
