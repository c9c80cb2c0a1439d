"""Four eyes: with REVIEW_REQUIRED on, a figure or source added, changed, reverted, recovered or deleted in the admin
is a draft (programmes/models/draft.py) until a second editor approves it; nothing public reads drafts.

Approving runs the admin's own form on the draft's fields against the record as it now stands, so every check of a
save applies again (the version check included: a draft of a row someone has saved since cannot be approved over
them), and saves through the model, so the history keeps the change with the proposer and their reason. A draft
is decided in the order drafts of one row were made: the second cannot be approved while the first still waits.
Approving and sending back each need a reason, and nobody reviews their own draft (they may withdraw it).
"""

from __future__ import annotations

import base64
from typing import NamedTuple

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Model, ProtectedError
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from programmes.admin_conflicts import BLANK, shown
from programmes.admin_deletion import REASON_FIELD, deleting_because, reason_given
from programmes.audit import log_import
from programmes.importing import import_figures
from programmes.models import Draft

STALE = "was saved by someone else after this draft was made: send the draft back, to be made again on the current version."
DRAFTED = "Saved as a draft for review: a second editor must approve it before it is published."
# What a form sends besides its fields: which button was pressed, the CSRF token.
NOT_FIELDS = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "_saveasnew", "_preview", REASON_FIELD}


def draft_url(draft: Draft) -> str:
    return reverse("admin:programmes_draft_change", args=[draft.pk])


def subject_of(model: type[Model]) -> str:
    return Draft.Subject(model._meta.model_name)


def as_query(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    return query


class ReviewMixin:
    """Put first on the figure and source admins: under REVIEW_REQUIRED their saves and deletions make drafts."""

    def reviewing(self, request: HttpRequest) -> bool:
        return settings.REVIEW_REQUIRED

    def get_inlines(self, request: HttpRequest, obj: Model | None) -> list:
        # Each draft is one row: under review a source's figures are proposed from their own forms.
        return [] if self.reviewing(request) else super().get_inlines(request, obj)

    def get_actions(self, request: HttpRequest, action_location: admin.ActionLocation = admin.ActionLocation.CHANGE_LIST) -> dict:
        actions = super().get_actions(request, action_location=action_location)
        if self.reviewing(request):
            # A deletion is proposed one row at a time, from its own page, so that each draft has its own reason.
            actions.pop("delete_selected", None)
        return actions

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None) -> HttpResponse:
        if request.method == "GET" and self.reviewing(request) and object_id.isdigit():
            for draft in Draft.objects.pending().of_object(subject_of(self.model), int(object_id)):
                messages.warning(
                    request,
                    format_html(
                        '<a href="{}">{}</a>, by {}, is waiting for review. A change saved here is a further draft, decided after it.',
                        draft_url(draft),
                        draft,
                        draft.proposed_by or "an editor",
                    ),
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs) -> HttpResponse:
        context["review_required"] = self.reviewing(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        if not self.reviewing(request):
            super().save_model(request, obj, form, change)
            return
        stored = self.model._base_manager.filter(pk=obj.pk).first() if obj.pk is not None else None
        request.draft = Draft.objects.create(
            subject=subject_of(self.model),
            # A row saved from the history form of a deleted row is a recovery: an addition under its old id.
            object_id=obj.pk,
            action=Draft.Action.CHANGE if stored is not None else Draft.Action.ADD,
            data={key: form.data.getlist(key) for key in form.data if key not in NOT_FIELDS},
            version=stored.version if stored is not None else None,
            reason=form.cleaned_data.get(REASON_FIELD) or "",
            proposed_by=request.user,
        )

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: list, change: bool) -> None:
        if not getattr(request, "draft", None):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request: HttpRequest, obj: Model, message) -> None:
        if not getattr(request, "draft", None):
            super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message) -> None:
        if not getattr(request, "draft", None):
            super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset) -> None:
        if not self.reviewing(request):
            super().log_deletions(request, queryset)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        if not self.reviewing(request):
            super().delete_model(request, obj)
            return
        request.draft = Draft.objects.create(
            subject=subject_of(self.model),
            object_id=obj.pk,
            action=Draft.Action.DELETE,
            version=obj.version,
            reason=reason_given(request)[:100],
            proposed_by=request.user,
        )

    def drafted(self, request: HttpRequest) -> HttpResponse:
        messages.success(request, f"{DRAFTED} {request.draft}.")
        return redirect(draft_url(request.draft))

    def response_add(self, request: HttpRequest, obj: Model, post_url_continue=None) -> HttpResponse:
        if getattr(request, "draft", None):
            return self.drafted(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Model) -> HttpResponse:
        if getattr(request, "draft", None):
            return self.drafted(request)
        return super().response_change(request, obj)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id) -> HttpResponse:
        if getattr(request, "draft", None):
            return self.drafted(request)
        return super().response_delete(request, obj_display, obj_id)

    def render_delete_form(self, request: HttpRequest, context: dict) -> HttpResponse:
        context["review_required"] = self.reviewing(request)
        return super().render_delete_form(request, context)


def propose_import(request: HttpRequest, data: bytes, name: str, confirmed: dict, reason: str) -> Draft:
    """A previewed and confirmed admin import, held whole as one draft: its file and the preview it was confirmed from."""
    kept = {"content": base64.b64encode(data).decode("ascii"), "filename": name}
    kept |= {key: confirmed[key] for key in ("digest", "preview", "duplicates")}
    return Draft.objects.create(subject=Draft.Subject.IMPORT, action=Draft.Action.ADD, data=kept, reason=reason, proposed_by=request.user)


def import_lines(draft: Draft) -> tuple[str, list[str]]:
    """What the draft's file would create and change in the record as it stands: its summary, and each figure's line."""
    data = base64.b64decode(draft.data["content"])
    plan = import_figures(data, dry_run=True, duplicates=draft.data.get("duplicates", ""))
    if plan.problems:
        return "the file no longer passes the import's checks", [str(problem) for problem in plan.problems]
    return plan.summary, list(plan.describe())


def publish_import(draft: Draft) -> str:
    """Apply an approved import exactly as its confirmation would have: refused if the record moved since its preview."""
    kept = draft.data
    plan = import_figures(
        base64.b64decode(kept["content"]),
        user=draft.proposed_by,
        reason=draft.reason,
        expected=kept["digest"],
        preview=kept["preview"],
        filename=kept["filename"],
        duplicates=kept["duplicates"],
    )
    if plan.saved:
        log_import(plan, draft.proposed_by, kept["filename"])
        return ""
    if plan.applied is not None:
        return "this file's preview was imported already."
    if plan.stale:
        return "figures it changes were saved by someone else after its preview: send it back, to be imported again."
    return "the file no longer passes the import's checks: " + " ".join(str(problem) for problem in plan.problems[:5])


class Row(NamedTuple):
    label: str
    published: str
    proposed: str
    changes: bool


class DraftForms(NamedTuple):
    """The subject's admin form as stored now, and bound to the draft's fields."""

    stored: Model | None
    current: ModelForm | None
    proposed: ModelForm | None


def forms_of(draft: Draft, request: HttpRequest) -> DraftForms:
    model_admin = admin.site._registry[draft.model]
    stored = draft.stored()
    form_class = model_admin.get_form(request, stored, change=stored is not None)
    shown_against = stored
    if not draft.is_pending and draft.version is not None:
        # Decided, the draft is read against the version it was made from (the history keeps it), not today's.
        entry = draft.model.history.filter(id=draft.object_id, version=draft.version).order_by("-history_date").first()
        shown_against = entry.instance if entry is not None else stored
    current = form_class(instance=shown_against) if shown_against is not None else None
    if draft.action == Draft.Action.DELETE:
        return DraftForms(stored, current, None)
    instance = stored if draft.action == Draft.Action.CHANGE else draft.model(pk=draft.object_id)
    data = as_query(draft.data)
    data[REASON_FIELD] = draft.reason
    return DraftForms(stored, current, form_class(data, instance=instance))


def rows(draft: Draft, forms: DraftForms) -> list[Row]:
    """Each field of the figure or source: as published now and as the draft would make it, changed ones marked."""
    if forms.proposed is None:
        if forms.current is None:
            return []
        compared = forms.current.compared_fields()
        return [
            Row(str(forms.current[name].label), shown(field, forms.current[name].value()), "(deleted)", True) for name, field in compared
        ]
    found = []
    for name, field in forms.proposed.compared_fields():
        proposed = forms.proposed[name].data
        if forms.current is None:
            found.append(Row(str(forms.proposed[name].label), BLANK, shown(field, proposed), shown(field, proposed) != BLANK))
            continue
        initial = forms.current[name].initial
        changes = field.has_changed(initial, proposed)
        found.append(Row(str(forms.proposed[name].label), shown(field, forms.current[name].value()), shown(field, proposed), changes))
    return found


def publish(draft: Draft, request: HttpRequest) -> str:
    """Apply an approved draft through the admin's form and the model's save or delete; a problem stops it, saying why."""
    if draft.subject == Draft.Subject.IMPORT:
        return publish_import(draft)
    forms = forms_of(draft, request)
    what = f"{draft.subject} {draft.object_id}"
    if draft.action != Draft.Action.ADD and forms.stored is None:
        return f"{what} was deleted after this draft was made."
    if draft.action == Draft.Action.DELETE:
        if forms.stored.version != draft.version:
            return f"{what} {STALE}"
        forms.stored._history_user = draft.proposed_by
        try:
            with deleting_because(draft.reason):
                forms.stored.delete()
        except ProtectedError as error:
            return f"{what} cannot be deleted while other rows point at it ({len(error.protected_objects)})."
        return ""
    recovering = draft.object_id is not None and draft.action == Draft.Action.ADD
    if recovering and forms.stored is not None:
        return f"{what} was recovered by someone else after this draft was made."
    form = forms.proposed
    if not form.is_valid():
        if draft.is_stale():
            return f"{what} {STALE}"
        problems = [
            *form.non_field_errors(),
            *(f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items() if name != "__all__"),
        ]
        return "the record has moved on and the draft no longer passes the form's checks: " + " ".join(str(p) for p in problems)
    obj = form.save(commit=False)
    # The history names who made the change; the draft keeps who approved it.
    obj._history_user = draft.proposed_by
    obj.save(force_insert=recovering)
    form.save_m2m()
    if draft.object_id is None:
        draft.object_id = obj.pk
    return ""
