"""Reading one cell of a row as what its column holds: a code, a number, a financial year, a date, an id, a boolean, or a period as published."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from programmes import fiscal
from programmes.columns import unescape
from programmes.importing.reading import EXCEL_DATE, ISO_DATE, NUMBER, WHOLE_NUMBER, Problem
from programmes.models import Basis, DatePrecision, Measure, Qualifier, SourceKind, Status, Unit

CHOICES = {"measure": Measure, "status": Status, "basis": Basis, "qualifier": Qualifier, "unit": Unit}
SOURCE_CHOICES = {"source_kind": SourceKind, "source_date_precision": DatePrecision}
# Looked up once: TextChoices.values builds a new list on every call.
ALLOWED = {name: tuple(choices.values) for name, choices in (CHOICES | SOURCE_CHOICES).items()}
CANONICAL = {name: {value: value for value in values} for name, values in ALLOWED.items()}


class CellError(ValueError):
    """A cell its column cannot hold; the message is the reason shown against the cell."""


def decimal(text: str) -> Decimal:
    if not NUMBER.match(text):
        raise CellError(f"{text!r} is not a plain number; write it like 1400 or 55.4, without \u00a3, commas or units")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CellError(f"{text!r} is not a number") from None


def financial_year(text: str) -> int:
    try:
        return fiscal.parse(text)
    except fiscal.FinancialYearError as error:
        hint = "; Excel may have turned it into a date: format the column as Text" if EXCEL_DATE.match(text) else ""
        raise CellError(f"{error}{hint}") from error


def date(text: str) -> datetime.date:
    try:
        if not ISO_DATE.match(text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CellError(f"{text!r} is not a date written YYYY-MM-DD (e.g. 2016-05-20); Excel may have reformatted it") from None


def years(text: str) -> int:
    if not WHOLE_NUMBER.match(text):
        raise CellError(f"{text!r} is not a number of years (a whole number, e.g. 15), nor blank")
    return int(text)


def identifier(text: str) -> int:
    if not WHOLE_NUMBER.match(text) or int(text) == 0:
        raise CellError(f"{text!r} is not an id (a whole number from the export), nor blank")
    return int(text)


class Cells:
    """Reads a row's cells by column name, recording a problem for every cell its column cannot hold."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def problem(self, line: int, column: str, reason: str) -> None:
        self.problems.append(Problem(line, column, reason))

    def cell[T](self, line: int, row: dict[str, str], name: str, read: Callable[[str], T]) -> T | None:
        """The trimmed cell as `read` reads it; None when it is blank, or refused (then a problem says why)."""
        text = row[name].strip()
        if not text:
            return None
        try:
            return read(text)
        except CellError as error:
            self.problem(line, name, str(error))
            return None

    def code(self, line: int, row: dict[str, str], name: str) -> str:
        text = unescape(row[name]).strip()
        # The allowed string itself, not the cell's copy: 100,000 rows then share a handful of strings.
        value = CANONICAL[name].get(text)
        if value is None:
            self.problem(line, name, f"{text!r} is not allowed; use one of: {', '.join(ALLOWED[name])}")
            return text
        return value

    def boolean(self, line: int, row: dict[str, str], name: str) -> bool | None:
        text = row[name].strip().lower()
        if text in ("true", "false"):
            return text == "true"
        if text:
            self.problem(line, name, f"{row[name]!r} is not true or false, nor blank")
        return None

    def period_as_published(self, line: int, row: dict[str, str], start: int | None, end: int | None) -> dict:
        """The period as published and what it fixes; a period_start, period_end or period_years given too must agree with it."""
        text = unescape(row["period_as_published"])
        length = self.cell(line, row, "period_years", years) if "period_years" in row else None
        try:
            period = fiscal.parse_period(text)
        except fiscal.FinancialYearError as error:
            self.problem(line, "period_as_published", str(error))
            return {}
        if not text.strip():
            # A blank text leaves the period to period_start and period_end, as in files from before the text was kept.
            if length is not None:
                self.problem(line, "period_years", "a length needs the period as published, e.g. 15 years")
            return {"period_as_published": "", "period_years": None}
        derived = {"period_start": period.first, "period_end": period.last, "period_years": period.years}
        given = {"period_start": start, "period_end": end, "period_years": length}
        for name, value in given.items():
            if value is not None and value != derived[name]:
                shown = fiscal.label(value) if name != "period_years" else value
                worked_out = (fiscal.label(derived[name]) if name != "period_years" else derived[name]) or "blank"
                self.problem(
                    line,
                    name,
                    f"{shown} does not agree with the period as published, {text!r}, which gives {worked_out}; blank the cell to take it from the text",
                )
        return {"period_as_published": text, **derived}
