"""UK financial years: 1 April to 31 March, written "2023-24", stored as the starting calendar year (2023).

The one place where labels and periods are parsed and printed, so that the admin, the pages, the exports and the
import agree on what "2023-24" means, and read a period as sources state it ("by 2028-29", "since 2021", "15 years")
into the financial years and length it fixes (parse_period).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.db import models

LABEL_PATTERN = re.compile(r"^(?P<start>\d{4})-(?P<end>\d{2})$", re.ASCII)
EARLIEST = 1990
LATEST = 2100


class FinancialYearError(ValueError):
    """A label that is not a UK financial year such as 2023-24."""


def label(start_year: int | None) -> str:
    """Print the financial year that starts in start_year: 2023 -> "2023-24"; None -> ""."""
    if start_year is None:
        return ""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def year_of(day: datetime.date) -> int:
    """The financial year a day falls in, by the year it starts: 31 March 2024 -> 2023, 1 April 2024 -> 2024."""
    return day.year if day.month >= 4 else day.year - 1


def first_day(start_year: int) -> datetime.date:
    """The day a financial year begins: 2023 -> 1 April 2023."""
    return datetime.date(start_year, 4, 1)


def last_day(start_year: int) -> datetime.date:
    """The day a financial year ends: 2023 -> 31 March 2024."""
    return datetime.date(start_year + 1, 3, 31)


def parse(text: str) -> int:
    """Parse "2023-24" to 2023, rejecting labels whose two halves are not consecutive years."""
    match = LABEL_PATTERN.match(text.strip())
    if not match:
        raise FinancialYearError(f"{text!r} is not a financial year; write it as 2023-24.")
    start = int(match["start"])
    if int(match["end"]) != (start + 1) % 100:
        raise FinancialYearError(f"{text!r} is not a financial year: {start} is followed by {label(start)}.")
    if not EARLIEST <= start <= LATEST:
        raise FinancialYearError(f"{text!r} is outside the years this record covers ({EARLIEST} to {LATEST}).")
    return start


def span(start_year: int | None, end_year: int | None) -> str:
    """Print a period: "2013-14 to 2015-16", "2023-24", "to 2023-24", "from 2014-15" or ""."""
    if start_year is not None and end_year is not None:
        if start_year == end_year:
            return label(start_year)
        return f"{label(start_year)} to {label(end_year)}"
    if end_year is not None:
        return f"to {label(end_year)}"
    if start_year is not None:
        return f"from {label(start_year)}"
    return ""


def phrase(start_year: int | None, end_year: int | None, years: int | None = None, as_published: str = "") -> str:
    """A period as a sentence says it: "over 2013-14 to 2015-16", "over the years to 2023-24", "from 2014-15", "in 2020-21";
    without financial years, "over 15 years" or over the period the source calls “programme life”."""
    if start_year is None and end_year is None:
        if years is not None:
            return f"over {years} year{'s' if years != 1 else ''}"
        if as_published.strip():
            return f"over the period the source calls \u201c{as_published.strip()}\u201d"
        return "over a period the source does not state"
    if start_year is None:
        return f"over the years to {label(end_year)}"
    if end_year is None:
        return f"from {label(start_year)}"
    if start_year == end_year:
        return f"in {label(start_year)}"
    return f"over {span(start_year, end_year)}"


def stated(start_year: int | None, end_year: int | None, years: int | None = None, as_published: str = "") -> str:
    """A period for a table cell: its financial years where it has any (span), else what the source gave ("15 years",
    "programme life"), else ""."""
    if start_year is not None or end_year is not None:
        return span(start_year, end_year)
    if as_published.strip():
        return as_published.strip()
    if years is not None:
        return f"{years} year{'s' if years != 1 else ''}"
    return ""


@dataclass(frozen=True)
class Period:
    """A period as a source states it, read into what it fixes: financial years (first, last), a length in years, or neither."""

    first: int | None = None
    last: int | None = None
    years: int | None = None
    # "programme life", "lifetime": a length the source names without giving it.
    is_lifetime: bool = False


# Every form a period may take, as the error message names them (the README's period table shows what each stores).
ACCEPTED_FORMS = (
    "a financial year (2023-24, also 2023/24 or 2023\u201324)",
    "a span (2013-14 to 2015-16)",
    "an end (by 2028-29, to 2023-24, until 2023-24, to March 2026, by 2024)",
    "a start (from 2014-15, since 2021, from April 2014)",
    "calendar years or months (2021 to 2024, April 2014 to March 2016)",
    "a length (15 years, over ten years, 10 years from 2014-15, 10 years to 2023-24)",
    "the life of the programme (programme life, over the life of the programme, lifetime)",
    "or blank",
)
FINANCIAL_YEAR_TEXT = re.compile(r"^(?P<start>\d{4})\s*[-/\u2013]\s*(?P<end>\d{2})$", re.ASCII)
CALENDAR_YEAR = re.compile(r"^\d{4}$", re.ASCII)
NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")  # fmt: skip
LENGTH = re.compile(
    rf"^(?:(?:over|for|across)\s+)?(?:the\s+next\s+)?(?P<count>\d{{1,3}}|{'|'.join(NUMBER_WORDS)})[\s-]years?"
    r"(?:\s+(?P<direction>from|to)\s+(?P<anchor>.+))?$"
)
LIFETIME = re.compile(
    r"^(?:over\s+)?(?:the\s+|its\s+)?(?:(?:whole|full|programme|programme's|contract|contract's)[\s-])?(?:life|lifetime)"
    r"(?:\s+of\s+the\s+(?:programme|contract|scheme|strategy))?$"
)
END_WORDS = ("up to ", "until ", "to ", "by ")
START_WORDS = ("from ", "since ")
LONGEST = 100


def parse_written(match: re.Match) -> int:
    """A financial year however a source writes it (2023-24, 2023/24, 2023\u201324), checked as parse checks a label."""
    return parse(f"{match['start']}-{match['end']}")


def count_years(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS.index(text) + 1


def financial_year_of(text: str, is_end: bool) -> int | None:
    """The financial year a point named in a period falls in: "2023-24", a month ("March 2026") or a calendar year ("2021").

    A calendar year stands for all of it, so it starts in the financial year holding 1 January ("since 2021" is from
    2020-21) and ends in the one holding 31 December ("by 2024" is to 2024-25): the stored years then cover every day
    the source's words do, and the text as published says the rest. A month is the financial year it falls in:
    "to March 2026" ends with 2025-26, "by April 2026" with 2026-27, since April 2026 is already in that year.
    """
    if written := FINANCIAL_YEAR_TEXT.match(text):
        return parse_written(written)
    if CALENDAR_YEAR.match(text):
        year = int(text)
        return year if is_end else year - 1
    for pattern in ("%B %Y", "%b %Y"):
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return day.year if day.month >= 4 else day.year - 1
    return None


def not_a_period(text: str) -> str:
    return f"{text!r} is not a period this record can read. Type it as the source gives it: {'; '.join(ACCEPTED_FORMS)}."


def parse_period(text: str) -> Period:
    """Read a period as a source states it (ACCEPTED_FORMS) into the financial years and the length it fixes; nothing is guessed."""
    words = " ".join(text.split()).lower().replace("\u2019", "'")
    if not words:
        return Period()
    if LIFETIME.match(words):
        return Period(is_lifetime=True)
    if length := LENGTH.match(words):
        return length_period(text, length)
    if written := FINANCIAL_YEAR_TEXT.match(words.removeprefix("in ")):
        year = parse_written(written)
        return Period(year, year)
    ends = [words[len(word) :] for word in END_WORDS if words.startswith(word)]
    both = re.match(r"^(?:from\s+)?(?P<first>.+?)\s+to\s+(?P<last>.+)$", words) or re.match(
        r"^between\s+(?P<first>.+?)\s+and\s+(?P<last>.+)$", words
    )
    starts = [words[len(word) :] for word in START_WORDS if words.startswith(word)]
    if ends:
        first, last = None, financial_year_of(ends[0], is_end=True)
        readable = last is not None
    elif both:
        first, last = financial_year_of(both["first"], is_end=False), financial_year_of(both["last"], is_end=True)
        readable = first is not None and last is not None
    elif starts:
        first, last = financial_year_of(starts[0], is_end=False), None
        readable = first is not None
    else:
        readable = False
    if not readable:
        raise FinancialYearError(not_a_period(text))
    return checked(text, first, last)


def length_period(text: str, length: re.Match) -> Period:
    """ "15 years" is a length alone; "10 years from 2014-15" and "10 years to 2023-24" also fix both ends."""
    years = count_years(length["count"])
    if not 1 <= years <= LONGEST:
        raise FinancialYearError(f"{text!r} is not a length this record can hold: give 1 to {LONGEST} years.")
    if length["anchor"] is None:
        return Period(years=years)
    # Only a financial year anchors a length: ten calendar years from 2021 do not end at a financial year's end.
    if not (written := FINANCIAL_YEAR_TEXT.match(length["anchor"])):
        raise FinancialYearError(not_a_period(text))
    anchor = parse_written(written)
    if length["direction"] == "from":
        return checked(text, anchor, anchor + years - 1, years)
    return checked(text, anchor - years + 1, anchor, years)


def checked(text: str, first: int | None, last: int | None, years: int | None = None) -> Period:
    """The period, once its financial years are ones this record covers, in order."""
    for year in (first, last):
        if year is not None and not EARLIEST <= year <= LATEST:
            raise FinancialYearError(f"{text!r} reaches {label(year)}, outside the years this record covers ({EARLIEST} to {LATEST}).")
    if first is not None and last is not None and last < first:
        raise FinancialYearError(f"{text!r} ends before it starts: type the earlier year first, e.g. 2013-14 to 2015-16.")
    return Period(first, last, years)


def mismatch(text: str, first: int | None, last: int | None, years: int | None) -> str:
    """Why a stored period is not what its text as published fixes ("" when it is, or when there is no text)."""
    if not text.strip():
        return ""
    try:
        period = parse_period(text)
    except FinancialYearError as error:
        return str(error)
    if (period.first, period.last, period.years) == (first, last, years):
        return ""
    fixed = stated(period.first, period.last, period.years) or "no financial years"
    return f"{text.strip()!r} gives {fixed}, but the period stored is {stated(first, last, years) or 'blank'}: correct one of them."


def parse_span(text: str) -> tuple[int | None, int | None]:
    """The financial years (first, last) a period fixes (parse_period); (None, None) for one that fixes none, such as "15 years"."""
    period = parse_period(text)
    return (period.first, period.last)


class PeriodFormField(forms.CharField):
    """One box for a period, typed as the source gives it (ACCEPTED_FORMS); the cleaned value is (text, Period)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Period as published")
        kwargs.setdefault(
            "help_text",
            "As the source gives it, e.g. 2013-14, 2013-14 to 2015-16, by 2028-29, since 2021, to March 2026, 15 years, "
            "programme life, or blank. The financial years it fixes are stored with it.",
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value: object) -> tuple[str, Period]:
        text = super().to_python(value)
        try:
            return (text, parse_period(text))
        except FinancialYearError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def has_changed(self, initial: object, data: object) -> bool:
        # The text is kept as typed, so any change to it is a change, even one that fixes the same years.
        return (initial or "").strip() != (data or "").strip()


class FinancialYearFormField(forms.CharField):
    """A form field where editors type "2013-14" and the database keeps 2013."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("help_text", "A UK financial year such as 2013-14.")
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        kwargs.pop("step_size", None)
        # The admin gives every IntegerField subclass its number widget (formfield_overrides), and a number input
        # cannot hold "2023-24": Chromium shows it blank and submits nothing. This field is text, whatever it is given.
        widget = kwargs.get("widget")
        if widget is None or isinstance(widget, forms.NumberInput) or (isinstance(widget, type) and issubclass(widget, forms.NumberInput)):
            kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: object) -> object:
        if isinstance(value, int):
            return label(value)
        return value

    def to_python(self, value: object) -> int | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse(text)
        except FinancialYearError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


class FinancialYearField(models.PositiveSmallIntegerField):
    """A financial year stored as its starting calendar year and edited as its label."""

    def formfield(self, **kwargs) -> forms.Field:
        return super().formfield(**{"form_class": FinancialYearFormField, **kwargs})


def period_problems(start: int | None, end: int | None, years: int | None, as_published: str) -> dict[str, str]:
    """What is wrong with a stored period, by the field to show it next to: an end before the start, a year outside
    the record, or stored years that are not what the published text fixes."""
    problems = {}
    if start is not None and end is not None and end < start:
        problems["period_end"] = f"The period ends ({label(end)}) before it starts ({label(start)})."
    if problem := mismatch(as_published, start, end, years):
        problems["period_as_published"] = problem
    for field, year in (("period_start", start), ("period_end", end)):
        if year is not None and not EARLIEST <= year <= LATEST:
            problems[field] = f"Give the starting year of a financial year between {EARLIEST} and {LATEST}."
    return problems


def reach(start: str, end: str, stated: models.Expression) -> tuple[models.Expression, models.Expression]:
    """In SQL, the first and last financial years a period reaches (both NULL for one known at neither end).

    An open end reaches as far as the year the period was stated in and no further: "from 2014-15" stated in 2018-19
    reaches 2014-15 to 2018-19, and stated in 2012-13 only 2014-15; "to 2028-29" stated in 2020-21 reaches 2020-21 to
    2028-29. A period known only as a length ("15 years") reaches no year at all.
    """
    year = models.IntegerField()
    first = models.Case(
        models.When(**{f"{start}__isnull": False}, then=models.F(start)),
        models.When(**{f"{end}__isnull": True}, then=models.Value(None)),
        models.When(**{f"{end}__lte": stated}, then=models.F(end)),
        default=stated,
        output_field=year,
    )
    last = models.Case(
        models.When(**{f"{end}__isnull": False}, then=models.F(end)),
        models.When(**{f"{start}__isnull": True}, then=models.Value(None)),
        models.When(**{f"{start}__gte": stated}, then=models.F(start)),
        default=stated,
        output_field=year,
    )
    return first, last
