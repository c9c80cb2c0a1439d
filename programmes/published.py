"""Values as sources write them ("over £115m", "about 1,000", "£400–600m"), read into qualifier, number or range, and unit.

The admin stores what the editor typed beside what this module reads from it, so that "≥25" and "over 25" stay
distinct while both admit 25 and up. Anything it cannot read exactly is refused with a message saying what
to type: nothing is dropped without a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from programmes.models import Measure, Qualifier, Unit

EXAMPLES = (
    '"over £115m", "about 1,000", "£400–600m", "up to £45m", "15%", "10–15%", "2028", "7 years", "18 months", "£920 per FTE" or "unknown"'
)

# Longest first, so that ">=" is not read as ">" followed by "=".
QUALIFIERS = [
    ("in excess of ", Qualifier.OVER),
    ("more than ", Qualifier.OVER),
    ("over ", Qualifier.OVER),
    ("at least ", Qualifier.AT_LEAST),
    ("a minimum of ", Qualifier.AT_LEAST),
    (">=", Qualifier.AT_LEAST),
    ("≥", Qualifier.AT_LEAST),
    (">", Qualifier.OVER),
    ("approximately ", Qualifier.APPROX),
    ("around ", Qualifier.APPROX),
    ("about ", Qualifier.APPROX),
    ("circa ", Qualifier.APPROX),
    ("c. ", Qualifier.APPROX),
    ("~", Qualifier.APPROX),
    ("up to ", Qualifier.AT_MOST),
    ("at most ", Qualifier.AT_MOST),
    ("<=", Qualifier.AT_MOST),
    ("≤", Qualifier.AT_MOST),
    ("<", Qualifier.AT_MOST),
]
UNKNOWN = {"unknown", "not known", "not stated by the source"}
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# One end of a value: an optional minus, an optional £, a number, an optional m or bn of its own ("£400m–£1.2bn").


def _end_pattern(name: str) -> str:
    return rf"(?P<{name}_sign>[-−])?\s*(?P<{name}_pound>£)?\s*(?P<{name}>{NUMBER})\s*(?P<{name}_scale>m|bn|million|billion)?"


SUFFIXES = {"%": Unit.PERCENT, "years": Unit.YEARS, "year": Unit.YEARS, "months": Unit.MONTHS, "month": Unit.MONTHS}
VALUE_PATTERN = re.compile(
    rf"^{_end_pattern('low')}(?:\s*(?:–|—|-|to)\s*{_end_pattern('high')})?(?P<suffix>\s*%|\s*per FTE|\s+years?|\s+months?)?$",
    re.IGNORECASE,
)
ARROWS = ("→", "->", "=>", "⇒")


class Unreadable(ValueError):
    """A value as published that cannot be read exactly; the message says what to type."""


@dataclass(frozen=True)
class Reading:
    qualifier: str
    value: Decimal | None = None
    value_low: Decimal | None = None
    value_high: Decimal | None = None
    unit: str | None = None  # None: the text does not say (an unknown)


def plain_unit(measure: str | None) -> str:
    """A plain number with no £, %, years or months is a calendar year for a deadline ("2028") and a count otherwise."""
    return Unit.YEAR if measure == Measure.DEADLINE else Unit.COUNT


def read(text: str, measure: str | None = None) -> Reading:
    """Read a value as published into qualifier, value or range, and unit; raise Unreadable with what to type.

    Forms read, with any of the qualifiers "over", "more than", "in excess of", ">" (over), "at least", "a minimum of",
    ">=", "≥" (at least), "about",
    "around", "approximately", "circa", "c.", "~" (approx), "up to", "at most", "<", "<=", "≤" (at most):
      money in £ millions: "£115m", "£1.4bn", "£400–600m", "£400-600m", "£400m–£1.2bn", "-£81m" (a net loss);
      percentages: "15%", "10–15%";        durations: "7 years", "5–7 years", "18 months";
      a cost per person: "£920 per FTE";   plain numbers: "1,000", "2028" (see plain_unit);
      "unknown" or "not known": the source says the amount is not known.
    Refused: money without m or bn ("£115"), more than two decimal places in £ millions, a range whose ends are in
    the wrong order, and a moved deadline ("2028 → 2029"), which is two figures, each with its source.
    """
    original = text
    text = " ".join(text.split())
    if not text:
        raise Unreadable(f"Type the value as the source gives it, e.g. {EXAMPLES}.")
    if text.lower() in UNKNOWN:
        return Reading(Qualifier.UNKNOWN)
    if any(arrow in text for arrow in ARROWS):
        raise Unreadable(
            f"{original!r} is a change, not one value. A moved deadline is two figures: record the old date with the source "
            "that set it and the new date with the source that moved it."
        )
    qualifier = Qualifier.EXACT
    for word, meaning in QUALIFIERS:
        if text.lower().startswith(word):
            qualifier, text = meaning, text[len(word) :].strip()
            break
    match = VALUE_PATTERN.match(text)
    if not match:
        raise Unreadable(f"Could not read {original!r}. Type the value as the source gives it, e.g. {EXAMPLES}.")
    low = _end(match, "low", original)
    high = _end(match, "high", original) if match["high"] else None
    suffix = (match["suffix"] or "").strip().lower()
    unit = _unit(match, suffix, measure, original)
    if unit == Unit.GBP_M:
        low = _millions(match, "low", low)
        high = _millions(match, "high", high) if high is not None else None
    elif match["low_scale"] or match["high_scale"]:
        raise Unreadable(f"{original!r} mixes millions with another unit: type money as £115m, or a count as 115,000,000.")
    for number in (low, high):
        if number is not None and number != number.quantize(Decimal("0.01")):
            raise Unreadable(f"{original!r} is more precise than the record keeps (two decimal places; money to the nearest £0.01m).")
    if high is None:
        return Reading(qualifier, value=low, unit=unit)
    if high < low:
        raise Unreadable(f"In {original!r} the high end comes first: type the range low to high, e.g. £400–600m.")
    return Reading(qualifier, value_low=low, value_high=high, unit=unit)


def _end(match: re.Match, name: str, original: str) -> Decimal:
    try:
        number = Decimal(match[name].replace(",", ""))
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only digits
        raise Unreadable(f"Could not read the number in {original!r}.") from error
    return -number if match[f"{name}_sign"] else number


def _unit(match: re.Match, suffix: str, measure: str | None, original: str) -> str:
    has_pound = bool(match["low_pound"] or match["high_pound"])
    has_scale = bool(match["low_scale"] or match["high_scale"])
    if suffix == "per fte":
        if not has_pound:
            raise Unreadable(f"Type a cost per person in pounds, e.g. £920 per FTE, not {original!r}.")
        return Unit.GBP_PER_FTE
    if suffix:
        if has_pound:
            raise Unreadable(f"{original!r} has both £ and {suffix}: type money as £115m, a percentage as 15%.")
        return SUFFIXES[suffix]
    if has_pound or has_scale:
        if not has_scale:
            raise Unreadable(
                f"Money is recorded in £ millions: type {original!r} as £…m or £…bn (e.g. £115m), or a cost per person as £920 per FTE."
            )
        return Unit.GBP_M
    return plain_unit(measure)


def _millions(match: re.Match, name: str, number: Decimal) -> Decimal:
    """Apply this end's own m/bn, or the range's shared one ("£1.4–2bn": both ends in billions)."""
    scale = match[f"{name}_scale"] or match["high_scale"] or match["low_scale"]
    return number * 1000 if scale and scale.lower() in ("bn", "billion") else number
