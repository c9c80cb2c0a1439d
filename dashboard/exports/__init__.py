"""Every table the site publishes, as CSV and JSON: columns, filters, cell formatting and streaming.

One set of column definitions feeds the downloads, the Frictionless data package and the data dictionary on
/data/, so the three cannot drift apart. The import (programmes/importing/) reads the figures columns back.
"""

from dashboard.exports.filters import FilterError, Query
from dashboard.exports.package import LICENCE, datapackage
from dashboard.exports.schema import (
    CHUNK_SIZE,
    FORMULA_TRIGGERS,
    YEAR_PATTERN,
    Column,
    Resource,
    json_number,
    neutralise,
    plain_decimal,
    unescape,
)
from dashboard.exports.stamp import last_changed
from dashboard.exports.streaming import csv_pieces, json_pieces, python_csv_pieces, python_rows
from dashboard.exports.tables import (
    EVENTS,
    FIGURE_COLUMNS,
    FIGURES,
    PROGRAMMES,
    RESOURCES,
    SOURCES,
    filename,
)

__all__ = [
    "CHUNK_SIZE",
    "EVENTS",
    "FIGURES",
    "FIGURE_COLUMNS",
    "FORMULA_TRIGGERS",
    "LICENCE",
    "PROGRAMMES",
    "RESOURCES",
    "SOURCES",
    "YEAR_PATTERN",
    "Column",
    "FilterError",
    "Query",
    "Resource",
    "csv_pieces",
    "datapackage",
    "filename",
    "json_number",
    "json_pieces",
    "last_changed",
    "neutralise",
    "plain_decimal",
    "python_csv_pieces",
    "python_rows",
    "unescape",
]
