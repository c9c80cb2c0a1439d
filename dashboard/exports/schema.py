"""Table definitions for the downloads; the columns and cell formatting come from programmes/columns.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet
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
    "month or a year counts from its last day), and disagrees as it was then. Programmes are not dated: all are listed.",
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
    # For tables with computed columns: given the filtered queryset, once per export, a function that turns the stored
    # cells of a row ({lookup: value}) into the computed ones ({name: value}).
    judge: Callable[[QuerySet], Callable[[dict], dict]] | None = None

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def rows(self, queryset: QuerySet) -> Iterator[tuple]:
        """The rows of a filtered queryset in its order (?sort=), else by primary key, CHUNK_SIZE at a time (a server-side cursor on PostgreSQL)."""
        lookups = [column.lookup for column in self.columns if not column.computed]
        if not queryset.query.order_by:
            queryset = queryset.order_by(self.primary_key_lookup)
        rows = queryset.values_list(*lookups).iterator(chunk_size=CHUNK_SIZE)
        if self.judge is None:
            return rows
        return self.judged(rows, lookups, self.judge(queryset))

    def judged(self, rows: Iterator[tuple], lookups: list[str], judge: Callable[[dict], dict]) -> Iterator[tuple]:
        """The rows with their computed cells, in column order."""
        for row in rows:
            stored = dict(zip(lookups, row, strict=True))
            computed = judge(stored)
            yield tuple(computed[column.name] if column.computed else stored[column.lookup] for column in self.columns)

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
