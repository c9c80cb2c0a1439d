"""Deadlines: what each is for (its milestone), and when a deadline moved rather than another one was set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from programmes.choices import Measure
from programmes.rules.quantity import cached_slugify
from programmes.rules.timing import stated_on

if TYPE_CHECKING:
    from programmes.models import Figure


@dataclass(frozen=True)
class Milestone:
    """One milestone's deadlines in the order they were stated; `name` is "" for a deadline that states none."""

    name: str
    deadlines: tuple[Figure, ...]

    @property
    def has_moved(self) -> bool:
        """A milestone's deadline moved when two of its deadlines give different years (rules.milestones)."""
        return len({figure.bounds for figure in self.deadlines}) > 1


def milestone_key(figure: Figure) -> str:
    """How milestones are matched: the same words, whatever their case, spacing and punctuation, as the quantity key spells them."""
    return cached_slugify(figure.milestone)


def milestones(figures: Iterable[Figure]) -> list[Milestone]:
    """The deadlines grouped by what is due: only deadlines for the same milestone can read as one deadline that moved.

    A deadline with no milestone is a group of its own, so it never reads as a move of another. Each group holds its
    deadlines in the order they were stated; groups come in the order of their first deadline.
    """
    deadlines = sorted((f for f in figures if f.measure == Measure.DEADLINE), key=lambda f: (stated_on(f.source), f.pk or 0))
    groups: dict[object, list[Figure]] = {}
    for figure in deadlines:
        key = milestone_key(figure) or ("none", figure.pk, id(figure))
        groups.setdefault(key, []).append(figure)
    return [Milestone(" ".join(group[0].milestone.split()), tuple(group)) for group in groups.values()]
