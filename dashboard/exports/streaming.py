"""Streaming a table as CSV or JSON: the rows written by the database, CHUNK_SIZE at a time, never all held at once."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dashboard.exports.schema import CHUNK_SIZE, Resource
from programmes.database_cells import CsvLine, Formatted, JsonRow
from sharedservices import pgcopy


def csv_header(resource: Resource) -> str:
    """The header line, after a byte-order mark so that Excel reads the file as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(resource.names)
    return "\ufeff" + buffer.getvalue()


def csv_pieces(resource: Resource, queryset: QuerySet, as_at: datetime.date | None = None) -> Iterator[str | bytes]:
    """The CSV, in pieces of CHUNK_SIZE rows, written by the database (programmes/database_cells.py says how).

    Today's figures are lines stored when the data changed (programmes/lines.py), read in the file's order (stored_lines):
    nothing is formatted. As at a past date a figure's disagrees cell is not today's, so those rows, and the
    other tables', are formatted as they are read: PostgreSQL writes them itself with COPY ... TO STDOUT WITH CSV
    (sharedservices/pgcopy.py), each cell formatted in its SELECT; elsewhere the SELECT gives each row as one finished
    line, read through a cursor.
    """
    yield csv_header(resource)
    database = connections[queryset.db]
    if resource.stored_line and as_at is None:
        yield from stored_lines(database, compiled(resource.ordered(queryset).values_list(stored_or_written(resource, queryset)), database))
        return
    if database.vendor == "postgresql" and pgcopy.available():
        statement = compiled(resource.values(queryset, as_at, cell=Formatted), database)
        if statement is None:
            return
        copy = f"COPY ({database.ops.compose_sql(*statement)}) TO STDOUT WITH (FORMAT csv)"
        for rows in pgcopy.copy_rows(database, copy, CHUNK_SIZE):
            # COPY ends each row with a newline; the file ends them with CRLF, as the csv module does.
            yield b"\r\n".join(row[:-1] for row in rows) + b"\r\n"
        return
    lines = CsvLine(resource.expressions(as_at), resource.columns)
    statement = compiled(resource.ordered(queryset).annotate(csv_line=lines).values_list("csv_line"), database)
    if statement is None:
        return
    for rows in fetched(database, statement):
        yield "".join(line for (line,) in rows)


def stored_lines(database, statement: tuple[str, tuple] | None) -> Iterator[str | bytes]:
    """The lines a statement selects, CHUNK_SIZE at a time, as they are: through COPY on PostgreSQL, else a cursor."""
    if statement is None:
        return
    if database.vendor == "postgresql" and pgcopy.available():
        # As CSV quoted by a control byte, forced (every line's CRLF would make COPY quote it anyway): each row arrives as
        # \x01, the line, \x01 and a newline, nothing in it escaped but a \x01 of its own, doubled (text format would
        # escape every CR, LF and backslash).
        options = "FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02', FORCE_QUOTE *"
        # Without JIT: the planner prices the fallback subquery (stored_or_written) as if run for every row, and would spend
        # a second and more compiling a statement that only copies text.
        copy = f"SET LOCAL jit = off; COPY ({database.ops.compose_sql(*statement)}) TO STDOUT WITH ({options})"
        for rows in pgcopy.copy_rows(database, copy, CHUNK_SIZE):
            yield b"".join(row[1:-2] for row in rows).replace(b"\x01\x01", b"\x01")
        return
    for rows in fetched(database, statement):
        yield "".join(line for (line,) in rows)


def stored_or_written(resource: Resource, queryset: QuerySet) -> Coalesce:
    """Each row's stored line, or for a row that has none (inserted around save(), before lines.refresh_all) the line
    written now: a subquery on its own row, which the database runs only for such a row, so the others join nothing."""
    row = queryset.model._base_manager.filter(pk=OuterRef("pk")).order_by()
    written = row.annotate(csv_line=CsvLine(resource.expressions(), resource.columns)).values("csv_line")
    return Coalesce(F(resource.stored_line), Subquery(written))


def json_pieces(
    resource: Resource,
    queryset: QuerySet,
    applied: dict,
    changed: datetime.datetime | None,
    as_at: datetime.date | None = None,
    schema: str = "/data/datapackage.json",
) -> Iterator[str | bytes]:
    """The JSON document, written as it streams: metadata, the rows as objects (built by the database), then the count of rows sent.

    `schema` is the address of the data package describing it: a dataset release's own, for a release's copy.
    """
    yield json_head(resource, applied, changed, schema)
    database = connections[queryset.db]
    objects = JsonRow(list(zip(resource.names, resource.expressions(as_at), resource.columns, strict=True)))
    statement = compiled(resource.ordered(queryset).annotate(row_object=objects).values_list("row_object"), database)
    count = 0
    if statement is not None and database.vendor == "postgresql" and pgcopy.available():
        # COPY's text format doubles each backslash (JSON has them in escapes) and nothing else a JSON text holds.
        for rows in pgcopy.copy_rows(database, f"COPY ({database.ops.compose_sql(*statement)}) TO STDOUT", CHUNK_SIZE):
            yield (b"\n" if count == 0 else b",\n") + b",\n".join(row[:-1].replace(b"\\\\", b"\\") for row in rows)
            count += len(rows)
    elif statement is not None:
        for rows in fetched(database, statement):
            yield ("\n" if count == 0 else ",\n") + ",\n".join(row for (row,) in rows)
            count += len(rows)
    # The count comes last because it is counted as the rows go out: it always matches the rows sent.
    yield f'\n], "count": {count}}}\n'


def json_head(resource: Resource, applied: dict, changed: datetime.datetime | None, schema: str) -> str:
    head = {
        "resource": resource.name,
        "filters": applied,
        "last_changed": changed.astimezone(datetime.UTC).isoformat() if changed else None,
        "fields": resource.names,
        "schema": schema,
    }
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": ['


def compiled(values: QuerySet, database) -> tuple[str, tuple] | None:
    """The SQL of a queryset for its own database, or None when it can match nothing (Django knows without asking)."""
    try:
        return values.query.get_compiler(connection=database).as_sql()
    except EmptyResultSet:
        return None


def fetched(database, statement: tuple[str, tuple]) -> Iterator[list[tuple]]:
    """The rows of a statement, CHUNK_SIZE at a time, through a server-side cursor where the database has them."""
    with database.chunked_cursor() as cursor:
        cursor.execute(*statement)
        while rows := cursor.fetchmany(CHUNK_SIZE):
            yield rows


def python_csv_pieces(resource: Resource, queryset: QuerySet, as_at: datetime.date | None = None) -> Iterator[str]:
    """The same CSV with every cell formatted in Python (Column.csv_cell): the reference the database's formatting is tested against."""
    yield csv_header(resource)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cells = [column.csv_cell for column in resource.columns]
    for count, row in enumerate(resource.rows(queryset, as_at), start=1):
        writer.writerow([cell(value) for cell, value in zip(cells, row, strict=True)])
        if count % CHUNK_SIZE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def python_rows(resource: Resource, queryset: QuerySet, as_at: datetime.date | None = None) -> Iterator[dict]:
    """The JSON rows with every value formatted in Python (Column.json_value): the reference for json_pieces."""
    values = [column.json_value for column in resource.columns]
    for row in resource.rows(queryset, as_at):
        yield {name: value(cell) for name, value, cell in zip(resource.names, values, row, strict=True)}
