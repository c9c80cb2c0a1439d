"""Pick the handful of figures that summarise a programme on its card: what was promised, forecast and found."""

from __future__ import annotations

from dataclasses import dataclass

from programmes.models import Figure, Measure, Status, Unit


@dataclass(frozen=True)
class Headline:
    label: str
    figure: Figure | None
    missing_text: str = "No figure in the sources"


def _pick(figures: list[Figure], measure: str, statuses: tuple[str, ...], latest: bool = True, money_first: bool = True) -> Figure | None:
    """The most recently (or first) published figure of a measure among statuses, preferring £ figures."""
    matches = [f for f in figures if f.measure == measure and f.status in statuses]
    if money_first and any(f.unit == Unit.GBP_M for f in matches):
        matches = [f for f in matches if f.unit == Unit.GBP_M]
    if not matches:
        return None
    # Sorting by the latest possible date keeps a vaguely dated source from jumping ahead of a dated one.
    matches.sort(key=lambda f: (f.source.published_by, f.pk))
    return matches[-1] if latest else matches[0]


def headlines(figures: list[Figure]) -> list[Headline]:
    """The card's five lines: first promise, latest forecast, audited delivery, investment, net benefit."""
    return [
        Headline("Promised", _pick(figures, Measure.SAVINGS, (Status.TARGET,), latest=False)),
        Headline("Latest forecast", _pick(figures, Measure.SAVINGS, (Status.FORECAST,))),
        Headline("Delivered (audited)", _pick(figures, Measure.SAVINGS, (Status.AUDITED,)), "Not audited"),
        Headline("Delivered (claimed)", _pick(figures, Measure.SAVINGS, (Status.CLAIMED,)), "No claim in the sources"),
        Headline("Investment", _pick(figures, Measure.INVESTMENT, (Status.AUDITED, Status.CLAIMED, Status.FORECAST))),
        Headline("Net benefit", _pick(figures, Measure.NET_BENEFIT, (Status.AUDITED, Status.CLAIMED, Status.FORECAST))),
    ]
