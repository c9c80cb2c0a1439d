"""Who published or claimed something, and the publications themselves, dated no more precisely than they are."""

from __future__ import annotations

import datetime

from concurrency.fields import IntegerVersionField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from programmes import fiscal
from programmes.choices import (
    AUDITOR_KINDS,
    DatePrecision,
    OrganisationKind,
    SourceKind,
    choices_constraint,
)
from programmes.limits import NOTE_LENGTH, up_to


def dated(day: datetime.date, precision: str) -> str:
    """Print a date no more precisely than the source gave it: 20 May 2016, May 2016, 2016 or undated, before 1 March 2026."""
    if precision == DatePrecision.YEAR:
        return str(day.year)
    if precision == DatePrecision.MONTH:
        return day.strftime("%B %Y")
    if precision == DatePrecision.BEFORE:
        return f"undated, before {day.day} {day.strftime('%B %Y')}"
    return f"{day.day} {day.strftime('%B %Y')}"


def latest_possible(day: datetime.date, precision: str) -> datetime.date:
    """The latest day a thing dated this way can have happened: "December 2012" is by 31 December 2012."""
    if precision == DatePrecision.YEAR:
        return datetime.date(day.year, 12, 31)
    if precision == DatePrecision.MONTH:
        next_month = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return next_month - datetime.timedelta(days=1)
    if precision == DatePrecision.BEFORE:
        return day - datetime.timedelta(days=1)
    return day


class OrganisationQuerySet(models.QuerySet):
    def get_by_natural_key(self, name: str) -> Organisation:
        return self.get(name=name)


class Organisation(models.Model):
    """Who publishes sources and who makes claims: one table, because the NAO is both, and so is a department."""

    Kind = OrganisationKind

    name = models.CharField(max_length=200, unique=True, help_text="As readers know it, e.g. National Audit Office, Cabinet Office.")
    kind = models.CharField(
        max_length=16, choices=Kind.choices, help_text="Audit bodies and committees are the only ones whose own findings count as audited."
    )
    note = models.TextField(
        max_length=NOTE_LENGTH,
        validators=[MaxLengthValidator(NOTE_LENGTH)],
        blank=True,
        help_text="Optional: former names, or what the organisation is. " + up_to(NOTE_LENGTH),
    )

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [choices_constraint("kind", OrganisationKind)]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    @property
    def is_auditor(self) -> bool:
        return self.kind in AUDITOR_KINDS


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, key: str) -> Source:
        return self.get(key=key)

    def as_at(self, day: datetime.date | None) -> SourceQuerySet:
        """The sources that had certainly appeared by this day (all of them for None)."""
        return self if day is None else self.filter(appeared_by__lte=day)

    def with_figure_counts(self) -> SourceQuerySet:
        """Annotate each source with how many figures cite it."""
        return self.select_related("publisher").annotate(figure_count=models.Count("figures"))


class Source(models.Model):
    Kind = SourceKind

    key = models.SlugField(max_length=100, unique=True, help_text="Stable short name, e.g. nao-2016-shared-service-centres.")
    title = models.CharField(max_length=300, help_text="Title as published.")
    publisher = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="sources",
        help_text="Who published it, e.g. National Audit Office, Computer Weekly.",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    published = models.DateField(
        help_text="Publication date. For a month or year only, use the 1st and set the precision. "
        "For an undated source known only to predate a day, give that day and choose \u201cUndated, before this day\u201d."
    )
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY, help_text="How precisely the source is dated."
    )
    url = models.URLField(max_length=500, blank=True, help_text="Link to the publication. Required unless a seed file is named.")
    seed_file = models.CharField(max_length=100, blank=True, help_text="File name in sources/seeds/ where the article is kept.")
    reference = models.CharField(max_length=100, blank=True, help_text='Official reference, e.g. "HC 16 2016-17".')
    is_primary = models.BooleanField(
        default=True, help_text="Untick for a secondary source: an aggregator or mirror repeating others' figures."
    )
    note = models.TextField(
        max_length=NOTE_LENGTH,
        validators=[MaxLengthValidator(NOTE_LENGTH)],
        blank=True,
        help_text="Short caveat about the source itself. " + up_to(NOTE_LENGTH),
    )
    version = IntegerVersionField(help_text="Changes on every save, so that two editors cannot overwrite each other.")
    # Derived from published and date_precision on every save, so that "the record as at a date" is one indexed filter.
    appeared_by = models.DateField(editable=False, db_index=True, help_text="The latest day the source can have appeared.")
    # The publication's calendar and financial year, stored for the same reason: a chart or the explorer groups thousands
    # of figures by them, and SQLite would work each out from the date in a Python function called once a row.
    published_year = models.IntegerField(editable=False, help_text="The calendar year of publication.")
    published_financial_year = models.IntegerField(
        editable=False, help_text="The financial year of publication, by the year it starts (2023 for 2023-24)."
    )

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["appeared_by", "published_year", "published_financial_year"])

    class Meta:
        ordering = ["-published", "title"]
        constraints = [
            choices_constraint("kind", SourceKind),
            choices_constraint("date_precision", DatePrecision),
            models.CheckConstraint(condition=~Q(url="") | ~Q(seed_file=""), name="%(app_label)s_%(class)s_has_link"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.publisher}, {self.published_display})"

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    def save(self, *args, **kwargs) -> None:
        # A new date moves when this source's figures begin to disagree with others: flags are recomputed after it.
        self.previous_appeared_by = self.appeared_by
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self) -> None:
        """Set the stored columns derived from the date (bulk_create skips save(), so the import calls this itself)."""
        self.appeared_by = latest_possible(self.published, self.date_precision)
        self.published_year = self.published.year
        self.published_financial_year = fiscal.year_of(self.published)

    def get_absolute_url(self) -> str:
        return reverse("dashboard:source-detail", args=[self.pk])

    @property
    def published_display(self) -> str:
        return dated(self.published, self.date_precision)

    @property
    def published_by(self) -> datetime.date:
        """The latest date the source can have appeared: "December 2012" sorts after 28 December 2012."""
        return latest_possible(self.published, self.date_precision)

    def clean(self) -> None:
        if not self.url and not self.seed_file:
            raise ValidationError({"url": "Give a link to the publication, or the seed file it is kept in."})
