"""The stored flags of figures that disagree, kept on write by programmes/flags.py."""

from __future__ import annotations

import datetime

from django.db import models

from programmes.models.figure import Figure


class DisagreementQuerySet(models.QuerySet):
    def held_on(self, day: datetime.date | None) -> DisagreementQuerySet:
        """The disagreements a reader could have seen on a day: both figures' sources had appeared by then (all of them today)."""
        return self if day is None else self.filter(holds_from__lte=day)

    def first_held_between(self, since: datetime.date, until: datetime.date) -> DisagreementQuerySet:
        """Each figure's first flag (rank 1: its source appeared first) that began to hold after since and by until: the figures newly flagged then."""
        return self.filter(rank=1, holds_from__gt=since, holds_from__lte=until)


class Disagreement(models.Model):
    """One of the earliest figures that another figure disagrees with (rules.disagree), kept on write by programmes/flags.py.

    Pages read these instead of comparing figures. Only the KEPT earliest are stored for each figure: at any past date the
    ones visible then are a prefix of them, so a view as at that date names the same figures a reader could have compared.
    """

    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, related_name="disagreements")
    other = models.ForeignKey(Figure, on_delete=models.CASCADE, related_name="+")
    holds_from = models.DateField(help_text="The day both figures' sources had appeared: the flag holds from then.")
    rank = models.PositiveSmallIntegerField(help_text="1 for the other figure whose source appeared first.")

    objects = DisagreementQuerySet.as_manager()

    class Meta:
        ordering = ["figure", "rank"]
        constraints = [models.UniqueConstraint(fields=["figure", "rank"], name="%(app_label)s_%(class)s_one_per_rank")]
        indexes = [models.Index(fields=["figure", "holds_from"], name="programmes_disagreement_from")]

    def __str__(self) -> str:
        return f"{self.figure_id} disagrees with {self.other_id} from {self.holds_from}"
