"""Checking rows against the record and the file so far: what an import would do, or every problem that prevents it."""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import slugify

from programmes import fiscal, rules
from programmes.columns import unescape
from programmes.importing.cells import CHOICES, SOURCE_CHOICES, Cells, date, decimal, financial_year, identifier
from programmes.importing.duplicates import Duplicates
from programmes.importing.plan import SKIP, Change, NewSource, Plan, describe_value, snapshot
from programmes.importing.reading import WHOLE_NUMBER
from programmes.importing.writing import Writer
from programmes.models import (
    DatePrecision,
    Figure,
    Horizon,
    Measure,
    Organisation,
    OrganisationKind,
    Programme,
    Source,
    SourceKind,
    SpeaksFor,
    Status,
)

SOURCE_FIELDS = {
    "title": "source_title",
    "publisher": "source_publisher",
    "published": "source_published",
    "url": "source_url",
    "kind": "source_kind",
    "date_precision": "source_date_precision",
    "is_primary": "source_is_primary",
}
# What a new source gets when its cell is blank; the preview marks each as guessed.
GUESSES = {"date_precision": DatePrecision.DAY, "is_primary": True}


class Planner(Cells):
    """Checks rows chunk by chunk against the record and the file so far, recording the changes and handing figures to the writer."""

    def __init__(self, writer: Writer | None, digest: bool, preview: str = "", duplicates: str = "") -> None:
        self.plan = Plan()
        self.on_duplicates = duplicates
        super().__init__(self.plan.problems)
        self.writer = writer
        # Only a preview, and its confirmation, compare digests; the command does not pay for one.
        self.digest = hashlib.sha256() if digest else None
        if self.digest is not None and preview:
            # Each preview's own token: a confirmed preview is applied once only (AppliedImport), yet the same file
            # previewed afresh later (after its figures were deleted, say) gets a digest of its own.
            self.digest.update(preview.encode())
        self.programmes = {programme.slug: programme for programme in Programme.objects.all()}
        self.organisations = {organisation.name: organisation for organisation in Organisation.objects.all()}
        self.sources: dict[int, Source] = {}
        self.figures: dict[int, Figure] = {}
        self.new_by_id: dict[int, tuple[int, Source]] = {}
        self.new_by_content: dict[tuple, Source] = {}
        self.existing_by_content: dict[str, list[Source]] = {}
        self.seen_ids: dict[int, int] = {}
        self.file_keys: dict[str, int] = {}
        self.figure_keys = dict(Figure.objects.exclude(key="").values_list("key", "pk"))
        self.source_keys = set(Source.objects.values_list("key", flat=True))
        self.key_numbers: dict[str, int] = {}
        self.source_labels: dict[int, str] = {}
        self.known_figures: set[int] = set()
        self.duplicates = Duplicates()
        # (line, figure id, column) for a part_of or revises naming a figure not yet read: checked once every row has been.
        self.later_parts: list[tuple[int, int, str]] = []

    def add_chunk(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """Read what these rows refer to in a few queries, then check each row."""
        ids = {int(text) for _, row in rows if WHOLE_NUMBER.match(text := row["id"].strip())}
        source_ids = {int(text) for _, row in rows if WHOLE_NUMBER.match(text := row["source_id"].strip())}
        part_ids = {
            int(text) for _, row in rows for name in ("part_of", "revises") if WHOLE_NUMBER.match(text := row.get(name, "").strip())
        }
        self.figures = Figure.objects.select_related("programme", "source__publisher", "claimant").in_bulk(ids)
        self.sources |= Source.objects.select_related("publisher").in_bulk(source_ids - self.sources.keys())
        self.known_figures |= set(self.figures) | set(
            Figure.objects.filter(pk__in=part_ids - self.known_figures).values_list("pk", flat=True)
        )
        self.fetch_sources_by_content(rows)
        checked = [found for line, row in rows if (found := self.add(line, row)) is not None]
        self.duplicates.fetch([figure for _, figure, before in checked if before is None], self.seen_ids)
        for line, figure, before in checked:
            self.record(line, figure, before)

    def fetch_sources_by_content(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """The existing sources that rows without a source_id may describe, found by title in one query per chunk."""
        titles = {unescape(row["source_title"]) for _, row in rows if not row["source_id"].strip()}
        titles = [title for title in titles if title and title not in self.existing_by_content]
        for title in titles:
            self.existing_by_content[title] = []
        for source in Source.objects.filter(title__in=titles).select_related("publisher"):
            self.existing_by_content[source.title].append(source)

    # Rows

    def add(self, line: int, row: dict[str, str]) -> tuple[int, Figure, dict[str, str] | None] | None:
        """Check one row: the figure as the row leaves it, with what it was (None for a new one), or None if the row has a problem."""
        known = len(self.plan.problems)
        for column in ("claimant", "source_publisher"):
            self.organisation_name(line, row, column)
        figure_id = self.cell(line, row, "id", identifier)
        programme = self.programme(line, row)
        values = {name: self.code(line, row, name) for name in CHOICES}
        values |= {name: self.cell(line, row, name, decimal) for name in ("value", "value_low", "value_high")}
        values |= {name: self.cell(line, row, name, financial_year) for name in ("period_start", "period_end")}
        values |= {name: unescape(row[name]) for name in ("locator", "note", "scope", "scenario", "as_published")}
        if "milestone" in row:
            values["milestone"] = unescape(row["milestone"])
        if "period_as_published" in row:
            values |= self.period_as_published(line, row, values["period_start"], values["period_end"])
        horizon = unescape(row["horizon"]).strip()
        if horizon and horizon not in Horizon.values:
            self.problem(line, "horizon", f"{horizon!r} is not allowed; use one of: {', '.join(Horizon.values)}, or leave it blank")
        part_of = self.part_of(line, row, figure_id)
        revises = self.revises(line, row, figure_id)
        speaks_for = unescape(row.get("speaks_for", "")).strip()
        if speaks_for and speaks_for not in SpeaksFor.values:
            self.problem(line, "speaks_for", f"{speaks_for!r} is not allowed; use one of: {', '.join(SpeaksFor.values)}, or leave it blank")
        key = self.key(line, row, figure_id)
        source = self.source(line, row)
        if figure_id is not None and figure_id in self.seen_ids:
            self.problem(line, "id", f"figure {figure_id} already appears on line {self.seen_ids[figure_id]}")
        if len(self.plan.problems) > known:
            return None
        if figure_id is not None:
            self.seen_ids[figure_id] = line
        existing = self.figures.get(figure_id) if figure_id is not None else None
        figure = existing or Figure(pk=figure_id, key="")
        before = snapshot(existing) if existing else None
        existing_status = existing.status if existing else None
        for name, value in values.items():
            setattr(figure, name, value)
        if before is not None and "period_as_published" not in row:
            period = (fiscal.label(figure.period_start), fiscal.label(figure.period_end))
            if period != (before["period_start"], before["period_end"]):
                # A file from before the text was kept has moved the period: the source's old words no longer say it.
                figure.period_as_published, figure.period_years = "", None
        figure.programme, figure.source, figure.part_of_id = programme, source, part_of
        if "revises" in row:
            figure.revises_id = revises
        if speaks_for:
            figure.speaks_for = speaks_for
        elif existing is None or existing.scope != figure.scope:
            figure.speaks_for = SpeaksFor.MEMBERS if figure.scope.strip() else SpeaksFor.WHOLE
        if key:
            figure.key = key
        self.fill_blanks(figure, row, horizon, is_new=existing is None, status_changed=figure.status != existing_status)
        return (line, figure, before) if self.is_valid(line, figure) else None

    def organisation_name(self, line: int, row: dict[str, str], column: str) -> None:
        """A claimant or publisher names an organisation, which the import may create: its name must fit."""
        limit = Organisation._meta.get_field("name").max_length
        if len(name := unescape(row[column])) > limit:
            self.problem(line, column, f"Ensure this value has at most {limit} characters (it has {len(name)}).")

    def fill_blanks(self, figure: Figure, row: dict[str, str], horizon: str, is_new: bool, status_changed: bool) -> None:
        """Claimant, horizon and description from their cells; a blank keeps the figure's, or gives a new figure a first one."""
        claimant = unescape(row["claimant"])
        if claimant.strip():
            figure.claimant = self.organisation(claimant)
        elif is_new:
            figure.claimant = figure.source.publisher
        if horizon:
            figure.horizon = horizon
        elif is_new or status_changed:
            figure.horizon = rules.suggested_horizon(figure)
        description = unescape(row["description"])
        if description.strip():
            figure.description = description
        elif is_new:
            # Editors replace this plain phrase in the admin.
            figure.description = f"{Measure(figure.measure).label}, {Status(figure.status).label.lower()}"

    def is_valid(self, line: int, figure: Figure) -> bool:
        """Whether the figure passes the model's own checks; each one it fails is a problem on its line."""
        try:
            # Foreign keys are checked above, from what was read once per chunk, not by a query per row.
            figure.full_clean(
                exclude=["programme", "source", "claimant", "part_of", "revises"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.problem(line, "" if name == NON_FIELD_ERRORS else name, message)
            return False
        return True

    def record(self, line: int, figure: Figure, before: dict[str, str] | None) -> None:
        """The row's change, from the figure as it was (before, None for a new one) and as the row leaves it."""
        after = snapshot(figure) if before is not None or self.digest is not None else None
        if before is None:
            change = Change(line, "create", figure.pk, brief=self.brief(figure))
        elif after == before:
            change = Change(line, "unchanged", figure.pk)
        else:
            differences = [(name, before[name], new) for name, new in after.items() if before[name] != new]
            change = Change(line, "update", figure.pk, differences=differences)
        self.duplicates.check(change, figure)
        if self.digest is not None:
            duplicate = [change.duplicate_of and change.duplicate_of.pk, change.duplicate_line]
            self.digest.update(json.dumps([line, change.action, before, after, duplicate], sort_keys=True).encode())
        if change.is_duplicate and self.on_duplicates == SKIP:
            change.action = "skip"
        self.plan.changes.append(change)
        if self.writer is not None and change.action in ("create", "update"):
            self.writer.add(change, figure)

    def brief(self, figure: Figure) -> tuple[str, ...]:
        source = figure.source
        if id(source) not in self.source_labels:
            self.source_labels[id(source)] = f"{source.title} ({source.publisher})"
        return (
            figure.programme.slug,
            figure.measure,
            figure.status,
            figure.basis,
            describe_value(figure),
            figure.period_display,
            self.source_labels[id(source)],
        )

    def programme(self, line: int, row: dict[str, str]) -> Programme | None:
        slug = unescape(row["programme"]).strip()
        programme = self.programmes.get(slug)
        if programme is None:
            self.problem(line, "programme", f"no programme {slug!r}; use one of: {', '.join(sorted(self.programmes))}")
            return None
        name = unescape(row.get("programme_name", ""))
        if name.strip() and name != programme.name:
            self.problem(
                line, "programme_name", f"{name!r} is not the name of {slug!r} ({programme.name!r}); fix the slug, or blank the name"
            )
        return programme

    def part_of(self, line: int, row: dict[str, str], figure_id: int | None) -> int | None:
        """The id of the total this figure is part of: a figure in the database or in this file, never itself."""
        part_of = self.cell(line, row, "part_of", identifier)
        if part_of is None:
            return None
        if part_of == figure_id:
            self.problem(line, "part_of", "a figure cannot be a part of itself")
        elif part_of not in self.known_figures:
            # It may be a figure created further down the file: checked once every row has been read.
            self.later_parts.append((line, part_of, "part_of"))
        return part_of

    def revises(self, line: int, row: dict[str, str], figure_id: int | None) -> int | None:
        """The id of the estimate this figure revises: a figure in the database or in this file, never itself."""
        if "revises" not in row:
            return None
        revises = self.cell(line, row, "revises", identifier)
        if revises is None:
            return None
        if revises == figure_id:
            self.problem(line, "revises", "a figure cannot revise itself")
        elif revises not in self.known_figures:
            self.later_parts.append((line, revises, "revises"))
        return revises

    def check_parts(self) -> None:
        for line, figure_id, column in self.later_parts:
            if figure_id not in self.seen_ids:
                self.problem(line, column, f"there is no figure {figure_id}, in the database or in this file")

    def key(self, line: int, row: dict[str, str], figure_id: int | None) -> str:
        """A filled key, checked to be free: not another figure's in the database, nor used twice in the file."""
        key = unescape(row["key"]).strip()
        if not key:
            return ""
        holder = self.figure_keys.get(key)
        if holder is not None and holder != figure_id:
            self.problem(line, "key", f"{key!r} is the key of figure {holder}; keys are unique")
        elif key in self.file_keys:
            self.problem(line, "key", f"{key!r} is already given on line {self.file_keys[key]}; keys are unique")
        self.file_keys[key] = line
        return key

    def source(self, line: int, row: dict[str, str]) -> Source | None:
        source_id = self.cell(line, row, "source_id", identifier)
        cells = {
            "title": unescape(row["source_title"]),
            "publisher": unescape(row["source_publisher"]),
            "published": self.cell(line, row, "source_published", date),
            "url": unescape(row["source_url"]).strip(),
        }
        for name in SOURCE_CHOICES:
            if row[name].strip():
                cells[name.removeprefix("source_")] = self.code(line, row, name)
        cells["is_primary"] = self.boolean(line, row, "source_is_primary")
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
            given, actual = cells.get(name), getattr(source, name)
            if name == "publisher":
                actual = actual.name
            if given not in ("", None) and given != actual:
                reason = f"{given!s} does not match {label}, whose {name} is {actual!s}; the import never edits sources: leave the cell blank or fix source_id"
                self.problem(line, column, reason)
        return source

    def new_source(self, line: int, source_id: int | None, cells: dict) -> Source | None:
        missing = [column for name, column in list(SOURCE_FIELDS.items())[:3] if cells[name] in ("", None)]
        for column in missing:
            self.problem(line, column, "a new source needs a title, publisher and date (or give the source_id of an existing one)")
        if missing:
            return None
        content = (cells["title"], cells["publisher"], cells["published"], cells["url"])
        if source_id is None:
            if content in self.new_by_content:
                return self.agreeing(line, cells, self.new_by_content[content], "the new source described above")
            matches = [
                source
                for source in self.existing_by_content.get(cells["title"], [])
                if (source.publisher.name, source.published, source.url) == content[1:]
            ]
            if len(matches) == 1:
                return self.agreeing(line, cells, matches[0], f"source {matches[0].pk}, which has this title, publisher, date and link")
            if len(matches) > 1:
                self.problem(line, "source_id", "several sources have this title, publisher, date and link; give the source_id")
                return None
        guessed = tuple(name for name in ("kind", "date_precision", "is_primary") if cells.get(name) in ("", None))
        given = {name: value for name, value in cells.items() if value not in ("", None)}
        source = Source(
            pk=source_id,
            key=self.unique_key(cells),
            **{"kind": guess_kind(cells["publisher"]), **GUESSES, **given, "publisher": self.organisation(cells["publisher"])},
        )
        try:
            source.full_clean(exclude=["key", "publisher"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = SOURCE_FIELDS.get(name, "source_url" if name == "seed_file" else "source_title")
                for message in messages:
                    self.problem(line, column, f"new source: {message}")
            return None
        self.plan.new_sources.append(NewSource(line, source, guessed))
        if self.digest is not None:
            self.digest.update(json.dumps([line, source.pk, source.key, *map(str, content), source.kind, guessed]).encode())
        self.new_by_content[content] = source
        if source_id is not None:
            self.new_by_id[source_id] = (line, source)
        if self.writer is not None:
            self.writer.sources.append(source)
        return source

    def organisation(self, name: str) -> Organisation:
        """The organisation of this name, or a new one saved with the import (kind other: editors set it in the admin)."""
        if name not in self.organisations:
            self.organisations[name] = Organisation(name=name, kind=OrganisationKind.OTHER)
            self.plan.new_organisations.append(self.organisations[name])
            if self.digest is not None:
                self.digest.update(json.dumps(["organisation", name]).encode())
            if self.writer is not None:
                self.writer.organisations.append(self.organisations[name])
        return self.organisations[name]

    def unique_key(self, cells: dict) -> str:
        """A key for a new source from its publisher, year and title, numbered after the ones taken; counting on, never from 1 again."""
        base = slugify(f"{cells['publisher']} {cells['published'].year} {cells['title']}")[:90].strip("-") or "source"
        key, number = base, self.key_numbers.get(base, 1)
        if number > 1:
            key = f"{base}-{number}"
        while key in self.source_keys:
            number += 1
            key = f"{base}-{number}"
        self.key_numbers[base] = number
        self.source_keys.add(key)
        return key


def guess_kind(publisher: str) -> str:
    """A starting kind for a new source whose source_kind is blank; the preview says it was guessed."""
    name = publisher.casefold()
    if "national audit office" in name or name == "nao":
        return SourceKind.AUDIT_REPORT
    if "committee" in name:
        return SourceKind.COMMITTEE_REPORT
    return SourceKind.OFFICIAL_PUBLICATION
