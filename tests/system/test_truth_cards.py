"""Every card on every programme page shows the figure pinned for it in tests/truth_expectations.py, or says there is none."""

from __future__ import annotations

from django.test import TestCase

from programmes.models import Figure, Programme
from tests.helpers import cards_on, instead_on
from tests.truth_expectations import CARDS, INSTEAD, SENTENCES


class PinnedCardTests(TestCase):
    def test_it_pins_every_programme(self):
        self.assertEqual(set(CARDS), set(Programme.objects.values_list("slug", flat=True)))

    def test_it_shows_the_pinned_figure_on_every_card(self):
        for slug, expected in CARDS.items():
            shown = cards_on(self.client.get(f"/programmes/{slug}/").content.decode())
            self.assertEqual(set(shown), set(expected), f"{slug}: the page shows these cards")
            for role, (key, facts_row, why) in expected.items():
                with self.subTest(programme=slug, card=role, facts=facts_row):
                    self.assertEqual(shown[role], key, why)

    def test_it_shows_what_exists_instead_when_no_figure_speaks_for_the_whole_programme(self):
        for slug in CARDS:
            instead = instead_on(self.client.get(f"/programmes/{slug}/").content.decode())
            expected = {role: [key] for role, (key, _, _) in INSTEAD.get(slug, {}).items()}
            with self.subTest(programme=slug):
                self.assertEqual({role: keys for role, keys in instead.items() if keys}, expected)

    def test_it_shows_the_same_cards_for_strategies_on_the_overview(self):
        html = self.client.get("/").content.decode()
        for slug in Programme.objects.strategies().values_list("slug", flat=True):
            section = html[html.index(f'href="/programmes/{slug}/"') :]
            shown = cards_on(section[: section.index("</dl>")])
            with self.subTest(programme=slug):
                self.assertEqual(shown, {role: key for role, (key, _, _) in CARDS[slug].items()})

    def test_it_never_puts_a_projection_on_a_delivered_card(self):
        delivered = {key for cards in CARDS.values() for role, (key, _, _) in cards.items() if role.startswith("delivered") and key}
        for figure in Figure.objects.filter(key__in=delivered):
            with self.subTest(figure=figure.key):
                self.assertEqual(figure.horizon, Figure.Horizon.OUTTURN)


class PinnedSentenceTests(TestCase):
    def test_each_chart_sentence_says_what_the_cards_and_sources_say(self):
        for slug, charts in SENTENCES.items():
            summaries = {chart.id: chart.summary for chart in self.client.get(f"/programmes/{slug}/").context["charts"]}
            for chart_id, (must, must_not, facts_row, why) in charts.items():
                with self.subTest(programme=slug, chart=chart_id, facts=facts_row):
                    self.assertIn(must, summaries[chart_id], why)
                    if must_not:
                        self.assertNotIn(must_not, summaries[chart_id], why)
