"""Disagreement flags are computed on write and stored: the same flags as rules.disagree, kept true by every write."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal as D

from django.test import TestCase
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from programmes import flags, rules
from programmes.importing import import_figures
from programmes.models import Disagreement, Figure
from tests.helpers import make_figure, make_programme, make_source
from tests.test_import import new_row, to_csv


def stored(programme=None) -> dict[int, tuple[list[tuple[int, datetime.date]], int]]:
    """What the database holds (for one programme, or all): each flagged figure's (other, holds_from) in rank order, and its count."""
    rows, figures = Disagreement.objects.order_by("figure", "rank"), Figure.objects.exclude(disagreement_count=0)
    if programme is not None:
        rows, figures = rows.filter(figure__programme=programme), figures.filter(programme=programme)
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row.figure_id, []).append((row.other_id, row.holds_from))
    counts = dict(figures.values_list("pk", "disagreement_count"))
    assert set(found) == set(counts), "a figure with a count has stored rows, and the other way round"
    return {pk: (rows, counts[pk]) for pk, rows in found.items()}


def by_the_plain_rule(figures: list[Figure]) -> dict[int, tuple[list[tuple[int, datetime.date]], int]]:
    """rules.disagreements, compared pair by pair, put in the stored form: the KEPT earliest others, and how many."""
    expected = {}
    for pk, others in rules.disagreements(figures).items():
        mine = next(f for f in figures if f.pk == pk).source.appeared_by
        others = sorted(others, key=lambda o: (o.source.appeared_by, o.pk))
        expected[pk] = ([(o.pk, max(mine, o.source.appeared_by)) for o in others[: flags.KEPT]], len(others))
    return expected


class RealDatasetFlagTests(TestCase):
    def test_the_stored_flags_are_the_plain_rules_flags_on_the_real_dataset(self):
        figures = list(Figure.objects.with_related())
        expected = by_the_plain_rule(figures)
        self.assertGreater(len(expected), 10, "the real dataset has contradictions to flag")
        self.assertEqual(stored(), expected)

    def test_recomputing_everything_changes_nothing(self):
        before = stored()
        flags.refresh_all()
        self.assertEqual(stored(), before)

    def test_a_flag_holds_from_the_day_both_sources_had_appeared(self):
        row = Disagreement.objects.select_related("figure__source", "other__source").first()
        self.assertEqual(row.holds_from, max(row.figure.source.published_by, row.other.source.published_by))


class OnWriteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("flagged")
        cls.nao = make_source("nao", published=datetime.date(2016, 5, 20))
        cls.press = make_source("press", publisher="Computer Weekly", kind="news_article", published=datetime.date(2016, 5, 1))

    def test_saving_a_figure_flags_both_figures(self):
        audited = make_figure(self.programme, self.nao, value=D("90"))
        claimed = make_figure(self.programme, self.press, value=D("128"))
        self.assertEqual(
            stored(self.programme),
            {audited.pk: ([(claimed.pk, datetime.date(2016, 5, 20))], 1), claimed.pk: ([(audited.pk, datetime.date(2016, 5, 20))], 1)},
        )

    def test_an_edit_that_makes_them_agree_clears_the_flags(self):
        audited = make_figure(self.programme, self.nao, value=D("90"))
        claimed = make_figure(self.programme, self.press, value=D("128"))
        claimed.value = D("90")
        claimed.save()
        self.assertEqual(stored(self.programme), {})
        self.assertEqual(Figure.objects.get(pk=audited.pk).disagreement_count, 0)

    def test_moving_a_figure_to_another_quantity_clears_its_old_groups_flags(self):
        audited = make_figure(self.programme, self.nao, value=D("90"))
        claimed = make_figure(self.programme, self.press, value=D("128"))
        claimed.basis = "annual"
        claimed.save()
        self.assertEqual(stored(self.programme), {})
        self.assertNotEqual(Figure.objects.get(pk=audited.pk).quantity, Figure.objects.get(pk=claimed.pk).quantity)

    def test_deleting_a_figure_clears_the_flag_of_the_one_it_disagreed_with(self):
        audited = make_figure(self.programme, self.nao, value=D("90"))
        claimed = make_figure(self.programme, self.press, value=D("128"))
        claimed.delete()
        self.assertEqual(stored(self.programme), {})
        self.assertEqual(Figure.objects.get(pk=audited.pk).disagreement_count, 0)

    def test_redating_a_source_moves_the_day_the_flag_holds_from(self):
        audited = make_figure(self.programme, self.nao, value=D("90"))
        make_figure(self.programme, self.press, value=D("128"))
        self.press.published, self.press.date_precision = datetime.date(2017, 1, 1), "year"
        self.press.save()
        self.assertEqual(stored(self.programme)[audited.pk][0][0][1], datetime.date(2017, 12, 31))

    def test_renaming_a_programme_rekeys_its_figures(self):
        figure = make_figure(self.programme, self.nao, value=D("90"))
        self.programme.slug = "renamed"
        self.programme.save()
        figure.refresh_from_db()
        self.assertTrue(figure.quantity.startswith("renamed/"))

    def test_an_import_flags_what_it_adds(self):
        audited = make_figure(self.programme, self.nao, value=D("90"))
        row = new_row(programme="flagged", basis="cumulative", value="128", period_start="2013-14", period_end="2015-16")
        plan = import_figures(to_csv(row | {"claimant": "Computer Weekly"}))
        self.assertTrue(plan.saved, plan.problems)
        added = Figure.objects.get(programme=self.programme, value=D("128"))
        self.assertEqual(added.quantity, rules.quantity_key(added))
        self.assertEqual(set(stored(self.programme)), {audited.pk, added.pk})

    def test_each_figure_names_only_the_earliest_others_and_counts_them_all(self):
        audited = make_figure(self.programme, self.nao, value=D("90"))
        days = [datetime.date(2016, 1, day) for day in (5, 3, 9, 1, 7)]
        claims = [
            make_figure(self.programme, make_source(f"p{n}", published=day, publisher=f"Paper {n}"), value=D("128"))
            for n, day in enumerate(days)
        ]
        rows, count = stored(self.programme)[audited.pk]
        self.assertEqual(count, 5)
        self.assertEqual([pk for pk, _ in rows], [claims[3].pk, claims[1].pk, claims[0].pk])


# Random groups of figures in one quantity: a few sources and claimants, points, ranges, open bounds and parts.
values = st.decimals(min_value=1, max_value=60, places=0)


@st.composite
def figure_specs(draw):
    kind = draw(st.sampled_from(["point", "range", "over", "upto", "about", "unknown"]))
    spec = {"source": draw(st.integers(0, 3)), "claimant": draw(st.integers(0, 1)), "part": draw(st.integers(-1, 2))}
    if kind == "range":
        low, high = sorted([draw(values), draw(values)])
        spec.update(value=None, value_low=low, value_high=high, qualifier="exact")
    elif kind == "unknown":
        spec.update(value=None, qualifier="unknown")
    else:
        spec.update(value=draw(values), qualifier={"point": "exact", "over": "at_least", "upto": "at_most", "about": "approx"}[kind])
    return spec


class SweepEquivalenceTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("random")
        cls.sources = [make_source(f"s{n}", published=datetime.date(2015, 1 + n, 1), date_precision="month") for n in range(4)]
        cls.claimants = ["National Audit Office", "Cabinet Office"]

    @settings(max_examples=40)
    @given(st.lists(figure_specs(), min_size=2, max_size=14), st.randoms(use_true_random=False))
    def test_the_sweep_stores_what_comparing_every_pair_finds(self, specs: list[dict], shuffle: random.Random):
        figures: list[Figure] = []
        with flags.deferred():
            for spec in specs:
                spec = dict(spec)
                source, claimant, part = self.sources[spec.pop("source")], self.claimants[spec.pop("claimant")], spec.pop("part")
                # A part (and its total) keeps the quantity: a total with its parts is the case the sweep hands to the plain rule.
                part_of = figures[part] if 0 <= part < len(figures) and figures[part].part_of_id is None else None
                figures.append(make_figure(self.programme, source, claimant=claimant, part_of=part_of, **spec))
        shuffle.shuffle(figures)
        reloaded = list(Figure.objects.with_related().filter(programme=self.programme))
        self.assertEqual(stored(self.programme), by_the_plain_rule(reloaded))
