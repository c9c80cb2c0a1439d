"""Table definitions for the downloads; the columns and cell formatting come from programmes/columns.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db.models import Expression, F, QuerySet
from django.http import QueryDict

from programmes.columns import (  # noqa: F401 (re-exported for dashboard.exports)
    FORMULA_TRIGGERS,
    YEAR_PATTERN,
    Column,
    json_number,
    neutralise,
    plain_decimal,
    unescape,
)

# Rows fetched per round trip to the database; also how many rows go into one piece of the response.
CHUNK_SIZE = 2000


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


AS_AT = Parameter(
    "as_at",
    "The table as it stood on this day: only rows from publications that had appeared by then (a publication dated to a "
    "month or a year counts from its last day), and disagrees as it was then. Programmes: those announced by then, each "
    "with the summary, start and end of its latest account resting on a publication that had appeared by then.",
    "a date written like 2016-05-20",
)


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
    # For tables with computed columns: given the as-at date (None for today), the SQL expression of each, by name.
    computed: Callable[[datetime.date | None], dict[str, Expression]] | None = None
    # For tables whose rows' lines are stored on write (programmes/lines.py): the lookup of a row's finished CSV line today.
    stored_line: str | None = None

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def expressions(self, as_at: datetime.date | None = None) -> list[Expression]:
        """Each column's value as an expression of the filtered queryset, in column order."""
        computed = self.computed(as_at) if self.computed else {}
        return [computed[column.name] if column.computed else F(column.lookup) for column in self.columns]

    def ordered(self, queryset: QuerySet) -> QuerySet:
        """The rows in export order: the order the queryset was given (a sort), else by primary key, which is indexed.

        The model's default ordering (a figure's joins its programme and source) is never used: it would sort every row.
        """
        given = list(queryset.query.order_by)
        key = self.primary_key_lookup
        return queryset.order_by(*given, *([] if key in given or "pk" in given else [key]))

    def values(self, queryset: QuerySet, as_at: datetime.date | None = None, cell=None) -> QuerySet:
        """The queryset's rows as tuples of each column's value (or of cell(expression, column), formatted by the database)."""
        expressions = self.expressions(as_at)
        if cell is not None:
            expressions = [cell(expression, column) for expression, column in zip(expressions, self.columns, strict=True)]
        named = {f"cell_{number}": expression for number, expression in enumerate(expressions)}
        return self.ordered(queryset).annotate(**named).values_list(*named)

    def rows(self, queryset: QuerySet, as_at: datetime.date | None = None) -> Iterator[tuple]:
        """The rows' values, fetched CHUNK_SIZE at a time (a server-side cursor on PostgreSQL): what the Python formatting reads."""
        return self.values(queryset, as_at).iterator(chunk_size=CHUNK_SIZE)

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
