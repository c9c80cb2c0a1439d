"""Events on a programme's timeline: launches, moved deadlines, reports, contracts."""

from __future__ import annotations

import datetime

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from programmes.choices import (
    DatePrecision,
    EventKind,
    choices_constraint,
)
from programmes.limits import NOTE_LENGTH, up_to
from programmes.models.programme import InProgrammesMixin, Programme
from programmes.models.source import Source, dated


class EventQuerySet(InProgrammesMixin, models.QuerySet):
    def get_by_natural_key(self, key: str) -> Event:
        return self.get(key=key)

    def with_related(self) -> EventQuerySet:
        """Load each event's programme and source (with its publisher) with it."""
        return self.select_related("programme", "source__publisher")

    def as_at(self, day: datetime.date | None) -> EventQuerySet:
        """The events a reader could have known of by this day: those whose source had appeared (all of them for None)."""
        return self if day is None else self.filter(source__appeared_by__lte=day)


class Event(models.Model):
    Kind = EventKind

    key = models.SlugField(max_length=100, blank=True, help_text="Identifier in the cited dataset. Leave blank for an event entered here.")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="events")
    date = models.DateField(help_text="When it happened. For a month or year only, use the 1st and set the precision.")
    date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200, help_text="Short label shown on charts, e.g. Cloud deadline moved to 2028.")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="events")
    note = models.TextField(max_length=NOTE_LENGTH, validators=[MaxLengthValidator(NOTE_LENGTH)], blank=True, help_text=up_to(NOTE_LENGTH))

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "title"]
        constraints = [
            choices_constraint("kind", EventKind),
            choices_constraint("date_precision", DatePrecision),
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="%(app_label)s_%(class)s_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.date_display}: {self.title}"

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    @property
    def date_display(self) -> str:
        return dated(self.date, self.date_precision)
