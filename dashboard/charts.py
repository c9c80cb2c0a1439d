"""Chart builders: figures from the database in, plotly figure JSON plus the same numbers as a table out.

Each builder returns a `Chart` (or None when it has nothing to draw, so that no empty chart is shown).
pandas shapes the rows; plotly builds the figure; the page draws it with static/js/charts.js.
Rules from DOMAIN.md that shape every builder: annual and cumulative figures never share an axis, ranges are
drawn as bands or floating bars and never as midpoints, unknown is said and never drawn as zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from plotly.utils import PlotlyJSONEncoder

from dashboard import headlines
from programmes.formatting import money
from programmes.models import Basis, Event, Figure, Measure, Qualifier, Source, Status, Unit

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

    @property
    def anchor(self) -> str:
        return f"chart-{self.id}"

    @property
    def data_id(self) -> str:
        return f"chart-{self.id}-data"

    @property
    def columns(self) -> list[str]:
        return TABLE_COLUMNS

    @property
    def has_disagreement(self) -> bool:
        return any(row["Flag"] for row in self.rows)


def plotly_json(figure: go.Figure) -> dict:
    """A plain, JSON-safe dict of the figure, without plotly's default template (it adds kilobytes)."""
    import json

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


# Measures where two numbers for one programme, status, basis and period contradict each other. Counts and
# contracts are left out: two sources often count different things (users and departments, one contract
# and another), which the record cannot yet tell apart.
COMPARABLE_MEASURES = {
    Measure.SAVINGS,
    Measure.SAVINGS_NPV,
    Measure.SAVINGS_RATE,
    Measure.INVESTMENT,
    Measure.NET_BENEFIT,
    Measure.FUNDING_REQUESTED,
    Measure.FUNDING_APPROVED,
    Measure.FUNDING_GAP,
    Measure.BASELINE_COST,
    Measure.WRITE_OFF,
    Measure.PROCEEDS,
    Measure.DELAY,
}


def disagreements(frame: pd.DataFrame) -> dict[int, str]:
    """Figures that another source states differently for the same programme, measure, status, basis and period."""
    flags: dict[int, str] = {}
    if frame.empty:
        return flags
    # Without a stated period two figures cannot be shown to cover the same years, so they are not compared.
    comparable = frame[~frame["is_unknown"] & frame["measure"].isin(COMPARABLE_MEASURES) & (frame["period"] != "not stated")]
    for _, group in comparable.groupby(["programme_slug", "measure", "status", "basis", "unit", "period"]):
        for row in group.itertuples():
            # Two numbers from one publication describe two things (a total and its part), not a contradiction.
            differing = {r.source.pk for r in group.itertuples() if (r.low, r.high) != (row.low, row.high) and r.source.pk != row.source.pk}
            if differing:
                flags[row.id] = f"Differs from {len(differing)} other source{'s' if len(differing) > 1 else ''} for the same period"
    return flags


def table_rows(frame: pd.DataFrame) -> list[dict]:
    """The chart's data table (and CSV): one row per figure drawn, with its source."""
    flags = disagreements(frame)
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
                "Source": f"{row.source.title} ({row.source.publisher})",
                "Flag": flags.get(row.id, ""),
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
        f"Period: {row.period}<br>{escape(row.description)}<br>Source: {escape(source.publisher)}, {source.published_display}"
    )


def category_label(row) -> str:
    """Axis label for one figure: who said it, and when, on two lines to leave room for the bars."""
    return f"{escape(row.source.publisher)}<br>{row.source.published_display}"


def bar_positions(frame: pd.DataFrame) -> tuple[dict[int, int], list[int], list[str]]:
    """One axis row per figure drawn, numbered so that two figures from one source do not share a row."""
    drawn = list(frame[~frame["is_unknown"]].itertuples())
    return {row.id: index for index, row in enumerate(drawn)}, list(range(len(drawn))), [category_label(r) for r in drawn]


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


def bar_traces(frame: pd.DataFrame) -> list[go.Bar]:
    """One horizontal bar trace per status; a range is a floating bar from low to high, never a midpoint."""
    positions, _, _ = bar_positions(frame)
    traces = []
    for status in STATUS_ORDER:
        rows = frame[(frame["status"] == status) & ~frame["is_unknown"]]
        if rows.empty:
            continue
        style = STATUS_STYLE[status]
        traces.append(
            figure_bar(
                rows,
                Status(status).label,
                style["colour"],
                style["pattern"],
                [positions[r.id] for r in rows.itertuples()],
                horizontal=True,
                labels=[f"{r.display} ({Status(status).label.lower()})" for r in rows.itertuples()],
            )
        )
    return traces


def target_band_shapes(frame: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """Each distinct target range as a shaded vertical band behind the bars, labelled once."""
    shapes, annotations = [], []
    ranges = frame[(frame["status"] == Status.TARGET) & frame["is_range"]]
    for position, ((low, high), group) in enumerate(ranges.groupby(["low", "high"], sort=True)):
        first = group.iloc[0]
        cited = f"{len(group)} sources" if len(group) > 1 else f"{escape(first.source.publisher)}, {first.source.published_display}"
        shapes.append(
            {
                "type": "rect",
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "xref": "x",
                "x0": as_float(low),
                "x1": as_float(high),
                "fillcolor": "rgba(0,114,178,0.10)",
                "line": {"color": STATUS_STYLE[Status.TARGET]["colour"], "width": 1, "dash": "dash"},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "yref": "paper",
                "y": 1 + 0.06 * (position + 1),
                "yanchor": "bottom",
                "xref": "x",
                "x": as_float(high),
                "xanchor": "right",
                "text": f"Target range {first.display} ({cited})",
                "showarrow": False,
                "font": {"size": 11, "color": STATUS_STYLE[Status.TARGET]["colour"]},
            }
        )
    return shapes, annotations


def savings_frame(figures: list[Figure], basis: str) -> pd.DataFrame:
    frame = figure_frame(f for f in figures if f.measure == Measure.SAVINGS and f.unit == Unit.GBP_M)
    if frame.empty:
        return frame
    if basis == Basis.ANNUAL:
        return frame[frame["basis"] == Basis.ANNUAL].reset_index(drop=True)
    return frame[frame["basis"].isin([Basis.CUMULATIVE, Basis.ONE_OFF])].reset_index(drop=True)


def when(source: Source) -> str:
    """ "on 20 May 2016" or "in May 2016": a date read as precisely as the source gives it."""
    return f"{'on' if source.date_precision == 'day' else 'in'} {source.published_display}"


def describe(row) -> str:
    """A figure in words for a summary sentence: "£90m (audited, 2013-14 to 2015-16)"."""
    period = f", {row.period}" if row.period != "not stated" else ""
    return f"{row.display} ({row.figure.get_status_display().lower()}{period})"


def best_sourced(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows from primary, then official, publications when there are any: a press repeat does not speak for an audit."""
    for preferred in (lambda s: s.is_primary, lambda s: s.kind in headlines.OFFICIAL_KINDS):
        mask = rows["source"].map(preferred).astype(bool)
        if mask.any():
            rows = rows[mask]
    return rows.sort_values(["published_by", "id"])


def promise_summary(frame: pd.DataFrame, per: str) -> str:
    """First promise, then the latest audited or otherwise latest figure, in one sentence."""
    known = frame[~frame["is_unknown"]]
    targets = best_sourced(known[known["status"] == Status.TARGET])
    audited = best_sourced(known[known["status"] == Status.AUDITED])
    parts = []
    if not targets.empty:
        first = targets.iloc[0]
        parts.append(f"The first promise was {first.display} {per}, stated by {first.source.publisher} {when(first.source)}")
    if not audited.empty:
        latest = audited.iloc[-1]
        parts.append(
            f"auditors found {latest.display} {per} ({latest.period}, {latest.source.publisher}, {latest.source.published_display})"
        )
    else:
        later = best_sourced(known[known["status"] != Status.TARGET])
        if not later.empty:
            latest = later.iloc[-1]
            parts.append(
                f"no audited figure exists; the latest is {latest.display} {per}, {latest.figure.get_status_display().lower()} by {latest.source.publisher} {when(latest.source)}"
            )
        else:
            parts.append("no forecast, claim or audit of delivery is in the sources")
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def build_promise_chart(figures: list[Figure], basis: str, slug: str) -> Chart | None:
    """Savings by status, annual or cumulative (never both): target ranges as shaded bands."""
    frame = savings_frame(figures, basis)
    if frame.empty or frame["is_unknown"].all():
        return None
    annual = basis == Basis.ANNUAL
    title = "Savings a year: promised against delivered" if annual else "Savings over a period: promised against delivered"
    x_title = "£ million a year" if annual else "£ million in total over the period"
    shapes, annotations = target_band_shapes(frame)
    drawn = len(frame[~frame["is_unknown"]])
    fig = go.Figure(data=bar_traces(frame))
    fig.update_layout(
        **base_layout(title, height=160 + 44 * drawn + 24 * len(annotations)),
        barmode="overlay",
        shapes=shapes,
        annotations=annotations,
        xaxis=axis(x_title, rangemode="tozero", tickprefix="£", ticksuffix="m"),
        yaxis=axis("", autorange="reversed", tickvals=bar_positions(frame)[1], ticktext=bar_positions(frame)[2], showgrid=False),
    )
    fig.update_layout(margin={"l": 16, "r": 110, "t": 60 + 24 * len(annotations), "b": 48})
    chart_id = "savings-annual" if annual else "savings-total"
    return Chart(
        id=chart_id,
        title=title,
        summary=promise_summary(frame, "a year" if annual else "in total"),
        plotly=plotly_json(fig),
        rows=table_rows(frame),
        sources=unique_sources(frame),
        notes=unknown_notes(frame),
        filename=f"{slug}-{chart_id}",
    )


def unknown_notes(frame: pd.DataFrame) -> list[str]:
    """Sentences for figures a source says are unknown: shown beside the chart, never drawn as zero."""
    return [
        f"{row.description}: not known, according to {row.source.publisher} ({row.source.published_display})."
        for row in frame[frame["is_unknown"]].itertuples()
    ]


def build_restatement_chart(figures: list[Figure], events: list[Event], slug: str) -> Chart | None:
    """Every £ savings figure at the date it was published, annual and cumulative in separate panels, with events."""
    frame = figure_frame(f for f in figures if f.measure == Measure.SAVINGS and f.unit == Unit.GBP_M)
    if frame.empty:
        return None
    # A total over a period and a one-off sum are both totals; a yearly run-rate gets its own axis.
    panels = [((Basis.ANNUAL,), "£m a year"), ((Basis.CUMULATIVE, Basis.ONE_OFF), "£m in total")]
    frame = frame[frame["basis"].isin([b for bases, _ in panels for b in bases])]
    present = [(bases, title) for bases, title in panels if not frame[frame["basis"].isin(bases) & ~frame["is_unknown"]].empty]
    if len(frame[~frame["is_unknown"]]) < 2:
        return None
    rows_count = len(present) + (1 if events else 0)
    heights = [1.0] * len(present) + ([0.18] if events else [])
    fig = make_subplots(rows=rows_count, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=heights)
    in_legend: set[str] = set()
    for index, (bases, y_title) in enumerate(present, start=1):
        part = frame[frame["basis"].isin(bases)]
        part = part[~part["is_unknown"]]
        for status in STATUS_ORDER:
            rows = part[part["status"] == status]
            if rows.empty:
                continue
            style = STATUS_STYLE[status]
            points = rows[~rows["is_range"]]
            ranges = rows[rows["is_range"]]
            legend_shown = status not in in_legend
            in_legend.add(status)
            if not points.empty:
                fig.add_trace(
                    go.Scatter(
                        name=Status(status).label,
                        legendgroup=status,
                        showlegend=legend_shown,
                        x=[r.published.isoformat() for r in points.itertuples()],
                        y=[as_float(r.value) for r in points.itertuples()],
                        mode="markers",
                        marker={"color": style["colour"], "symbol": style["symbol"], "size": 12, "line": {"color": "#ffffff", "width": 1}},
                        customdata=[r.id for r in points.itertuples()],
                        hovertext=[hover_text(r) for r in points.itertuples()],
                        hovertemplate="%{hovertext}<extra></extra>",
                    ),
                    row=index,
                    col=1,
                )
                legend_shown = False
            if not ranges.empty:
                range_legend_shown = f"{status}-range" not in in_legend
                in_legend.add(f"{status}-range")
                xs: list = []
                ys: list = []
                texts: list = []
                for r in ranges.itertuples():
                    xs += [r.published.isoformat(), r.published.isoformat(), None]
                    ys += [as_float(r.low), as_float(r.high), None]
                    texts += [hover_text(r), hover_text(r), None]
                fig.add_trace(
                    go.Scatter(
                        name=f"{Status(status).label} (range)",
                        legendgroup=status,
                        showlegend=range_legend_shown,
                        x=xs,
                        y=ys,
                        mode="lines+markers",
                        line={"color": style["colour"], "width": 8},
                        marker={"symbol": "line-ew-open", "size": 16, "color": style["colour"]},
                        customdata=[i for r in ranges.itertuples() for i in (r.id, r.id, None)],
                        hovertext=texts,
                        hovertemplate="%{hovertext}<extra></extra>",
                    ),
                    row=index,
                    col=1,
                )
            fig.update_yaxes(axis(y_title, rangemode="tozero", tickprefix="£"), row=index, col=1)
    if events:
        fig.add_trace(
            go.Scatter(
                name="Event",
                x=[e.date.isoformat() for e in events],
                y=[0] * len(events),
                mode="markers",
                marker={"symbol": "line-ns-open", "size": 18, "color": EVENT_COLOUR, "line": {"width": 2}},
                hovertext=[f"<b>{escape(e.title)}</b><br>{e.date_display}<br>{e.get_kind_display()}" for e in events],
                hovertemplate="%{hovertext}<extra></extra>",
            ),
            row=rows_count,
            col=1,
        )
        fig.update_yaxes(visible=False, row=rows_count, col=1, fixedrange=True)
    fig.update_xaxes(axis("", type="date"))
    fig.update_layout(**base_layout("How the savings promise was restated over time", height=460 + 60 * len(present)))
    return Chart(
        id="restatements",
        title="How the savings promise was restated over time",
        summary=restatement_summary(frame),
        plotly=plotly_json(fig),
        rows=table_rows(frame),
        sources=unique_sources(frame),
        notes=unknown_notes(frame),
        filename=f"{slug}-restatements",
    )


FIRST_OF_STATUS = {
    Status.TARGET: "first target",
    Status.FORECAST: "first forecast",
    Status.CLAIMED: "first claim",
    Status.AUDITED: "first audit",
}


def restatement_summary(frame: pd.DataFrame) -> str:
    """How the promise moved: the first figure of each status, in order of publication, and how many there are."""
    known = frame[~frame["is_unknown"]].sort_values(["published_by", "id"])
    firsts = known.drop_duplicates("status")
    steps = []
    for row in firsts.itertuples():
        per = "a year" if row.basis == Basis.ANNUAL else "in total"
        steps.append(f"{row.display} {per} ({FIRST_OF_STATUS[row.status]}, {row.source.publisher}, {row.source.published_display})")
    return f"How the savings figure moved: {', then '.join(steps)}. {len(known)} savings figures in all, each in the table below."


def pair_money(figures: list[Figure]) -> pd.DataFrame:
    """Savings and investment that one publication states for the same period: the basis for a net figure.

    Pairing within one publication keeps unrelated totals apart (the early centres' figures cover several
    schemes, and two sources' totals for the same years need not describe the same thing).
    """
    frame = figure_frame(
        f
        for f in figures
        if f.unit == Unit.GBP_M and f.measure in (Measure.SAVINGS, Measure.INVESTMENT, Measure.NET_BENEFIT) and f.basis != Basis.ANNUAL
    )
    if frame.empty:
        return frame
    # A net needs both sides over one stated period at one level of assurance; "not stated" twice is not a match.
    frame = frame[~frame["is_unknown"] & (frame["period"] != "not stated")]
    frame = frame.assign(source_id=frame["source"].map(lambda s: s.pk))
    groups = [
        group
        for _, group in frame.groupby(["source_id", "period", "status"], sort=False)
        if {Measure.SAVINGS, Measure.INVESTMENT} <= set(group["measure"])
        and (group["measure"] == Measure.SAVINGS).sum() == 1
        and (group["measure"] == Measure.INVESTMENT).sum() == 1
    ]
    if not groups:
        return frame.iloc[0:0]
    # A pair repeated by a later or secondary publication adds nothing to the chart; the audit body's own
    # statement is kept. (The repeats stay visible on the figure pages.)
    groups.sort(key=lambda g: (g.iloc[0].source.published, g.iloc[0].source.kind not in headlines.OFFICIAL_KINDS, g.iloc[0].id))
    kept, seen = [], set()
    for group in groups:
        numbers = (group.iloc[0].period, tuple(sorted((r.measure, r.low, r.high) for r in group.itertuples())))
        if numbers not in seen:
            seen.add(numbers)
            kept.append(group)
    return pd.concat(kept).reset_index(drop=True)


def net_of(group: pd.DataFrame) -> tuple[Decimal, Decimal, str] | None:
    """Savings minus investment as (low, high, qualifier); None where a side is only a bound ("over £90m")."""
    savings = group[group["measure"] == Measure.SAVINGS].iloc[0]
    investment = group[group["measure"] == Measure.INVESTMENT].iloc[0]
    qualifiers = {savings.qualifier, investment.qualifier}
    if qualifiers & {Qualifier.AT_LEAST, Qualifier.AT_MOST}:
        return None
    qualifier = Qualifier.APPROX if Qualifier.APPROX in qualifiers else Qualifier.EXACT
    return savings.low - investment.high, savings.high - investment.low, qualifier


def build_money_chart(figures: list[Figure], slug: str) -> Chart | None:
    """Investment against savings over the same period, and the net benefit, per period and status."""
    frame = pair_money(figures)
    if frame.empty:
        return None
    measure_style = {
        Measure.SAVINGS: ("Savings", "#007A5A", ""),
        Measure.INVESTMENT: ("Investment (cost)", "#C25400", "/"),
        Measure.NET_BENEFIT: ("Net benefit (stated)", "#1b1b1b", "x"),
    }
    groups = list(frame.groupby(["source_id", "period", "status"], sort=False))
    group_label = {
        key: f"{group.iloc[0].period} ({Status(group.iloc[0].status).label.lower()})<br>{escape(group.iloc[0].source.publisher)}, "
        f"{group.iloc[0].source.published_display}"
        for key, group in groups
    }
    fig = go.Figure()
    for measure, (name, colour, pattern) in measure_style.items():
        rows = frame[frame["measure"] == measure]
        if rows.empty:
            continue
        fig.add_trace(figure_bar(rows, name, colour, pattern, [group_label[(r.source_id, r.period, r.status)] for r in rows.itertuples()]))
    computed_x, computed_y, computed_text = [], [], []
    sentences = []
    for key, group in groups:
        net = net_of(group)
        states_net = (group["measure"] == Measure.NET_BENEFIT).any()
        if net is not None and not states_net and net[0] == net[1]:
            prefix = "about " if net[2] == Qualifier.APPROX else ""
            computed_x.append(group_label[key])
            computed_y.append(as_float(net[0]))
            computed_text.append(prefix + money(net[0]))
        sentences.append(money_sentence(group, net))
    if computed_x:
        fig.add_trace(
            go.Bar(
                name="Net benefit (savings minus investment)",
                x=computed_x,
                y=computed_y,
                marker={"color": "#6f777b", "pattern": {"shape": "-", "fgcolor": "#ffffff", "solidity": 0.3, "fillmode": "overlay"}},
                hovertemplate="Net benefit (computed): %{text}<extra></extra>",
                text=computed_text,
                textposition="outside",
                cliponaxis=False,
            )
        )
    fig.update_layout(
        **base_layout("Money in, money out"),
        barmode="group",
        xaxis=axis(""),
        yaxis=axis("£ million over the period", tickprefix="£", ticksuffix="m", zeroline=True),
    )
    return Chart(
        id="money",
        title="Money in, money out",
        key=MEASURE_KEY,
        summary=" ".join(sentences),
        plotly=plotly_json(fig),
        rows=table_rows(frame),
        sources=unique_sources(frame),
        filename=f"{slug}-money",
    )


def period_phrase(period: str) -> str:
    """ "over 2013-14 to 2015-16", "over the years to 2023-24", "from 2014-15", "in 2020-21"."""
    if period == "not stated":
        return "over a period the source does not state"
    if period.startswith("to "):
        return f"over the years {period}"
    if period.startswith("from "):
        return period
    return f"over {period}" if " to " in period else f"in {period}"


def money_sentence(group: pd.DataFrame, net: tuple[Decimal, Decimal, str] | None) -> str:
    """ "The NAO found £90m saved against £94m invested over 2013-14 to 2015-16, a net cost of £4m." """
    savings = group[group["measure"] == Measure.SAVINGS].iloc[0]
    investment = group[group["measure"] == Measure.INVESTMENT].iloc[0]
    who = savings.source.publisher
    verb = {"audited": "found", "claimed": "reported", "forecast": "forecast", "target": "targeted"}[savings.status]
    period = period_phrase(savings.period)
    if net is None:
        outcome = "so the net result cannot be worked out from these figures"
    else:
        low, high, qualifier = net
        about = "about " if qualifier == Qualifier.APPROX else ""
        if low == high:
            outcome = f"a net cost of {about}{money(-low)}" if low < 0 else f"a net benefit of {about}{money(low)}"
        else:
            outcome = f"a net result between {money(low)} and {money(high)}"
    return f"{who} {verb} {savings.display} saved against {investment.display} invested {period}, {outcome}."


FUNDING_STYLE = {
    Measure.FUNDING_REQUESTED: ("Requested", "#C25400", "/"),
    Measure.FUNDING_APPROVED: ("Approved", "#007A5A", ""),
    Measure.FUNDING_GAP: ("Gap (stated)", "#1b1b1b", "x"),
}


def build_funding_chart(figures: list[Figure], slug: str) -> Chart | None:
    """Funding asked for against funding approved."""
    frame = figure_frame(f for f in figures if f.measure in FUNDING_STYLE and f.unit == Unit.GBP_M)
    if frame.empty or frame["is_unknown"].all():
        return None
    fig = go.Figure()
    for measure, (name, colour, pattern) in FUNDING_STYLE.items():
        rows = frame[(frame["measure"] == measure) & ~frame["is_unknown"]]
        if rows.empty:
            continue
        fig.add_trace(figure_bar(rows, name, colour, pattern, [f"{r.period}<br>{escape(r.source.publisher)}" for r in rows.itertuples()]))
    fig.update_layout(
        **base_layout("Funding asked for and approved"),
        barmode="group",
        xaxis=axis(""),
        yaxis=axis("£ million", tickprefix="£", ticksuffix="m"),
    )
    parts = funding_sentences(frame[~frame["is_unknown"]])
    summary = "; ".join(parts) + "."
    return Chart(
        id="funding",
        title="Funding asked for and approved",
        key="Colour and fill pattern show the measure: requested hatched, approved solid, a stated gap crossed.",
        summary=summary[0].upper() + summary[1:],
        plotly=plotly_json(fig),
        rows=table_rows(frame),
        sources=unique_sources(frame),
        filename=f"{slug}-funding",
        notes=unknown_notes(frame),
    )


def funding_sentences(known: pd.DataFrame) -> list[str]:
    """What was asked for and approved, latest first stated, and the shortfall where both cover one period."""
    requested = best_sourced(known[known["measure"] == Measure.FUNDING_REQUESTED])
    approved = best_sourced(known[known["measure"] == Measure.FUNDING_APPROVED])
    parts = []
    if not requested.empty:
        asked = requested.iloc[-1]
        parts.append(f"{asked.display} was asked for ({asked.period}, {asked.source.publisher})")
    if not approved.empty:
        granted = approved.iloc[-1]
        parts.append(f"{granted.display} was approved ({granted.period}, {granted.source.publisher})")
    if not requested.empty and not approved.empty and asked.period == granted.period and asked.period != "not stated":
        exact = {asked.qualifier, granted.qualifier} <= {Qualifier.EXACT}
        low, high = asked.low - granted.high, asked.high - granted.low
        if exact and low > 0:
            gap = money(low) if low == high else f"{money(low)} to {money(high)}"
            parts.append(f"a shortfall of {gap}")
    for stated in known[known["measure"] == Measure.FUNDING_GAP].itertuples():
        parts.append(f"{stated.source.publisher} put the gap at {stated.display} ({stated.period})")
    return parts


def build_deadline_chart(figures: list[Figure], slug: str) -> Chart | None:
    """Each stated deadline (a calendar year) at the date it was stated: a moving deadline climbs."""
    frame = figure_frame(f for f in figures if f.measure == Measure.DEADLINE and f.unit == Unit.YEAR and f.value is not None)
    if frame.empty:
        return None
    fig = go.Figure()
    for status in STATUS_ORDER:
        rows = frame[frame["status"] == status]
        if rows.empty:
            continue
        style = STATUS_STYLE[status]
        fig.add_trace(
            go.Scatter(
                name=Status(status).label,
                x=[r.published.isoformat() for r in rows.itertuples()],
                y=[as_float(r.value) for r in rows.itertuples()],
                mode="markers",
                marker={"color": style["colour"], "symbol": style["symbol"], "size": 13, "line": {"color": "#ffffff", "width": 1}},
                customdata=[r.id for r in rows.itertuples()],
                hovertext=[hover_text(r) for r in rows.itertuples()],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(
        **base_layout("Deadlines as stated over time"),
        xaxis=axis("Date stated", type="date"),
        yaxis=axis("Deadline (year)", tickformat="d", dtick=1),
    )
    ordered = frame.sort_values(["published_by", "id"])
    steps = [f"{int(r.value)} (stated {r.source.published_display})" for r in ordered.itertuples()]
    summary = "Deadlines in order of publication: " + ", then ".join(steps) + "."
    return Chart(
        id="deadlines",
        title="Deadlines as stated over time",
        summary=summary,
        plotly=plotly_json(fig),
        rows=table_rows(frame),
        sources=unique_sources(frame),
        filename=f"{slug}-deadlines",
    )


def build_overview_chart(figures_by_strategy: dict[str, list[Figure]], basis: str) -> Chart | None:
    """Across strategies, each strategy's headline savings by status: first target, latest forecast, claim, audit."""
    # One-off savings (costs avoided once) are left out: they are not a strategy's promised total.
    bases = (Basis.ANNUAL,) if basis == Basis.ANNUAL else (Basis.CUMULATIVE,)
    picked = []
    for name, figures in figures_by_strategy.items():
        for status in STATUS_ORDER:
            figure = headlines.pick(figures, Measure.SAVINGS, (status,), latest=status != Status.TARGET, basis=bases)
            if figure is not None and figure.unit == Unit.GBP_M:
                picked.append((name, figure))
    if not picked:
        return None
    frame = figure_frame(figure for _, figure in picked)
    strategy_of = {figure.pk: name for name, figure in picked}
    frame = frame.assign(strategy=frame["id"].map(strategy_of))
    annual = basis == Basis.ANNUAL
    order = list(figures_by_strategy)
    fig = go.Figure()
    for status in STATUS_ORDER:
        rows = frame[frame["status"] == status]
        if rows.empty:
            continue
        style = STATUS_STYLE[status]
        fig.add_trace(
            figure_bar(
                rows,
                Status(status).label,
                style["colour"],
                style["pattern"],
                [wrap_name(r.strategy) for r in rows.itertuples()],
                horizontal=True,
            )
        )
    title = (
        "Savings a year: promised against delivered, by strategy"
        if annual
        else "Savings over a period: promised against delivered, by strategy"
    )
    shown = [name for name in order if name in set(frame["strategy"])]
    fig.update_layout(
        **base_layout(title, height=180 + 30 * len(frame) + 40 * len(shown)),
        barmode="group",
        yaxis=axis("", categoryorder="array", categoryarray=[wrap_name(name) for name in shown], autorange="reversed"),
        xaxis=axis(
            "£ million a year" if annual else "£ million in total over the period", rangemode="tozero", tickprefix="£", ticksuffix="m"
        ),
    )
    fig.update_layout(margin={"l": 16, "r": 90, "t": 48, "b": 48})
    chart_id = "overview-annual" if annual else "overview-total"
    return Chart(
        id=chart_id,
        title=title,
        summary=overview_summary(frame, order, "a year" if annual else "in total"),
        plotly=plotly_json(fig),
        rows=table_rows(frame),
        sources=unique_sources(frame),
        filename=f"strategies-{chart_id}",
    )


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


def overview_summary(frame: pd.DataFrame, order: list[str], per: str) -> str:
    """One clause per strategy: its promise and what was audited, or that nothing was."""
    clauses = []
    for name in order:
        rows = frame[frame["strategy"] == name]
        if rows.empty:
            continue
        target = rows[rows["status"] == Status.TARGET]
        audited = rows[rows["status"] == Status.AUDITED]
        promise = f"promised {target.iloc[0].display} {per}" if not target.empty else "set no £ target"
        found = f"auditors found {audited.iloc[0].display}" if not audited.empty else "no audited figure"
        clauses.append(f"{name}: {promise}; {found}")
    return ". ".join(clauses) + "."


def programme_charts(figures: list[Figure], events: list[Event], slug: str) -> list[Chart]:
    """Every chart a programme page shows, in reading order, leaving out those with no data."""
    built = [
        build_promise_chart(figures, Basis.ANNUAL, slug),
        build_promise_chart(figures, Basis.CUMULATIVE, slug),
        build_restatement_chart(figures, events, slug),
        build_money_chart(figures, slug),
        build_funding_chart(figures, slug),
        build_deadline_chart(figures, slug),
    ]
    return [chart for chart in built if chart is not None]
