"""Values as sources write them are read exactly, or refused with what to type."""

from decimal import Decimal

import pytest

from programmes import published
from programmes.models import Figure

D = Decimal


class ReadTests:
    @pytest.mark.parametrize(
        "text, measure, reading",
        [
            ("over £115m", "savings", ("over", D(115), None, None, "gbp_m")),
            ("more than £3bn", "savings", ("over", D(3000), None, None, "gbp_m")),
            ("in excess of £100m", "savings", ("over", D(100), None, None, "gbp_m")),
            (">115", "coverage", ("over", D(115), None, None, "count")),
            ("at least 25", "coverage", ("at_least", D(25), None, None, "count")),
            ("a minimum of 25", "coverage", ("at_least", D(25), None, None, "count")),
            ("≥25", "coverage", ("at_least", D(25), None, None, "count")),
            (">=25", "coverage", ("at_least", D(25), None, None, "count")),
            ("about 1,000", "coverage", ("approx", D(1000), None, None, "count")),
            ("~1,000", "coverage", ("approx", D(1000), None, None, "count")),
            ("£400–600m", "savings", ("exact", None, D(400), D(600), "gbp_m")),
            ("£400-600m", "savings", ("exact", None, D(400), D(600), "gbp_m")),
            ("£400m–£1.2bn", "savings", ("exact", None, D(400), D(1200), "gbp_m")),
            ("£1.4–2bn", "savings", ("exact", None, D(1400), D(2000), "gbp_m")),
            ("£1.4bn", "savings", ("exact", D(1400), None, None, "gbp_m")),
            ("up to £45m", "savings", ("at_most", D(45), None, None, "gbp_m")),
            ("-£81m", "net_benefit", ("exact", D(-81), None, None, "gbp_m")),
            ("15%", "savings_rate", ("exact", D(15), None, None, "percent")),
            ("10–15%", "savings_rate", ("exact", None, D(10), D(15), "percent")),
            ("2028", "deadline", ("exact", D(2028), None, None, "year")),
            ("about 2025", "deadline", ("approx", D(2025), None, None, "year")),
            ("7 years", "contract_term", ("exact", D(7), None, None, "years")),
            ("5–7 years", "contract_term", ("exact", None, D(5), D(7), "years")),
            ("18 months", "delay", ("exact", D(18), None, None, "months")),
            ("£920 per FTE", "unit_cost", ("exact", D(920), None, None, "gbp_per_fte")),
            ("unknown", "savings", ("unknown", None, None, None, None)),
            ("Not known", "savings", ("unknown", None, None, None, None)),
        ],
    )
    def test_it_reads_what_sources_write(self, text, measure, reading):
        got = published.read(text, measure)
        assert (got.qualifier, got.value, got.value_low, got.value_high, got.unit) == reading

    @pytest.mark.parametrize(
        "text, message",
        [
            ("2028 → 2029", "A moved deadline is two figures"),
            ("2028 -> 2029", "A moved deadline is two figures"),
            ("£115", "£ millions"),
            ("£600–400m", "high end comes first"),
            ("£1.234m", "more precise"),
            ("15m%", "mixes millions"),
            ("920 per FTE", "in pounds"),
            ("about", "Could not read"),
            ("1,00", "Could not read"),
            ("", "Type the value"),
        ],
    )
    def test_it_refuses_what_it_cannot_read_exactly_and_says_what_to_type(self, text, message):
        with pytest.raises(published.Unreadable, match=message):
            published.read(text, "savings")


@pytest.mark.django_db
class SeededFigureTests:
    def test_it_reads_back_every_seeded_figure_as_the_site_prints_it(self):
        # The admin shows a figure without as_published as the site prints it; saving that text must change nothing.
        for figure in Figure.objects.all():
            got = published.read(figure.display_value, figure.measure)
            stored = (figure.qualifier, figure.value, figure.value_low, figure.value_high)
            assert (got.qualifier, got.value, got.value_low, got.value_high) == stored, figure.key
            assert got.unit in (None, figure.unit), figure.key
