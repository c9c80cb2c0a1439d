"""Money charts: savings against investment with the net, funding asked for and approved, and deadlines."""

from __future__ import annotations

from decimal import Decimal
from html import escape

import pandas as pd
import plotly.graph_objects as go

from dashboard import headlines
from dashboard.charts.base import (
    MEASURE_KEY,
    STATUS_ORDER,
    STATUS_STYLE,
    Chart,
    as_float,
    axis,
    base_layout,
    best_sourced,
    figure_bar,
    figure_frame,
    hover_text,
    plotly_json,
    table_rows,
    unique_sources,
    unknown_notes,
)
from programmes.formatting import money
from programmes.models import Basis, Figure, Measure, Qualifier, Status, Unit


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
        key: f"{group.iloc[0].period} ({Status(group.iloc[0].status).label.lower()})<br>{escape(group.iloc[0].source.publisher.name)}, "
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
        fig.add_trace(
            figure_bar(rows, name, colour, pattern, [f"{r.period}<br>{escape(r.source.publisher.name)}" for r in rows.itertuples()])
        )
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
    frame = figure_frame(f for f in figures if f.measure == Measure.DEADLINE and f.unit == Unit.YEAR and not f.is_unknown)
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
                # A deadline given as a span of years ("2025 to 2028") is drawn from its first year to its last.
                y=[as_float(r.low) for r in rows.itertuples()],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [as_float(r.high - r.low) for r in rows.itertuples()],
                    "arrayminus": [0] * len(rows),
                    "color": style["colour"],
                    "thickness": 4,
                    "width": 8,
                },
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
    steps = [f"{r.display} (stated {r.source.published_display})" for r in ordered.itertuples()]
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
