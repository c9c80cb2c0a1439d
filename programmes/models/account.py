"""What the record says about a programme in words (its summary, start and end), each account resting on one publication.

A page at a date may say only what rests on publications that had appeared by then, so the words an editor writes
about a programme are versioned like figures: each account carries its source, and the one shown on a day is the
latest whose source had certainly appeared by that day (Source.appeared_by).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from programmes.limits import SUMMARY_LENGTH, up_to
from programmes.models.programme import Programme
from programmes.models.source import Source

# Written in a programme's history when its summary, start and end follow its latest account.
FOLLOWED_REASON = "Summary, start and end from its latest account"


class ProgrammeAccountQuerySet(models.QuerySet):
    def get_by_natural_key(self, key: str) -> ProgrammeAccount:
        return self.get(key=key)

    def as_at(self, day: datetime.date | None) -> ProgrammeAccountQuerySet:
        """The accounts whose source had certainly appeared by this day (all of them for None)."""
        return self if day is None else self.filter(source__appeared_by__lte=day)

    def latest_first(self) -> ProgrammeAccountQuerySet:
        """Newest source first; of two resting on sources of one day, the one entered last."""
        return self.select_related("source__publisher").order_by("-source__appeared_by", "-pk")

    def in_force(self, programme: Programme, day: datetime.date | None) -> ProgrammeAccount | None:
        """The account of a programme shown on a day: the latest resting on a source that had appeared by then."""
        return self.filter(programme=programme).as_at(day).latest_first().first()

    def in_force_for(self, programmes: list[Programme], day: datetime.date | None) -> dict[int, ProgrammeAccount]:
        """The account in force on a day of each of these programmes that has one, by programme id, in one query."""
        found: dict[int, ProgrammeAccount] = {}
        for account in self.filter(programme__in=programmes).as_at(day).latest_first():
            found.setdefault(account.programme_id, account)
        return found


class ProgrammeAccount(models.Model):
    """One publication's account of a programme: the summary, start and end a reader could have written from it and
    those before it."""

    key = models.SlugField(max_length=100, unique=True, help_text="Stable short name, e.g. ngss-2012-nao-2016.")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="accounts")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="programme_accounts",
        help_text="The publication this account rests on: it is shown from the day that publication had certainly appeared.",
    )
    summary = models.TextField(
        max_length=SUMMARY_LENGTH,
        validators=[MaxLengthValidator(SUMMARY_LENGTH)],
        help_text="Two to four plain sentences for the public page, saying only what this publication and earlier ones "
        "said. Paraphrase; quote under 25 words; no figure without its source. " + up_to(SUMMARY_LENGTH),
    )
    started = models.DateField(
        null=True, blank=True, help_text="When it was launched or began operating, as known from these publications."
    )
    ended = models.DateField(null=True, blank=True, help_text="When it was replaced or wound up, as known from these publications.")

    objects = ProgrammeAccountQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme__name", "source__appeared_by", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(started__isnull=True) | Q(ended__isnull=True) | Q(ended__gte=models.F("started")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
            models.CheckConstraint(condition=~Q(summary=""), name="%(app_label)s_%(class)s_has_summary"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} as of {self.source.published_display}" if self.source_id else str(self.programme)

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    def clean(self) -> None:
        if self.started and self.ended and self.ended < self.started:
            raise ValidationError({"ended": "The end date is before the start date."})
        # A date is known only once a publication says it: no account gives a day later than its own source.
        latest = self.source.appeared_by if self.source_id else None
        for name in ("started", "ended"):
            day = getattr(self, name)
            if day and latest and day > latest:
                raise ValidationError({name: f"This date is after the day its source appeared ({latest:%d %B %Y})."})

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        follow_latest_account(self.programme_id)

    def delete(self, *args, **kwargs):
        programme_id = self.programme_id
        deleted = super().delete(*args, **kwargs)
        follow_latest_account(programme_id)
        return deleted


def follow_latest_account(programme_id: int) -> None:
    """Keep the programme's summary, start and end those of its latest account: today's pages, the search index and the
    ordering of programmes read them from the programme row."""
    programme = Programme.objects.get(pk=programme_id)
    latest = ProgrammeAccount.objects.in_force(programme, None)
    values = {"summary": latest.summary, "started": latest.started, "ended": latest.ended} if latest else {}
    if latest is None or all(getattr(programme, name) == value for name, value in values.items()):
        return
    for name, value in values.items():
        setattr(programme, name, value)
    programme._change_reason = FOLLOWED_REASON
    programme.save()
