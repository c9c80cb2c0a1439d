"""Publishing dataset releases from the admin: an editor gives a version, a date and a note; the files are then fixed.

A release has no change history (django-simple-history) and no change or delete in the admin: its bytes are cited
and served for ever (programmes/models/release.py), so there is never an edit to record or undo. It is the public
app's admin, not the domain's, because publishing builds the files with the public downloads (dashboard/releases.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from dashboard import releases
from programmes.models import DatasetRelease, next_version


class DatasetReleaseForm(forms.ModelForm):
    class Meta:
        model = DatasetRelease
        fields = ["version", "published", "notes"]


@admin.register(DatasetRelease)
class DatasetReleaseAdmin(admin.ModelAdmin):
    form = DatasetReleaseForm
    list_display = ["version", "published", "figures_added", "figures_corrected", "figures_removed", "created"]
    readonly_fields = ["version", "published", "notes", "figures_added", "figures_corrected", "figures_removed", "created", "files"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        today = timezone.localdate()
        return {"published": today, "version": next_version(today)}

    def get_readonly_fields(self, request: HttpRequest, obj: DatasetRelease | None = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: DatasetRelease | None = None) -> list[str]:
        return DatasetReleaseForm.Meta.fields if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: DatasetRelease | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DatasetRelease | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: DatasetRelease, form: forms.ModelForm, change: bool) -> None:
        # The files are built from the record in the same transaction as the release row (the admin's own).
        releases.publish(obj)

    @admin.display(description="Files (public addresses, with SHA-256)")
    def files(self, obj: DatasetRelease) -> str:
        rows = format_html_join(
            "",
            "<li><a href='{}'>{}</a> ({} bytes) <code>{}</code></li>",
            ((f.get_absolute_url(), f.name, f.size, f.sha256) for f in obj.files.described()),
        )
        return format_html("<ul>{}</ul>", rows)
