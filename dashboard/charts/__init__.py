"""Chart builders: figures from the database in, plotly figure JSON plus the same numbers as a table out.

Each builder returns a `Chart` (or None when it has nothing to draw, so that no empty chart is shown).
pandas shapes the rows; plotly builds the figure; the page draws it with static/js/charts.js.
Rules from docs/vocabulary.md that shape every builder: annual and cumulative figures never share an axis, ranges are
drawn as bands or floating bars and never as midpoints, unknown is said and never drawn as zero.
A chart over more figures than can be read one by one is drawn from aggregates instead (aggregate.py).

The builders (savings.py, money.py, findings.py, aggregate.py) share, each layer calling only those below it: chart.py
(the Chart, and figure_chart for a chart drawn figure by figure), frame.py (figures as a frame, their flags and table
rows), traces.py (bars, hover text and labels) and style.py (colours, layout and axes).
"""

from __future__ import annotations

from dashboard.charts.aggregate import FIGURE_LIMIT, PAGE_FIGURE_LIMIT, SPREADS, build_aggregate_chart, to_aggregate
from dashboard.charts.chart import Chart
from dashboard.charts.findings import build_findings_chart, build_findings_overview
from dashboard.charts.frame import figure_frame, flags
from dashboard.charts.money import build_deadline_chart, build_funding_chart, build_money_chart
from dashboard.charts.savings import build_overview_chart, build_promise_chart, build_restatement_chart
from programmes.models import Basis, Event, Figure

__all__ = [
    "FIGURE_LIMIT",
    "PAGE_FIGURE_LIMIT",
    "PROGRAMME_CHARTS",
    "SPREADS",
    "Chart",
    "build_aggregate_chart",
    "build_deadline_chart",
    "build_findings_chart",
    "build_findings_overview",
    "build_funding_chart",
    "build_money_chart",
    "build_overview_chart",
    "build_promise_chart",
    "build_restatement_chart",
    "figure_frame",
    "flags",
    "build_programme_charts",
    "to_aggregate",
]

# A programme page's charts, in reading order.
PROGRAMME_CHARTS = ("savings-annual", "savings-total", "claims-findings", "restatements", "money", "funding", "deadlines")


def build_programme_charts(
    figures: list[Figure],
    events: list[Event],
    slug: str,
    flagged: dict[int, str] | None = None,
    aggregated: dict[str, Chart | None] | None = None,
    findings: Chart | None = None,
) -> list[Chart]:
    """Every chart a programme page shows, in reading order, leaving out those with no data.

    `aggregated` holds, by id, the charts drawn from aggregates instead (their figures need not be among `figures`);
    `flagged` is the ⚑ text of the figures, read once for every chart (charts.flags); `findings` is the claims-against-findings
    chart, built from its own figures (build_findings_chart).
    """
    aggregated = aggregated or {}
    flagged = flags(figures) if flagged is None else flagged
    builders = {
        "savings-annual": lambda: build_promise_chart(figures, Basis.ANNUAL, slug, flagged),
        "savings-total": lambda: build_promise_chart(figures, Basis.CUMULATIVE, slug, flagged),
        "claims-findings": lambda: findings,
        "restatements": lambda: build_restatement_chart(figures, events, slug, flagged),
        "money": lambda: build_money_chart(figures, slug, flagged),
        "funding": lambda: build_funding_chart(figures, slug, flagged),
        "deadlines": lambda: build_deadline_chart(figures, slug, flagged),
    }
    built = [aggregated[chart_id] if chart_id in aggregated else builders[chart_id]() for chart_id in PROGRAMME_CHARTS]
    return [chart for chart in built if chart is not None]
