from decimal import Decimal as D

import pytest

from programmes.formatting import money, quantity


class MoneyTests:
    @pytest.mark.parametrize(
        "amount, text",
        [
            (D("128"), "£128m"),
            (D("1400"), "£1.4bn"),
            (D("55.40"), "£55.4m"),
            (D("-4"), "-£4m"),
            (D("0.07"), "£0.07m"),
            (D("2000"), "£2bn"),
            (D("100"), "£100m"),
        ],
    )
    def test_it_writes_millions_and_billions(self, amount, text):
        assert money(amount) == text


class QuantityTests:
    def test_it_keeps_a_money_range_a_range(self):
        assert quantity(None, D("400"), D("600"), "gbp_m") == "£400–600m"

    def test_it_writes_a_percentage_range(self):
        assert quantity(None, D("10"), D("15"), "percent") == "10–15%"

    def test_it_keeps_the_qualifier(self):
        assert quantity(D("1400"), None, None, "gbp_m", "over") == "over £1.4bn"
        assert quantity(D("25"), None, None, "count", "at_least") == "at least 25"
        assert quantity(D("1800"), None, None, "gbp_m", "approx") == "about £1.8bn"
        assert quantity(D("1000"), None, None, "gbp_m", "at_most") == "up to £1bn"

    def test_it_says_unknown_rather_than_zero(self):
        assert quantity(None, None, None, "gbp_m", "unknown") == "unknown"

    def test_it_writes_counts_years_and_months(self):
        assert quantity(D("140000"), None, None, "count") == "140,000"
        assert quantity(D("2028"), None, None, "year") == "2028"
        assert quantity(D("14"), None, None, "months") == "14 months"
