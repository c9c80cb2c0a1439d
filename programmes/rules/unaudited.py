"""Claims no audit has tested: the claimed and forecast figures with no audited figure of the same quantity."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from programmes.choices import Status
from programmes.rules.findings import like_for_like_key

if TYPE_CHECKING:
    from programmes.models import Figure

# What a programme says it delivered or will deliver; a target is an ambition, not a delivery, so it is not listed.
UNAUDITED_STATUSES = (Status.CLAIMED, Status.FORECAST)


def never_audited(figures: Iterable[Figure]) -> list[Figure]:
    """A claimed or forecast figure was never audited when none of the figures given is an audited figure of its quantity but for status (like_for_like_key: programme, scope, measure, basis, unit, stated period and scenario), whatever that audit found."""
    figures = list(figures)
    audited = {like_for_like_key(figure) for figure in figures if figure.status == Status.AUDITED}
    return [figure for figure in figures if figure.status in UNAUDITED_STATUSES and like_for_like_key(figure) not in audited]
