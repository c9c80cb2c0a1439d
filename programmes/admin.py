"""The admin is the only way data is written: editors enter new NAO figures here, and every change is kept."""

from __future__ import annotations

import base64
import secrets

from concurrency.exceptions import RecordModifiedError
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from programmes import (
    admin_drafts,  # noqa: F401 (registers the drafts for review)
    fiscal,
)
from programmes.admin_conflicts import ConflictAdminMixin, ConflictInlineMixin
from programmes.admin_deletion import HistoryAdmin, RecoverMixin
from programmes.admin_review import ReviewMixin, propose_import
from programmes.audit import log_import
from programmes.forms import FigureAdminForm, FigureForm, ImportConfirmForm, ImportUploadForm, SourceAdminForm
from programmes.importing import Plan, import_figures
from programmes.models import (
    Contradiction,
    ContradictionProgramme,
    ContradictionSide,
    Event,
    Figure,
    Organisation,
    Programme,
    ProgrammeAccount,
    Source,
)

admin.site.site_header = "Shared Services Savings Tracker: editors"
admin.site.site_title = "Savings Tracker admin"
admin.site.index_title = "The cited record"


class FinancialYearFilter(admin.SimpleListFilter):
    """Figures whose period overlaps a chosen financial year; open-ended periods match every year on their open side."""

    title = "financial year"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        bounds = Figure.objects.exclude(period_start=None, period_end=None).values_list("period_start", "period_end")
        years = {year for pair in bounds for year in pair if year is not None}
        return [(str(year), fiscal.label(year)) for year in sorted(years, reverse=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        if not self.value().isascii() or not self.value().isdigit():
            # A hand-edited address: show nothing rather than fail.
            return queryset.none()
        year = int(self.value())
        return queryset.overlapping(year, year)


class FigureInline(ConflictInlineMixin, admin.StackedInline):
    """The source's figures; a change made here is saved with the reason given for the source."""

    model = Figure
    form = FigureForm
    extra = 0
    autocomplete_fields = ["programme", "claimant"]
    show_change_link = True
    fields = [
        "is_separate",
        ("key", "programme"),
        "description",
        ("scope", "speaks_for", "scenario", "claimant"),
        ("horizon",),
        ("measure", "status", "basis"),
        ("as_published", "period", "milestone"),
        ("locator", "note"),
    ]


class ProgrammeAdminForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = "__all__"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Without it a programme would be in the record at every date; rows loaded before it existed may lack one.
        self.fields["announced_by"].required = True


class ProgrammeAccountInline(admin.StackedInline):
    model = ProgrammeAccount
    extra = 0
    autocomplete_fields = ["source"]
    fields = [("key", "source"), "summary", ("started", "ended")]
    verbose_name = "account resting on a publication"
    verbose_name_plural = "accounts, each resting on a publication (a page at a date shows the latest whose publication had appeared)"


@admin.register(Programme)
class ProgrammeAdmin(HistoryAdmin):
    form = ProgrammeAdminForm
    list_display = ["name", "slug", "kind", "parent", "announced_by", "started", "ended"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "summary"]
    autocomplete_fields = ["parent", "announced_by"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["summary", "started", "ended"]
    inlines = [ProgrammeAccountInline]


@admin.register(ProgrammeAccount)
class ProgrammeAccountAdmin(HistoryAdmin):
    list_display = ["key", "programme", "source", "started", "ended"]
    list_filter = ["programme"]
    search_fields = ["key", "summary", "programme__name", "source__title"]
    autocomplete_fields = ["programme", "source"]
    fields = [("key", "programme"), "source", "summary", ("started", "ended")]


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "note"]


@admin.register(Source)
class SourceAdmin(ReviewMixin, RecoverMixin, ConflictAdminMixin, HistoryAdmin):
    list_display = ["title", "publisher", "kind", "published_display", "reference", "is_primary", "figure_count"]
    list_filter = ["publisher", "kind", "is_primary", ("published", admin.DateFieldListFilter)]
    search_fields = ["title", "publisher__name", "reference", "url", "seed_file", "key"]
    date_hierarchy = "published"
    form = SourceAdminForm
    inlines = [FigureInline]
    recover_list_display = ["key", "title", "reference"]
    autocomplete_fields = ["publisher"]
    fieldsets = [
        (None, {"fields": ["key", "title", "publisher", "kind", "reference", "is_primary"]}),
        ("Date", {"fields": [("published", "date_precision")]}),
        ("Where to find it", {"fields": ["url", "seed_file"]}),
        ("Notes", {"fields": ["note"]}),
        ("Why", {"fields": ["change_reason"]}),
    ]

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        for formset in formsets:
            for inline_form in formset.forms:
                inline_form.instance._change_reason = form.cleaned_data.get("change_reason") or None
        super().save_related(request, form, formsets, change)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Counting figures groups the rows, and Django drops Meta.ordering from grouped queries: order them again.
        return super().get_queryset(request).with_figure_counts().order_by(*Source._meta.ordering)

    @admin.display(description="published", ordering="published")
    def published_display(self, source: Source) -> str:
        return source.published_display

    @admin.display(description="figures", ordering="figure_count")
    def figure_count(self, source: Source) -> int:
        return source.figure_count


@admin.register(Figure)
class FigureAdmin(ReviewMixin, RecoverMixin, ConflictAdminMixin, HistoryAdmin):
    list_display = ["programme", "measure", "status", "value_display", "period_display", "source_display", "key"]
    list_display_links = ["programme", "measure"]
    list_filter = ["programme", "status", "measure", "basis", "unit", "source__publisher", "claimant", FinancialYearFilter]
    search_fields = ["description", "note", "key", "scope", "source__title", "source__publisher__name", "claimant__name", "programme__name"]
    autocomplete_fields = ["programme", "source", "claimant", "part_of", "revises"]
    list_select_related = ["programme", "source__publisher"]
    list_per_page = 50
    form = FigureAdminForm
    readonly_fields = ["same_quantity"]
    fieldsets = [
        (None, {"fields": ["is_separate", "programme", "description", ("measure", "status", "basis", "horizon")]}),
        ("What it counts and who said it", {"fields": ["scope", "speaks_for", "part_of", "revises", "scenario", "claimant"]}),
        ("As published", {"fields": ["as_published", "period", "milestone"]}),
        ("Source", {"fields": ["source", "locator", "note", "key"]}),
        ("Other figures of the same quantity", {"fields": ["same_quantity"]}),
        ("Why", {"fields": ["change_reason"]}),
    ]

    change_form_template = "admin/programmes/figure/change_form.html"
    change_list_template = "admin/programmes/figure/change_list.html"
    recover_list_display = ["key", "description", "as_published", "locator"]

    def get_urls(self) -> list[URLPattern]:
        importer = path("import/", self.admin_site.admin_view(self.import_view), name="programmes_figure_import")
        preview_new = path("add/preview/", self.admin_site.admin_view(self.preview_view), name="programmes_figure_preview_add")
        preview = path("<path:object_id>/preview/", self.admin_site.admin_view(self.preview_view), name="programmes_figure_preview")
        return [importer, preview_new, preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, object_id: str | None = None) -> HttpResponse:
        """The change form's Preview button: the public card and charts as they would be with this figure saved; nothing is saved."""
        from dashboard.preview import preview

        original = self.get_object(request, object_id) if object_id is not None else None
        if object_id is not None and original is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        allowed = self.has_change_permission(request, original) if original is not None else self.has_add_permission(request)
        if not allowed:
            raise PermissionDenied
        if request.method != "POST":
            return redirect(
                reverse("admin:programmes_figure_change", args=[original.pk]) if original else reverse("admin:programmes_figure_add")
            )
        previous = original.programme if original is not None else None
        form = self.get_form(request, original, change=original is not None)(request.POST, request.FILES, instance=original)
        # A reason is asked for what is saved; a preview saves nothing, so it can come before the reason is written.
        form.fields["change_reason"].required = False
        context = {"title": "Preview: not saved", "figure": form.instance, "form": form, "previews": []}
        if form.is_valid():
            try:
                context["previews"] = preview(form, previous)
            except (RecordModifiedError, IntegrityError):
                # Someone saved the figure between the form's check and the preview's (rolled back) save.
                context["problem"] = (
                    "Someone else saved this figure a moment ago. Reload the form to see their version, then preview again."
                )
        return TemplateResponse(request, "admin/programmes/figure/preview.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV, preview what it would create and update, then confirm; nothing is saved before the confirmation."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self.import_confirm(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            preview = secrets.token_hex(16)
            plan = import_figures(upload, dry_run=True, preview=preview)
            if not plan.problems:
                return self.import_preview(request, plan, upload, request.FILES["file"].name, preview)
            return self.import_page(request, form=form, plan=plan)
        return self.import_page(request, form=form)

    def import_confirm(self, request: HttpRequest) -> HttpResponse:
        form = ImportConfirmForm(request.POST)
        if not form.is_valid():
            return self.import_page(request, form=ImportUploadForm(), damaged=True)
        data, name = form.cleaned_data["content"], form.cleaned_data["filename"]
        if not self.may_create_sources(request, import_figures(data, dry_run=True)):
            raise PermissionDenied
        preview, reason, duplicates = form.cleaned_data["preview"], f"Imported from {name} in the admin", form.cleaned_data["duplicates"]
        if self.reviewing(request):
            # Checked as the confirmation would be, and held whole as one draft for a second editor (admin_review.py).
            plan = import_figures(data, dry_run=True, preview=preview, duplicates=duplicates)
            plan.stale = plan.digest != form.cleaned_data["digest"]
            if not (plan.problems or plan.stale or (plan.duplicates and not duplicates)):
                request.draft = propose_import(request, data, name, form.cleaned_data, reason)
                return self.drafted(request)
        else:
            plan = import_figures(
                data,
                user=request.user,
                reason=reason,
                expected=form.cleaned_data["digest"],
                preview=preview,
                filename=name,
                duplicates=duplicates,
            )
        if plan.saved:
            log_import(plan, request.user, name)
            messages.success(request, f"Imported {name}: {plan.summary}.")
            return redirect(reverse("admin:programmes_figure_changelist"))
        if plan.applied is not None:
            return self.import_page(request, form=ImportUploadForm(), applied=plan.applied)
        if plan.stale and not plan.problems:
            return self.import_preview(request, plan, data, name, preview, stale=True)
        if plan.duplicates and not duplicates and not plan.problems:
            return self.import_preview(request, plan, data, name, preview, undecided=True)
        return self.import_page(request, form=ImportUploadForm(), plan=plan)

    def import_preview(
        self, request: HttpRequest, plan: Plan, data: bytes, name: str, preview: str, stale: bool = False, undecided: bool = False
    ) -> HttpResponse:
        content = base64.b64encode(data).decode("ascii")
        confirm = ImportConfirmForm(initial={"content": content, "filename": name, "digest": plan.digest, "preview": preview})
        # The browser asks for the choice too, before it sends the form.
        confirm.fields["duplicates"].required = bool(plan.duplicates)
        context = {
            "plan": plan,
            "filename": name,
            "confirm": confirm,
            "stale": stale,
            "undecided": undecided,
            "created": [change for change in plan.changes if change.action == "create"],
            "updated": [change for change in plan.changes if change.action == "update"],
            "unchanged": plan.count("unchanged"),
            "may_create_sources": self.may_create_sources(request, plan),
        }
        return self.import_page(request, template="import_preview.html", **context)

    def import_page(self, request: HttpRequest, template: str = "import.html", **context) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": "Import figures from a CSV file", **context}
        return TemplateResponse(request, f"admin/programmes/figure/{template}", context)

    def may_create_sources(self, request: HttpRequest, plan: Plan) -> bool:
        return not plan.new_sources or request.user.has_perm("programmes.add_source")

    @admin.display(description="same quantity")
    def same_quantity(self, figure: Figure) -> str:
        """Every other figure of this quantity, so the editor sees what this one agrees or disagrees with."""
        others = figure.same_quantity()
        if not others:
            return "None recorded." if figure.pk else "Shown once the figure is saved."
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:programmes_figure_change", args=[other.pk]),
                    other.as_published or other.display_value,
                    other.claimant,
                    other.source.publisher,
                    other.source.published_display,
                    "disagrees" if disagrees else "agrees",
                )
                for other, disagrees in others
            ),
        )
        return format_html(
            '<table class="same-quantity"><thead><tr><th>Value</th><th>Claimant</th><th>Source</th><th>Dated</th>'
            "<th>With this figure</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="value", ordering="value")
    def value_display(self, figure: Figure) -> str:
        return figure.display_value

    @admin.display(description="period", ordering="period_start")
    def period_display(self, figure: Figure) -> str:
        # The editor's own words, as typed in the form ("by 2028-29"); figures loaded without them, their financial years.
        return figure.period_as_published.strip() or figure.period_display or "–"

    @admin.display(description="source", ordering="source__published")
    def source_display(self, figure: Figure) -> str:
        return f"{figure.source.publisher}, {figure.source.published_display}"


@admin.register(Event)
class EventAdmin(HistoryAdmin):
    list_display = ["date_display", "title", "kind", "programme", "source"]
    list_filter = ["kind", "programme"]
    search_fields = ["title", "note"]
    autocomplete_fields = ["programme", "source"]
    list_select_related = ["programme", "source"]
    date_hierarchy = "date"

    @admin.display(description="date", ordering="date")
    def date_display(self, event: Event) -> str:
        return event.date_display


class ContradictionProgrammeInline(admin.TabularInline):
    """The programmes a contradiction touches: each of their pages shows it."""

    model = ContradictionProgramme
    extra = 0
    autocomplete_fields = ["programme"]
    fields = ["programme", "key"]


class ContradictionSideInline(admin.StackedInline):
    """What each publication said; a side is shown at a date once its publication had appeared."""

    model = ContradictionSide
    extra = 0
    autocomplete_fields = ["claimant", "source", "figure", "event"]
    fields = [("position", "key"), "claimant", "says", "source", ("figure", "event")]


@admin.register(Contradiction)
class ContradictionAdmin(HistoryAdmin):
    list_display = ["title", "key"]
    search_fields = ["title", "description", "key", "sides__says"]
    list_filter = ["programmes"]
    inlines = [ContradictionProgrammeInline, ContradictionSideInline]
    fields = ["title", "description", "key"]
