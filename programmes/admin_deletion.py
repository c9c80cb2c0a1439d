"""Deleting in the admin asks why, as saving does, and the history entry of each deleted row carries the reason;
a deleted figure or source is recovered from its history."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Model, QuerySet
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from simple_history.admin import SimpleHistoryAdmin

# The field's name and label are the change form's (programmes/forms.py), so an editor meets one "reason" everywhere.
REASON_FIELD = "change_reason"
MISSING_REASON = "Reason for this change: say why these rows are deleted; the history keeps it. Nothing was deleted."

# The reason of the deletion under way. Rows deleted with the one the editor chose (a programme's figures, a source's
# accounts) are other Python objects, made by Django's collector; they learn the reason here, in pre_delete.
deletion_reason: ContextVar[str | None] = ContextVar("deletion_reason", default=None)


@receiver(pre_delete, dispatch_uid="programmes.admin_deletion.carry_reason")
def carry_reason(sender, instance, **kwargs) -> None:
    reason = deletion_reason.get()
    if reason is not None:
        instance._change_reason = reason  # what simple-history writes into the deletion's history entry


@contextmanager
def deleting_because(reason: str):
    token = deletion_reason.set(reason)
    try:
        yield
    finally:
        deletion_reason.reset(token)


def reason_given(request: HttpRequest) -> str:
    return request.POST.get(REASON_FIELD, "").strip()


@admin.action(permissions=["delete"], description=delete_selected.short_description)
def delete_selected_with_reason(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
    if request.POST.get("post") and not reason_given(request):
        messages.error(request, MISSING_REASON)
        # Without its "post" the action shows its confirmation page again, now with the error above the reason field.
        request.POST = request.POST.copy()
        del request.POST["post"]
    return delete_selected(modeladmin, request, queryset)


def boxes_to_change(context: dict) -> list[dict]:
    """Each box of a change form, and of its inline forms, with an error: where it is, its name, and what is wrong.

    Listed at the top of the form (includes/error_summary.html), so that an error far down a long form is found; an
    error about the whole form (a conflict, say) is not a box and has its own message.
    """
    boxes = [
        {"anchor": field.id_for_label, "label": field.label, "errors": " ".join(field.errors)}
        for field in context["adminform"].form
        if field.errors
    ]
    for inline in context.get("inline_admin_formsets", []):
        name = str(inline.opts.verbose_name).capitalize()
        for number, form in enumerate(inline.formset.forms, start=1):
            boxes += [
                {"anchor": field.id_for_label, "label": f"{name} {number}, {field.label}", "errors": " ".join(field.errors)}
                for field in form
                if field.errors
            ]
    return boxes


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose deletions, one at a time or selected in the list, ask for a reason and record it."""

    delete_confirmation_template = "admin/programmes/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/programmes/delete_selected_confirmation.html"

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "POST" and not reason_given(request):
            messages.error(request, MISSING_REASON)
            # Django deletes on any POST with a body to this view; an empty one shows the confirmation page again.
            request.POST = QueryDict()
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request: HttpRequest, action_location: admin.ActionLocation = admin.ActionLocation.CHANGE_LIST) -> dict:
        actions = super().get_actions(request, action_location=action_location)
        if "delete_selected" in actions:
            # The same action, name and wording, run by the function that asks for a reason.
            actions["delete_selected"] = dataclasses.replace(actions["delete_selected"], func=delete_selected_with_reason)
        return actions

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs) -> HttpResponse:
        context["boxes_to_change"] = boxes_to_change(context)
        return super().render_change_form(request, context, *args, **kwargs)

    def delete_model(self, request: HttpRequest, obj) -> None:
        with deleting_because(reason_given(request)):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with deleting_because(reason_given(request)):
            super().delete_queryset(request, queryset)


class RecoverMixin:
    """Put before ConflictAdminMixin: a list of the deleted rows, each recovered through its history form.

    The history form of a row that no longer exists carries no version (admin_conflicts.DELETED); its check lets
    it through, and saving inserts the row again under its id and key, recorded in the history as a creation with
    the editor's reason. simple-history 3.13 has no list of deleted rows of its own.
    """

    change_list_template = "admin/programmes/change_list_recover.html"
    # Columns of the list, read from each row's last history entry: plain fields, since a row it pointed at may be gone too.
    recover_list_display = ["key"]

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_recover_list"
        return [path("recover/", self.admin_site.admin_view(self.recover_list_view), name=name), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "may_recover": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def deleted(self) -> QuerySet:
        """The last history entry of every row deleted and not restored since, latest first."""
        return (
            self.model.history.all()
            .latest_of_each()
            .filter(history_type="-")
            .exclude(**{f"{self.opts.pk.attname}__in": self.model._base_manager.values("pk")})
            .select_related("history_user")
            .order_by("-history_date")
        )

    def recover_list_view(self, request: HttpRequest) -> HttpResponse:
        """The deleted rows, each with who deleted it, when and why, and a link to its history form."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        page = Paginator(self.deleted(), self.history_list_per_page).get_page(request.GET.get("p"))
        prefix = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}"
        rows = []
        for entry in page:
            pk = getattr(entry, self.opts.pk.attname)
            values = [getattr(entry, name) for name in self.recover_list_display]
            urls = reverse(f"{prefix}_simple_history", args=[pk, entry.history_id]), reverse(f"{prefix}_history", args=[pk])
            rows.append((entry, values, *urls))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Recover deleted {self.opts.verbose_name_plural}",
            "page": page,
            "columns": [self.opts.get_field(name).verbose_name for name in self.recover_list_display],
            "rows": rows,
        }
        return TemplateResponse(request, "admin/programmes/recover_list.html", context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None) -> HttpResponse:
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except IntegrityError:
            if not getattr(request, "recovering", False):
                raise
            # Two recoveries of one row at the same moment: the check saw it deleted in both, and the second insert
            # found the first's row (or a row since given its key). The transaction is rolled back.
            messages.error(
                request,
                f"Not saved: {self.opts.verbose_name} {object_id} was recovered, or its key given to another, by someone else as you saved. "
                "Nothing of yours was saved; open its history again.",
            )
            return redirect(request.path)

    def history_form_view_title(self, request: HttpRequest, obj: Model) -> str:
        if not self.model._base_manager.filter(pk=obj.pk).exists():
            return f"Recover deleted {self.opts.verbose_name}: {obj}"
        return super().history_form_view_title(request, obj)

    def render_history_view(self, request: HttpRequest, template: str, context: dict, **kwargs) -> HttpResponse:
        if "original" in context:  # the history form, not the history list
            context["is_deleted"] = not self.model._base_manager.filter(pk=context["original"].pk).exists()
        return super().render_history_view(request, template, context, **kwargs)

    def save_model(self, request: HttpRequest, obj: Model, form, change: bool) -> None:
        if not getattr(form, "recovering", False):
            super().save_model(request, obj, form, change)
            return
        # Inserted under its own id, never updated: if someone else recovered it meanwhile, this insert fails
        # (history_form_view reports it) rather than overwriting theirs unchecked.
        request.recovering = True
        obj._history_user = request.user
        obj.save(force_insert=True)
