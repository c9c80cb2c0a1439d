"""Drafts: a figure or source added, changed or deleted in the admin, held apart from the record until a second editor
approves it (REVIEW_REQUIRED). Nothing public reads this table, so no page, download, search or feed can show a draft.

A draft keeps the change form as the editor sent it, field by field, so that approving it runs the admin's own form
(every check, the version check included) on the record as it then stands, and saves through the model's save, which
keeps the history. The version of the row when the draft was made tells whether the row moved since.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from programmes.choices import choices_constraint


class DraftSubject(models.TextChoices):
    FIGURE = "figure", "Figure"
    SOURCE = "source", "Source"
    # A CSV confirmed in the admin's import: every figure it creates or changes, applied together once approved.
    IMPORT = "import", "Figure import"


class DraftAction(models.TextChoices):
    ADD = "add", "Add"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"


class DraftStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved and published"
    SENT_BACK = "sent_back", "Sent back"
    WITHDRAWN = "withdrawn", "Withdrawn by its proposer"


class DraftQuerySet(models.QuerySet):
    def pending(self) -> DraftQuerySet:
        """Drafts waiting for a second editor, oldest first."""
        return self.filter(status=Draft.Status.PENDING).select_related("proposed_by").order_by("proposed_at", "pk")

    def of_object(self, subject: str, object_id: int | None) -> DraftQuerySet:
        """Drafts about one stored figure or source (none for an addition, which has no row yet)."""
        if object_id is None:
            return self.none()
        return self.filter(subject=subject, object_id=object_id)


class Draft(models.Model):
    """A proposed addition, change or deletion of a figure or source, published only once a second editor approves it."""

    Subject = DraftSubject
    Action = DraftAction
    Status = DraftStatus

    subject = models.CharField(max_length=10, choices=Subject.choices, help_text="What the draft is about.")
    object_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="The figure or source it changes or deletes; blank for an addition."
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    data = models.JSONField(default=dict, blank=True, help_text="The change form as the proposer sent it, each field's values as a list.")
    version = models.BigIntegerField(
        null=True, blank=True, help_text="The row's version when the draft was made: a later save makes the draft stale."
    )
    reason = models.CharField(max_length=100, blank=True, help_text="The proposer's reason, kept in the history once approved.")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts_proposed"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts_reviewed"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(max_length=200, blank=True, help_text="Why the reviewer approved it or sent it back.")

    objects = DraftQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = "draft for review"
        verbose_name_plural = "drafts for review"
        constraints = [
            choices_constraint("subject", DraftSubject),
            choices_constraint("action", DraftAction),
            choices_constraint("status", DraftStatus),
            # A change or deletion names its row; an addition names one only to recover a deleted row under its id.
            models.CheckConstraint(condition=Q(action="add") | Q(object_id__isnull=False), name="%(app_label)s_%(class)s_names_its_row"),
        ]
        indexes = [models.Index(fields=["subject", "object_id", "status"], name="programmes_draft_object")]

    def __str__(self) -> str:
        if self.subject == self.Subject.IMPORT:
            return f"Draft {self.pk}: import {self.data.get('filename', 'a file')}"
        what = f"{self.subject} {self.object_id}" if self.object_id else f"new {self.subject}"
        return f"Draft {self.pk}: {self.get_action_display().lower()} {what}"

    @property
    def model(self) -> type[models.Model]:
        from programmes.models import Figure, Source

        return {self.Subject.FIGURE: Figure, self.Subject.SOURCE: Source, self.Subject.IMPORT: Figure}[self.subject]

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def stored(self) -> models.Model | None:
        """The row the draft changes or deletes as stored now; None for an addition, or once the row is gone."""
        if self.object_id is None:
            return None
        return self.model._base_manager.filter(pk=self.object_id).first()

    def is_stale(self) -> bool:
        """Someone saved or deleted the row after the draft was made, so the draft no longer says what it would change."""
        if self.action == self.Action.ADD and self.object_id is None:
            return False
        stored = self.stored()
        if stored is None:
            # A recovery's row is meant to be gone; a change's or deletion's is not.
            return self.action != self.Action.ADD
        return self.action == self.Action.ADD or stored.version != self.version

    def earlier_pending(self) -> DraftQuerySet:
        """Other drafts of the same row still waiting, made before this one: they must be decided first."""
        same = Draft.objects.pending().of_object(self.subject, self.object_id).exclude(pk=self.pk)
        return same.filter(Q(proposed_at__lt=self.proposed_at) | Q(proposed_at=self.proposed_at, pk__lt=self.pk))

    def later_pending(self) -> DraftQuerySet:
        """Other drafts of the same row still waiting, made after this one."""
        earlier = self.earlier_pending().values("pk")
        return Draft.objects.pending().of_object(self.subject, self.object_id).exclude(pk=self.pk).exclude(pk__in=earlier)

    def may_be_reviewed_by(self, user) -> bool:
        """Nobody approves or sends back their own draft: four eyes, not two."""
        return self.proposed_by_id is None or self.proposed_by_id != user.pk
