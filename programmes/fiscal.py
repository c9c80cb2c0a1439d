"""UK financial years: 1 April to 31 March, written "2023-24", stored as the starting calendar year (2023).

The one place where labels are parsed and printed, so that the admin, the pages, the exports and the import
agree on what "2023-24" means.
"""

from __future__ import annotations

import datetime
import re

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


def phrase(start_year: int | None, end_year: int | None) -> str:
    """A period as a sentence says it: "over 2013-14 to 2015-16", "over the years to 2023-24", "from 2014-15", "in 2020-21"."""
    if start_year is None and end_year is None:
        return "over a period the source does not state"
    if start_year is None:
        return f"over the years to {label(end_year)}"
    if end_year is None:
        return f"from {label(start_year)}"
    if start_year == end_year:
        return f"in {label(start_year)}"
    return f"over {span(start_year, end_year)}"


def parse_span(text: str) -> tuple[int | None, int | None]:
    """Parse what span prints back into (first, last) starting years: "2013-14 to 2015-16", "2023-24", "to 2023-24", "from 2014-15" or ""."""
    text = " ".join(text.split())
    if not text:
        return (None, None)
    if text.startswith("to "):
        return (None, parse(text[3:]))
    if text.startswith("from "):
        return (parse(text[5:]), None)
    if " to " in text:
        first, last = (parse(part) for part in text.split(" to ", 1))
        if last < first:
            raise FinancialYearError(f"{text!r} ends before it starts: type the earlier year first, e.g. 2013-14 to 2015-16.")
        return (first, last)
    if not LABEL_PATTERN.match(text):
        raise FinancialYearError(
            f"{text!r} is not a period: type a financial year (2013-14), a span (2013-14 to 2015-16), "
            "an open end (to 2023-24, from 2014-15), or leave it blank."
        )
    year = parse(text)
    return (year, year)


class PeriodFormField(forms.CharField):
    """One box for a period, typed and shown as span prints it; the cleaned value is (first, last)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Period")
        kwargs.setdefault(
            "help_text", "UK financial years as the source gives them: 2013-14, 2013-14 to 2015-16, to 2023-24, from 2014-15, or blank."
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value: object) -> tuple[int | None, int | None]:
        try:
            return parse_span(super().to_python(value))
        except FinancialYearError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def has_changed(self, initial: object, data: object) -> bool:
        try:
            return parse_span(initial or "") != parse_span(data or "")
        except FinancialYearError:
            return True


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
