"""Chart builders: figures from the database in, plotly figure JSON plus the same numbers as a table out.

Each builder returns a `Chart` (or None when it has nothing to draw, so that no empty chart is shown).
pandas shapes the rows; plotly builds the figure; the page draws it with static/js/charts.js.
Rules from DOMAIN.md that shape every builder: annual and cumulative figures never share an axis, ranges are
drawn as bands or floating bars and never as midpoints, unknown is said and never drawn as zero.
"""

from __future__ import annotations

import datetime

from dashboard.charts.base import Chart, figure_frame, flags
from dashboard.charts.findings import build_findings_chart, build_findings_overview
from dashboard.charts.money import build_deadline_chart, build_funding_chart, build_money_chart
from dashboard.charts.savings import build_overview_chart, build_promise_chart, build_restatement_chart
from programmes.models import Basis, Event, Figure

__all__ = [
    "Chart",
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
    "programme_charts",
]


def programme_charts(figures: list[Figure], events: list[Event], slug: str, as_at: datetime.date | None = None) -> list[Chart]:
    """Every chart a programme page shows, in reading order, leaving out those with no data; flags as at the date shown."""
    built = [
        build_promise_chart(figures, Basis.ANNUAL, slug, as_at),
        build_promise_chart(figures, Basis.CUMULATIVE, slug, as_at),
        build_findings_chart(figures, slug, as_at),
        build_restatement_chart(figures, events, slug, as_at),
        build_money_chart(figures, slug, as_at),
        build_funding_chart(figures, slug, as_at),
        build_deadline_chart(figures, slug, as_at),
    ]
    return [chart for chart in built if chart is not None]
