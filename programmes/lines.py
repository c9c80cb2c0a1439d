"""Figure lines: each figure's finished line of figures.csv, written when the data it shows changes, so that a download
reads stored lines in its order instead of formatting 33 cells of every row (programmes/models/line.py).

Why here, in programmes/ beside the flags, and not in the downloads (dashboard/exports/): the writes that change a line are the domain's
(a figure's save and delete, a programme, source or organisation renamed, the flags of programmes/flags.py), and they
must rewrite it in their own transaction, as the flags are. The columns already live in the domain
(programmes/columns.py, shared with the import), and so does the SQL that writes them as a line
(programmes/database_cells.py), so the line is computed here without the domain importing the public app; the
download keeps only the choice of when a stored line is right (today's record, not as at a past date).

A line is written by the database (INSERT ... SELECT with CsvLine), never in Python, so a million lines are one
statement. Every write that changes what a line shows ends here:

- a figure's save (and the import's bulk_create), and the figures a deleted figure was revised by (SET_NULL);
- a programme's slug or name, a source's shown fields, an organisation's name (claimant or publisher): their figures;
- the disagreement counts programmes/flags.py changes: the figures whose count changed;
- refresh_all after a bulk load that went around save() (flags.refresh_all calls it).

A figure a write left without a line (SQL around save()) is still downloaded whole: the download writes the missing
line as it reads (dashboard/exports/streaming.stored_or_written). A changed line it cannot see: a change to
FIGURE_COLUMNS or to the SQL formatting changes every line, and needs a migration that writes them all (write_all).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.db.models import F, Q, QuerySet

from programmes.columns import FIGURE_COLUMNS, judgements_today
from programmes.database_cells import CsvLine
from programmes.models import Figure, FigureLine, Organisation, Programme, Source

# Figures rewritten per statement when they are given by id: bounds the IN list.
BATCH = 2000

# What each related row shows in a figure's line, and which figures show it: a save that changes none of these fields
# leaves every line as it was (a programme holding a tenth of a million figures is saved without rewriting them).
SHOWN = {
    Programme: (("slug", "name"), lambda programme: Q(programme=programme)),
    Source: (
        ("title", "publisher_id", "kind", "published", "date_precision", "is_primary", "url"),
        lambda source: Q(source=source),
    ),
    Organisation: (("name",), lambda organisation: Q(claimant=organisation) | Q(source__publisher=organisation)),
}


def line() -> CsvLine:
    """A figure's line of figures.csv today, as an expression of a figure queryset: the download's own formatting."""
    today = judgements_today()
    return CsvLine([today[column.name] if column.computed else F(column.lookup) for column in FIGURE_COLUMNS], FIGURE_COLUMNS)


def write(figures: QuerySet, lines: QuerySet) -> None:
    """Replace `lines` (the stored lines of these figures) with lines the database writes from the figures' rows now."""
    alias = router.db_for_write(lines.model)
    connection = connections[alias]
    select = figures.order_by("pk").annotate(csv_line=line()).values_list("pk", "csv_line")
    sql, params = select.query.get_compiler(using=alias).as_sql()
    table = connection.ops.quote_name(lines.model._meta.db_table)
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        lines.delete()
        cursor.execute(f"INSERT INTO {table} (figure_id, csv) {sql}", params)


def write_all(figure_model=Figure, line_model=FigureLine) -> None:
    """Write every figure's line again (the migration passes its own models)."""
    write(figure_model._base_manager.all(), line_model._base_manager.all())


@dataclass
class Pending:
    """What a deferral has to rewrite at its end: these figures, or every line."""

    pks: set[int] = field(default_factory=set)
    every: bool = False


deferred_lines: contextvars.ContextVar[Pending | None] = contextvars.ContextVar("deferred_lines", default=None)


def refresh(figures: QuerySet | Iterable[int]) -> None:
    """Write the lines of these figures (a queryset, or ids) again; inside a deferral, once at its end instead."""
    pending = deferred_lines.get()
    if pending is not None:
        if not pending.every:
            pending.pks.update(figures.values_list("pk", flat=True) if isinstance(figures, QuerySet) else figures)
        return
    if isinstance(figures, QuerySet):
        write(figures, FigureLine.objects.filter(figure__in=figures.values("pk")))
        return
    ordered = sorted(set(figures))
    for start in range(0, len(ordered), BATCH):
        pks = ordered[start : start + BATCH]
        write(Figure._base_manager.filter(pk__in=pks), FigureLine.objects.filter(pk__in=pks))


def refresh_all() -> None:
    """Write every line again: after a bulk load that went around save(); inside a deferral, at its end."""
    pending = deferred_lines.get()
    if pending is not None:
        pending.every = True
        return
    write_all()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the figures many writes touch and rewrite each line once at the end (an import, a dataset load, the flags)."""
    if deferred_lines.get() is not None:
        yield
        return
    pending = Pending()
    token = deferred_lines.set(pending)
    try:
        yield
    finally:
        deferred_lines.reset(token)
    if pending.every:
        write_all()
    else:
        refresh(pending.pks)


def figure_saved(sender, instance: Figure, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: load_dataset and refresh_all are the way in, as for the flags
        return
    refresh([instance.pk])


def figure_deleting(sender, instance: Figure, **kwargs) -> None:
    """Before a figure goes: the figures that revise it, whose revises cell the deletion empties (SET_NULL, no save)."""
    instance.revisions = list(Figure._base_manager.filter(revises=instance).values_list("pk", flat=True))


def figure_deleted(sender, instance: Figure, **kwargs) -> None:
    # The figure's own line goes with it (CASCADE); a changed flag count rewrites its others' (programmes/flags.py).
    refresh(getattr(instance, "revisions", []))


def shown_before(sender, instance, raw: bool = False, **kwargs) -> None:
    """Before a programme, source or organisation is saved: the fields of it that figures' lines show, as stored."""
    if raw or instance.pk is None:
        return
    fields, _ = SHOWN[sender]
    instance.shown_before = sender._base_manager.filter(pk=instance.pk).values_list(*fields).first()


def shown_saved(sender, instance, raw: bool = False, created: bool = False, **kwargs) -> None:
    """After it is saved: if a shown field changed, the lines of every figure that shows it."""
    if raw or created:
        return
    fields, figures = SHOWN[sender]
    if getattr(instance, "shown_before", None) != tuple(getattr(instance, name) for name in fields):
        refresh(Figure._base_manager.filter(figures(instance)))
