"""Imports in the admin's Recent actions, beside the edits made by hand.

The change history (simple_history) already records every row an import writes, with who and why; the admin's
"Recent actions" reads django.contrib.admin's LogEntry instead, one list per editor. A saved import therefore
writes one LogEntry per record it created or changed, linking to it, and last a summary entry ("Imported from
<file>: ..."), which is what the editor sees at the top of Recent actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from programmes.models import Figure

if TYPE_CHECKING:
    from programmes.importing import Plan

# LogEntry.object_repr holds at most 200 characters.
REPR_LENGTH = 200


def entry(user, instance: Model, flag: int, message: str, pk: int | None = None, shown: str = "") -> LogEntry:
    """One Recent actions line for a record; a figure may be named by its id and a short description instead of loaded."""
    return LogEntry(
        user_id=user.pk,
        content_type_id=ContentType.objects.get_for_model(instance, for_concrete_model=False).pk,
        object_id=str(pk if pk is not None else instance.pk),
        object_repr=(shown or str(instance))[:REPR_LENGTH],
        action_flag=flag,
        change_message=message,
    )


def log_import(plan: Plan, user, filename: str) -> int:
    """Record a saved import in the importing editor's Recent actions; returns how many entries were written.

    Without a user (the import_figures command without --user) nothing is written: Recent actions lists an
    editor's own actions, and a LogEntry must name its user, so there is no one to show it to. The change
    history still records those rows, with no user and the reason "Imported from <file>".
    """
    if user is None or not plan.saved:
        return 0
    opening = f"Imported from {filename}"
    entries = [entry(user, organisation, ADDITION, f"{opening}: new organisation") for organisation in plan.new_organisations]
    entries += [entry(user, new.source, ADDITION, f"{opening} (line {new.line}): new source") for new in plan.new_sources]
    for change in plan.changes:
        shown = " ".join(change.brief[:5]) or f"figure {change.figure_id}"
        if change.action == "create":
            entries.append(entry(user, Figure, ADDITION, f"{opening} (line {change.line}): new figure", change.figure_id, shown))
        elif change.action == "update":
            edits = "; ".join(f"{name} {old!r} → {new!r}" for name, old, new in change.differences)
            entries.append(entry(user, Figure, CHANGE, f"{opening} (line {change.line}): {edits}", change.figure_id, shown))
    LogEntry.objects.bulk_create(entries, batch_size=500)
    # Written after the rest, so that it is the latest: the line the editor reads first.
    LogEntry.objects.create(
        user_id=user.pk,
        content_type_id=ContentType.objects.get_for_model(Figure).pk,
        object_repr=f"{opening}: {plan.summary}"[:REPR_LENGTH],
        action_flag=CHANGE,
        change_message=f"{opening}: {plan.summary}.",
    )
    return len(entries) + 1
