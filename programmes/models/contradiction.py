"""Contradictions between sources: what each publication said, why they cannot all be right, and the programmes they touch.

A ⚑ flag (Disagreement) is worked out from two figures of one quantity. Many contradictions are not like that: two
dates for one launch, one figure read as cumulative and another as annual, a number against a description in words.
An editor records each such contradiction here, in words, so that every programme it touches shows it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, Prefetch, Q
from simple_history.models import HistoricalRecords

from programmes.limits import EXPLANATION_LENGTH, up_to
from programmes.models.event import Event
from programmes.models.figure import Figure
from programmes.models.programme import Programme
from programmes.models.source import Organisation, Source

# Sides a contradiction needs before it is shown: one publication alone contradicts nothing.
SIDES_SHOWN_FROM = 2


def appeared(side: ContradictionSide, day: datetime.date | None) -> bool:
    """Whether a side's publication had appeared by the day (every side today)."""
    return day is None or side.source.appeared_by <= day


class ContradictionQuerySet(models.QuerySet):
    def get_by_natural_key(self, key: str) -> Contradiction:
        return self.get(key=key)

    def with_sides(self) -> ContradictionQuerySet:
        """Load each contradiction's sides, with their sources, publishers, claimants, figures and events."""
        sides = ContradictionSide.objects.select_related("source__publisher", "claimant", "figure", "event")
        return self.prefetch_related(Prefetch("sides", queryset=sides))

    def as_at(self, day: datetime.date | None) -> ContradictionQuerySet:
        """The contradictions a reader could have seen on a day: at least two of their sides' publications had appeared by then."""
        if day is None:
            return self
        visible = Count("sides", filter=Q(sides__source__appeared_by__lte=day), distinct=True)
        return self.alias(sides_then=visible).filter(sides_then__gte=SIDES_SHOWN_FROM)

    def touching(self, programme: Programme) -> ContradictionQuerySet:
        """The contradictions that touch this programme."""
        return self.filter(pk__in=ContradictionProgramme.objects.filter(programme=programme).values("contradiction"))

    def involving(self, figure: Figure) -> ContradictionQuerySet:
        """The contradictions one of whose sides is this figure."""
        return self.filter(pk__in=ContradictionSide.objects.filter(figure=figure).values("contradiction"))


class Contradiction(models.Model):
    key = models.SlugField(max_length=100, unique=True, help_text="Stable short name, e.g. issc-start-date.")
    title = models.CharField(
        max_length=200, help_text="A short title naming what the sources disagree on, e.g. When the two centres started."
    )
    description = models.TextField(
        max_length=EXPLANATION_LENGTH,
        validators=[MaxLengthValidator(EXPLANATION_LENGTH)],
        help_text="Why the sources differ, or why they cannot all be right, in plain words. Paraphrase; quote under 25 words. "
        + up_to(EXPLANATION_LENGTH),
    )
    programmes = models.ManyToManyField(
        Programme,
        through="ContradictionProgramme",
        related_name="contradictions",
        help_text="Every programme the contradiction touches: each of their pages shows it.",
    )

    objects = ContradictionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    def sides_as_at(self, day: datetime.date | None) -> list[ContradictionSide]:
        """The sides whose publication had appeared by the day, in order (every side today); prefetch them with with_sides()."""
        return [side for side in self.sides.all() if appeared(side, day)]


class ContradictionProgrammeQuerySet(models.QuerySet):
    def get_by_natural_key(self, key: str) -> ContradictionProgramme:
        return self.get(key=key)


class ContradictionProgramme(models.Model):
    """One programme a contradiction touches: its page shows the contradiction."""

    key = models.SlugField(max_length=100, blank=True, help_text="Identifier in the cited dataset. Leave blank for a row entered here.")
    contradiction = models.ForeignKey(Contradiction, on_delete=models.CASCADE, related_name="touches")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")

    objects = ContradictionProgrammeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["contradiction", "programme__started", "programme__name"]
        constraints = [
            models.UniqueConstraint(fields=["contradiction", "programme"], name="%(app_label)s_%(class)s_once"),
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="%(app_label)s_%(class)s_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.contradiction} ({self.programme})"

    def natural_key(self) -> tuple[str]:
        return (self.key,)


class ContradictionSideQuerySet(models.QuerySet):
    def get_by_natural_key(self, key: str) -> ContradictionSide:
        return self.get(key=key)

    def of(self, contradictions: ContradictionQuerySet) -> ContradictionSideQuerySet:
        """Every side of these contradictions, with its contradiction, publication, claimant, figure and event, in one query."""
        return (
            self.filter(contradiction__in=contradictions.values("pk"))
            .select_related("contradiction", "source__publisher", "claimant", "figure", "event")
            .order_by("contradiction__title", "contradiction_id", "position", "pk")
        )


@dataclass
class Shown:
    """A contradiction as a page shows it on a day: the sides that had appeared, and whether all of them had."""

    contradiction: Contradiction
    sides: list[ContradictionSide] = field(default_factory=list)
    complete: bool = True


def shown_as_at(sides: Iterable[ContradictionSide], day: datetime.date | None) -> list[Shown]:
    """The contradictions of these sides a reader could have seen on a day (Contradiction.objects.as_at, in Python).

    One is shown once at least two of its sides' publications had appeared, with only those sides; it is `complete`
    when every side had, because the account of why they differ speaks of them all.
    """
    grouped: dict[int, Shown] = {}
    for side in sides:
        shown = grouped.setdefault(side.contradiction_id, Shown(side.contradiction))
        if appeared(side, day):
            shown.sides.append(side)
        else:
            shown.complete = False
    return [shown for shown in grouped.values() if len(shown.sides) >= SIDES_SHOWN_FROM]


class ContradictionSide(models.Model):
    """What one publication said: the claimant, the value or wording as published, and the figure or event that records it."""

    key = models.SlugField(max_length=100, blank=True, help_text="Identifier in the cited dataset. Leave blank for a side entered here.")
    contradiction = models.ForeignKey(Contradiction, on_delete=models.CASCADE, related_name="sides")
    position = models.PositiveSmallIntegerField(default=1, help_text="Order in which the sides are told: 1 first.")
    claimant = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text="Who said it, which may not be who published it."
    )
    says = models.CharField(
        max_length=300,
        help_text="What this side says, with its value or wording as published, e.g. the centres began providing services in 2013. "
        "Paraphrase; quote under 25 words.",
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", help_text="The publication that says it.")
    # A side stands on its publication and its words: deleting the figure or event that also records it leaves the side.
    figure = models.ForeignKey(
        Figure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The figure that records it, if one does."
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The event that records it, if one does."
    )

    objects = ContradictionSideQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["contradiction", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="%(app_label)s_%(class)s_unique_key")]

    def __str__(self) -> str:
        return f"{self.claimant}: {self.says}"

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    def clean(self) -> None:
        errors = {}
        if self.figure_id is not None and self.source_id is not None and self.figure.source_id != self.source_id:
            errors["figure"] = "This figure comes from another publication: choose the figure this publication states, or none."
        if self.event_id is not None and self.source_id is not None and self.event.source_id != self.source_id:
            errors["event"] = "This event is dated by another publication: choose the event this publication records, or none."
        if errors:
            raise ValidationError(errors)
