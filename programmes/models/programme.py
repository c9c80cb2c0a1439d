"""Programmes: strategies, and the centres and clusters within them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from programmes.choices import (
    ProgrammeKind,
    choices_constraint,
)
from programmes.limits import SUMMARY_LENGTH


class InProgrammesMixin:
    def in_programmes(self, programmes: Iterable[Programme], include_children: bool = False) -> models.QuerySet:
        """Rows about any of these programmes, and optionally about their centres or clusters."""
        programmes = [programme.pk for programme in programmes]
        if include_children:
            # The programmes and their children as one list of ids: "its programme's parent is one of these" would join the
            # programme table into the filter, where no index on the rows can serve it (a full scan at a million figures).
            programmes = list(Programme.objects.filter(Q(pk__in=programmes) | Q(parent__in=programmes)).values_list("pk", flat=True))
        return self.filter(programme__in=programmes)


class ProgrammeQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str) -> Programme:
        return self.get(slug=slug)

    def strategies(self) -> ProgrammeQuerySet:
        """Top-level strategies, oldest first."""
        return self.filter(kind=Programme.Kind.STRATEGY)

    def announced_by(self, day: datetime.date | None) -> ProgrammeQuerySet:
        """The programmes announced by this day (all of them for None): those whose announcing publication had certainly appeared.

        A programme with no announcing source recorded is in every record (the admin asks for one).
        """
        if day is None:
            return self
        return self.filter(Q(announced_by__isnull=True) | Q(announced_by__appeared_by__lte=day))

    def for_overview(self, as_at: datetime.date | None = None) -> ProgrammeQuerySet:
        """Every programme with its parent and how many figures it has (as at a date), in one query (the figures themselves are not loaded)."""
        visible = None if as_at is None else Q(figures__source__appeared_by__lte=as_at)
        return self.select_related("parent").annotate(figure_count=models.Count("figures", filter=visible))


class Programme(models.Model):
    Kind = ProgrammeKind

    slug = models.SlugField(unique=True, help_text="Short name used in web addresses and exports, e.g. ngss-2012.")
    name = models.CharField(max_length=200, unique=True, help_text="Full name as readers know it.")
    kind = models.CharField(max_length=16, choices=Kind.choices, help_text="A strategy, or a centre or cluster within one.")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The strategy this centre or cluster belongs to, or the strategy this one revised.",
    )
    announced_by = models.ForeignKey(
        "programmes.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announced_programmes",
        help_text="The first publication in the record about it: before it appeared, pages at a date say it had not been announced.",
    )
    # Today's account (the latest ProgrammeAccount's), kept here by ProgrammeAccount.save for today's pages, the search
    # index and the ordering of programmes; an editor writes them in an account, resting on its source.
    started = models.DateField(
        null=True, blank=True, editable=False, help_text="When it was launched or began operating: its latest account's."
    )
    ended = models.DateField(null=True, blank=True, editable=False, help_text="When it was replaced or wound up: its latest account's.")
    summary = models.TextField(
        max_length=SUMMARY_LENGTH,
        validators=[MaxLengthValidator(SUMMARY_LENGTH)],
        blank=True,
        editable=False,
        help_text="Its latest account's summary.",
    )

    objects = ProgrammeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["started", "name"]
        constraints = [
            choices_constraint("kind", ProgrammeKind),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="%(app_label)s_%(class)s_not_own_parent"),
            models.CheckConstraint(
                condition=Q(kind=ProgrammeKind.STRATEGY) | Q(parent__isnull=False), name="%(app_label)s_%(class)s_part_of_a_strategy"
            ),
            models.CheckConstraint(
                condition=Q(started__isnull=True) | Q(ended__isnull=True) | Q(ended__gte=models.F("started")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def is_strategy(self) -> bool:
        """Whether this is a strategy, rather than a centre or cluster within one."""
        return self.kind == ProgrammeKind.STRATEGY

    def get_absolute_url(self) -> str:
        return reverse("dashboard:programme-detail", args=[self.slug])

    def is_announced_by(self, day: datetime.date | None) -> bool:
        """Whether the record on this day (today for None) knows of the programme: its announcing publication had appeared."""
        return day is None or self.announced_by_id is None or self.announced_by.appeared_by <= day

    def clean(self) -> None:
        if self.started and self.ended and self.ended < self.started:
            raise ValidationError({"ended": "The end date is before the start date."})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "A programme cannot be its own parent."})
        if self.kind != ProgrammeKind.STRATEGY and not self.parent_id:
            raise ValidationError({"parent": "A centre or cluster belongs to a strategy: choose it here."})
