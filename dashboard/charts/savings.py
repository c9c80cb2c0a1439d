"""Savings charts: promise against delivery, how the promise was restated, and the overview across strategies."""

from __future__ import annotations

from html import escape

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts.chart import Chart, figure_chart
from dashboard.charts.frame import figure_frame
from dashboard.charts.style import EVENT_COLOUR, STATUS_ORDER, STATUS_STYLE, axis, base_layout
from dashboard.charts.traces import as_float, hover_text, status_bars, wrap_name
from programmes import rules
from programmes.models import Basis, Event, Figure, Measure, Status, Unit


def category_label(row) -> str:
    """Axis label for one figure: who claimed it (and who reported it, when someone else did), and when, on two lines."""
    figure = row.figure
    who = escape(figure.claimant.name)
    if not rules.is_own_statement(figure):
        who += f" via {escape(row.source.publisher.name)}"
    return f"{who}<br>{row.source.published_display}"


def bar_positions(frame: pd.DataFrame) -> tuple[dict[int, int], list[int], list[str]]:
    """One axis row per figure drawn, numbered so that two figures from one source do not share a row."""
    drawn = list(frame[~frame["is_unknown"]].itertuples())
    return {row.id: index for index, row in enumerate(drawn)}, list(range(len(drawn))), [category_label(r) for r in drawn]


def bar_traces(frame: pd.DataFrame) -> list[go.Bar]:
    """One horizontal bar trace per status; a range is a floating bar from low to high, never a midpoint."""
    positions, _, _ = bar_positions(frame)
    labelled = status_bars(
        frame[~frame["is_unknown"]],
        lambda row: positions[row.id],
        label=lambda row, status: f"{row.display} ({Status(status).label.lower()})",
    )
    return [bar for _, bar in labelled]


def target_band_shapes(frame: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """Each distinct target range as a shaded vertical band behind the bars, labelled once."""
    shapes, annotations = [], []
    ranges = frame[(frame["status"] == Status.TARGET) & frame["is_range"]]
    for position, ((low, high), group) in enumerate(ranges.groupby(["low", "high"], sort=True)):
        first = group.iloc[0]
        cited = f"{len(group)} sources" if len(group) > 1 else escape(rules.attribution(first.figure))
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
                # Lines above the plot a fixed number of pixels apart, however tall a screen's layout makes the chart.
                "y": 1,
                "yshift": 4 + 20 * position,
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


# A yearly run-rate gets its own chart; a total over a period and a one-off sum are both totals.
BASES = {Basis.ANNUAL: (Basis.ANNUAL,), Basis.CUMULATIVE: rules.TOTAL_BASES}


def savings_frame(figures: list[Figure], basis: str) -> pd.DataFrame:
    frame = figure_frame(f for f in figures if f.measure == Measure.SAVINGS and f.unit == Unit.GBP_M and f.basis in BASES[basis])
    return frame.reset_index(drop=True)


def promise_summary(figures: list[Figure], bases: tuple[str, ...], per: str) -> str:
    """The whole programme's first promise, then what auditors found, or else what was claimed, or else the latest forecast, each naming who said it."""
    units = (Unit.GBP_M,)

    def said(figure: Figure) -> str:
        period = f" {figure.period_phrase}" if figure.period_display else ""
        return rules.statement(figure, f"{figure.display_value} {per}{period}")

    parts = []
    promise = rules.promised(figures, bases, units)
    if promise is not None:
        parts.append(f"first promise: {said(promise)}")
    audited = rules.delivered(figures, Status.AUDITED, bases, units)
    claimed = rules.delivered(figures, Status.CLAIMED, bases, units)
    forecast = rules.latest_forecast(figures, bases, units)
    # The cards above read every basis; this sentence reads the chart's own (a year, or in total), and says so, so that
    # "nothing audited" here never contradicts an audited total on the card.
    kind = "a year" if per == "a year" else "over a period"
    if audited is not None:
        parts.append(f"delivered, as audited: {said(audited)}")
    elif claimed is not None:
        parts.append(f"no audit of the whole programme's savings {kind}; delivered, as claimed: {said(claimed)}")
    elif forecast is not None:
        parts.append(f"no claimed or audited savings {kind} for the whole programme; the latest forecast: {said(forecast)}")
    else:
        parts.append(f"no forecast, claim or audit of the whole programme's savings {kind} is in the sources")
    if not any(rules.is_whole(f) for f in figures):
        parts = ["no figure here covers the whole programme; the table lists the parts each figure covers"]
    return rules.sentence("; ".join(parts))


def build_promise_chart(figures: list[Figure], basis: str, slug: str, flagged: dict[int, str] | None = None) -> Chart | None:
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
    summary = promise_summary(list(frame["figure"]), BASES[basis], "a year" if annual else "in total")
    return figure_chart(chart_id, title, summary, fig, frame, f"{slug}-{chart_id}", flagged)


# A total over a period and a one-off sum are both totals; a yearly run-rate gets its own axis.
RESTATEMENT_PANELS = [((Basis.ANNUAL,), "£m a year"), (rules.TOTAL_BASES, "£m in total")]
RESTATEMENT_TITLE = "How the savings promise was restated over time"


def build_restatement_chart(figures: list[Figure], events: list[Event], slug: str, flagged: dict[int, str] | None = None) -> Chart | None:
    """Every £ savings figure at the date it was published, annual and cumulative in separate panels, with events."""
    frame = figure_frame(f for f in figures if f.measure == Measure.SAVINGS and f.unit == Unit.GBP_M)
    if frame.empty:
        return None
    frame = frame[frame["basis"].isin([b for bases, _ in RESTATEMENT_PANELS for b in bases])]
    known = frame[~frame["is_unknown"]]
    present = [(bases, title) for bases, title in RESTATEMENT_PANELS if not known[known["basis"].isin(bases)].empty]
    if len(known) < 2:
        return None
    rows_count = len(present) + (1 if events else 0)
    heights = [1.0] * len(present) + ([0.18] if events else [])
    fig = make_subplots(rows=rows_count, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=heights)
    in_legend: set[str] = set()
    for index, (bases, y_title) in enumerate(present, start=1):
        restatement_panel(fig, index, known[known["basis"].isin(bases)], y_title, in_legend)
    if events:
        fig.add_trace(event_trace(events), row=rows_count, col=1)
        fig.update_yaxes(visible=False, row=rows_count, col=1, fixedrange=True)
    fig.update_xaxes(axis("", type="date"))
    fig.update_layout(**base_layout(RESTATEMENT_TITLE, height=460 + 60 * len(present)))
    summary = restatement_summary(list(frame["figure"]))
    return figure_chart("restatements", RESTATEMENT_TITLE, summary, fig, frame, f"{slug}-restatements", flagged)


def restatement_panel(fig: go.Figure, index: int, known: pd.DataFrame, y_title: str, in_legend: set[str]) -> None:
    """One panel of the restatement chart (annual, or totals): each status's figures as markers, its ranges as vertical bars."""
    for status in STATUS_ORDER:
        rows = known[known["status"] == status]
        if rows.empty:
            continue
        points = rows[~rows["is_range"]]
        ranges = rows[rows["is_range"]]
        if not points.empty:
            fig.add_trace(point_trace(points, status, status not in in_legend), row=index, col=1)
        if not ranges.empty:
            fig.add_trace(range_trace(ranges, status, f"{status}-range" not in in_legend), row=index, col=1)
            in_legend.add(f"{status}-range")
        in_legend.add(status)
    fig.update_yaxes(axis(y_title, rangemode="tozero", tickprefix="£"), row=index, col=1)


def point_trace(points: pd.DataFrame, status: str, shown_in_legend: bool) -> go.Scatter:
    """Figures of one status stated as one number, each a marker at the date it was published."""
    style = STATUS_STYLE[status]
    return go.Scatter(
        name=Status(status).label,
        legendgroup=status,
        showlegend=shown_in_legend,
        x=[r.published.isoformat() for r in points.itertuples()],
        y=[as_float(r.value) for r in points.itertuples()],
        mode="markers",
        marker={"color": style["colour"], "symbol": style["symbol"], "size": 12, "line": {"color": "#ffffff", "width": 1}},
        customdata=[r.id for r in points.itertuples()],
        hovertext=[hover_text(r) for r in points.itertuples()],
        hovertemplate="%{hovertext}<extra></extra>",
    )


def range_trace(ranges: pd.DataFrame, status: str, shown_in_legend: bool) -> go.Scatter:
    """Ranges of one status, each a vertical bar from its low to its high end at the date it was published, never a midpoint."""
    style = STATUS_STYLE[status]
    xs: list = []
    ys: list = []
    texts: list = []
    for r in ranges.itertuples():
        xs += [r.published.isoformat(), r.published.isoformat(), None]
        ys += [as_float(r.low), as_float(r.high), None]
        texts += [hover_text(r), hover_text(r), None]
    return go.Scatter(
        name=f"{Status(status).label} (range)",
        legendgroup=status,
        showlegend=shown_in_legend,
        x=xs,
        y=ys,
        mode="lines+markers",
        line={"color": style["colour"], "width": 8},
        marker={"symbol": "line-ew-open", "size": 16, "color": style["colour"]},
        customdata=[i for r in ranges.itertuples() for i in (r.id, r.id, None)],
        hovertext=texts,
        hovertemplate="%{hovertext}<extra></extra>",
    )


def event_trace(events: list[Event]) -> go.Scatter:
    """The programme's events as ticks along the foot of the restatement chart."""
    return go.Scatter(
        name="Event",
        x=[e.date.isoformat() for e in events],
        y=[0] * len(events),
        mode="markers",
        marker={"symbol": "line-ns-open", "size": 18, "color": EVENT_COLOUR, "line": {"width": 2}},
        hovertext=[f"<b>{escape(e.title)}</b><br>{e.date_display}<br>{e.get_kind_display()}" for e in events],
        hovertemplate="%{hovertext}<extra></extra>",
    )


FIRST_OF_STATUS = {
    Status.TARGET: "first target",
    Status.FORECAST: "first forecast",
    Status.CLAIMED: "first claim",
    Status.AUDITED: "first audit",
}


def restatement_summary(figures: list[Figure]) -> str:
    """How the promise moved, one scope at a time (rules.restatement_chains), saying so when the scope changes; and how many figures there are."""
    sentences = []
    for index, (scope, chain) in enumerate(rules.restatement_chains(figures)):
        steps = ", then ".join(
            f"{f.display_value} {'a year' if f.basis == Basis.ANNUAL else 'in total'} ({FIRST_OF_STATUS[f.status]}, by {rules.attribution(f)})"
            for f in chain
        )
        covers = f"for {scope}" if scope else "for the whole programme"
        if index == 0:
            sentences.append(f"How the savings figure {covers} moved: {steps}.")
        else:
            sentences.append(f"The scope changes: {covers}, which is not a restatement of the figures above, {steps}.")
    known = sum(1 for f in figures if not f.is_unknown)
    return " ".join([*sentences, f"{known} savings figures in all, each in the table below."])


def headline_figures(figures_by_strategy: dict[str, list[Figure]], basis: str) -> list[tuple[str, Figure]]:
    """Each strategy's headline savings the rules pick, where known: first target, latest forecast, claim, audit."""
    # One-off savings (costs avoided once) are left out: they are not a strategy's promised total.
    bases = (Basis.ANNUAL,) if basis == Basis.ANNUAL else (Basis.CUMULATIVE,)
    units = (Unit.GBP_M,)
    picked = []
    for name, figures in figures_by_strategy.items():
        for figure in (
            rules.promised(figures, bases, units),
            rules.latest_forecast(figures, bases, units),
            rules.delivered(figures, Status.CLAIMED, bases, units),
            rules.delivered(figures, Status.AUDITED, bases, units),
        ):
            if figure is not None and not figure.is_unknown:
                picked.append((name, figure))
    return picked


def build_overview_chart(figures_by_strategy: dict[str, list[Figure]], basis: str, flagged: dict[int, str] | None = None) -> Chart | None:
    """Across strategies, each strategy's headline savings by status: first target, latest forecast, claim, audit."""
    picked = headline_figures(figures_by_strategy, basis)
    if not picked:
        return None
    frame = figure_frame(figure for _, figure in picked)
    strategy_of = {figure.pk: name for name, figure in picked}
    frame = frame.assign(strategy=frame["id"].map(strategy_of))
    annual = basis == Basis.ANNUAL
    order = list(figures_by_strategy)
    fig = go.Figure()
    for _, bar in status_bars(frame, lambda row: wrap_name(row.strategy)):
        fig.add_trace(bar)
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
    summary = overview_summary(frame, order, "a year" if annual else "in total")
    return figure_chart(chart_id, title, summary, fig, frame, f"strategies-{chart_id}", flagged)


def overview_summary(frame: pd.DataFrame, order: list[str], per: str) -> str:
    """One clause per strategy: who promised what, and what auditors found, or that nothing was audited."""
    clauses = []
    for name in order:
        rows = frame[frame["strategy"] == name]
        if rows.empty:
            continue
        target = rows[rows["status"] == Status.TARGET]
        audited = rows[rows["status"] == Status.AUDITED]
        promise = rules.statement(target.iloc[0].figure, f"{target.iloc[0].display} {per}") if not target.empty else "no £ target"
        found = rules.statement(audited.iloc[0].figure, f"{audited.iloc[0].display} {per}") if not audited.empty else "no audited figure"
        clauses.append(f"{name}: {promise}; {found}")
    return ". ".join(clauses) + "."
