"""Finding the likely duplicates (rules.duplicate_lookup) among the figures an import creates: of a figure already
recorded, or of one an earlier line of the file states. The preview lists them; the editor chooses to skip or add them."""

from __future__ import annotations

from collections.abc import Container

from programmes import rules
from programmes.importing.plan import Change
from programmes.models import Figure


def recorded_key(figure: Figure) -> tuple:
    """rules.duplicate_lookup as a key, for a figure against the recorded ones."""
    return tuple(rules.duplicate_lookup(figure).values())


def file_key(figure: Figure) -> tuple:
    """rules.duplicate_lookup as a key the figures of one file share. The source is the object: the planner holds one per
    source for the whole file, and a new one has no id until it is written, part way through."""
    return tuple({**rules.duplicate_lookup(figure), "source": id(figure.source)}.values())


class Duplicates:
    """The figures of the file so far and the recorded figures a chunk's new figures may repeat."""

    def __init__(self) -> None:
        # Every figure of the file as the file leaves it, with the first line that states it.
        self.lines: dict[tuple, int] = {}
        self.recorded: dict[tuple, Figure] = {}
        # Figures this import created: waiting for the id the database gives them when written, then by id.
        self.waiting: list[Figure] = []
        self.created: set[int] = set()

    def fetch(self, new: list[Figure], in_file: Container[int]) -> None:
        """Read, in one query, the recorded figures that these new figures (one chunk's) may repeat."""
        quantities = {rules.quantity_key(figure) for figure in new if figure.pk is None and not figure.source._state.adding}
        self.created |= {figure.pk for figure in self.waiting if figure.pk is not None}
        self.waiting = [figure for figure in self.waiting if figure.pk is None]
        self.recorded = {}
        for figure in Figure.objects.filter(quantity__in=quantities).order_by("pk"):
            # A figure this file creates or updates is compared as the file leaves it (self.lines), not as it is stored.
            if figure.pk not in in_file and figure.pk not in self.created:
                self.recorded.setdefault(recorded_key(figure), figure)

    def check(self, change: Change, figure: Figure) -> None:
        """Note on a new figure's change the figure or the line it repeats; remember every figure of the file.

        Only a row without an id is asked about: a row with one names its figure, as a restored export does.
        """
        key = file_key(figure)
        if change.action == "create" and figure.pk is None:
            change.duplicate_of = self.recorded.get(recorded_key(figure))
            change.duplicate_line = self.lines.get(key)
            self.waiting.append(figure)
        self.lines.setdefault(key, change.line)
