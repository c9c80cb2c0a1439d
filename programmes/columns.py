"""The columns of figures.csv, which the export writes and the import reads back, and how a value is written into a cell.

They live in the domain because the import (programmes/importing/) and the downloads (dashboard/exports/) share
them: one definition, so the file an editor downloads is exactly the file the import accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Expression, F
from django.db.models.lookups import GreaterThan

from programmes import fiscal
from programmes.models import Basis, DatePrecision, Horizon, Measure, Qualifier, SourceKind, SpeaksFor, Status, Unit

# A spreadsheet runs a cell starting with one of these as a formula (CWE-1236, "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# Table Schema type for each kind of column; "text" and "code" differ only in what the dictionary says.
SCHEMA_TYPES = {
    "text": "string",
    "code": "string",
    "integer": "integer",
    "decimal": "number",
    "financial_year": "string",
    "date": "date",
    "boolean": "boolean",
}


TYPE_NAMES = {
    "text": "text",
    "code": "code",
    "integer": "whole number",
    "decimal": "decimal number",
    "financial_year": "financial year",
    "date": "date (YYYY-MM-DD)",
    "boolean": "true or false",
}


YEAR_PATTERN = r"\d{4}-\d{2}"


def neutralise(text: str) -> str:
    """Prefix ' to text a spreadsheet would run as a formula; also to text already so escaped, so that unescape is exact."""
    if text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def unescape(text: str) -> str:
    """Undo neutralise(): drop the ' that the export added in front of a formula-like cell."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def plain_decimal(number: Decimal | None) -> str:
    """Write a decimal as analysts type it: 128.00 -> "128", 55.40 -> "55.4", None -> ""."""
    if number is None:
        return ""
    text = f"{number.normalize():f}"
    return "0" if text == "-0" else text


def json_number(number: Decimal | None) -> int | float | None:
    """A decimal for JSON: whole numbers as integers; two decimal places of at most 14 digits survive a float exactly."""
    if number is None:
        return None
    if number == number.to_integral_value():
        return int(number)
    return float(number)


@dataclass(frozen=True)
class Column:
    name: str
    lookup: str
    kind: str
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    # A judgement worked out from the other cells (by programmes/rules/), not a stored field: the import ignores it.
    computed: bool = False

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.kind]

    def csv_cell(self, value: object) -> str:
        """The value as a CSV cell: numbers plain, years as labels, text safe to open in a spreadsheet."""
        if value is None:
            return ""
        if self.kind in ("text", "code"):
            return neutralise(str(value))
        if self.kind == "decimal":
            return plain_decimal(value)
        if self.kind == "financial_year":
            return fiscal.label(value)
        if self.kind == "date":
            return value.isoformat()
        if self.kind == "boolean":
            return "true" if value else "false"
        return str(value)

    def json_value(self, value: object) -> object:
        """The value as JSON: numbers as numbers, years as labels, absent as null; text as stored."""
        if value is None:
            return None
        if self.kind == "decimal":
            return json_number(value)
        if self.kind == "financial_year":
            return fiscal.label(value)
        if self.kind == "date":
            return value.isoformat()
        return value

    def descriptor(self) -> dict:
        """This column as a Table Schema field."""
        constraints: dict = {}
        if self.required:
            constraints["required"] = True
        if self.choices:
            constraints["enum"] = list(self.choices)
        if self.kind == "financial_year":
            constraints["pattern"] = YEAR_PATTERN
        described = {"name": self.name, "type": SCHEMA_TYPES[self.kind], "description": self.description}
        if constraints:
            described["constraints"] = constraints
        return described


FIGURE_COLUMNS = (
    Column(
        "id", "id", "integer", "The figure's number on this site; its page is /figures/<id>/. Blank in an import creates a figure.", True
    ),
    Column("key", "key", "code", "Identifier in the cited dataset (e.g. F041); blank for a figure entered by an editor."),
    Column("programme", "programme__slug", "code", "Slug of the programme the figure is about (see programmes.csv).", True),
    Column(
        "programme_name",
        "programme__name",
        "text",
        "Name of the programme, for reading; the slug decides. The import checks it when filled and may be given without it.",
        True,
    ),
    Column("description", "description", "text", "What was claimed, in a short plain phrase.", True),
    Column("measure", "measure", "code", "What is measured.", True, tuple(Measure.values)),
    Column(
        "status",
        "status",
        "code",
        "How assured it is: target (an ambition), forecast (a projection), claimed (reported by government or a supplier, "
        "unverified), audited (found or validated by the NAO or PAC).",
        True,
        tuple(Status.values),
    ),
    Column(
        "basis",
        "basis",
        "code",
        "annual (a yearly run-rate), cumulative (a total over period_start to period_end), one_off (a single cost), "
        "point_in_time (a count at a date). Never add annual and cumulative figures together.",
        True,
        tuple(Basis.values),
    ),
    Column(
        "horizon",
        "horizon",
        "code",
        "outturn (the period had ended when the source stated it) or projection (it had not). Only an outturn can be a delivery. "
        "Blank in an import: worked out from the status, the period and the source's date.",
        True,
        tuple(Horizon.values),
    ),
    Column(
        "scope",
        "scope",
        "text",
        "What the figure counts when it is less than the whole programme, e.g. NHS Shared Business Services. Blank: the whole programme. "
        "Figures are compared only within one scope.",
    ),
    Column(
        "speaks_for",
        "speaks_for",
        "code",
        "What the figure speaks for: whole (the programme), all_parts (all its centres or clusters summed), members (one or "
        "some of them, named in scope), own (a customer's or supplier's own saving or cost) or other (a wider total, one cost "
        "line, a benchmark). Only whole and all_parts head a programme's card. Blank in an import: whole without a scope, "
        "members with one.",
        False,
        tuple(SpeaksFor.values),
    ),
    Column(
        "revises",
        "revises_id",
        "integer",
        "The id of the earlier estimate this figure revises (a revised forecast beside the original estimate); blank if none. "
        "A revised estimate no longer speaks for the programme, and a revision is never flagged against it.",
    ),
    Column(
        "part_of",
        "part_of_id",
        "integer",
        "The id of the figure whose total this figure is one part of; blank if it is not a part. Parts are never compared with totals.",
    ),
    Column(
        "scenario",
        "scenario",
        "text",
        "For alternatives stated together, which case this is, e.g. without HMRC. Blank: none. Figures of different scenarios are never compared.",
    ),
    Column(
        "milestone",
        "milestone",
        "text",
        "For a deadline: what is due, e.g. all departments on cloud ERP. Only deadlines for the same milestone are read as one deadline "
        "that moved. Blank for other measures. An import file may leave the column out: each figure keeps its milestone.",
    ),
    Column(
        "claimant",
        "claimant__name",
        "text",
        "Who made the claim, often not who published it (see organisations in the admin). An audited figure is an audit body's own finding. "
        "Blank in an import of a new figure: the source's publisher.",
        True,
    ),
    Column(
        "qualifier",
        "qualifier",
        "code",
        "exact; approx (\u201cabout\u201d); over (\u201cover\u201d, \u201cmore than\u201d); at_least (\u201cat least\u201d, \u201c\u2265\u201d); at_most (\u201cup to\u201d); unknown (the source says the amount is "
        "not known: value, value_low and value_high are blank, which is not zero).",
        True,
        tuple(Qualifier.values),
    ),
    Column("as_published", "as_published", "text", "The value as the source wrote it, e.g. over £115m, about 1,000, £400\u2013600m."),
    Column("value", "value", "decimal", "The number, when the source gives one number. Blank for a range or an unknown."),
    Column("value_low", "value_low", "decimal", "Low end of a range such as \u00a3400\u2013600m (400). Blank unless a range."),
    Column("value_high", "value_high", "decimal", "High end of a range (600). Blank unless a range. Ranges are bands, not midpoints."),
    Column(
        "unit",
        "unit",
        "code",
        "gbp_m (\u00a3 millions, nominal), percent, count, year (a calendar year), years, months, gbp_per_fte (\u00a3 per full-time employee).",
        True,
        tuple(Unit.values),
    ),
    Column(
        "period_start",
        "period_start",
        "financial_year",
        "First UK financial year covered (April to March), e.g. 2013-14. Blank if unknown.",
    ),
    Column("period_end", "period_end", "financial_year", "Last financial year covered, e.g. 2015-16. Blank if unknown or open."),
    Column(
        "period_as_published",
        "period_as_published",
        "text",
        "The period as the source wrote it, e.g. by 2028-29, since 2021, to March 2026, 15 years, programme life. In an import, "
        "period_start, period_end and period_years are worked out from it (a period_start or period_end given as well must agree); "
        "blank for figures loaded before the text was kept, whose period is period_start to period_end.",
    ),
    Column(
        "period_years",
        "period_years",
        "integer",
        "The length of the period in years, where the source states one (15 years; 10 years from 2014-15). Worked out from "
        "period_as_published; in an import it may be left blank, and if given must agree.",
    ),
    Column(
        "source_id", "source__id", "integer", "The publication that states the figure (see sources.csv); its page is /sources/<id>/.", True
    ),
    Column("source_title", "source__title", "text", "Title of the publication.", True),
    Column("source_publisher", "source__publisher__name", "text", "Who published it, e.g. National Audit Office.", True),
    Column(
        "source_kind",
        "source__kind",
        "code",
        "What sort of publication it is. Blank in an import of a new source: guessed from the publisher, and the preview says so.",
        True,
        tuple(SourceKind.values),
    ),
    Column("source_published", "source__published", "date", "When it was published (see source_date_precision).", True),
    Column(
        "source_date_precision",
        "source__date_precision",
        "code",
        "How precisely the source is dated: for a month or a year only, source_published is the 1st; for before, the source is undated "
        "and appeared before source_published. Blank in an import of a new source: day.",
        True,
        tuple(DatePrecision.values),
    ),
    Column(
        "source_is_primary",
        "source__is_primary",
        "boolean",
        "false for a secondary source (an aggregator or mirror repeating others' figures: verify before use). "
        "Blank in an import of a new source: true.",
        True,
    ),
    Column("source_url", "source__url", "text", "Link to the publication; blank where only an archived copy is kept."),
    Column("locator", "locator", "text", "Where in the publication: page, paragraph, figure or table."),
    Column("note", "note", "text", "A short caveat, e.g. where another source disagrees."),
    Column(
        "quantity",
        "quantity",
        "code",
        "What the figure states, spelled out: programme/scope/measure/status/basis/unit/period[/scenario][/for-milestone]. Figures with the same "
        "quantity state the same thing and can be compared; group by it. Worked out by the site; the import ignores it.",
        True,
        computed=True,
    ),
    Column(
        "disagrees",
        "disagrees",
        "boolean",
        "true when another figure of the same quantity, from another claimant or publication, cannot be right if this one is "
        "(after allowing for rounding, ranges and over/up to). Worked out by the site; the import ignores it.",
        True,
        computed=True,
    ),
)

# What the import reads back: everything the export writes except the judgements the site works out.
STORED_FIGURE_COLUMNS = tuple(column for column in FIGURE_COLUMNS if not column.computed)


def judgements_today() -> dict[str, Expression]:
    """The computed columns today, as stored on write: the quantity, and disagrees when any figure disagrees (programmes/flags.py)."""
    return {"quantity": F("quantity"), "disagrees": GreaterThan(F("disagreement_count"), 0)}
