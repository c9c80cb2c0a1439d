"""The few figures a page loads for its cards pick what picking from every figure would (candidates.pick_candidates)."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from django.test import TestCase
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from dashboard.selections import TESTABLE, picked_figures, with_a_finding
from programmes import rules
from programmes.candidates import pick_candidates, with_looks_ahead
from programmes.models import Basis, Figure, Programme, Source, Status, Unit
from tests.helpers import add_synthetic_figures, make_figure, make_programme, make_source

# Every line a page picks: the cards' and those the savings charts (one by one or aggregated) and the overview name.
BASES = [(), (Basis.ANNUAL,), (Basis.CUMULATIVE,), (Basis.CUMULATIVE, Basis.ONE_OFF)]


def picks(figures: list[Figure]) -> list[tuple[str, int | None]]:
    lines = []
    for headline in rules.headlines(figures):
        lines += [(headline.role, headline.figure), (f"{headline.role} for members", headline.narrower)]
        lines += [(f"{headline.role} scenario {n}", figure) for n, figure in enumerate(headline.scenarios)]
    for bases in BASES:
        units = (Unit.GBP_M,) if bases else ()
        lines += [
            (f"promised {bases}", rules.promised(figures, bases, units)),
            (f"forecast {bases}", rules.latest_forecast(figures, bases, units)),
            (f"claimed {bases}", rules.delivered(figures, Status.CLAIMED, bases, units)),
            (f"audited {bases}", rules.delivered(figures, Status.AUDITED, bases, units)),
        ]
    return [(line, figure.pk if figure else None) for line, figure in lines]


def candidates(programme: Programme) -> list[Figure]:
    return list(pick_candidates(Figure.objects.with_related().filter(programme=programme)))


def stored_candidates_are_the_query(case: TestCase) -> None:
    """Every figure's stored pick_candidate is whether pick_candidates, asked now of its programme, returns it."""
    for programme in Programme.objects.all():
        asked = {figure.pk for figure in candidates(programme)}
        stored = set(Figure.objects.filter(programme=programme, pick_candidate=True).values_list("pk", flat=True))
        case.assertEqual(stored, asked, programme.slug)


class RealDatasetTests(TestCase):
    def test_looks_ahead_in_sql_is_the_rule(self):
        programme = make_programme("ahead")
        add_synthetic_figures(programme, 600)
        figures = with_looks_ahead(Figure.objects.with_related())
        self.assertTrue(any(f.looks_ahead for f in figures) and not all(f.looks_ahead for f in figures))
        self.assertEqual({f.pk: f.looks_ahead for f in figures}, {f.pk: rules.looks_ahead(f) for f in figures})

    def test_the_candidates_pick_what_every_figure_picks_on_every_real_programme(self):
        for programme in Programme.objects.all():
            with self.subTest(programme=programme.slug):
                every = list(Figure.objects.with_related().filter(programme=programme))
                self.assertEqual(picks(candidates(programme)), picks(every))

    def test_the_loaded_dataset_stores_the_candidates_the_query_finds(self):
        self.assertTrue(Figure.objects.filter(pick_candidate=True).exists())
        stored_candidates_are_the_query(self)

    def test_each_write_that_moves_a_candidate_stores_it(self):
        """A write changes the candidates of its own group and of the groups it ranks against: each is followed."""
        figure = Figure.objects.filter(pick_candidate=True, measure="savings", status="claimed").select_related("source").first()
        changed = Figure.objects.get(pk=figure.pk)
        changed.status, changed.horizon = "forecast", "outturn"
        changed.save()
        stored_candidates_are_the_query(self)
        source = figure.source
        source.is_primary, source.kind = False, "news_article"
        source.save()
        stored_candidates_are_the_query(self)
        source.published = datetime.date(1999, 1, 1)
        source.save()
        stored_candidates_are_the_query(self)
        # Made for another programme, so that only the revised estimate's own group shows whether the revision reached it.
        revision = make_figure(
            make_programme("revising"), source, status="forecast", horizon="outturn", measure="savings", basis=figure.basis
        )
        revision.revises = Figure.objects.get(pk=figure.pk)
        revision.save()
        stored_candidates_are_the_query(self)
        revision.revises = None
        revision.save()
        stored_candidates_are_the_query(self)
        revision.revises = Figure.objects.get(pk=figure.pk)
        revision.save()
        revision.delete()
        stored_candidates_are_the_query(self)
        Figure.objects.get(pk=figure.pk).delete()
        stored_candidates_are_the_query(self)

    def test_a_page_today_reads_the_stored_candidates_and_as_at_a_date_asks_the_query(self):
        programme = Programme.objects.get(slug="ngss-2012")
        today = picked_figures(Figure.objects.filter(programme=programme), None)
        self.assertIn('"pick_candidate"', str(today.query))
        self.assertEqual(set(today), set(candidates(programme)))
        day = datetime.date(2016, 5, 20)
        then = picked_figures(Figure.objects.filter(programme=programme), day)
        self.assertEqual(set(then), set(pick_candidates(Figure.objects.as_at(day).filter(programme=programme))))

    def test_the_figures_with_a_finding_pair_as_every_testable_figure_does(self):
        days = [None, *sorted(set(Source.objects.values_list("appeared_by", flat=True)))[::4]]
        paired_somewhere = left_out = False
        for programme in Programme.objects.all():
            for day in days:
                with self.subTest(programme=programme.slug, day=day):
                    testable = Figure.objects.as_at(day).with_related().filter(TESTABLE, programme=programme)
                    every = rules.claims_against_findings(testable)
                    kept = list(with_a_finding(testable, day))
                    self.assertEqual(rules.claims_against_findings(kept), every)
                    paired_somewhere |= bool(every)
                    left_out |= len(kept) < testable.count()
        self.assertTrue(paired_somewhere and left_out)

    def test_they_are_a_few_whatever_the_number_of_figures(self):
        programme = make_programme("many")
        add_synthetic_figures(programme, 2000)
        chosen = candidates(programme)
        self.assertEqual(picks(chosen), picks(list(Figure.objects.with_related().filter(programme=programme))))
        self.assertLess(len(chosen), 2000 / 5)


@st.composite
def pick_specs(draw):
    """A figure varying in everything rules.choose reads: measure, status, basis, unit, what it speaks for, scenario, qualifier, source, period."""
    status = draw(st.sampled_from(["target", "forecast", "claimed", "audited"]))
    kind = draw(st.sampled_from(["point", "point", "range", "unknown"]))
    spec = {
        "measure": draw(st.sampled_from(["savings", "savings", "savings_rate", "savings_npv", "investment", "net_benefit"])),
        "status": status,
        "basis": draw(st.sampled_from(["annual", "cumulative", "one_off"])),
        "scope": draw(st.sampled_from(["", "", "one centre"])),
        "speaks_for": draw(st.sampled_from(["whole", "whole", "all_parts", "members", "members", "own", "other"])),
        "scenario": draw(st.sampled_from(["", "", "", "with HMRC"])),
        "source": draw(st.integers(0, 6)),
        "period_end": draw(st.sampled_from([None, 2012, 2014, 2016])),
        "horizon": "outturn" if status in ("claimed", "audited") else draw(st.sampled_from(["outturn", "projection"])),
    }
    spec["unit"] = "percent" if spec["measure"] == "savings_rate" else draw(st.sampled_from(["gbp_m", "gbp_m", "percent"]))
    if kind == "range":
        spec.update(value=None, value_low=D(10), value_high=D(20))
    elif kind == "unknown":
        spec.update(value=None, qualifier="unknown")
    else:
        spec.update(value=D(draw(st.integers(1, 90))))
    return spec


class RandomGroupTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("random-picks")
        # Primary and secondary, official and press, on shared days: every preference and tie the rules have.
        cls.sources = [
            make_source("r0", kind="audit_report", published=datetime.date(2014, 6, 1)),
            make_source("r1", publisher="Computer Weekly", kind="news_article", published=datetime.date(2014, 6, 1)),
            make_source("r2", publisher="Cabinet Office", kind="strategy", published=datetime.date(2015, 3, 1), date_precision="month"),
            make_source("r3", publisher="Aggregator", kind="news_article", published=datetime.date(2016, 1, 1), is_primary=False),
            make_source("r4", kind="audit_report", published=datetime.date(2017, 5, 20)),
            make_source("r5", publisher="Cabinet Office", kind="press_release", published=datetime.date(2013, 1, 1), date_precision="year"),
            # A written answer read in a third party's copy: secondary, yet the minister's own statement.
            make_source(
                "r6", publisher="Parallel Parliament", kind="parliamentary_answer", published=datetime.date(2016, 1, 1), is_primary=False
            ),
        ]

    @settings(max_examples=60)
    @given(st.lists(pick_specs(), min_size=1, max_size=25))
    def test_the_candidates_pick_what_every_figure_picks(self, specs: list[dict]):
        for spec in specs:
            spec = dict(spec)
            source = self.sources[spec.pop("source")]
            make_figure(self.programme, source, period_start=None, **spec)
        every = list(Figure.objects.with_related().filter(programme=self.programme))
        self.assertEqual(picks(candidates(self.programme)), picks(every))
        stored = list(Figure.objects.with_related().filter(programme=self.programme, pick_candidate=True))
        self.assertEqual(picks(stored), picks(every))
