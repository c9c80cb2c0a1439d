"""The corrections log, as plain data: every correction or removal of a published figure or source, newest first, with
what was published, what it is now (or that it was removed), the reason given, when, and who made it by role.

A correction is the site putting its own record right: an editor, or the dataset's maintainers in a new release of the
shipped dataset, found that the record said something its source does not, and changed or removed it. A restatement
is something else: a later publication giving a new value for a quantity, which is the record's own content, told on
/changes/ and in the feeds as "Restated". So an addition is never listed here, restating or not, and the dataset's
first load of a row is an addition.

Read from the history kept of every save, as dashboard/edits.py reads it: a save that changed only bookkeeping is no
correction (rules.corrected_fields), and who made one is told by role alone (rules.made_by), never by name.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse

from dashboard import edits
from dashboard.edits import FieldChange
from dashboard.pages import PAGE_SIZE, page_of
from programmes import rules
from programmes.models import Figure, Programme, Source
from programmes.models.source import dated

FigureHistory = Figure.history.model
SourceHistory = Source.history.model
# The fields of a source its history keeps, as stored (publisher_id for publisher).
SOURCE_KEPT = [field for field in SourceHistory._meta.fields if field.name in {f.name for f in Source._meta.concrete_fields}]
DATE_FIELDS = ("published", "date_precision")

# The downloads: one row for each field a correction changed, one for each removal (its field blank).
COLUMNS = [
    "correction",
    "made_at",
    "subject",
    "action",
    "key",
    "what",
    "programme",
    "url",
    "field",
    "published",
    "now",
    "reason",
    "made_by",
]


@dataclass(frozen=True)
class Correction:
    """One correction or removal of a figure or a source: what it was, what it is now, why, when and by whom (a role)."""

    subject: str  # "figure" or "source"
    action: str  # "corrected" or "removed"
    key: str
    what: str
    when: datetime.datetime
    reason: str
    role: str
    history_id: int
    # Where it can be read now; blank once it is removed.
    url: str = ""
    programme_name: str = ""
    programme_url: str = ""
    programme_slug: str = ""
    changed: tuple[FieldChange, ...] = ()
    # What a removed figure or source said, as the record held it.
    said: str = ""

    @property
    def anchor(self) -> str:
        """Its id on the corrections page and in the feed: figure and source histories number their rows apart."""
        return f"{self.subject}-{self.history_id}"


def figure_rows(**lookup) -> list:
    """Figure history rows of corrections and removals (of those matching `lookup`), newest first, ready for edits.edits."""
    rows = FigureHistory.objects.select_related(*edits.RELATED).filter(history_type__in=["~", "-"], **lookup)
    return list(edits.with_previous(rows, Figure))


def of_figures(records: list) -> list[Correction]:
    """The corrections and removals among figure history rows: edits.edits tells them, this names them for the log."""
    found = [edit for edit in edits.edits(records) if edit.kind in ("corrected", "removed")]
    live = set(Figure.objects.filter(pk__in={edit.figure.pk for edit in found}).values_list("pk", flat=True).order_by())
    programmes = set(Programme.objects.filter(pk__in={edit.figure.programme_id for edit in found}).values_list("pk", flat=True).order_by())
    corrections = []
    for edit in found:
        figure, programme = edit.figure, edit.figure.programme
        corrections.append(
            Correction(
                subject="figure",
                action=edit.kind,
                key=figure.key or str(figure.pk),
                what=figure.description,
                when=edit.when,
                reason=edit.reason,
                role=edit.role,
                history_id=edit.history_id,
                url=edit.url if figure.pk in live else "",
                programme_name=programme.name,
                # A programme deleted since has no page: it is named as it last stood.
                programme_url=programme.get_absolute_url() if programme.pk in programmes else "",
                programme_slug=programme.slug,
                changed=edit.changed,
                said=rules.sentence(rules.statement(figure)) if edit.kind == "removed" else "",
            )
        )
    return corrections


def of_sources() -> list[Correction]:
    """Every correction and removal of a source, newest first: a fixed number of queries, however long the history."""
    rows = SourceHistory.objects.select_related("publisher").filter(history_type__in=["~", "-"])
    records = list(edits.with_previous(rows, Source))
    wanted = [record.previous_id for record in records if record.history_type == "~" and record.previous_id]
    previous = SourceHistory.objects.select_related("publisher").in_bulk(wanted)
    live = set(Source.objects.filter(pk__in={record.id for record in records}).values_list("pk", flat=True).order_by())
    found = []
    for record in records:
        common = {
            "subject": "source",
            "key": record.key,
            "what": source_text(record),
            "when": record.history_date,
            "reason": record.history_change_reason or "",
            "role": edits.role_of(record),
            "history_id": record.history_id,
            "url": reverse("dashboard:source-detail", args=[record.id]) if record.id in live else "",
        }
        if record.history_type == "-":
            found.append(Correction(action="removed", said=rules.sentence(f"The record cited {source_text(record)}"), **common))
        # A source saved without history (in bulk) has no version before its first correction to compare with.
        elif record.previous_id in previous:
            changed = source_changes(previous[record.previous_id], record)
            if changed:
                found.append(Correction(action="corrected", changed=changed, **common))
    return found


def source_text(record) -> str:
    """A source as a reader would cite it: its title, publisher and date as precise as it is dated."""
    return f"{record.title} ({edits.named(record.publisher)}, {dated(record.published, record.date_precision)})"


def source_changes(before, after) -> tuple[FieldChange, ...]:
    """What a save of a source changed that the public sees, before → after: the date as the pages write it."""
    by_name = {field.attname: field for field in SOURCE_KEPT}
    changed = [by_name[name] for name in rules.corrected_fields(before, after, list(by_name))]
    found = []
    if any(field.name in DATE_FIELDS for field in changed):
        found.append(
            FieldChange("date published", dated(before.published, before.date_precision), dated(after.published, after.date_precision))
        )
    found += [
        FieldChange(str(field.verbose_name), edits.shown(before, field), edits.shown(after, field))
        for field in changed
        if field.name not in DATE_FIELDS
    ]
    return tuple(found)


def every_correction() -> list[Correction]:
    """Every correction and removal of a figure or a source, newest first."""
    found = of_figures(figure_rows()) + of_sources()
    return sorted(found, key=lambda correction: (correction.when, correction.subject, correction.history_id), reverse=True)


def of_figure(figure: Figure) -> list[Correction]:
    """A figure's own corrections, newest first: what its page says was corrected since it was published."""
    return of_figures(figure_rows(id=figure.pk))


def removal_of(pk: int | None = None, key: str | None = None) -> Correction | None:
    """The removal of the figure once at this id or key, when its last change was its removal; None otherwise."""
    rows = FigureHistory.objects.filter(id=pk) if pk is not None else FigureHistory.objects.filter(key=key)
    last = rows.order_by("-history_date", "-history_id").values_list("history_id", "history_type").first()
    if last is None or last[1] != "-":
        return None
    found = of_figures(figure_rows(history_id=last[0]))
    return found[0] if found else None


def corrections_page(query: QueryDict) -> dict:
    """A page of /corrections/: PAGE_SIZE corrections (the query's `page`), newest first."""
    page = page_of(query, every_correction(), PAGE_SIZE)
    return {
        "page": page,
        "corrections": list(page.object_list),
        "csv_url": reverse("dashboard:corrections-csv"),
        "json_url": reverse("dashboard:corrections-json"),
        "feed_url": reverse("dashboard:corrections-feed"),
    }


def correction_rows(query: QueryDict, as_at: datetime.date | None) -> list[dict]:
    """/corrections.csv and .json: a row for each field each correction changed, a row for each removal, newest first.

    The log is of what was done to the record and when, so a date the record is read at changes nothing in it.
    """
    rows = []
    for correction in every_correction():
        common = {
            "correction": correction.anchor,
            "made_at": correction.when.astimezone(datetime.UTC).isoformat(),
            "subject": correction.subject,
            "action": correction.action,
            "key": correction.key,
            "what": correction.what,
            "programme": correction.programme_slug,
            "url": correction.url,
            "reason": correction.reason,
            "made_by": correction.role,
        }
        if correction.action == "removed":
            rows.append({**common, "field": "", "published": correction.said, "now": "removed"})
        rows += [{**common, "field": change.label, "published": change.before, "now": change.after} for change in correction.changed]
    return rows
