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


def entry(user, instance: Model, flag: int, message: str) -> LogEntry:
    return LogEntry(
        user_id=user.pk,
        content_type_id=ContentType.objects.get_for_model(instance, for_concrete_model=False).pk,
        object_id=str(instance.pk),
        object_repr=str(instance)[:REPR_LENGTH],
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
    entries += [entry(user, source, ADDITION, f"{opening} (line {line}): new source") for line, source in plan.new_sources]
    for change in plan.changes:
        if change.action == "create":
            entries.append(entry(user, change.figure, ADDITION, f"{opening} (line {change.line}): new figure"))
        elif change.action == "update":
            edits = "; ".join(f"{name} {old!r} → {new!r}" for name, old, new in change.differences)
            entries.append(entry(user, change.figure, CHANGE, f"{opening} (line {change.line}): {edits}"))
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
