"""What every chart shares: the Chart record, styles, the figure table, summaries' wording and flags."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

import pandas as pd
import plotly.graph_objects as go
from django.db.models import F
from plotly.utils import PlotlyJSONEncoder

from programmes import rules
from programmes.flags import KEPT
from programmes.models import Disagreement, Figure, Source, Status

STATUS_KEY = (
    "Colour and marker shape or fill pattern both show status: target ◆ hatched, forecast ▲ dotted, claimed ■ crossed, audited ● solid."
)


MEASURE_KEY = "Colour and fill pattern show the measure: savings solid, investment hatched, net benefit striped."


STATUS_ORDER = [Status.TARGET, Status.FORECAST, Status.CLAIMED, Status.AUDITED]


# Okabe-Ito hues, darkened where needed for 3:1 contrast against white; shape and pattern are the second cue.


STATUS_STYLE = {
    Status.TARGET: {"colour": "#0072B2", "symbol": "diamond", "pattern": "/", "dash": "dash"},
    Status.FORECAST: {"colour": "#C25400", "symbol": "triangle-up", "pattern": ".", "dash": "dot"},
    Status.CLAIMED: {"colour": "#A0426E", "symbol": "square", "pattern": "x", "dash": "dashdot"},
    Status.AUDITED: {"colour": "#007A5A", "symbol": "circle", "pattern": "", "dash": "solid"},
}


EVENT_COLOUR = "#505a5f"


FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"


TABLE_COLUMNS = [
    "Figure",
    "Programme",
    "Status",
    "Basis",
    "Period",
    "Value",
    "Value (low)",
    "Value (high)",
    "Unit",
    "Published",
    "Claimed by",
    "Source",
    "Flag",
]


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


def plotly_json(figure: go.Figure) -> dict:
    """A plain, JSON-safe dict of the figure, without plotly's default template (it adds kilobytes)."""
    return json.loads(json.dumps(figure.to_plotly_json(), cls=PlotlyJSONEncoder))


def base_layout(title: str, **extra) -> dict:
    """Layout shared by every chart: readable font, legend below, room for long tick labels."""
    layout = {
        "template": None,
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "font": {"family": FONT, "size": 13, "color": "#1b1b1b"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 64, "r": 16, "t": 48, "b": 64},
        "legend": {"orientation": "h", "y": -0.2, "x": 0},
        "hoverlabel": {"font": {"family": FONT}},
        "separators": ".,",
    }
    layout.update(extra)
    return layout


def axis(title: str, **extra) -> dict:
    return {
        "title": {"text": title},
        "gridcolor": "#dddddd",
        "zerolinecolor": "#6f777b",
        "linecolor": "#6f777b",
        "automargin": True,
        **extra,
    }


def as_float(number: Decimal | None) -> float | None:
    return float(number) if number is not None else None


def figure_frame(figures: Iterable[Figure]) -> pd.DataFrame:
    """One row per figure with the fields charts need; money stays Decimal until it is drawn."""
    records = [
        {
            "figure": f,
            "id": f.pk,
            "programme": f.programme.name,
            "programme_slug": f.programme.slug,
            "description": f.description,
            "measure": f.measure,
            "status": f.status,
            "basis": f.basis,
            "qualifier": f.qualifier,
            "unit": f.unit,
            "value": f.value,
            "low": f.value if f.value is not None else f.value_low,
            "high": f.value if f.value is not None else f.value_high,
            "is_range": f.is_range,
            "is_unknown": f.is_unknown,
            "period_start": f.period_start,
            "period_end": f.period_end,
            "period": f.period_display or "not stated",
            "published": f.source.published,
            # Ordering uses the latest date a source can have appeared, so "December 2012" follows 28 December 2012.
            "published_by": f.source.published_by,
            "source": f.source,
            "display": f.display_value,
        }
        for f in figures
    ]
    columns = ["figure", "id", "programme", "programme_slug", "description", "measure", "status", "basis", "qualifier", "unit"]
    frame = pd.DataFrame.from_records(
        records,
        columns=[
            *columns,
            "value",
            "low",
            "high",
            "is_range",
            "is_unknown",
            "period_start",
            "period_end",
            "period",
            "published",
            "published_by",
            "source",
            "display",
        ],
    )
    if frame.empty:
        return frame
    frame["status_rank"] = frame["status"].map({s.value: i for i, s in enumerate(STATUS_ORDER)})
    return frame.sort_values(["status_rank", "published_by", "id"], kind="stable").reset_index(drop=True)


def flags(figures: Iterable[Figure], as_at: datetime.date | None = None) -> dict[int, str]:
    """The ⚑ text for each of these figures that another disagrees with (as at a date, if given), naming the others.

    Reads the flags stored on write (programmes/flags.py): one query, whatever the number of figures compared.
    """
    ids = [figure.pk for figure in figures]
    if not ids:
        return {}
    rows = (
        Disagreement.objects.held_on(as_at).filter(figure_id__in=ids).select_related("other__source__publisher").order_by("figure", "rank")
    )
    # The count is read with the rows, not from the figures given, which may have been loaded before a later write.
    rows = rows.annotate(total=F("figure__disagreement_count"))
    named: dict[int, list[Figure]] = {}
    totals: dict[int, int] = {}
    for row in rows:
        named.setdefault(row.figure_id, []).append(row.other)
        totals[row.figure_id] = row.total
    return {pk: flag_text(others, totals[pk] - len(others), as_at is not None) for pk, others in named.items()}


def flag_text(others: list[Figure], more: int = 0, past: bool = False) -> str:
    """ "Disagrees with £95m (Civil Service World, 21 May 2016)": the other figures of the same quantity, with their sources."""
    named = [f"{other.display_value} ({other.source.publisher}, {other.source.published_display})" for other in others]
    text = "Disagrees with " + "; ".join(named)
    if past and len(others) == KEPT:
        # Only the earliest are stored: as at a past date, more may already have appeared (the figure's page lists them).
        return text + "; perhaps others"
    if more > 0:
        return text + f"; and {more} more"
    return text


def table_rows(frame: pd.DataFrame, flagged: dict[int, str] | None = None) -> list[dict]:
    """The chart's data table (and CSV): one row per figure drawn, with its claimant, source and ⚑ (from `flags`, read here
    for the figures drawn unless the caller read them once for several charts, or as at a date)."""
    if flagged is None:
        flagged = flags(frame["figure"]) if not frame.empty else {}
    rows = []
    for row in frame.itertuples():
        figure: Figure = row.figure
        rows.append(
            {
                "Figure": figure.description,
                "Programme": row.programme,
                "Status": figure.get_status_display(),
                "Basis": figure.get_basis_display(),
                "Period": row.period,
                "Value": row.display,
                "Value (low)": row.low,
                "Value (high)": row.high,
                "Unit": figure.get_unit_display(),
                "Published": row.source.published_display,
                "Claimed by": figure.claimant.name,
                "Source": f"{row.source.title} ({row.source.publisher})",
                "Flag": flagged.get(row.id, ""),
                "claimant": figure.claimant.name,
                "url": figure.get_absolute_url(),
                "source_url": row.source.get_absolute_url(),
            }
        )
    return rows


def unique_sources(frame: pd.DataFrame) -> list[Source]:
    seen: dict[int, Source] = {}
    for source in frame["source"] if not frame.empty else []:
        seen.setdefault(source.pk, source)
    return sorted(seen.values(), key=lambda s: (s.published, s.title))


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


def best_sourced(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows rules.best_sourced keeps, in the order they were stated."""
    kept = [figure.pk for figure in rules.best_sourced(rows["figure"])] if not rows.empty else []
    return rows.set_index("id", drop=False).loc[kept].reset_index(drop=True)


def unknown_notes(frame: pd.DataFrame) -> list[str]:
    """Sentences for figures a source says are unknown: shown beside the chart, never drawn as zero."""
    return [
        f"{row.description}: not known, according to {rules.attribution(row.figure)}." for row in frame[frame["is_unknown"]].itertuples()
    ]
