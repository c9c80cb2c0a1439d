"""Confirmed imports: each preview the admin confirmed, by its digest, so that it is applied once only."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AppliedImport(models.Model):
    """A confirmed import preview. The unique digest, written in the import's own transaction, refuses a second confirmation
    of the same preview (a double click, a resent form, two tabs at the same moment) before it writes anything."""

    digest = models.CharField(max_length=64, help_text="The preview's digest (programmes/importing/planning.py).")
    filename = models.CharField(max_length=200, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied_at"]
        constraints = [models.UniqueConstraint(fields=["digest"], name="%(app_label)s_%(class)s_unique_digest")]

    def __str__(self) -> str:
        return f"{self.filename or 'import'}, applied {self.applied_at:%Y-%m-%d %H:%M}"
