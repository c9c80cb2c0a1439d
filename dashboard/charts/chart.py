"""The Chart a builder returns: its plotly JSON, a plain-English summary and the table of exactly the numbers drawn."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from dashboard.charts.frame import TABLE_COLUMNS, table_rows, unique_sources, unknown_notes
from dashboard.charts.style import STATUS_KEY
from programmes.models import Source


@dataclass
class Chart:
    """One chart: its figure JSON, a plain-English summary, and the table of exactly the numbers drawn."""

    id: str
    title: str
    summary: str
    plotly: dict
    rows: list[dict]
    sources: list[Source]
    notes: list[str] = field(default_factory=list)
    filename: str = ""
    key: str = STATUS_KEY
    csv_url: str = ""
    # The chart on a page of its own that other sites may frame (dashboard/embeds.py).
    embed_url: str = ""
    # How to cite it, on a page that is never cached (dashboard/cite_views.py).
    cite_url: str = ""
    # Columns a chart adds to the standard table (and CSV) after TABLE_COLUMNS; each row lists their cells as "extra".
    extra_columns: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=lambda: list(TABLE_COLUMNS))
    # A chart over more figures than it can draw one by one draws them aggregated (dashboard/charts/aggregate.py): its
    # table holds the aggregates, and these say where its figures are listed, a page at a time and as CSV.
    aggregated: bool = False
    numeric_columns: tuple[str, ...] = ()
    figure_count: int = 0
    figures_url: str = ""
    figures_csv_url: str = ""

    @property
    def anchor(self) -> str:
        return f"chart-{self.id}"

    @property
    def data_id(self) -> str:
        return f"chart-{self.id}-data"

    @property
    def has_disagreement(self) -> bool:
        return any(row.get("Flag") for row in self.rows)


def plotly_json(plot: go.Figure) -> dict:
    """A plain, JSON-safe dict of the figure, without plotly's default template (it adds kilobytes)."""
    return json.loads(json.dumps(plot.to_plotly_json(), cls=PlotlyJSONEncoder))


def figure_chart(
    chart_id: str,
    title: str,
    summary: str,
    plot: go.Figure,
    frame: pd.DataFrame,
    filename: str,
    flagged: dict[int, str] | None = None,
    rows: list[dict] | None = None,
    notes: list[str] | None = None,
    **fields,
) -> Chart:
    """A chart drawn figure by figure: its JSON, its table (one row per figure of `frame`, unless `rows` are given), the
    sources cited and, unless `notes` are given, a note for each figure whose amount is not known."""
    return Chart(
        id=chart_id,
        title=title,
        summary=summary,
        plotly=plotly_json(plot),
        rows=table_rows(frame, flagged) if rows is None else rows,
        sources=unique_sources(frame),
        notes=unknown_notes(frame) if notes is None else notes,
        filename=filename,
        **fields,
    )
