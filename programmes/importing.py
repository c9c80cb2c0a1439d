"""Load figures from a CSV with exactly the columns of /data/figures.csv: check every row, then save all or nothing.

The rules, as the README and the admin page state them:
- A row with an id updates that figure. A row without one creates a figure. An id the database does not hold
  creates the figure with that id, so that an export loaded into an empty database exports as the same file.
- The source is the one numbered source_id. A source_id the database does not hold, or none, creates a source from
  the source_* columns (rows describing the same new source share it), unless a source with the same title,
  publisher, date and link already exists.
- Columns the import cannot change (programme_name; source_* of an existing source) may be left blank, but when
  filled they must agree with the record: a disagreement usually means a wrong slug or source_id.
- Text cells lose the apostrophe the export puts in front of formula-like text (see dashboard/exports/schema.py), and keep
  their spaces exactly; codes, numbers and dates are trimmed.
- Every problem in the file is reported, with its line, column and reason; if there is one, nothing is saved.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from dashboard.exports import FIGURE_COLUMNS, unescape
from programmes import fiscal, rules
from programmes.models import Basis, Figure, Measure, Organisation, OrganisationKind, Programme, Qualifier, Source, SourceKind, Status, Unit

COLUMNS = [column.name for column in FIGURE_COLUMNS]
CHOICES = {"measure": Measure, "status": Status, "basis": Basis, "qualifier": Qualifier, "unit": Unit}
NUMBER = re.compile(r"^-?\d+(\.\d+)?$", re.ASCII)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
WHOLE_NUMBER = re.compile(r"^\d{1,18}$", re.ASCII)
# Shapes Excel gives a financial year or a date it has "helpfully" converted: Dec-11, 01/12/2011, 2011-12-01.
EXCEL_DATE = re.compile(r"^([A-Za-z]{3}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})$")
SOURCE_FIELDS = {"title": "source_title", "publisher": "source_publisher", "published": "source_published", "url": "source_url"}
# history_change_reason holds at most 100 characters.
REASON_LENGTH = 100


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column or 'whole row'}: {self.reason}"


@dataclass
class Change:
    line: int
    action: str
    figure: Figure
    before: dict[str, str] | None
    after: dict[str, str]

    @property
    def differences(self) -> list[tuple[str, str, str]]:
        """(column, old, new) for every column this row changes, as CSV text."""
        before = self.before or {}
        return [(name, before.get(name, ""), new) for name, new in self.after.items() if before.get(name, "") != new]


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    new_sources: list[tuple[int, Source]] = field(default_factory=list)
    new_organisations: list[Organisation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    saved: bool = False
    stale: bool = False

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def summary(self) -> str:
        created, updated, unchanged = self.count("create"), self.count("update"), self.count("unchanged")
        return f"{created} created, {updated} updated, {unchanged} unchanged; {len(self.new_sources)} new sources"

    @property
    def digest(self) -> str:
        """A fingerprint of what the plan would do, to tell whether a preview still holds when it is confirmed."""
        described = [[c.line, c.action, c.before, c.after] for c in self.changes]
        sources = [[line, s.pk, s.key, s.title, s.publisher.name, s.published.isoformat(), s.url] for line, s in self.new_sources]
        return hashlib.sha256(json.dumps([described, sources], sort_keys=True).encode()).hexdigest()

    def describe(self) -> list[str]:
        """One line per new source and per figure created or updated, for a terminal."""
        lines = [f"line {line}: new source {s.title!r} ({s.publisher}, {s.published}), kind {s.kind}" for line, s in self.new_sources]
        for change in self.changes:
            if change.action == "create":
                after = change.after
                lines.append(
                    f"line {change.line}: create {after['programme']} {after['measure']} {after['status']} {describe_value(after)}"
                )
            elif change.action == "update":
                edits = "; ".join(f"{name} {old!r} -> {new!r}" for name, old, new in change.differences)
                lines.append(f"line {change.line}: update figure {change.figure.pk}: {edits}")
        return lines


def describe_value(cells: dict[str, str]) -> str:
    if cells["value"]:
        return f"{cells['value']} {cells['unit']}"
    if cells["value_low"]:
        return f"{cells['value_low']}-{cells['value_high']} {cells['unit']}"
    return "unknown"


class ImportRefused(Exception):
    """The database refused a row that passed every check: nothing was saved."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def snapshot(figure: Figure) -> dict[str, str]:
    """The figure as the cells of its export row, the terms in which changes are shown and compared."""
    cells = {}
    for column in FIGURE_COLUMNS:
        value: object = figure
        for part in column.lookup.split("__"):
            value = getattr(value, part, None) if value is not None else None
        cells[column.name] = column.csv_cell(value)
    return cells


def read_rows(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The data rows as (line number, {column: cell}), or the problems that stop the file being read at all."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        reason = f"the file is not UTF-8 (byte 0x{data[error.start]:02x}); in Excel, save it as \u201cCSV UTF-8 (comma delimited)\u201d"
        return [], [Problem(line, "", reason)]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[Problem] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            return [], [Problem(1, "", f"the file is empty; the first line must name the columns: {', '.join(COLUMNS)}")]
        problems += header_problems(header)
        if problems:
            return [], problems
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append(Problem(start, "", f"has {len(cells)} cells; the header has {len(header)}"))
                continue
            rows.append((start, dict(zip(header, cells, strict=True))))
    except csv.Error as error:
        problems.append(Problem(reader.line_num, "", f"is not valid CSV ({error})"))
    return rows, problems


def header_problems(header: list[str]) -> list[Problem]:
    """Missing, unexpected or repeated column names, each reported by name."""
    problems = [Problem(1, name, "this column is missing") for name in COLUMNS if name not in header]
    problems += [
        Problem(1, name, f"unexpected column; the columns are exactly: {', '.join(COLUMNS)}") for name in header if name not in COLUMNS
    ]
    problems += [Problem(1, name, "this column appears twice") for name in dict.fromkeys(header) if header.count(name) > 1]
    return problems


class Planner:
    """Checks rows one by one against the record and the file so far, building the changes and new sources."""

    def __init__(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        self.plan = Plan()
        self.programmes = {programme.slug: programme for programme in Programme.objects.all()}
        ids = [int(row["id"]) for _, row in rows if WHOLE_NUMBER.match(row["id"].strip())]
        source_ids = [int(row["source_id"]) for _, row in rows if WHOLE_NUMBER.match(row["source_id"].strip())]
        self.figures = Figure.objects.select_related("programme", "source").in_bulk(ids)
        self.sources = Source.objects.in_bulk(source_ids)
        self.new_by_id: dict[int, tuple[int, Source]] = {}
        self.new_by_content: dict[tuple, Source] = {}
        self.seen_ids: dict[int, int] = {}
        self.keys: set[str] = set()
        self.organisations = {organisation.name: organisation for organisation in Organisation.objects.all()}

    def problem(self, line: int, column: str, reason: str) -> None:
        self.plan.problems.append(Problem(line, column, reason))

    # Cells

    def code(self, line: int, row: dict[str, str], name: str) -> str:
        value = unescape(row[name]).strip()
        allowed = list(CHOICES[name].values)
        if value not in allowed:
            self.problem(line, name, f"{value!r} is not allowed; use one of: {', '.join(allowed)}")
        return value

    def number(self, line: int, row: dict[str, str], name: str) -> Decimal | None:
        text = row[name].strip()
        if not text:
            return None
        if not NUMBER.match(text):
            self.problem(line, name, f"{text!r} is not a plain number; write it like 1400 or 55.4, without \u00a3, commas or units")
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            self.problem(line, name, f"{text!r} is not a number")
            return None

    def year(self, line: int, row: dict[str, str], name: str) -> int | None:
        text = row[name].strip()
        if not text:
            return None
        try:
            return fiscal.parse(text)
        except fiscal.FinancialYearError as error:
            hint = "; Excel may have turned it into a date: format the column as Text" if EXCEL_DATE.match(text) else ""
            self.problem(line, name, f"{error}{hint}")
            return None

    def date(self, line: int, row: dict[str, str], name: str) -> datetime.date | None:
        text = row[name].strip()
        if not text:
            return None
        try:
            if not ISO_DATE.match(text):
                raise ValueError(text)
            return datetime.date.fromisoformat(text)
        except ValueError:
            self.problem(line, name, f"{text!r} is not a date written YYYY-MM-DD (e.g. 2016-05-20); Excel may have reformatted it")
            return None

    def integer(self, line: int, row: dict[str, str], name: str) -> int | None:
        text = row[name].strip()
        if not text:
            return None
        if not WHOLE_NUMBER.match(text) or int(text) == 0:
            self.problem(line, name, f"{text!r} is not an id (a whole number from the export), nor blank")
            return None
        return int(text)

    # Rows

    def add(self, line: int, row: dict[str, str]) -> None:
        known = len(self.plan.problems)
        figure_id = self.integer(line, row, "id")
        programme = self.programme(line, row)
        values = {name: self.code(line, row, name) for name in CHOICES}
        values |= {name: self.number(line, row, name) for name in ("value", "value_low", "value_high")}
        values |= {name: self.year(line, row, name) for name in ("period_start", "period_end")}
        values |= {"locator": unescape(row["locator"]), "note": unescape(row["note"])}
        source = self.source(line, row)
        if figure_id is not None and figure_id in self.seen_ids:
            self.problem(line, "id", f"figure {figure_id} already appears on line {self.seen_ids[figure_id]}")
        if len(self.plan.problems) > known:
            return
        if figure_id is not None:
            self.seen_ids[figure_id] = line
        existing = self.figures.get(figure_id) if figure_id is not None else None
        figure = existing or Figure(pk=figure_id, key="")
        before = snapshot(existing) if existing else None
        existing_status = existing.status if existing else None
        for name, value in values.items():
            setattr(figure, name, value)
        figure.programme, figure.source = programme, source
        if existing is None:
            figure.claimant = source.publisher
        if existing is None or figure.status != existing_status:
            figure.horizon = rules.suggested_horizon(figure)
        if existing is None:
            # The export has no description column; editors replace this plain one in the admin.
            figure.description = f"{Measure(figure.measure).label}, {Status(figure.status).label.lower()}"
        try:
            figure.full_clean(exclude=["programme", "source", "description", "key"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.problem(line, "" if name == NON_FIELD_ERRORS else name, message)
            return
        after = snapshot(figure)
        action = "create" if existing is None else ("unchanged" if after == before else "update")
        self.plan.changes.append(Change(line, action, figure, before, after))

    def programme(self, line: int, row: dict[str, str]) -> Programme | None:
        slug = unescape(row["programme"]).strip()
        programme = self.programmes.get(slug)
        if programme is None:
            self.problem(line, "programme", f"no programme {slug!r}; use one of: {', '.join(sorted(self.programmes))}")
            return None
        name = unescape(row["programme_name"])
        if name.strip() and name != programme.name:
            self.problem(
                line, "programme_name", f"{name!r} is not the name of {slug!r} ({programme.name!r}); fix the slug, or blank the name"
            )
        return programme

    def source(self, line: int, row: dict[str, str]) -> Source | None:
        source_id = self.integer(line, row, "source_id")
        cells = {
            "title": unescape(row["source_title"]),
            "publisher": unescape(row["source_publisher"]),
            "published": self.date(line, row, "source_published"),
            "url": unescape(row["source_url"]).strip(),
        }
        if source_id in self.sources:
            return self.agreeing(line, cells, self.sources[source_id], f"source {source_id}")
        if source_id in self.new_by_id:
            first_line, source = self.new_by_id[source_id]
            return self.agreeing(line, cells, source, f"new source {source_id} (line {first_line})")
        if source_id is None and row["source_id"].strip():
            return None
        return self.new_source(line, source_id, cells)

    def agreeing(self, line: int, cells: dict, source: Source, label: str) -> Source:
        """The source, after checking that every filled source_* cell matches it."""
        for name, column in SOURCE_FIELDS.items():
            given, actual = cells[name], getattr(source, name)
            if name == "publisher":
                actual = actual.name
            if given not in ("", None) and given != actual:
                reason = f"{given!s} does not match {label}, whose {name} is {actual!s}; the import never edits sources: leave the cell blank or fix source_id"
                self.problem(line, column, reason)
        return source

    def new_source(self, line: int, source_id: int | None, cells: dict) -> Source | None:
        missing = [column for name, column in SOURCE_FIELDS.items() if name != "url" and cells[name] in ("", None)]
        for column in missing:
            self.problem(line, column, "a new source needs a title, publisher and date (or give the source_id of an existing one)")
        if missing:
            return None
        content = (cells["title"], cells["publisher"], cells["published"], cells["url"])
        if source_id is None:
            if content in self.new_by_content:
                return self.new_by_content[content]
            matches = list(Source.objects.filter(title=content[0], publisher__name=content[1], published=content[2], url=content[3])[:2])
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                self.problem(line, "source_id", "several sources have this title, publisher, date and link; give the source_id")
                return None
        source = Source(
            pk=source_id,
            key=self.unique_key(cells),
            kind=guess_kind(cells["publisher"]),
            **{**cells, "publisher": self.organisation(cells["publisher"])},
        )
        try:
            source.full_clean(exclude=["key"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = SOURCE_FIELDS.get(name, "source_url" if name == "seed_file" else "source_title")
                for message in messages:
                    self.problem(line, column, f"new source: {message}")
            return None
        self.plan.new_sources.append((line, source))
        self.new_by_content[content] = source
        if source_id is not None:
            self.new_by_id[source_id] = (line, source)
        return source

    def organisation(self, name: str) -> Organisation:
        """The organisation of this name, or a new one saved with the import."""
        if name not in self.organisations:
            kind = OrganisationKind.AUDIT_BODY if guess_kind(name) == SourceKind.AUDIT_REPORT else OrganisationKind.OTHER
            self.organisations[name] = Organisation(name=name, kind=kind)
            self.plan.new_organisations.append(self.organisations[name])
        return self.organisations[name]

    def unique_key(self, cells: dict) -> str:
        base = slugify(f"{cells['publisher']} {cells['published'].year} {cells['title']}")[:90].strip("-") or "source"
        taken = self.keys | set(Source.objects.filter(key__startswith=base).values_list("key", flat=True))
        key, number = base, 1
        while key in taken:
            number += 1
            key = f"{base}-{number}"
        self.keys.add(key)
        return key


def guess_kind(publisher: str) -> str:
    """A starting kind for a new source; the preview shows it and editors correct it in the admin."""
    name = publisher.casefold()
    if "national audit office" in name or name == "nao":
        return SourceKind.AUDIT_REPORT
    if "committee" in name:
        return SourceKind.COMMITTEE_REPORT
    return SourceKind.OFFICIAL_PUBLICATION


def plan_import(data: bytes) -> Plan:
    """What importing this CSV would do, or every problem that prevents it; reads the database, writes nothing."""
    rows, problems = read_rows(data)
    if problems:
        return Plan(problems=problems)
    if not rows:
        return Plan(problems=[Problem(2, "", "the file has a header but no rows")])
    planner = Planner(rows)
    for line, row in rows:
        planner.add(line, row)
    return planner.plan


def save_plan(plan: Plan, user, reason: str) -> None:
    """Write a problem-free plan in one transaction, recording who and why in the change history."""
    reason = reason[:REASON_LENGTH]
    with transaction.atomic():
        for organisation in plan.new_organisations:
            save(organisation, 0, user, reason, force_insert=True)
        for line, source in plan.new_sources:
            save(source, line, user, reason, force_insert=True)
        for change in plan.changes:
            if change.action != "unchanged":
                save(change.figure, change.line, user, reason, force_insert=change.action == "create")
        # Rows created with the ids of an export leave PostgreSQL's id sequences behind; move them past the new ids.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Source, Figure]):
                cursor.execute(statement)
    plan.saved = True


def save(instance: Figure | Source, line: int, user, reason: str, force_insert: bool) -> None:
    instance._history_user = user
    instance._change_reason = reason
    try:
        instance.save(force_insert=force_insert)
    except IntegrityError as error:
        raise ImportRefused(Problem(line, "", f"the database refused this row ({error}); nothing was saved")) from error


def import_figures(data: bytes, user=None, reason: str = "Imported from CSV", dry_run: bool = False, expected: str | None = None) -> Plan:
    """Check the CSV and, unless this is a dry run or the plan no longer matches the preview expected, save it all."""
    try:
        with transaction.atomic():
            plan = plan_import(data)
            plan.stale = expected is not None and plan.digest != expected
            if not plan.problems and not dry_run and not plan.stale:
                save_plan(plan, user, reason)
    except ImportRefused as refusal:
        plan.saved = False
        plan.problems.append(refusal.problem)
    return plan
