"""Cells written by the database: each column's value formatted in SQL exactly as Column.csv_cell and json_value write it.

A download of a million rows spends its time formatting cells if Python does it (the 33 columns of figures.csv ran at
7,000 to 20,000 rows a second that way); the database does the same work in C while it reads the rows. Each function
here gives, for one column, SQL that yields the text Column.csv_cell gives (or the value Column.json_value gives), on
SQLite and on PostgreSQL:

- text and codes: neutralise() (an apostrophe before a formula trigger, or before apostrophes that precede one); a code
  column limited to its listed values by a check constraint (measure, status...) is written as stored;
- decimals: plain_decimal() (55.40 -> 55.4, 128.00 -> 128): trim_scale on PostgreSQL; on SQLite a decimal column holds
  an integer or a REAL of at most 14 significant digits, which SQLite prints with 15, so exactly as stated;
- financial years as labels (2013 -> 2013-14), dates as YYYY-MM-DD, booleans as true and false;
- an absent value is NULL, which the csv module and PostgreSQL's COPY both write as an empty cell. COPY writes an empty
  string as "" (to tell it from NULL), so on PostgreSQL an empty text is made NULL too: the cell is empty either way.

PostgreSQL's COPY ... WITH CSV quotes a cell exactly when the csv module does (a comma, a double quote, CR or LF in it),
so it is given the formatted cells (Formatted). For a cursor, CsvLine has the database write the whole line, quoting
included, and JsonRow the whole JSON object. tests/dashboard/test_export_paths.py checks all of it against the Python formatting:
byte for byte on the real dataset, and on random text and numbers.

It lives in the domain, beside the columns it formats, because each figure's line is written with it when the data
changes (programmes/lines.py, which the domain's writes call), and the downloads read it from here too.
"""

from __future__ import annotations

from django.db.models import Expression, Func, TextField

# The characters neutralise() looks for, as code points (= + - @ tab, carriage return), and with the apostrophe it skips.
TRIGGERS = "(61, 43, 45, 64, 9, 13)"
TRIGGERS_OR_APOSTROPHE = "(61, 43, 45, 64, 9, 13, 39)"


def neutralised(first_code: str, x: str, empty_is_null: bool, prefilter: bool = False) -> str:
    """neutralise(x) in SQL; first_code names the function giving a text's first code point (ascii() or unicode()).

    Comparing one integer keeps it cheap (a regular expression, or left(), cost several times as much on PostgreSQL);
    only a text starting with a trigger or an apostrophe is looked at a second time, past its apostrophes. With
    prefilter (SQLite, which compares texts byte by byte), a text sorting from 'A' on, as most do, is let through
    before any function is called: every trigger, and the apostrophe, sorts before 'A'.
    """
    quote = "''''"
    suspect = f"{first_code}({x}) IN {TRIGGERS_OR_APOSTROPHE} AND {first_code}(ltrim({x}, {quote})) IN {TRIGGERS}"
    if prefilter:
        suspect = f"{x} < 'A' AND {suspect}"
    otherwise = f"NULLIF({x}, '')" if empty_is_null else x
    return f"(CASE WHEN {suspect} THEN {quote} || {x} ELSE {otherwise} END)"


# What PostgreSQL and SQLite spell differently, for each kind of column. %% is a literal %: Django's SQL goes through
# %-formatting with its parameters. Integers need nothing: both databases write them as str() does.
DIALECTS = {
    "postgresql": {
        "text": lambda x: neutralised("ascii", x, empty_is_null=True),
        "decimal": "trim_scale({x})",
        "json_decimal": "trim_scale({x})",
        "financial_year": "(({x})::text || '-' || lpad(((({x}) + 1) %% 100)::text, 2, '0'))",
        "date": "to_char({x}, 'YYYY-MM-DD')",
    },
    "sqlite": {
        "text": lambda x: neutralised("unicode", x, empty_is_null=False, prefilter=True),
        # A REAL that is a whole number would print as 128.0; SQLite stores those as integers, but a stray one prints right too.
        "decimal": "(CASE WHEN typeof({x}) = 'real' AND {x} = CAST({x} AS INTEGER) THEN CAST({x} AS INTEGER) ELSE CAST({x} AS TEXT) END)",
        "json_decimal": "(CASE WHEN typeof({x}) = 'real' AND {x} = CAST({x} AS INTEGER) THEN CAST({x} AS INTEGER) ELSE {x} END)",
        "financial_year": "({x} || '-' || substr('0' || (({x} + 1) %% 100), -2))",
        "date": "{x}",
    },
}


def fixed(column) -> bool:
    """A code column whose database constraint allows only its listed values, none of which neutralise() would change."""
    from programmes.columns import neutralise

    return column.kind == "code" and bool(column.choices) and all(neutralise(choice) == choice for choice in column.choices)


def csv_sql(column, vendor: str, x: str) -> str:
    """The SQL writing x (an expression, already compiled) as a CSV cell of this column."""
    dialect = DIALECTS[vendor]
    if fixed(column):  # measure, status, unit...: a check constraint keeps them to their codes, so there is nothing to escape
        return x
    if column.kind in ("text", "code"):
        return dialect["text"](x)
    if column.kind in ("decimal", "financial_year", "date"):
        return dialect[column.kind].format(x=x)
    if column.kind == "boolean":
        return f"(CASE WHEN {x} THEN 'true' WHEN NOT {x} THEN 'false' END)"
    return x


def json_sql(column, vendor: str, x: str) -> str:
    """The SQL giving x as the JSON value Column.json_value gives: text as stored, numbers as numbers, null for absent."""
    if column.kind in ("financial_year", "date"):
        return DIALECTS[vendor][column.kind].format(x=x)
    if column.kind == "decimal":
        return DIALECTS[vendor]["json_decimal"].format(x=x)
    if column.kind == "boolean" and vendor == "sqlite":  # SQLite has no booleans: json() makes the text a JSON value
        return f"json(CASE WHEN {x} THEN 'true' WHEN NOT {x} THEN 'false' ELSE 'null' END)"
    return x


class Formatted(Func):
    """One column's value as its CSV cell, or as its JSON value, formatted by the database (csv_sql and json_sql say how)."""

    def __init__(self, expression: Expression, column, json: bool = False) -> None:
        super().__init__(expression, output_field=TextField())
        self.column, self.json = column, json

    def as_sql(self, compiler, connection, **extra):
        inner, params = compiler.compile(self.source_expressions[0])
        template = (json_sql if self.json else csv_sql)(self.column, connection.vendor, "{x}")
        # The expression may appear several times; so must its parameters (an as_at date, say), in order.
        return template.format(x=inner), tuple(params) * template.count("{x}")


class JsonRow(Func):
    """A row as one JSON object, its keys in column order: json_build_object on PostgreSQL, json_object on SQLite."""

    def __init__(self, named: list[tuple[str, Expression, object]]) -> None:
        super().__init__(*(Formatted(expression, column, json=True) for _, expression, column in named), output_field=TextField())
        self.names = [name for name, _, _ in named]

    def as_sql(self, compiler, connection, **extra):
        pieces, params = [], []
        for name, expression in zip(self.names, self.source_expressions, strict=True):
            sql, more = compiler.compile(expression)
            pieces.append(f"'{name}', {sql}")
            params.extend(more)
        function = "json_build_object" if connection.vendor == "postgresql" else "json_object"
        cast = "::text" if connection.vendor == "postgresql" else ""
        return f"{function}({', '.join(pieces)}){cast}", tuple(params)


def quoted_sql(vendor: str, raw: str, cell: str) -> str:
    """cell (the formatted text of raw) as the csv module writes it: in double quotes, with its own doubled, when raw holds
    the delimiter, a double quote or a line break (neutralise() adds only an apostrophe, which needs no quoting)."""
    if vendor == "postgresql":
        needs = f"strpos({raw}, ',') > 0 OR strpos({raw}, '\"') > 0 OR strpos({raw}, E'\\n') > 0 OR strpos({raw}, E'\\r') > 0"
    else:
        # LIKE finds one character several times faster than instr(); line breaks are rare enough for instr().
        needs = f"{raw} LIKE '%%,%%' OR {raw} LIKE '%%\"%%' OR instr({raw}, char(10)) OR instr({raw}, char(13))"
    return f"(CASE WHEN {needs} THEN '\"' || replace({cell}, '\"', '\"\"') || '\"' ELSE {cell} END)"


class CsvLine(Func):
    """A whole CSV line (its cells, the commas between them and the CRLF), written by the database as the csv module would.

    For a cursor, where the csv module would otherwise spend most of the time copying text character by character: the
    database reads the row's columns once each (a subquery of formatted cells would be expanded into every use of them).
    """

    def __init__(self, expressions: list[Expression], columns) -> None:
        super().__init__(*expressions, output_field=TextField())
        self.columns = columns

    def as_sql(self, compiler, connection, **extra):
        pieces, params = [], []
        for column, expression in zip(self.columns, self.source_expressions, strict=True):
            x, more = compiler.compile(expression)
            template = csv_sql(column, connection.vendor, "{x}")
            if column.kind in ("text", "code") and not fixed(column):
                template = quoted_sql(connection.vendor, "{x}", template)
            else:  # numbers, dates, labels, booleans and fixed codes never need quoting; as text, so that '' can stand for NULL
                template = f"CAST({template} AS TEXT)"
            pieces.append(f"COALESCE({template.format(x=x)}, '')")
            params.extend(tuple(more) * template.count("{x}"))
        end = "E'\\r\\n'" if connection.vendor == "postgresql" else "char(13, 10)"
        return " || ',' || ".join(pieces) + f" || {end}", tuple(params)
