"""rules.never_audited: the claimed and forecast figures with no audited figure of their quantity, on named cases and as properties."""

from __future__ import annotations

from decimal import Decimal as D

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from programmes import rules
from tests.helpers import unsaved
from tests.programmes.test_rules import figures

statuses = st.sampled_from(["target", "forecast", "claimed", "audited"])


@st.composite
def records(draw) -> list:
    """A handful of figures of any status, in two scopes, scenarios and periods (the rule reads no value)."""
    drawn = draw(st.lists(figures(0), min_size=0, max_size=8))
    for pk, figure in enumerate(drawn, start=1):
        figure.pk = pk
        figure.status = draw(statuses)
    return drawn


class NeverAuditedTests(SimpleTestCase):
    def test_an_audit_of_the_same_quantity_takes_a_claim_off_whatever_it_found(self):
        claim = unsaved(1, status="claimed", value=D("500"))
        audit = unsaved(2, status="audited", value=D("90"))
        self.assertEqual(rules.never_audited([claim]), [claim])
        self.assertEqual(rules.never_audited([claim, audit]), [])

    def test_an_audit_that_found_the_amount_not_known_counts_too(self):
        claim = unsaved(1, status="forecast", value=D("500"))
        self.assertEqual(rules.never_audited([claim, unsaved(2, qualifier="unknown", value=None)]), [])

    def test_an_audit_of_another_scope_period_basis_scenario_or_programme_does_not(self):
        claim = unsaved(1, status="claimed")
        for other in (
            {"scope": "the two independent centres"},
            {"period_start": 2014},
            {"basis": "annual"},
            {"scenario": "without HMRC"},
            {"measure": "investment"},
            {"unit": "count", "value": D("4")},
        ):
            with self.subTest(other=other):
                self.assertEqual(rules.never_audited([claim, unsaved(2, **other)]), [claim])

    def test_a_target_is_an_ambition_not_a_delivery_and_is_never_listed(self):
        self.assertEqual(rules.never_audited([unsaved(1, status="target")]), [])

    @given(records())
    def test_it_lists_only_claims_and_forecasts_in_the_order_given(self, given_figures):
        found = rules.never_audited(given_figures)
        self.assertTrue(all(figure.status in ("claimed", "forecast") for figure in found))
        self.assertEqual(found, [figure for figure in given_figures if figure in found])

    @given(records(), st.randoms())
    def test_the_order_of_the_figures_does_not_change_which_are_listed(self, given_figures, random):
        shuffled = list(given_figures)
        random.shuffle(shuffled)
        self.assertEqual({f.pk for f in rules.never_audited(shuffled)}, {f.pk for f in rules.never_audited(given_figures)})

    @given(records(), st.data())
    def test_auditing_one_claim_takes_off_exactly_the_claims_of_its_quantity(self, given_figures, data):
        listed = rules.never_audited(given_figures)
        if not listed:
            return
        claim = data.draw(st.sampled_from(listed))
        audit = unsaved(99, **{name: getattr(claim, name) for name in ("scope", "scenario", "period_start", "period_end", "basis", "unit")})
        audit.measure, audit.programme = claim.measure, claim.programme
        after = rules.never_audited([*given_figures, audit])
        self.assertNotIn(claim, after)
        self.assertEqual(after, [f for f in listed if rules.like_for_like_key(f) != rules.like_for_like_key(claim)])

    @given(records())
    def test_with_no_audit_every_claim_and_forecast_is_listed(self, given_figures):
        unaudited = [figure for figure in given_figures if figure.status != "audited"]
        self.assertEqual(rules.never_audited(unaudited), [f for f in unaudited if f.status in rules.UNAUDITED_STATUSES])
