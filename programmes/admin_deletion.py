"""Deleting in the admin asks why, as saving does, and the history entry of each deleted row carries the reason."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.db.models import QuerySet
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, QueryDict
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

    def delete_model(self, request: HttpRequest, obj) -> None:
        with deleting_because(reason_given(request)):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with deleting_because(reason_given(request)):
            super().delete_queryset(request, queryset)
