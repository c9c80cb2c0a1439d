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
from tests.helpers import disagreeing_by_rule, make_figure, make_organisation, make_programme, make_source, new_row, to_csv


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
    """rules.disagree, asked of every pair of each quantity, put in the stored form: the KEPT earliest others, and how many."""
    expected = {}
    for pk, others in disagreeing_by_rule(figures).items():
        mine = next(f for f in figures if f.pk == pk).source.appeared_by
        others = sorted(others, key=lambda o: (o.source.appeared_by, o.pk))
        expected[pk] = ([(o.pk, max(mine, o.source.appeared_by)) for o in others[: flags.KEPT]], len(others))
    return expected


def flagged(figures: list[Figure]) -> set[int]:
    """Which of these figures the stored flags say another disagrees with."""
    return set(Figure.objects.filter(pk__in=[f.pk for f in figures]).exclude(disagreement_count=0).values_list("pk", flat=True))


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
def flag_specs(draw):
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
    @given(st.lists(flag_specs(), min_size=2, max_size=14), st.randoms(use_true_random=False))
    def test_the_sweep_stores_what_comparing_every_pair_finds(self, specs: list[dict], shuffle: random.Random):
        figures: list[Figure] = []
        with flags.deferred():
            for spec in specs:
                spec = dict(spec)
                source, claimant, part = self.sources[spec.pop("source")], self.claimants[spec.pop("claimant")], spec.pop("part")
                # A part (and its total) keeps the quantity: the rule, asked of each pair, leaves a part and its total out.
                part_of = figures[part] if 0 <= part < len(figures) and figures[part].part_of_id is None else None
                figures.append(make_figure(self.programme, source, claimant=claimant, part_of=part_of, **spec))
        shuffle.shuffle(figures)
        reloaded = list(Figure.objects.with_related().filter(programme=self.programme))
        self.assertEqual(stored(self.programme), by_the_plain_rule(reloaded))


class StoredFlagCaseTests(TestCase):
    """Named cases: the figures flagged on write are the ones rules.disagree says others disagree with."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("rules")
        cls.nao = make_source("nao", publisher="National Audit Office")
        cls.press = make_source("press", publisher="Computer Weekly")

    def test_it_flags_both_figures_of_a_quantity_that_cannot_both_be_right(self):
        low = make_figure(self.programme, self.nao, value=D("40"))
        high = make_figure(self.programme, self.press, value=D("90"))
        self.assertEqual(flagged([low, high]), {low.pk, high.pk})

    def test_it_allows_rounding_and_bounds(self):
        about = make_figure(self.programme, self.nao, value=D("55"), qualifier="approx")
        exact = make_figure(self.programme, self.press, value=D("55.4"))
        over = make_figure(self.programme, self.press, value=D("50"), qualifier="at_least")
        self.assertEqual(flagged([about, exact, over]), set())

    def test_it_allows_two_values_one_claimant_stated_in_one_publication(self):
        # Apart from the rounding case: £900m against the press's £55.4m is a disagreement, and flags are kept for every figure.
        about = make_figure(self.programme, self.nao, value=D("55"), qualifier="approx")
        same_source = make_figure(self.programme, self.nao, value=D("900"))
        self.assertEqual(flagged([about, same_source]), set())

    def test_it_compares_only_figures_of_one_quantity(self):
        savings = make_figure(self.programme, self.nao, value=D("40"))
        scoped = make_figure(self.programme, self.press, value=D("90"), scope="One centre")
        self.assertEqual(flagged([savings, scoped]), set())

    def test_it_agrees_with_the_rule_on_the_real_dataset_and_on_a_crowd(self):
        other = make_organisation("Cabinet Office")
        for n, value in enumerate(["10", "12", "55", "300", "301"]):
            source = self.nao if n % 2 else self.press
            make_figure(self.programme, source, value=D(value), claimant=other if n == 4 else source.publisher)
        make_figure(self.programme, self.press, value_low=D("11"), value_high=D("13"), value=None)
        make_figure(self.programme, self.nao, value=D("9"), qualifier="at_most")
        figures = list(Figure.objects.select_related("programme", "source"))
        self.assertEqual(flagged(figures), set(disagreeing_by_rule(figures)))
