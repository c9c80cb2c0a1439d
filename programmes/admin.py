"""The admin is the only way data is written: editors enter new NAO figures here, and every change is kept."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from programmes import fiscal
from programmes.models import Event, Figure, Programme, Source

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
        year = int(self.value())
        return queryset.overlapping(year, year)


class FigureInline(admin.StackedInline):
    model = Figure
    extra = 0
    autocomplete_fields = ["programme"]
    show_change_link = True
    fields = [
        ("key", "programme"),
        "description",
        ("measure", "status", "basis"),
        ("qualifier", "value", "value_low", "value_high", "unit"),
        ("period_start", "period_end"),
        ("locator", "note"),
    ]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "kind", "parent", "started", "ended"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "summary"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "kind", "published_display", "reference", "is_primary", "figure_count"]
    list_filter = ["publisher", "kind", "is_primary", ("published", admin.DateFieldListFilter)]
    search_fields = ["title", "publisher", "reference", "url", "seed_file", "key"]
    date_hierarchy = "published"
    inlines = [FigureInline]
    fieldsets = [
        (None, {"fields": ["key", "title", "publisher", "kind", "reference", "is_primary"]}),
        ("Date", {"fields": [("published", "date_precision")]}),
        ("Where to find it", {"fields": ["url", "seed_file"]}),
        ("Notes", {"fields": ["note"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_figure_counts()

    @admin.display(description="published", ordering="published")
    def published_display(self, source: Source) -> str:
        return source.published_display

    @admin.display(description="figures", ordering="figure_count")
    def figure_count(self, source: Source) -> int:
        return source.figure_count


@admin.register(Figure)
class FigureAdmin(SimpleHistoryAdmin):
    list_display = ["programme", "measure", "status", "value_display", "period_display", "source_display", "key"]
    list_display_links = ["programme", "measure"]
    list_filter = ["programme", "status", "measure", "basis", "unit", "source__publisher", FinancialYearFilter]
    search_fields = ["description", "note", "key", "source__title", "source__publisher", "programme__name"]
    autocomplete_fields = ["programme", "source"]
    list_select_related = ["programme", "source"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["programme", "description", ("measure", "status", "basis")]}),
        (
            "Value",
            {
                "fields": [("qualifier", "unit"), "value", ("value_low", "value_high")],
                "description": "A single value, or a low–high range: never both.",
            },
        ),
        ("Period (UK financial years)", {"fields": [("period_start", "period_end")]}),
        ("Source", {"fields": ["source", "locator", "note", "key"]}),
    ]

    @admin.display(description="value", ordering="value")
    def value_display(self, figure: Figure) -> str:
        return figure.display_value

    @admin.display(description="period", ordering="period_start")
    def period_display(self, figure: Figure) -> str:
        return figure.period_display or "–"

    @admin.display(description="source", ordering="source__published")
    def source_display(self, figure: Figure) -> str:
        return f"{figure.source.publisher}, {figure.source.published_display}"


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["date_display", "title", "kind", "programme", "source"]
    list_filter = ["kind", "programme"]
    search_fields = ["title", "note"]
    autocomplete_fields = ["programme", "source"]
    list_select_related = ["programme", "source"]
    date_hierarchy = "date"

    @admin.display(description="date", ordering="date")
    def date_display(self, event: Event) -> str:
        return event.date_display
