"""No lost update: a figure or source saved from a copy that someone else has changed since is refused, with both versions shown.

django-concurrency supplies the version field (signed, hidden in every change form and inline form) and the
check in the model's save (UPDATE ... WHERE version = the one the editor opened). This module makes the check in
the form, under a row lock, so that a conflict comes back as the editor's form with a message saying who saved
what, field by field, rather than as an error page.

The form that comes back holds the stored version with the editor's own changes on top: a field only the other
editor changed (compared with the version this editor opened, read from the history) takes the stored value; one
only this editor changed keeps theirs; one both changed keeps theirs too, marked with the stored value beside it.
Saving again therefore stores exactly what the form shows and never quietly puts back what the other editor replaced.

A deleted row is recovered from its history (admin_deletion.RecoverMixin): the history form of a row that no longer
exists carries no version, and the check lets it through unless someone recovered the row since.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from concurrency.admin import ConcurrentModelAdmin
from concurrency.config import CONCURRENCY_LIST_EDITABLE_POLICY_ABORT_ALL
from concurrency.exceptions import RecordModifiedError
from concurrency.forms import ConcurrentForm
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db import OperationalError, router, transaction
from django.db.models import Model
from django.forms.models import InlineForeignKeyField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import get_text_list
from psycopg2.errors import DeadlockDetected

from programmes.admin_deletion import REASON_FIELD

BLANK = "(blank)"
# The version a history form carries when it was opened on a deleted row: django-concurrency's form field reads a
# blank as 0, and no stored row has version 0 (its versions are microsecond timestamps).
DELETED = 0

# What the form holds, after a conflict, for a field where the editor's version and the stored one differ.
THEIRS = "stored"  # only the other editor changed it
YOURS = "yours"  # only this editor changed it
BOTH = "both"  # both changed it: the form keeps this editor's, marked


class Difference(NamedTuple):
    label: str
    yours: str
    theirs: str
    kept: str = YOURS
    name: str = ""


@dataclass
class Conflict:
    """What the editor submitted against what is stored now, for the fields where they differ, and what the form now holds."""

    title: str
    stored: Model | None
    changed_by: str = ""
    changed_at: object = None
    restored: bool = False
    differences: list[Difference] = field(default_factory=list)

    def kept(self, which: str) -> list[str]:
        return [difference.label for difference in self.differences if difference.kept == which]


def version_name(model: type[Model]) -> str:
    return model._concurrencymeta.field.name


def shown(form_field: forms.Field, value: object) -> str:
    """A form value as the editor reads it: the label of a choice, the name of a related record."""
    if isinstance(value, (list, tuple)):
        return " – ".join(shown(form_field, part) for part in value) or BLANK
    if isinstance(form_field, forms.BooleanField):
        return "yes" if form_field.to_python(value) else "no"
    if value is None or value == "":
        return BLANK
    if isinstance(form_field, forms.ModelChoiceField):
        try:
            return str(form_field.to_python(value))
        except forms.ValidationError:
            return str(value)
    if isinstance(form_field, forms.ChoiceField):
        labels: dict[str, object] = {}
        for key, label in form_field.choices:
            labels.update({str(k): v for k, v in label} if isinstance(label, (list, tuple)) else {str(key): label})
        return str(labels.get(str(value), value))
    return str(value)


class ConflictForm(ConcurrentForm):
    """Mixed in front of an admin form: refuses to save over a stored version other than the one the editor opened.

    A form whose saves take other locks after the row's (a figure's flags, programmes/flags.py) names them in a
    lock_before_row() method: they are taken before the row's, so that every save takes its locks in one order.
    """

    conflict: Conflict | None = None
    # Set for a revert from the history, whose form starts from an old version but overwrites the current one.
    opened_version: int | None = None
    # Set for inline forms: a record the editor left as they opened it is not saved, rather than refused.
    skips_untouched = False
    untouched = False
    # Set when the form recovers a deleted row: saving it must insert, never update.
    recovering = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.opened_version is not None and not self.is_bound:
            self.initial[version_name(type(self.instance))] = self.opened_version

    def clean(self) -> dict:
        # ConcurrentForm.clean checks without a lock, so two saves at the same moment could both pass; this one locks.
        cleaned = super(ConcurrentForm, self).clean()
        name = version_name(type(self.instance))
        if self.instance._state.adding or self.instance.pk is None or name not in cleaned:
            return cleaned
        stored, opened = self.stored(), cleaned[name]
        if stored is None and opened == DELETED:
            self.recovering = True
            return cleaned
        if stored is not None and getattr(stored, name) == opened:
            return cleaned
        as_opened = self.as_opened(stored, opened) if stored is not None else None
        if stored is not None and self.skips_untouched and as_opened is not None and not self.differences(as_opened):
            # Saving a source sends every figure under it back; one changed elsewhere since is simply not saved.
            self.untouched = True
            return cleaned
        self.conflict = self.describe(stored, as_opened, restored=opened == DELETED)
        if stored is None:
            self.add_error(None, f"Not saved: {self.conflict.title} was deleted by someone else after you opened it.")
            return cleaned
        self.take_stored(stored)
        self.add_error(None, self.conflict_message())
        return cleaned

    def conflict_message(self) -> str:
        """What happened, and what the form now holds, in the words the editor reads at the top of the page."""
        conflict = self.conflict
        done = "restored" if conflict.restored else "saved"
        parts = [f"Not saved: {conflict.title} was {done} by {conflict.changed_by} after you opened it."]
        yours, both = conflict.kept(YOURS), conflict.kept(BOTH)
        if yours:
            parts.append(f"The form now holds the stored version, with your changes to {get_text_list(yours, 'and')}.")
        else:
            parts.append("The form now holds the stored version.")
        if both:
            parts.append(f"You both changed {get_text_list(both, 'and')}: the form holds your value, with the stored one beside it.")
        parts.append("Check it and save again to store what the form holds, or reload the page to drop your changes.")
        return " ".join(parts)

    def stored(self) -> Model | None:
        """The row as stored now, locked until this save ends so that no other save can slip in after the check."""
        model = type(self.instance)
        # Unordered: the model's ordering would join (and lock) the rows a figure points at, its programme and source.
        rows = model._base_manager.filter(pk=self.instance.pk).order_by()
        if not transaction.get_autocommit(using=router.db_for_write(model)):
            if hasattr(self, "lock_before_row"):
                self.lock_before_row()
            # No key update: the row's id stays, so other saves may still insert rows pointing at it meanwhile.
            rows = rows.select_for_update(no_key=True, of=("self",))
        return rows.first()

    def has_changed(self) -> bool:
        return not self.untouched and super().has_changed()

    def as_opened(self, stored: Model, opened_version: int) -> forms.ModelForm | None:
        """This form, unbound, as the editor opened it: built from the history entry of the version they opened."""
        if not hasattr(stored, "history"):
            return None
        opened = stored.history.filter(**{version_name(type(stored)): opened_version}).order_by("-history_date").first()
        if opened is None:
            return None
        return type(self)(instance=opened.instance, prefix=self.prefix)

    def compared_fields(self) -> list[tuple[str, forms.Field]]:
        model = type(self.instance)
        # The reason describes this save, not the row: the history keeps it, the row has no value to compare it with.
        skipped = {version_name(model), "DELETE", "ORDER", model._meta.pk.name, REASON_FIELD}
        return [
            (name, form_field)
            for name, form_field in self.fields.items()
            if name not in skipped and not isinstance(form_field, InlineForeignKeyField)
        ]

    def differences(self, other: forms.ModelForm) -> list[Difference]:
        """Every field where this form's submitted value and the other (unbound) form's differ, as the editor reads them."""
        found = []
        for name, form_field in self.compared_fields():
            yours, theirs = self[name], other[name]
            if form_field.has_changed(theirs.initial, yours.data):
                found.append(Difference(str(yours.label), shown(form_field, yours.data), shown(form_field, theirs.value())))
        return found

    def describe(self, stored: Model | None, as_opened: forms.ModelForm | None, restored: bool = False) -> Conflict:
        title = f"{self.instance._meta.verbose_name} {self.instance.pk} ({self.instance})"
        conflict = Conflict(title=title, stored=stored, restored=restored)
        if stored is None:
            return conflict
        latest = stored.history.order_by("-history_date").first() if hasattr(stored, "history") else None
        if latest is not None:
            conflict.changed_by = str(latest.history_user or "someone without an account (a command or import)")
            conflict.changed_at = latest.history_date
        else:
            conflict.changed_by = "someone else"
        stored_form = type(self)(instance=stored, prefix=self.prefix)
        for name, form_field in self.compared_fields():
            yours, theirs = self[name], stored_form[name]
            if not form_field.has_changed(theirs.initial, yours.data):
                continue
            # Without the version they opened (no history of it), every difference is treated as changed by both.
            you_changed = as_opened is None or form_field.has_changed(as_opened[name].initial, yours.data)
            they_changed = as_opened is None or form_field.has_changed(as_opened[name].initial, theirs.value())
            kept = BOTH if you_changed and they_changed else YOURS if you_changed else THEIRS
            conflict.differences.append(
                Difference(str(yours.label), shown(form_field, yours.data), shown(form_field, theirs.value()), kept, name)
            )
        return conflict

    def take_stored(self, stored: Model) -> None:
        """Put the stored version into the form wherever the editor left a field as they opened it, and the stored
        version number, so that saving again is a deliberate choice to store what the form then holds."""
        stored_form = type(self)(instance=stored, prefix=self.prefix)
        self.data = self.data.copy()
        name = version_name(type(self.instance))
        self.data[self.add_prefix(name)] = str(self.fields[name].prepare_value(getattr(stored, name)))
        for difference in self.conflict.differences:
            if difference.kept == THEIRS:
                self.put(difference.name, stored_form[difference.name].value())
            elif difference.kept == BOTH:
                self.add_error(
                    difference.name,
                    f"{self.conflict.changed_by} changed this too: stored now “{difference.theirs}”. "
                    f"The box holds yours, “{difference.yours}”; saving again keeps what the box holds.",
                )

    def put(self, name: str, value: object) -> None:
        """Write a value into the submitted data as the field's widget would send it from a browser."""
        key = self.add_prefix(name)
        widget = self.fields[name].widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        if isinstance(widget, forms.CheckboxInput):
            # A browser sends an unticked box not at all.
            if value:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
            return
        sent = widget.format_value(value)
        if isinstance(sent, list):
            self.data.setlist(key, [str(part) for part in sent])
        else:
            self.data[key] = "" if sent is None else str(sent)


def once_more_after_deadlock(view: Callable[[], HttpResponse], using: str) -> HttpResponse:
    """Run a save; if PostgreSQL broke a deadlock by aborting it, run it once more. The save it deadlocked with has
    finished by then, so the second run meets it as it would any earlier save: saved, or refused as a conflict.

    Saves take their locks in one order (ConflictForm.stored), so a deadlock needs rarer company: a figure moved to
    another quantity while someone saves in that one, or a source saved with figures of several quantities."""
    if not transaction.get_autocommit(using=using):
        # Inside someone else's transaction, which the deadlock has already rolled back: only its owner may retry.
        return view()
    try:
        return view()
    except OperationalError as error:
        if not isinstance(error.__cause__, DeadlockDetected):
            raise
        return view()


def with_conflict_check(form_class: type[forms.ModelForm], **attrs) -> type[forms.ModelForm]:
    """The admin's form class, whatever it is, with the version check in front."""
    return type(form_class.__name__, (ConflictForm, form_class), attrs)


def with_version(fieldsets: list, model: type[Model]) -> list:
    """The fieldsets plus the version as a hidden field, so that it travels with every form."""
    name = version_name(model)
    if name in flatten_fieldsets(fieldsets):
        return fieldsets
    return [*fieldsets, (None, {"fields": [name], "classes": ["hidden"]})]


class ConflictAdminMixin(ConcurrentModelAdmin):
    """Put before SimpleHistoryAdmin: change forms (and reverts from the history) refuse to overwrite a newer version."""

    change_form_template = "admin/programmes/change_form_conflicts.html"
    object_history_form_template = "admin/programmes/object_history_form_conflicts.html"
    # django-concurrency 2.8.1's action mixin predates Django 6.1: its response_action() refuses the new
    # action_location argument, and it would read the change form's new action box (which sends a bare id) as
    # tampered. Bulk actions keep Django's own; deleting asks for confirmation anyway.
    action_checkbox = admin.ModelAdmin.action_checkbox
    response_action = admin.ModelAdmin.response_action
    # Its list-editing mixin also wraps the change form's save_model, and by default swallows a refused save, so that
    # the admin would report "changed successfully" for a save that never happened. Re-raise it (changeform_view).
    list_editable_policy = CONCURRENCY_LIST_EDITABLE_POLICY_ABORT_ALL

    def check(self, **kwargs) -> list:
        # django-concurrency wants the version in the declared fieldsets; get_fieldsets adds it instead.
        return [error for error in super().check(**kwargs) if error.id not in ("concurrency.A001", "concurrency.A002")]

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> list:
        return with_version(super().get_fieldsets(request, obj), self.model)

    def get_form(self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs) -> type[forms.ModelForm]:
        attrs = {}
        if getattr(request, "reverting", False) and obj is not None:
            stored = self.model._base_manager.filter(pk=obj.pk).values_list(version_name(self.model), flat=True).first()
            attrs["opened_version"] = DELETED if stored is None else stored
        return with_conflict_check(super().get_form(request, obj, change=change, **kwargs), **attrs)

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs) -> HttpResponse:
        shown_forms = [context["adminform"].form]
        shown_forms += [form for inline in context.get("inline_admin_formsets", []) for form in inline.formset.forms]
        context["conflicts"] = [form.conflict for form in shown_forms if getattr(form, "conflict", None)]
        return super().render_change_form(request, context, *args, **kwargs)

    def render_history_view(self, request: HttpRequest, template: str, context: dict, **kwargs) -> HttpResponse:
        form = context.get("adminform") and context["adminform"].form
        context["conflicts"] = [form.conflict] if getattr(form, "conflict", None) else []
        return super().render_history_view(request, template, context, **kwargs)

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None) -> HttpResponse:
        try:
            return once_more_after_deadlock(
                lambda: super(ConflictAdminMixin, self).changeform_view(request, object_id, form_url, extra_context),
                using=router.db_for_write(self.model),
            )
        except RecordModifiedError as error:
            # The form's check holds a row lock, so this takes a save that bypassed it; the transaction is rolled back.
            messages.error(
                request,
                f"Not saved: {error.target._meta.verbose_name} {error.target.pk} was changed by someone else as you saved. Nothing of yours was saved; make your change again.",
            )
            return redirect(request.path)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None) -> HttpResponse:
        request.reverting = True
        using = router.db_for_write(self.model)

        def revert() -> HttpResponse:
            with transaction.atomic(using=using):
                return super(ConflictAdminMixin, self).history_form_view(request, object_id, version_id, extra_context)

        return once_more_after_deadlock(revert, using=using)


class ConflictInlineMixin:
    """Put before an InlineModelAdmin: each inline form carries its record's version and refuses to overwrite a newer one."""

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> list:
        return with_version(super().get_fieldsets(request, obj), self.model)

    def get_formset(self, request: HttpRequest, obj: Model | None = None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_conflict_check(formset.form, skips_untouched=True)
        return formset
