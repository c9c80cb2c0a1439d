"""The marks charts draw for figures: bars (a range floats from its low to its high end), their hover text and labels."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from html import escape

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import STATUS_ORDER, STATUS_STYLE
from programmes.models import Status


def as_float(number: Decimal | None) -> float | None:
    return float(number) if number is not None else None


def hover_text(row) -> str:
    """Value, status, period and source for the hover label; editors' text is escaped, as plotly reads tags in it."""
    source = row.source
    return (
        f"<b>{row.display}</b><br>{row.figure.get_status_display()} · {row.figure.get_basis_display().lower()}<br>"
        f"Period: {row.period}<br>{escape(row.description)}<br>Claimed by {escape(row.figure.claimant.name)}"
        f"<br>Source: {escape(source.publisher.name)}, {source.published_display}"
    )


def figure_bar(
    rows: pd.DataFrame, name: str, colour: str, pattern: str, categories: list, horizontal: bool = False, labels: list[str] | None = None
) -> go.Bar:
    """Bars for figures at the given categories; a range is a floating bar from low to high, never a midpoint."""
    lengths = [as_float(r.high - r.low) if r.is_range else as_float(r.value) for r in rows.itertuples()]
    bar = {
        "name": name,
        "base": [as_float(r.low) if r.is_range else 0 for r in rows.itertuples()],
        "marker": {
            "color": colour,
            "line": {"color": colour, "width": 1.5},
            "pattern": {"shape": pattern, "fgcolor": "#ffffff", "solidity": 0.3, "fillmode": "overlay"},
        },
        "customdata": [r.id for r in rows.itertuples()],
        "hovertext": [hover_text(r) for r in rows.itertuples()],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "text": labels if labels is not None else [r.display for r in rows.itertuples()],
        "textposition": "outside",
        "cliponaxis": False,
    }
    if horizontal:
        return go.Bar(orientation="h", y=categories, x=lengths, **bar)
    return go.Bar(x=categories, y=lengths, **bar)


def status_bars(
    frame: pd.DataFrame,
    category: Callable,
    name: Callable[[str], str] = lambda status: Status(status).label,
    label: Callable | None = None,
) -> Iterator[tuple[str, go.Bar]]:
    """Horizontal bars, one trace per status drawn (in STATUS_ORDER) in its colour and pattern; `category(row)` places a bar
    and `label(row, status)` writes its text (its value, if not given)."""
    for status in STATUS_ORDER:
        rows = frame[frame["status"] == status]
        if rows.empty:
            continue
        style = STATUS_STYLE[status]
        categories = [category(row) for row in rows.itertuples()]
        labels = None if label is None else [label(row, status) for row in rows.itertuples()]
        yield status, figure_bar(rows, name(status), style["colour"], style["pattern"], categories, horizontal=True, labels=labels)


def wrap_name(name: str, width: int = 24) -> str:
    """Break a long programme name over lines so the axis does not take half the chart."""
    lines, line = [], ""
    for word in name.split():
        if line and len(line) + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(escape(text) for text in [*lines, line])
