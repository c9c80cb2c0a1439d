"""No lost update: a figure or source saved from a copy that someone else has changed since is refused, with both versions shown.

django-concurrency supplies the version field (signed, hidden in every change form and inline form) and the
check in the model's save (UPDATE ... WHERE version = the one the editor opened). This module makes the check in
the form, under a row lock, so that a conflict comes back as the editor's form with a message saying who saved
what, field by field, rather than as an error page; a second Save after reading it keeps the editor's version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from concurrency.admin import ConcurrentModelAdmin
from concurrency.config import CONCURRENCY_LIST_EDITABLE_POLICY_ABORT_ALL
from concurrency.exceptions import RecordModifiedError
from concurrency.forms import ConcurrentForm
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db import router, transaction
from django.db.models import Model
from django.forms.models import InlineForeignKeyField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

BLANK = "(blank)"


@dataclass
class Conflict:
    """What the editor submitted against what is stored now, for the fields where they differ."""

    title: str
    stored: Model | None
    changed_by: str = ""
    changed_at: object = None
    differences: list[tuple[str, str, str]] = field(default_factory=list)


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
    """Mixed in front of an admin form: refuses to save over a stored version other than the one the editor opened."""

    conflict: Conflict | None = None
    # Set for a revert from the history, whose form starts from an old version but overwrites the current one.
    opened_version: int | None = None
    # Set for inline forms: a record the editor left as they opened it is not saved, rather than refused.
    skips_untouched = False
    untouched = False

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
        stored = self.stored()
        if stored is not None and getattr(stored, name) == cleaned[name]:
            return cleaned
        if stored is not None and self.skips_untouched and self.left_as_opened(stored, cleaned[name]):
            # Saving a source sends every figure under it back; one changed elsewhere since is simply not saved.
            self.untouched = True
            return cleaned
        self.conflict = self.describe(stored)
        if stored is None:
            self.add_error(None, f"Not saved: {self.conflict.title} was deleted by someone else after you opened it.")
            return cleaned
        self.add_error(
            None,
            f"Not saved: {self.conflict.title} was saved by {self.conflict.changed_by} after you opened it. "
            "The fields where your version and the stored one differ are listed at the top of the page. "
            "To keep your version, check it and save again; to keep the stored one, reload the page.",
        )
        # The form now carries the stored version, so that saving again is a deliberate choice to replace it.
        self.data = self.data.copy()
        self.data[self.add_prefix(name)] = str(self.fields[name].prepare_value(getattr(stored, name)))
        return cleaned

    def stored(self) -> Model | None:
        """The row as stored now, locked until this save ends so that no other save can slip in after the check."""
        model = type(self.instance)
        rows = model._base_manager.filter(pk=self.instance.pk)
        if not transaction.get_autocommit(using=router.db_for_write(model)):
            rows = rows.select_for_update()
        return rows.first()

    def has_changed(self) -> bool:
        return not self.untouched and super().has_changed()

    def left_as_opened(self, stored: Model, opened_version: int) -> bool:
        """Whether the editor sent back the record exactly as it was at the version they opened (from its history)."""
        if not hasattr(stored, "history"):
            return False
        opened = stored.history.filter(**{version_name(type(stored)): opened_version}).order_by("-history_date").first()
        if opened is None:
            return False
        return not self.differences(type(self)(instance=opened.instance, prefix=self.prefix))

    def differences(self, other: forms.ModelForm) -> list[tuple[str, str, str]]:
        """(label, this form's value, the other's) for every field where the two differ, as the editor reads them."""
        model = type(self.instance)
        skipped = {version_name(model), "DELETE", "ORDER", model._meta.pk.name}
        found = []
        for name, form_field in self.fields.items():
            if name in skipped or isinstance(form_field, InlineForeignKeyField):
                continue
            yours, theirs = self[name], other[name]
            if form_field.has_changed(theirs.initial, yours.data):
                found.append((str(yours.label), shown(form_field, yours.data), shown(form_field, theirs.value())))
        return found

    def describe(self, stored: Model | None) -> Conflict:
        title = f"{self.instance._meta.verbose_name} {self.instance.pk} ({self.instance})"
        conflict = Conflict(title=title, stored=stored)
        if stored is None:
            return conflict
        latest = stored.history.order_by("-history_date").first() if hasattr(stored, "history") else None
        if latest is not None:
            conflict.changed_by = str(latest.history_user or "someone without an account (a command or import)")
            conflict.changed_at = latest.history_date
        else:
            conflict.changed_by = "someone else"
        conflict.differences = self.differences(type(self)(instance=stored, prefix=self.prefix))
        return conflict


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
            attrs["opened_version"] = self.model._base_manager.filter(pk=obj.pk).values_list(version_name(self.model), flat=True).first()
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
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RecordModifiedError as error:
            # The form's check holds a row lock, so this takes a save that bypassed it; the transaction is rolled back.
            messages.error(
                request,
                f"Not saved: {error.target._meta.verbose_name} {error.target.pk} was changed by someone else as you saved. Nothing of yours was saved; make your change again.",
            )
            return redirect(request.path)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None) -> HttpResponse:
        request.reverting = True
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)


class ConflictInlineMixin:
    """Put before an InlineModelAdmin: each inline form carries its record's version and refuses to overwrite a newer one."""

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> list:
        return with_version(super().get_fieldsets(request, obj), self.model)

    def get_formset(self, request: HttpRequest, obj: Model | None = None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_conflict_check(formset.form, skips_untouched=True)
        return formset
