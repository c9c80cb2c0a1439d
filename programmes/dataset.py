"""The cited dataset meets the database: add what is missing, correct what no editor has touched, report the rest.

Each field of a shipped row is compared three ways: the value the dataset now ships, the value stored,
and the value the dataset last loaded, which the row's change history holds (records saved with
LOAD_REASON or CORRECTION_REASON). A field an editor has changed since is reported and kept; any other
field that differs is corrected, which also fills fields added after the row was first loaded. Rows are
never deleted, and a row an editor deleted or re-keyed is never brought back.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, router, transaction

# Kept beside the rule that reads them (rules.made_by): a correction by the dataset's maintainers is told as theirs.
from programmes.rules.record import CORRECTION_REASON, LOAD_REASON

KEY_FIELDS = ("slug", "key", "name")
# Never compared: the database's own bookkeeping, not facts from a source.
UNSHIPPED = {"id", "version"}
# Stands for a loaded value the history cannot tell, so it never equals what is stored.
UNKNOWN = object()


class DatasetError(Exception):
    """A shipped row that cannot be stored as it stands."""


@dataclass
class FileResult:
    added: int = 0
    corrected: int = 0
    kept: int = 0
    notes: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)

    def report(self, name: str, verbosity: int) -> list[str]:
        """Nothing when quiet; the counts and each editor's change kept; at verbosity 2 also each correction."""
        if verbosity < 1:
            return []
        details = self.notes + (self.corrections if verbosity > 1 else [])
        return [f"{name}: {self.added} added, {self.corrected} corrected, {self.kept} kept"] + [f"  {line}" for line in details]


@dataclass
class FieldState:
    """What the history says about one field: the value last loaded, and when an editor last changed it."""

    loaded: object = UNKNOWN
    edited: object = None


def load_file(path: Path) -> FileResult:
    """Add, correct or keep each row of one fixture file, recording every save in the history with its reason."""
    result = FileResult()
    records = with_stored_ids(in_dependency_order(json.loads(path.read_text(encoding="utf-8"))))
    histories: dict[type, dict[int, list]] = {}
    keys_in_history: dict[type, set] = {}
    for raw, shipped in zip(records, serializers.deserialize("python", records, handle_forward_references=True), strict=True):
        instance = shipped.object
        model = type(instance)
        if instance.pk is None:
            if model not in keys_in_history:
                keys_in_history[model] = history_keys(model)
            if getattr(instance, key_field(model)) in keys_in_history[model]:
                # A row with this key existed before: an editor has since deleted it or changed its key.
                result.kept += 1
            else:
                add(instance, path.name)
                result.added += 1
            continue
        if model not in histories:
            histories[model] = history_by_row(model)
        # A reference the database cannot resolve (an editor deleted or re-keyed its target) is left as stored.
        unresolved = {f.name for f in shipped.deferred_fields or {}}
        names = [name for name in raw["fields"] if name not in UNSHIPPED and name not in unresolved]
        if correct(instance, names, histories[model].get(instance.pk, []), result):
            result.corrected += 1
        else:
            result.kept += 1
    return result


def in_dependency_order(records: list[dict]) -> list[dict]:
    """The records, each after any row of the same file it refers to (a parent, a larger total), else in file order."""
    shipped = {natural_key(record) for record in records}
    pending, ordered, placed = list(records), [], set()
    while pending:
        # A cycle cannot be ordered: take what is left as it comes, and let the deserializer defer those references.
        ready = [record for record in pending if not (self_references(record) & shipped) - placed] or pending
        ordered.extend(ready)
        placed |= {natural_key(record) for record in ready}
        taken = {id(record) for record in ready}
        pending = [record for record in pending if id(record) not in taken]
    return ordered


def with_stored_ids(records: list[dict]) -> list[dict]:
    """The records with each natural key the database holds already, the row's own and its references, replaced by
    the stored row's id, read in one query per model: the deserializer would look each up in a query of its own, some
    2,000 on a reload, most of its time. A key not stored yet (a row this file adds, or one an editor deleted or
    re-keyed) is left for the deserializer, which looks it up when it comes to it, as before."""
    stored_ids: dict[type[models.Model], dict] = {}

    def stored_id(model: type[models.Model], key: object) -> int | None:
        if model not in stored_ids:
            stored_ids[model] = dict(model._default_manager.values_list(key_field(model), "pk"))
        return stored_ids[model].get(key)

    resolved = []
    for record in records:
        model = apps.get_model(record["model"])
        record = {**record, "fields": dict(record["fields"])}
        if record.get("pk") is None and (pk := stored_id(model, natural_key(record)[1][0])) is not None:
            record["pk"] = pk
        for f in model._meta.fields:
            value = record["fields"].get(f.name)
            is_natural_key = f.many_to_one and isinstance(value, list) and len(value) == 1 and f.target_field.primary_key
            if is_natural_key and (pk := stored_id(f.remote_field.model, value[0])) is not None:
                record["fields"][f.name] = pk
        resolved.append(record)
    return resolved


def self_references(record: dict) -> set:
    model = apps.get_model(record["model"])
    names = [f.name for f in model._meta.fields if f.remote_field and f.remote_field.model is model]
    return {(record["model"], tuple(record["fields"][name])) for name in names if record["fields"].get(name)}


def natural_key(record: dict) -> tuple:
    key = next(record["fields"][name] for name in KEY_FIELDS if name in record["fields"])
    return (record["model"], (key,))


def key_field(model: type[models.Model]) -> str:
    return next(name for name in KEY_FIELDS if any(f.name == name for f in model._meta.fields))


def history_keys(model: type[models.Model]) -> set:
    """Every natural key a row of this model has ever had, from its change history (one query for the whole file)."""
    return set(history_model(model).objects.values_list(key_field(model), flat=True).distinct())


@functools.cache
def history_model(model: type[models.Model]) -> type[models.Model]:
    # Each read of .history builds a manager class afresh: a tenth of a load's time when read once a row.
    return model.history.model


def add(instance: models.Model, file_name: str) -> None:
    instance._change_reason = LOAD_REASON
    try:
        save_valid(instance)
    except ValidationError as exc:
        raise DatasetError(f"{file_name}: {label(instance)}: {exc}") from exc


def save_valid(instance: models.Model) -> None:
    """Save a row that passes every rule of its model, or raise ValidationError naming the rule it breaks.

    The table's constraints are the database's own, so the save checks them; asking Django to check them first
    costs a query per constraint per row, most of a load's time. Only a row the database refuses is checked
    again in full, for the rule's message.
    """
    instance.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic(using=router.db_for_write(type(instance), instance=instance)):
            instance.save()
    except IntegrityError:
        instance.full_clean()
        raise


def history_by_row(model: type[models.Model]) -> dict[int, list]:
    """Every history record of the model, oldest first, grouped by row id (one query for the whole file)."""
    rows = defaultdict(list)
    for record in model.history.order_by("history_date", "history_id"):
        rows[record.id].append(record)
    return rows


def field_states(records: list, attnames: list[str]) -> dict[str, FieldState]:
    """Walk a row's history: a load sets every field, a correction the fields it changed, an editor's save marks what it changed."""
    states = {name: FieldState() for name in attnames}
    previous = None
    for record in records:
        values = {name: getattr(record, name) for name in attnames}
        changed = [name for name in attnames if previous is None or values[name] != previous[name]]
        if is_load(record, first=previous is None):
            states = {name: FieldState(loaded=values[name]) for name in attnames}
        elif record.history_change_reason == CORRECTION_REASON:
            states.update({name: FieldState(loaded=values[name]) for name in changed})
        else:
            for name in changed:
                states[name].edited = record.history_date
        previous = values
    return states


def is_load(record, first: bool) -> bool:
    # Before load reasons were written, a row's first record was still the load: created, by no signed-in user.
    old_load = first and record.history_type == "+" and record.history_change_reason is None and record.history_user_id is None
    return record.history_change_reason == LOAD_REASON or old_load


def correct(shipped: models.Model, names: list[str], records: list, result: FileResult) -> bool:
    """Bring the stored row's unedited fields to the shipped values; note each edited field kept. True if it saved."""
    stored = type(shipped)._default_manager.get(pk=shipped.pk)
    fields = [stored._meta.get_field(name) for name in names]
    states = field_states(records, [f.attname for f in fields])
    corrections = {}
    for f in fields:
        now, shipped_value, state = getattr(stored, f.attname), getattr(shipped, f.attname), states[f.attname]
        if now == shipped_value:
            continue
        if state.edited is not None and now != state.loaded:
            result.notes.append(
                f"{label(stored)} {f.name}: changed by an editor on {state.edited:%Y-%m-%d}, kept; "
                f"the dataset now says {shown(f, shipped_value)}"
            )
        else:
            corrections[f.attname] = shipped_value
    if not corrections:
        return False
    for attname, value in corrections.items():
        setattr(stored, attname, value)
    stored._change_reason = CORRECTION_REASON
    try:
        save_valid(stored)
    except ValidationError as exc:
        reasons = " ".join(exc.messages)
        result.notes.append(f"{label(stored)}: not corrected, because with the editors' changes kept it would be invalid: {reasons}")
        return False
    result.corrections += [
        f"{label(stored)} {f.name}: now {shown(f, getattr(stored, f.attname))}" for f in fields if f.attname in corrections
    ]
    return True


def label(instance: models.Model) -> str:
    return f"{instance._meta.model_name} {getattr(instance, key_field(type(instance)))}"


def shown(f: models.Field, value: object) -> str:
    """A shipped value as an editor would recognise it: a related row by its name or key, text in quotes."""
    if value is None:
        return "nothing"
    if f.remote_field:
        related = f.remote_field.model._default_manager.get(pk=value)
        return f'"{getattr(related, key_field(type(related)))}"'
    text = str(value)
    return f'"{text[:120]}…"' if len(text) > 120 else f'"{text}"'
