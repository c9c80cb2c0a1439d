"""Which figures a page or a rule asks for: the figure table's queries, by what they mean in the record."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from programmes import fiscal, rules
from programmes.choices import Qualifier
from programmes.models.programme import InProgrammesMixin

if TYPE_CHECKING:
    from programmes.models.figure import Figure


class FigureQuerySet(InProgrammesMixin, models.QuerySet):
    def get_by_natural_key(self, key: str) -> Figure:
        return self.get(key=key)

    def with_related(self) -> FigureQuerySet:
        """Load each figure's programme, source (with its publisher) and claimant with it."""
        return self.select_related("programme", "source__publisher", "claimant")

    def with_years_reached(self) -> FigureQuerySet:
        """Each figure with the first and last financial years its period reaches (fiscal.reach), as reaches_from and reaches_to."""
        first, last = fiscal.reach("period_start", "period_end", models.F("source__published_financial_year"))
        return self.annotate(reaches_from=first, reaches_to=last)

    def overlapping(self, first: int | None, last: int | None) -> FigureQuerySet:
        """Figures whose period reaches into the financial years first..last (fiscal.reach: an open end reaches to the year stated)."""
        reaches_from, reaches_to = fiscal.reach("period_start", "period_end", models.F("source__published_financial_year"))
        queryset = self.exclude(period_start=None, period_end=None)
        if first is not None:
            queryset = queryset.filter(GreaterThanOrEqual(reaches_to, first))
        if last is not None:
            queryset = queryset.filter(LessThanOrEqual(reaches_from, last))
        return queryset

    def as_at(self, day: datetime.date | None) -> FigureQuerySet:
        """The figures whose source had certainly appeared by this day (all of them for None): the record as it stood then."""
        return self if day is None else self.filter(source__appeared_by__lte=day)

    def known(self) -> FigureQuerySet:
        """Figures with a number: not the ones a source says are unknown."""
        return self.exclude(qualifier=Qualifier.UNKNOWN)

    def likely_duplicates_of(self, figure: Figure) -> FigureQuerySet:
        """The saved figures that are likely duplicates of this one (rules.duplicate_lookup), oldest first; never itself."""
        return self.with_related().filter(**rules.duplicate_lookup(figure)).exclude(pk=figure.pk).order_by("pk")

    def same_quantity_as(self, figure: Figure) -> FigureQuerySet:
        """The other saved figures that state this figure's quantity (rules.quantity_key, stored and indexed); none before it is saved."""
        if figure.pk is None:
            return self.none()
        return self.with_related().filter(quantity=rules.quantity_key(figure)).exclude(pk=figure.pk)
