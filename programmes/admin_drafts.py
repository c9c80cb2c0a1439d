"""The drafts for review in the admin: each pending draft with who proposed it, its change field by field (or what its
file would import), its conflicts with other drafts of the same row, a preview of the public pages as they would
become, and the decision: approve, send back (each with a reason, never by the proposer) or withdraw."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from programmes.admin_review import DraftForms, draft_url, forms_of, import_lines, publish, rows
from programmes.models import Draft


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    """The drafts waiting for a second editor, each with its change field by field, its conflicts and the decision."""

    list_display = ["__str__", "status", "proposed_by", "proposed_at", "reason", "conflicts"]
    list_filter = ["status", "subject", "action"]
    list_select_related = ["proposed_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Draft | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Draft | None = None) -> bool:
        return request.user.has_perm("programmes.view_figure") or request.user.has_perm("programmes.view_source")

    def has_change_permission(self, request: HttpRequest, obj: Draft | None = None) -> bool:
        return self.has_view_permission(request, obj)

    def may_decide(self, request: HttpRequest, draft: Draft) -> bool:
        if draft.subject == Draft.Subject.IMPORT:
            return request.user.has_perms(["programmes.add_figure", "programmes.change_figure"])
        return request.user.has_perm(f"programmes.{draft.action}_{draft.subject}")

    @admin.display(description="conflicts")
    def conflicts(self, draft: Draft) -> str:
        if not draft.is_pending:
            return ""
        earlier = draft.earlier_pending().count()
        return f"waits for {earlier} earlier draft{'s' if earlier > 1 else ''} of the same {draft.subject}" if earlier else ""

    def get_urls(self) -> list[URLPattern]:
        preview = path("<int:draft_id>/preview/", self.admin_site.admin_view(self.preview_view), name="programmes_draft_preview")
        return [preview, *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None) -> HttpResponse:
        draft = self.get_object(request, object_id)
        if draft is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, draft):
            raise PermissionDenied
        if request.method == "POST":
            return self.decide(request, draft)
        is_import = draft.subject == Draft.Subject.IMPORT
        forms = DraftForms(None, None, None) if is_import else forms_of(draft, request)
        stored = forms.stored
        context = {
            "import_lines": import_lines(draft) if is_import and draft.is_pending else None,
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(draft),
            "draft": draft,
            "stored": stored,
            "stored_url": reverse(f"admin:programmes_{draft.subject}_change", args=[stored.pk]) if stored is not None else "",
            "rows": [] if is_import else rows(draft, forms),
            "earlier": list(draft.earlier_pending()) if draft.is_pending else [],
            "later": list(draft.later_pending()) if draft.is_pending else [],
            "stale": draft.is_pending and draft.is_stale(),
            "is_proposer": draft.proposed_by_id == request.user.pk,
            "may_review": draft.is_pending and draft.may_be_reviewed_by(request.user) and self.may_decide(request, draft),
            # An import's own preview is the plan above; every other draft has the public pages as they would become.
            "previewable": draft.is_pending and not is_import,
        }
        return TemplateResponse(request, "admin/programmes/draft/review.html", context)

    def decide(self, request: HttpRequest, draft: Draft) -> HttpResponse:
        """Approve, send back or withdraw a draft; refused, with a message saying why, unless every condition holds."""
        decision, reason = request.POST.get("decision", ""), request.POST.get("review_reason", "").strip()
        with transaction.atomic(using=router.db_for_write(Draft)):
            draft = Draft.objects.select_for_update().get(pk=draft.pk)
            problem = self.refusal(request, draft, decision, reason)
            if not problem and decision in ("approve", "send_back") and not self.may_decide(request, draft):
                raise PermissionDenied
            if not problem and decision == "approve":
                problem = publish(draft, request)
            if problem:
                transaction.set_rollback(True)
                messages.error(request, format_html("Nothing was done: {}", problem))
                return redirect(draft_url(draft))
            draft.status = {"approve": Draft.Status.APPROVED, "send_back": Draft.Status.SENT_BACK, "withdraw": Draft.Status.WITHDRAWN}[
                decision
            ]
            draft.reviewed_by, draft.reviewed_at, draft.review_reason = request.user, timezone.now(), reason
            draft.save()
        done = {"approve": "approved and published", "send_back": "sent back to its proposer", "withdraw": "withdrawn"}[decision]
        messages.success(request, f"{draft} was {done}.")
        return redirect(draft_url(draft))

    def refusal(self, request: HttpRequest, draft: Draft, decision: str, reason: str) -> str:
        if not draft.is_pending:
            return f"{draft} was already decided ({draft.get_status_display().lower()})."
        if decision == "withdraw":
            return "" if draft.proposed_by_id == request.user.pk else "only its proposer may withdraw a draft."
        if decision not in ("approve", "send_back"):
            return "choose to approve the draft or to send it back."
        if not draft.may_be_reviewed_by(request.user):
            return "you proposed this draft, and a second editor must approve it or send it back. You may withdraw it."
        if not reason:
            return "give a reason for approving the draft or sending it back."
        earlier = draft.earlier_pending().first()
        if decision == "approve" and earlier is not None:
            return format_html(
                '<a href="{}">{}</a>, of the same {}, was made earlier and is still waiting: approve it or send it back first.',
                draft_url(earlier),
                earlier,
                draft.subject,
            )
        return ""

    def preview_view(self, request: HttpRequest, draft_id: int) -> HttpResponse:
        """The public cards and charts as they would be with the draft approved, by the change form's own Preview: with
        a figure saved or deleted, or with a source saved (every programme with a figure from it)."""
        from dashboard.preview import preview, preview_deletion, preview_source

        draft = self.get_object(request, str(draft_id))
        if draft is None or draft.subject == Draft.Subject.IMPORT or not draft.is_pending:
            return redirect(reverse("admin:programmes_draft_changelist"))
        if not self.has_view_permission(request, draft):
            raise PermissionDenied
        forms = forms_of(draft, request)
        form = forms.proposed
        deleting = draft.action == Draft.Action.DELETE
        context = {
            "title": "Preview: not published",
            "figure": form.instance if form is not None else forms.stored,
            "form": form,
            "previews": [],
            "draft": draft,
            "with_change": "with the figure deleted" if deleting and draft.subject == Draft.Subject.FIGURE else "with the draft approved",
        }
        if deleting and forms.stored is None:
            context["problem"] = "What the draft deletes is no longer in the record."
        elif deleting and draft.subject == Draft.Subject.FIGURE:
            context["previews"] = preview_deletion(forms.stored)
        elif draft.subject == Draft.Subject.FIGURE and form.is_valid():
            context["previews"] = preview(form, forms.stored.programme if forms.stored is not None else None)
        elif draft.subject == Draft.Subject.SOURCE and form is not None and form.is_valid():
            context["previews"] = preview_source(form)
        return TemplateResponse(request, "admin/programmes/figure/preview.html", context)
