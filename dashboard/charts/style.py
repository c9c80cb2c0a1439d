"""How every chart looks: the status colours and marks, the keys that explain them, the layout and the axes."""

from __future__ import annotations

from programmes.models import Measure, Status

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

# An aggregated chart's series by measure rather than status: colour and marker shape both tell them apart.
MEASURE_STYLE = {
    Measure.SAVINGS: ("#007A5A", "circle"),
    Measure.INVESTMENT: ("#C25400", "square"),
    Measure.NET_BENEFIT: ("#1b1b1b", "diamond"),
    Measure.FUNDING_REQUESTED: ("#C25400", "square"),
    Measure.FUNDING_APPROVED: ("#007A5A", "circle"),
    Measure.FUNDING_GAP: ("#1b1b1b", "x"),
}

FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"


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
