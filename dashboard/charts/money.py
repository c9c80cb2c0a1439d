"""Money charts: savings against investment with the net, funding asked for and approved, and deadlines."""

from __future__ import annotations

import datetime
from decimal import Decimal
from html import escape

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.chart import Chart, figure_chart
from dashboard.charts.frame import figure_frame
from dashboard.charts.style import MEASURE_KEY, STATUS_ORDER, STATUS_STYLE, axis, base_layout
from dashboard.charts.traces import as_float, figure_bar, hover_text
from programmes import rules
from programmes.models import Figure, Measure, Status, Unit


def stated_nets(figures: list[Figure], savings: Figure, investment: Figure) -> list[Figure]:
    """The net a source states for the pair's programme, scope, period and status: the pair's own publication's, else
    the best-sourced other's that the pair's figures bear out (the PAC's net cost of £4m for the NAO's £90m and £94m).
    A stated net is cited, never worked out again; one the pair contradicts is not theirs to cite."""
    same = [f for f in figures if f.measure == Measure.NET_BENEFIT and rules.same_statement(f, savings)]
    if same:
        return same
    worked_out = rules.net(savings, investment)
    if worked_out is None:
        return []
    alike = (savings.programme_id, savings.scope, savings.period_start, savings.period_end, savings.status, savings.scenario)
    others = [
        f
        for f in figures
        if f.measure == Measure.NET_BENEFIT
        and f.unit == Unit.GBP_M
        and not f.is_unknown
        and (f.programme_id, f.scope, f.period_start, f.period_end, f.status, f.scenario) == alike
        and rules.overlap(rules.interval(f), (worked_out[0], worked_out[1]))
    ]
    return rules.best_sourced(others)[:1]


def pair_money(figures: list[Figure]) -> pd.DataFrame:
    """The savings and investment pairs a net can be worked out from (rules.net_pairs), each pair once, as a frame.

    A pair repeated by another publication adds nothing to the chart: of the pairs stating the same numbers, the one
    rules.best_sourced puts first is kept, and the pairs are drawn in the order stated. (The repeats stay visible on
    the figure pages.)
    """
    repeats: dict[tuple, list[tuple[Figure, Figure]]] = {}
    for savings, investment in rules.net_pairs(figures):
        numbers = (savings.scope, savings.period_start, savings.period_end, savings.status, savings.bounds, investment.bounds)
        repeats.setdefault(numbers, []).append((savings, investment))
    chosen = []
    for pairs in repeats.values():
        first = rules.best_sourced(savings for savings, _ in pairs)[0]
        chosen.append(next(pair for pair in pairs if pair[0] is first))
    chosen.sort(key=lambda pair: (rules.stated_on(pair[0].source), pair[0].pk))
    kept, pair_of = [], {}
    for number, (savings, investment) in enumerate(chosen, start=1):
        # A stated net is drawn once, beside the first pair it speaks for.
        nets = [f for f in stated_nets(figures, savings, investment) if f.pk not in pair_of]
        for figure in (savings, investment, *nets):
            kept.append(figure)
            pair_of[figure.pk] = number
    frame = figure_frame(kept)
    if frame.empty:
        return frame
    # Keep each pair together, in the order chosen above.
    order = {figure.pk: index for index, figure in enumerate(kept)}
    frame = frame.assign(pair=frame["id"].map(pair_of), order=frame["id"].map(order))
    return frame.sort_values("order").reset_index(drop=True)


MONEY_STYLE = {
    Measure.SAVINGS: ("Savings", "#007A5A", ""),
    Measure.INVESTMENT: ("Investment (cost)", "#C25400", "/"),
    Measure.NET_BENEFIT: ("Net benefit (stated)", "#1b1b1b", "x"),
}


def build_money_chart(figures: list[Figure], slug: str, flagged: dict[int, str] | None = None) -> Chart | None:
    """Investment against savings over the same period, and the net benefit, per period and status."""
    frame = pair_money(figures)
    if frame.empty:
        return None
    groups = list(frame.groupby("pair", sort=False))
    label = {key: pair_label(group.iloc[0]) for key, group in groups}
    fig = go.Figure()
    for measure, (name, colour, pattern) in MONEY_STYLE.items():
        rows = frame[frame["measure"] == measure]
        if rows.empty:
            continue
        fig.add_trace(figure_bar(rows, name, colour, pattern, [label[r.pair] for r in rows.itertuples()]))
    computed, sentences = [], []
    for key, group in groups:
        savings = group[group["measure"] == Measure.SAVINGS].iloc[0].figure
        investment = group[group["measure"] == Measure.INVESTMENT].iloc[0].figure
        net = rules.net(savings, investment)
        stated = group[group["measure"] == Measure.NET_BENEFIT]
        if net is not None and stated.empty and net[0] == net[1]:
            computed.append((label[key], net))
        sentences.append(money_sentence(savings, investment, net, stated.iloc[0].figure if not stated.empty else None))
    if computed:
        fig.add_trace(computed_net_bars(computed))
    fig.update_layout(
        **base_layout("Money in, money out"),
        barmode="group",
        xaxis=axis(""),
        yaxis=axis("£ million over the period", tickprefix="£", ticksuffix="m", zeroline=True),
    )
    return figure_chart(
        "money", "Money in, money out", " ".join(sentences), fig, frame, f"{slug}-money", flagged, notes=[], key=MEASURE_KEY
    )


def pair_label(first) -> str:
    """Where a pair stands on the axis: its period and status, then who published it and when."""
    source = first.source
    return f"{first.period} ({Status(first.status).label.lower()})<br>{escape(source.publisher.name)}, {source.published_display}"


def computed_net_bars(computed: list[tuple[str, tuple[Decimal, Decimal, str]]]) -> go.Bar:
    """The net worked out (rules.net) where a pair states none and it is one number, beside the pair's bars."""
    return go.Bar(
        name="Net benefit (savings minus investment)",
        x=[label for label, _ in computed],
        y=[as_float(net[0]) for _, net in computed],
        marker={"color": "#6f777b", "pattern": {"shape": "-", "fgcolor": "#ffffff", "solidity": 0.3, "fillmode": "overlay"}},
        hovertemplate="Net benefit (computed): %{text}<extra></extra>",
        text=[rules.money_phrase(*net) for _, net in computed],
        textposition="outside",
        cliponaxis=False,
    )


def money_sentence(savings: Figure, investment: Figure, net: tuple[Decimal, Decimal, str] | None, stated: Figure | None = None) -> str:
    """ "The National Audit Office found £90m saved against £94m invested over 2013-14 to 2015-16 (20 May 2016), a net
    cost of £4m (as the House of Commons Public Accounts Committee stated, 19 October 2016)." A stated net is cited;
    only where no source states one is it worked out."""
    if stated is not None and stated.bounds is not None:
        outcome = f"{rules.net_phrase((*stated.bounds, stated.qualifier))} (as stated by {rules.attribution(stated)})"
    else:
        outcome = rules.net_phrase(net)
    said = rules.statement(
        savings,
        f"{savings.display_value} saved against {investment.display_value} invested {savings.period_phrase}",
    )
    return rules.sentence(f"{said}, {outcome}")


FUNDING_KEY = "Colour and fill pattern show the measure: requested hatched, approved solid, a stated gap crossed."
FUNDING_STYLE = {
    Measure.FUNDING_REQUESTED: ("Requested", "#C25400", "/"),
    Measure.FUNDING_APPROVED: ("Approved", "#007A5A", ""),
    Measure.FUNDING_GAP: ("Gap (stated)", "#1b1b1b", "x"),
}


def build_funding_chart(figures: list[Figure], slug: str, flagged: dict[int, str] | None = None) -> Chart | None:
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
    summary = "; ".join(funding_sentences(frame[~frame["is_unknown"]])) + "."
    summary = summary[0].upper() + summary[1:]
    return figure_chart("funding", "Funding asked for and approved", summary, fig, frame, f"{slug}-funding", flagged, key=FUNDING_KEY)


def first_to_state(figures: list[Figure]) -> Figure:
    """The latest value, credited to the first publication that stated it: a later repeat adds nothing, and may have
    misdescribed it (Supply Management called the £382–403m requested the cost of the shared ERP)."""
    latest = figures[-1]
    return next(f for f in figures if f.bounds == latest.bounds and f.qualifier == latest.qualifier)


def funding_sentences(known: pd.DataFrame) -> list[str]:
    """What was asked for and approved, latest first stated, each with who said it, and the shortfall rules.shortfall allows."""
    requested = rules.best_sourced(known[known["measure"] == Measure.FUNDING_REQUESTED]["figure"])
    approved = rules.best_sourced(known[known["measure"] == Measure.FUNDING_APPROVED]["figure"])
    parts = []
    asked = granted = None
    if requested:
        asked = first_to_state(requested)
        parts.append(f"{asked.display_value} was asked for ({asked.period_display or 'period not stated'}; {rules.attribution(asked)})")
    if approved:
        granted = first_to_state(approved)
        parts.append(
            f"{granted.display_value} was approved ({granted.period_display or 'period not stated'}; {rules.attribution(granted)})"
        )
    if asked is not None and granted is not None and (gap := rules.shortfall(asked, granted)) is not None:
        parts.append(f"a shortfall of {rules.money_phrase(*gap)}")
    for stated in known[known["measure"] == Measure.FUNDING_GAP].itertuples():
        gap = stated.figure
        parts.append(f"the gap was put at {gap.display_value} ({gap.period_display or 'period not stated'}; {rules.attribution(gap)})")
    return parts


# A margin either side of the first and last day a deadline was stated: plotly would otherwise span a single day around
# a lone point and label the axis in milliseconds, so the axis always covers at least a year and reads in months.
DATE_MARGIN = datetime.timedelta(days=183)


def deadline_axes(frame: pd.DataFrame) -> dict:
    """The date and year axes of the deadline chart, ranged to its points so that one point reads as a date and a year."""
    first, last = min(frame["published"]), max(frame["published"])
    low, high = as_float(min(frame["low"])), as_float(max(frame["high"]))
    return {
        "xaxis": axis(
            "Date stated",
            type="date",
            range=[(first - DATE_MARGIN).isoformat(), (last + DATE_MARGIN).isoformat()],
            tickformat="%b %Y",
            hoverformat="%-d %B %Y",
        ),
        "yaxis": axis("Deadline (year)", tickformat="d", dtick=1, range=[low - 1, high + 1]),
    }


# The line joining one milestone's deadlines as they moved: dashed and named in the legend, so colour is not the cue.
MOVE_LINE = {"color": "#505a5f", "width": 2, "dash": "dash"}


def deadline_summary(deadlines: list[Figure]) -> str:
    """One sentence a milestone (rules.milestones): a deadline that moved says so step by step; different milestones never read as a move."""
    sentences = []
    for milestone in rules.milestones(deadlines):
        steps = [f"{f.display_value} (stated by {rules.attribution(f)})" for f in milestone.deadlines]
        what = f"The deadline for {milestone.name}" if milestone.name else "A deadline with no stated milestone"
        if milestone.has_moved:
            sentences.append(f"{what} moved: {', then '.join(steps)}.")
        elif len(steps) > 1:
            sentences.append(f"{what}, the same each time it was stated: {', and '.join(steps)}.")
        else:
            sentences.append(f"{what}: {steps[0]}.")
    return " ".join(sentences)


def move_lines(deadlines: list[Figure]) -> list[go.Scatter]:
    """A dashed line through each milestone's deadlines in the order stated, for the milestones whose deadline moved."""
    return [
        go.Scatter(
            name=f"Moved: {milestone.name}",
            x=[f.source.published.isoformat() for f in milestone.deadlines],
            y=[as_float(f.bounds[0]) for f in milestone.deadlines],
            mode="lines",
            line=MOVE_LINE,
            hoverinfo="skip",
        )
        for milestone in rules.milestones(deadlines)
        if milestone.has_moved
    ]


def build_deadline_chart(figures: list[Figure], slug: str, flagged: dict[int, str] | None = None) -> Chart | None:
    """Each stated deadline (a calendar year) at the date it was stated, with a line where one milestone's deadline moved."""
    deadlines = [f for f in figures if f.measure == Measure.DEADLINE and f.unit == Unit.YEAR and not f.is_unknown]
    frame = figure_frame(deadlines)
    if frame.empty:
        return None
    fig = go.Figure(data=move_lines(deadlines))
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
        **deadline_axes(frame),
    )
    summary = deadline_summary(deadlines)
    return figure_chart("deadlines", "Deadlines as stated over time", summary, fig, frame, f"{slug}-deadlines", flagged)
