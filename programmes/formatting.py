"""How numbers are written on the site and in the admin: £128m, £1.4bn, £400–600m, 10–15%, 2 of 26."""

from __future__ import annotations

from decimal import Decimal

EN_DASH = "\u2013"


def _plain(number: Decimal) -> str:
    """Drop trailing zeros and group thousands: 1400.00 -> "1,400", 55.40 -> "55.4"."""
    text = f"{number.normalize():,f}"
    return text


def money(amount: Decimal) -> str:
    """£ millions as a reader says them: 128 -> £128m, 1400 -> £1.4bn, 0.07 -> £0.07m, -4 -> -£4m."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount >= 1000:
        return f"{sign}£{_plain((amount / 1000).quantize(Decimal('0.01')))}bn"
    return f"{sign}£{_plain(amount)}m"


def money_range(low: Decimal, high: Decimal) -> str:
    """A range keeps one £ sign and one unit where both ends share it: £400–600m, £1.4–2bn."""
    if (low >= 1000) == (high >= 1000) and low >= 0:
        unit = "bn" if low >= 1000 else "m"
        scale = Decimal(1000) if unit == "bn" else Decimal(1)
        low_text = _plain((low / scale).quantize(Decimal("0.01")) if unit == "bn" else low)
        high_text = _plain((high / scale).quantize(Decimal("0.01")) if unit == "bn" else high)
        return f"£{low_text}{EN_DASH}{high_text}{unit}"
    return f"{money(low)}{EN_DASH}{money(high)}"


UNIT_SUFFIX = {
    "percent": "%",
    "months": " months",
    "years": " years",
    "gbp_per_fte": " per FTE",
}

QUALIFIER_WORD = {"approx": "about ", "over": "over ", "at_least": "at least ", "at_most": "up to "}


def quantity(value: Decimal | None, low: Decimal | None, high: Decimal | None, unit: str, qualifier: str = "exact") -> str:
    """Format a figure's value or range in its unit, with its qualifier: "over £1.4bn", "10–15%", "unknown"."""
    if qualifier == "unknown" or (value is None and (low is None or high is None)):
        return "unknown"
    prefix = QUALIFIER_WORD.get(qualifier, "")
    if unit == "gbp_m":
        text = money(value) if value is not None else money_range(low, high)
    elif unit == "gbp_per_fte":
        text = f"£{_plain(value)}" if value is not None else f"£{_plain(low)}{EN_DASH}{_plain(high)}"
        text += UNIT_SUFFIX[unit]
    elif unit == "year":
        text = str(int(value)) if value is not None else f"{int(low)}{EN_DASH}{int(high)}"
    else:
        text = _plain(value) if value is not None else f"{_plain(low)}{EN_DASH}{_plain(high)}"
        text += UNIT_SUFFIX.get(unit, "")
    return prefix + text
