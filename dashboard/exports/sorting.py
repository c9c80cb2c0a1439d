"""?sort= on the figures: the order of the figure explorer's table (/figures/) and of the download of the same view.

Any column of figures.csv is a key, with a leading - for descending. Two keys sort by what the column means rather
than its cell: `value` puts a range at its low end, so ranges sort among single values, and `disagrees` sorts by how
many figures disagree with each one (Figure.disagreement_count, stored on write). Blanks come last either way, and
ties are in id order, so that a page of the explorer is exactly a slice of the download.
"""

from __future__ import annotations

from django.db.models import Expression, F, OrderBy
from django.db.models.functions import Coalesce

from programmes.columns import FIGURE_COLUMNS

SPECIAL = {"value": Coalesce("value", "value_low"), "disagrees": F("disagreement_count")}
KEYS = [column.name for column in FIGURE_COLUMNS]


def ordering(key: str | None, disagrees_then: Expression | None = None) -> list:
    """The order_by() arguments for a sort key such as "-value"; id order without one.

    `disagrees_then` is the disagrees column of a view as at a past date: its order is that of the flags shown then,
    not of today's count.
    """
    if key is None:
        return ["pk"]
    descending = key.startswith("-")
    name = key.removeprefix("-")
    column = next(column for column in FIGURE_COLUMNS if column.name == name)
    expression = disagrees_then if name == "disagrees" and disagrees_then is not None else SPECIAL.get(name, F(column.lookup))
    order = OrderBy(expression, descending=descending, nulls_last=True)
    return [order, "pk"]
