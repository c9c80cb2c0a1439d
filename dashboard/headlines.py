"""Pick the handful of figures that summarise a programme: what was promised, forecast, claimed and found."""

from __future__ import annotations

from dataclasses import dataclass

from programmes.models import Figure, Measure, SourceKind, Status, Unit

# Publications by the bodies that made or checked the claim, preferred over press reports of them.
OFFICIAL_KINDS = {
    SourceKind.AUDIT_REPORT,
    SourceKind.COMMITTEE_REPORT,
    SourceKind.STRATEGY,
    SourceKind.OFFICIAL_PUBLICATION,
    SourceKind.MINISTERIAL_STATEMENT,
    SourceKind.PARLIAMENTARY_ANSWER,
    SourceKind.PRESS_RELEASE,
}


@dataclass(frozen=True)
class Headline:
    label: str
    figure: Figure | None
    missing_text: str = "No figure in the sources"


def pick(figures: list[Figure], measure: str, statuses: tuple[str, ...], latest: bool = True, basis: tuple[str, ...] = ()) -> Figure | None:
    """The latest (or first) published figure of a measure, preferring £ figures, primary and official sources.

    Known figures only: an "unknown" is reported separately, never chosen as a headline number.
    """
    matches = [f for f in figures if f.measure == measure and f.status in statuses and not f.is_unknown and (not basis or f.basis in basis)]
    for preferred in (lambda f: f.unit == Unit.GBP_M, lambda f: f.source.is_primary, lambda f: f.source.kind in OFFICIAL_KINDS):
        if any(preferred(f) for f in matches):
            matches = [f for f in matches if preferred(f)]
    if not matches:
        return None
    # Sorting by the latest possible date keeps a vaguely dated source from jumping ahead of a dated one.
    matches.sort(key=lambda f: (f.source.published_by, f.pk))
    return matches[-1] if latest else matches[0]


def headlines(figures: list[Figure]) -> list[Headline]:
    """A card's lines: first promise, latest forecast, audited and claimed delivery, investment, net benefit."""
    return [
        Headline("Promised", pick(figures, Measure.SAVINGS, (Status.TARGET,), latest=False)),
        Headline("Latest forecast", pick(figures, Measure.SAVINGS, (Status.FORECAST,))),
        Headline("Delivered (audited)", pick(figures, Measure.SAVINGS, (Status.AUDITED,)), "Not audited"),
        Headline("Delivered (claimed)", pick(figures, Measure.SAVINGS, (Status.CLAIMED,)), "No claim in the sources"),
        Headline("Investment", pick(figures, Measure.INVESTMENT, (Status.AUDITED, Status.CLAIMED, Status.FORECAST))),
        Headline("Net benefit", pick(figures, Measure.NET_BENEFIT, (Status.AUDITED, Status.CLAIMED, Status.FORECAST))),
    ]
