"""Reading an import file as it streams: encoding, control characters, the header and the rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from programmes.columns import FIGURE_COLUMNS, STORED_FIGURE_COLUMNS

COLUMNS = [column.name for column in STORED_FIGURE_COLUMNS]
# Columns a file may leave out: programme_name is for reading, the computed ones are the site's judgements; speaks_for,
# revises, milestone and the period as published came after the first downloads (a file without them keeps each figure's).
OPTIONAL = {"programme_name", "speaks_for", "revises", "milestone", "period_as_published", "period_years"} | {
    column.name for column in FIGURE_COLUMNS if column.computed
}
KNOWN = [column.name for column in FIGURE_COLUMNS]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$", re.ASCII)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
WHOLE_NUMBER = re.compile(r"^\d{1,18}$", re.ASCII)
# C0 controls but tab, line feed and carriage return (legitimate in notes), DEL and the C1 controls (usually a file
# decoded in the wrong encoding). PostgreSQL refuses NUL mid-import; SQLite would store any of them raw.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same characters in UTF-8 bytes (the C1 controls are \xc2 and one byte), to test a whole file without decoding it.
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")
# Shapes Excel gives a financial year or a date it has "helpfully" converted: Dec-11, 01/12/2011, 2011-12-01.
EXCEL_DATE = re.compile(r"^([A-Za-z]{3}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})$")
# Rows checked, and written, per round trip to the database.
CHUNK = 2000
# A header of thousands of stray names would otherwise be reported thousands of times.
MAX_HEADER_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column or 'whole row'}: {self.reason}"


def read_rows(data: bytes, problems: list[Problem]) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows as (line number, {column: cell}), read as the file streams; problems found on the way go into problems."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if (error := utf8_problem(data)) is not None:
        problems.append(error)
        return
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    # Most files hold no control character: only when one does is each cell searched, to name it.
    dirty = CONTROL_BYTES.search(data) is not None
    reader = csv.reader(text)
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            problems.append(Problem(1, "", f"the file is empty; the first line must name the columns: {', '.join(COLUMNS)}"))
            return
        problems += control_problems(1, header, header) if dirty else []
        problems += header_problems(header)
        if problems:
            return
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append(Problem(start, "", f"has {len(cells)} cells; the header has {len(header)}"))
                continue
            if dirty and (found := control_problems(start, header, cells)):
                problems += found
                continue
            yield start, dict(zip(header, cells, strict=True))
    except csv.Error as error:
        problems.append(Problem(reader.line_num, "", f"is not valid CSV ({error})"))


def utf8_problem(data: bytes) -> Problem | None:
    """The first byte that is not UTF-8, with its line; decoded a slice at a time so that a large file is never held twice."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        for offset in range(0, len(data), 1 << 20):
            decoder.decode(data[offset : offset + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        start = offset + error.start
        line = data[:start].count(b"\n") + 1
        return Problem(
            line, "", f"the file is not UTF-8 (byte 0x{data[start]:02x}); in Excel, save it as \u201cCSV UTF-8 (comma delimited)\u201d"
        )
    return None


def control_problems(line: int, header: list[str], cells: list[str]) -> list[Problem]:
    """A problem for each cell holding a control character, naming the character and where it is."""
    problems = []
    for name, cell in zip(header, cells, strict=False):
        if match := CONTROL.search(cell):
            character = match.group()
            reason = (
                f"contains the control character U+{ord(character):04X} at character {match.start() + 1}: "
                "remove it (a spreadsheet or a copy from a PDF can leave one behind)"
            )
            problems.append(Problem(line, name if line > 1 else "", reason))
    return problems


def header_problems(header: list[str]) -> list[Problem]:
    """Missing, unexpected or repeated column names, each reported by name (stray names up to a limit)."""
    present = set(header)
    problems = [Problem(1, name, "this column is missing") for name in COLUMNS if name not in present and name not in OPTIONAL]
    unexpected = [name for name in dict.fromkeys(header) if name not in KNOWN]
    reason = f"unexpected column; the columns are exactly: {', '.join(KNOWN)}"
    problems += [Problem(1, name, reason) for name in unexpected[:MAX_HEADER_PROBLEMS]]
    if len(unexpected) > MAX_HEADER_PROBLEMS:
        problems.append(Problem(1, "", f"and {len(unexpected) - MAX_HEADER_PROBLEMS:,} more unexpected columns"))
    counts = Counter(header)
    problems += [Problem(1, name, "this column appears twice") for name, count in counts.items() if count > 1 and name in KNOWN]
    return problems


def chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk
