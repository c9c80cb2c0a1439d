"""Column and table definitions for the downloads, and how a value is written into a cell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.http import QueryDict

from programmes import fiscal

# Rows fetched per round trip to the database; also how many rows go into one piece of the response.
CHUNK_SIZE = 2000


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


@dataclass(frozen=True)
class ForeignKey:
    column: str
    resource: str
    reference: str


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    allowed: str


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: str
    select: Callable[[QueryDict], tuple[QuerySet, dict]]
    parameters: tuple[Parameter, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    examples: tuple[tuple[str, str], ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def rows(self, queryset: QuerySet) -> Iterator[tuple]:
        """The rows of a filtered queryset in export order, fetched CHUNK_SIZE at a time (a server-side cursor on PostgreSQL)."""
        lookups = [column.lookup for column in self.columns]
        return queryset.order_by(self.primary_key_lookup).values_list(*lookups).iterator(chunk_size=CHUNK_SIZE)

    @property
    def primary_key_lookup(self) -> str:
        return next(column.lookup for column in self.columns if column.name == self.primary_key)

    def descriptor(self) -> dict:
        """This resource as a Frictionless Tabular Data Resource, its CSV beside the descriptor."""
        schema: dict = {
            "fields": [column.descriptor() for column in self.columns],
            "missingValues": [""],
            "primaryKey": [self.primary_key],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": [key.column], "reference": {"resource": key.resource, "fields": [key.reference]}} for key in self.foreign_keys
            ]
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "path": f"{self.name}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
        }
