"""Changes made to the record, newest first, from the figures' change history: what the Atom feeds list.

/changes/ compares the record on two dates by when its sources appeared; this lists what was done to the record and
when, from the history kept of every save (Figure.history): a figure added ("+"), corrected ("~") or removed ("-").
A figure back-filled today from a 2014 source was added today, so it comes first.

- An added figure is a restatement when it gives a new value for a quantity the record already held
  (rules.restated_from), judged against the figures of its quantity added before it and still in the record, as they
  stand now.
- A save is a correction only when it changed a field the public sees (rules.corrected_fields): a save that changed
  only bookkeeping (the version) is no change to the record and has no entry.
- Who made a change is told only by role (rules.made_by: an editor, an administrator, the dataset's maintainers): the
  record is public, the people who keep it are not named, so the history's user is read for its role alone.
- A programme's feed holds the changes to its figures: a change belongs to the programme the figure is in after it
  (for a removal, the one it was in).

A fixed number of queries a batch of history rows, whatever the size of the history: the rows with their programme,
source and claimant, the versions before the corrections among them, the figures of the quantities added, which of
the figures and programmes are still in the record, and the last versions of any programme, source or claimant gone.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Model, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from programmes import fiscal, formatting, rules
from programmes.models import Figure, Organisation, Programme, Source

History = Figure.history.model

# The fields of a figure its history keeps, as stored (programme_id for programme).
KEPT = [field for field in History._meta.fields if field.name in {f.name for f in Figure._meta.concrete_fields}]
# A correction tells the value and the period in the words the pages use, and every other field by its label.
VALUE_FIELDS = ("qualifier", "value", "value_low", "value_high", "unit")
PERIOD_FIELDS = ("period_start", "period_end", "period_years", "period_as_published")
RELATED = ("programme", "source__publisher", "claimant", "revises", "part_of")
# Saves that change only bookkeeping give no entry, so a batch of rows may give fewer entries than asked for: a few
# more batches are read before the list is cut short, which keeps the number of queries bounded.
MOST_BATCHES = 4


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Edit:
    """One change to the record: a figure added, restated, corrected or removed, when, why, and where to read it now."""

    kind: str
    # The figure as it stood after the change (as it was, for a removal), with its programme, source and claimant.
    figure: Figure
    when: datetime.datetime
    reason: str
    history_id: int
    url: str
    restates: Figure | None = None
    changed: tuple[FieldChange, ...] = ()
    # Who made it, by role (rules.made_by).
    role: str = ""


def with_previous(rows: QuerySet, model: type[Model]) -> QuerySet:
    """History rows, newest first, each with the id of the version before it (previous_id) and whether its editor is an administrator."""
    earlier = model.history.model.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date")) | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    rows = rows.annotate(previous_id=Subquery(earlier.order_by("-history_date", "-history_id").values("history_id")[:1]))
    # Only the account's role is read, never its name: None when the history names no editor.
    return rows.annotate(by_administrator=F("history_user__is_superuser")).order_by("-history_date", "-history_id")


def role_of(record) -> str:
    """Who made the change a history row records, by role: never a name."""
    return rules.made_by(record.by_administrator, record.history_change_reason or "")


def newest(count: int, programme: Programme | None = None) -> list[Edit]:
    """The `count` newest changes to the record (of one programme's figures, if given), newest first."""
    rows = History.objects.select_related(*RELATED)
    if programme is not None:
        rows = rows.filter(programme_id=programme.pk)
    rows = with_previous(rows, Figure)
    found: list[Edit] = []
    for batch in range(MOST_BATCHES):
        records = list(rows[batch * count : (batch + 1) * count])
        found += edits(records)
        if len(found) >= count or len(records) < count:
            break
    return found[:count]


def edits(records: list) -> list[Edit]:
    """The entries of a batch of history rows, in their order; a save that changed only bookkeeping gives none."""
    attach_rows_gone(records)
    # A change whose programme, source or claimant left no history either (rows written in bulk) cannot be told.
    records = [record for record in records if record.programme and record.source and record.claimant]
    previous = History.objects.select_related(*RELATED).in_bulk([r.previous_id for r in records if r.history_type == "~" and r.previous_id])
    added = [record for record in records if record.history_type == "+"]
    restates = restated(added)
    figure_urls = {
        figure.pk: figure.get_absolute_url()
        for figure in Figure.objects.filter(pk__in={r.id for r in records}).only("pk", "key").order_by()
    }
    programme_urls = {
        p.pk: p.get_absolute_url() for p in Programme.objects.filter(pk__in={r.programme_id for r in records}).only("pk", "slug").order_by()
    }
    found = []
    for record in records:
        # A figure no longer in the record has no page: its programme's page shows what stands in its place, if anything.
        url = figure_urls.get(record.id) or programme_urls.get(record.programme_id) or reverse("dashboard:changes")
        common = {"figure": figure_of(record), "when": record.history_date, "reason": record.history_change_reason or ""}
        common |= {"history_id": record.history_id, "url": url, "role": role_of(record)}
        if record.history_type == "+":
            before = restates.get(record.history_id)
            found.append(Edit("restated" if before else "added", restates=before, **common))
        elif record.history_type == "-":
            found.append(Edit("removed", **common))
        # Every write the site makes leaves a history row; a row saved without one (in bulk, by a benchmark) has no
        # version before its first correction to compare with, so that correction cannot be told and has no entry.
        elif record.previous_id in previous:
            changed = changes_between(previous[record.previous_id], record)
            if changed:
                found.append(Edit("corrected", changed=tuple(changed), **common))
    return found


def attach_rows_gone(records: list) -> None:
    """Give each history row its programme, source and claimant from their own history when they are no longer in the record.

    A programme is deleted with its figures, so the changes to its figures outlive it: their entries name it as it last
    stood. One query for each kind of row gone from a batch, none when nothing is.
    """
    for name, model in (("programme", Programme), ("source", Source), ("claimant", Organisation)):
        missing = {getattr(record, f"{name}_id") for record in records if getattr(record, name) is None}
        if not missing:
            continue
        versions = model.history.filter(id__in=missing).order_by("history_date", "history_id")
        last = {version.id: version for version in (versions.select_related("publisher") if model is Source else versions)}
        for record in records:
            version = last.get(getattr(record, f"{name}_id"))
            if getattr(record, name) is None and version is not None:
                setattr(record, name, row_of(model, version))


def row_of(model: type[Model], version) -> Model | None:
    """The last version of a row no longer in the record, as the row; None for a source whose publisher is gone too."""
    names = {field.attname for field in model._meta.concrete_fields}
    row = model(**{field.attname: getattr(version, field.attname) for field in version._meta.fields if field.attname in names})
    if model is Source:
        if version.publisher is None:
            return None
        row.publisher = version.publisher
    return row


def figure_of(record) -> Figure:
    """A history row as the figure it describes, its programme, source and claimant attached (no query)."""
    figure = Figure(**{field.attname: getattr(record, field.attname) for field in KEPT})
    figure.programme, figure.source, figure.claimant = record.programme, record.source, record.claimant
    return figure


def restated(added: list) -> dict[int, Figure]:
    """For each added figure that restated its quantity (rules.restated_from), by history row, the figure it restated."""
    figures = {record.history_id: figure_of(record) for record in added}
    keys = {history_id: rules.quantity_key(figure) for history_id, figure in figures.items()}
    first_added = History.objects.filter(id=OuterRef("pk"), history_type="+").order_by("history_date").values("history_date")[:1]
    same = Figure.objects.filter(quantity__in=set(keys.values())).select_related("source__publisher", "claimant", "programme")
    by_quantity = defaultdict(list)
    for other in same.annotate(added_at=Subquery(first_added)):
        by_quantity[other.quantity].append(other)
    found = {}
    for record in added:
        # A figure written without history (in bulk) was there before any change the history holds.
        earlier = [
            other
            for other in by_quantity[keys[record.history_id]]
            if other.pk != record.id and (other.added_at is None or other.added_at < record.history_date)
        ]
        before = rules.restated_from(figures[record.history_id], earlier)
        if before is not None:
            found[record.history_id] = before
    return found


def changes_between(before, after) -> list[FieldChange]:
    """What a save changed that the public sees, before → after: the value and the period as the pages write them."""
    by_name = {field.attname: field for field in KEPT}
    changed = [by_name[name] for name in rules.corrected_fields(before, after, list(by_name))]
    found = []
    if any(field.name in VALUE_FIELDS for field in changed):
        found.append(FieldChange("value", value_text(before), value_text(after)))
    if any(field.name in PERIOD_FIELDS for field in changed):
        found.append(FieldChange("period", period_text(before) or "not stated", period_text(after) or "not stated"))
    for field in changed:
        if field.name not in VALUE_FIELDS and field.name not in PERIOD_FIELDS:
            found.append(FieldChange(str(field.verbose_name), shown(before, field), shown(after, field)))
    return found


def value_text(record) -> str:
    return formatting.quantity(record.value, record.value_low, record.value_high, record.unit, record.qualifier)


def period_text(record) -> str:
    return fiscal.stated(record.period_start, record.period_end, record.period_years, record.period_as_published)


def shown(record, field) -> str:
    """A field's value as a reader would write it: a choice by its label, a related row by its name, blank as "blank"."""
    if field.is_relation:
        return named(getattr(record, field.name))
    value = getattr(record, field.attname)
    if value in (None, ""):
        return "blank"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def named(row: Model | None) -> str:
    if row is None:
        return "none"
    if isinstance(row, Figure):
        return row.key or f"figure {row.pk}"
    return str(getattr(row, "name", None) or getattr(row, "title", None) or row)
