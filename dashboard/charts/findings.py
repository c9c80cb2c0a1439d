"""Claims against findings: what was claimed beside what auditors found for the same thing (rules.claims_against_findings).

A pair is drawn only where both exist; each pair is one row of the chart with its claim and its finding as two bars,
annual and total sums in separate panels (never on one axis), and the gap in £ and as a share of the claim in the
row's label, the summary and the table. Every bar opens its figure's page when clicked, as the table's links do.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.as_at import at_date
from dashboard.charts.chart import Chart, figure_chart
from dashboard.charts.frame import TABLE_COLUMNS, figure_frame, flags, table_rows
from dashboard.charts.style import axis, base_layout
from dashboard.charts.traces import status_bars, wrap_name
from programmes import fiscal, rules
from programmes.models import Basis, Figure, Measure, Status

TITLE = "What was claimed, against what auditors found"
OVERVIEW_TITLE = "Strategies ranked by the gap between the first claim and the latest audit, like for like"
KEY = (
    "Each row sets a claim beside the audit finding for the same scope, period and basis; colour and fill pattern show "
    "status: target hatched, forecast dotted, claimed crossed, audited solid. Click a bar (on a touch screen, tap it twice), or its row in the table, to open its figure."
)
EXTRA_COLUMNS = ["Compared", "Role", "Gap (£m, least)", "Gap (£m, most)", "Gap (% of claim, least)", "Gap (% of claim, most)", "Gap"]
# A yearly run-rate and a total are never drawn on one axis: each has its own panel.
PANELS = [((Basis.ANNUAL,), "£ million a year"), (rules.TOTAL_BASES, "£ million in total over the period")]


def compared(pair: rules.Pair) -> str:
    """What the two figures of a pair are about: "Investment (cost) in total, five department-run centres, 2004-05 to 2010-11"."""
    finding = pair.finding
    parts = [f"{Measure(finding.measure).label} {'a year' if finding.basis == Basis.ANNUAL else 'in total'}"]
    parts.append(finding.scope or "whole programme")
    if finding.scenario:
        parts.append(finding.scenario)
    parts.append(fiscal.span(finding.period_start, finding.period_end))
    return ", ".join(parts)


def percent_cell(share: Decimal | None, rounding: str) -> Decimal | None:
    """A share as a percentage to one decimal place, rounded outwards so that the least and the most stay true."""
    return None if share is None else (share * 100).quantize(Decimal("0.1"), rounding=rounding)


def extra_cells(pair: rules.Pair, figure: Figure, rank: int | None) -> list:
    """The pair's cells for one of its two rows; the gap (finding minus claim) is given on the finding's row."""
    cells = [rank] if rank is not None else []
    cells += [compared(pair), "Claim" if figure is pair.claim else "Audit finding"]
    if figure is pair.claim:
        return [*cells, None, None, None, None, ""]
    gap = pair.gap
    return [
        *cells,
        gap.low,
        gap.high,
        percent_cell(gap.share_low, ROUND_FLOOR),
        percent_cell(gap.share_high, ROUND_CEILING),
        rules.gap_phrase(pair),
    ]


def links(figures: list[Figure], as_at: datetime.date | None) -> dict[str, str]:
    """Each bar's figure page (at the date shown), by figure id: static/js/charts.js opens it when the bar is clicked.

    Not <a> tags in the labels: plotly gives those a style attribute, which the Content-Security-Policy refuses.
    """
    return {str(figure.pk): at_date(figure.get_absolute_url(), as_at) for figure in figures}


def pairs_chart(
    labelled: list[tuple[str, rules.Pair]],
    chart_id: str,
    title: str,
    summary: str,
    filename: str,
    as_at: datetime.date | None,
    ranked: bool = False,
) -> Chart:
    """One row per (label, pair), claims and findings as grouped bars, annual and total pairs in separate panels; labels are HTML-escaped and wrapped."""
    present = [(bases, x_title) for bases, x_title in PANELS if any(pair.finding.basis in bases for _, pair in labelled)]
    counts = [sum(1 for _, pair in labelled if pair.finding.basis in bases) for bases, _ in present]
    fig = make_subplots(rows=len(present), cols=1, vertical_spacing=0.12, row_heights=counts)
    in_legend: set[str] = set()
    for index, (bases, x_title) in enumerate(present, start=1):
        pairs_panel(fig, index, [(label, pair) for label, pair in labelled if pair.finding.basis in bases], x_title, in_legend)
    drawn = [figure for _, pair in labelled for figure in (pair.claim, pair.finding)]
    fig.update_layout(
        **base_layout(title, height=200 + 110 * len(labelled) + 60 * len(present)), barmode="group", meta={"links": links(drawn, as_at)}
    )
    fig.update_layout(margin={"l": 16, "r": 120, "t": 48, "b": 48})
    frame = figure_frame(drawn)
    # The table keeps the chart's order (pair by pair, ranked on the overview), not the frame's order by status.
    frame = frame.set_index("id", drop=False).loc[[figure.pk for figure in drawn]].reset_index(drop=True)
    extra_columns = (["Rank"] if ranked else []) + EXTRA_COLUMNS
    rows = table_rows(frame, flags(drawn, as_at))
    for number, row in enumerate(rows):
        row["extra"] = extra_cells(labelled[number // 2][1], drawn[number], number // 2 + 1 if ranked else None)
        row.update(dict(zip(extra_columns, row["extra"], strict=True)))
    columns = [*TABLE_COLUMNS, *extra_columns]
    return figure_chart(
        chart_id, title, summary, fig, frame, filename, rows=rows, notes=[], key=KEY, extra_columns=extra_columns, columns=columns
    )


def pairs_panel(fig: go.Figure, index: int, labelled: list[tuple[str, rules.Pair]], x_title: str, in_legend: set[str]) -> None:
    """One panel of pairs (annual, or totals): a row per pair, labelled with its gap, the claim and the finding side by side."""
    category = {}
    for label, pair in labelled:
        category[pair.claim.pk] = category[pair.finding.pk] = f"{label}<br>{wrap_name(rules.gap_phrase(pair))}"
    frame = figure_frame([figure for _, pair in labelled for figure in (pair.claim, pair.finding)])
    bars = status_bars(
        frame,
        lambda row: category[row.id],
        name=lambda status: "Found by auditors" if status == Status.AUDITED else f"{Status(status).label} (the claim)",
        label=lambda row, status: f"{row.display} ({'found' if status == Status.AUDITED else Status(status).label.lower()})",
    )
    for status, bar in bars:
        bar.update(offsetgroup="finding" if status == Status.AUDITED else "claim", legendgroup=status, showlegend=status not in in_legend)
        in_legend.add(status)
        fig.add_trace(bar, row=index, col=1)
    order = list(dict.fromkeys(category[pair.finding.pk] for _, pair in labelled))
    fig.update_yaxes(axis("", categoryorder="array", categoryarray=order, autorange="reversed", showgrid=False), row=index, col=1)
    fig.update_xaxes(axis(x_title, rangemode="tozero", tickprefix="£", ticksuffix="m"), row=index, col=1)


# Pairs one programme's chart draws: beyond this, the largest gaps only (the summary says how many there are).
PAIRS_SHOWN = 10


def build_findings_chart(figures: list[Figure], slug: str, as_at: datetime.date | None = None) -> Chart | None:
    """A programme's claims against findings, one row per like-for-like pair; None where no pair exists."""
    pairs = rules.claims_against_findings(figures)
    if not pairs:
        return None
    summary = ""
    if len(pairs) > PAIRS_SHOWN:
        # A chart of hundreds of pairs is unreadable and too heavy to send: the largest gaps, and how many there are.
        summary = f"There are {len(pairs)} like-for-like pairs; the {PAIRS_SHOWN} with the largest gaps are shown. "
        shown = sorted(pairs, key=lambda pair: -rules.certain_gap(pair))[:PAIRS_SHOWN]
        pairs = [pair for pair in pairs if pair in shown]
    summary += rules.sentence("Like for like, " + "; ".join(rules.pair_sentence(pair) for pair in pairs))
    labelled = [(wrap_name(compared(pair)), pair) for pair in pairs]
    return pairs_chart(labelled, "claims-findings", TITLE, summary, f"{slug}-claims-findings", as_at)


def build_findings_overview(figures_by_strategy: dict[str, list[Figure]], as_at: datetime.date | None = None) -> Chart | None:
    """Strategies ranked by how far the latest audited outturn is from the first claim for the same thing (rules.headline_pair)."""
    ranked: list[tuple[str, rules.Pair]] = []
    unpaired: list[str] = []
    for name, figures in figures_by_strategy.items():
        pair = rules.headline_pair(rules.claims_against_findings(figures))
        if pair is None:
            unpaired.append(f"{name}: none, because {rules.unpaired_reason(figures)}")
        else:
            ranked.append((name, pair))
    if not ranked:
        return None
    ranked.sort(key=lambda item: (-rules.certain_gap(item[1]), item[0]))
    clauses = [f"{number}. {name}: {rules.pair_sentence(pair)}" for number, (name, pair) in enumerate(ranked, start=1)]
    summary = "Ranked by the gap between the first claim and the latest audited outturn for the same scope, period and basis: "
    summary += ". ".join(clauses) + "."
    if unpaired:
        summary += " No like-for-like pair: " + "; ".join(unpaired) + "."
    labelled = [
        (f"{wrap_name(f'{number}. {name}')}<br>{wrap_name(compared(pair))}", pair) for number, (name, pair) in enumerate(ranked, start=1)
    ]
    return pairs_chart(labelled, "overview-claims-findings", OVERVIEW_TITLE, summary, "strategies-claims-findings", as_at, True)
