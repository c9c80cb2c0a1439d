"""Which figure heads each line of a programme's card, and how a promise was restated."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from programmes.choices import Horizon, Measure, SourceKind, Status
from programmes.rules.timing import looks_ahead, stated_on

if TYPE_CHECKING:
    from programmes.models import Figure

# Publications by the bodies that made or checked the claim, preferred over press reports of them.
OFFICIAL_KINDS = frozenset(
    {
        SourceKind.AUDIT_REPORT,
        SourceKind.COMMITTEE_REPORT,
        SourceKind.STRATEGY,
        SourceKind.OFFICIAL_PUBLICATION,
        SourceKind.MINISTERIAL_STATEMENT,
        SourceKind.PARLIAMENTARY_ANSWER,
        SourceKind.PRESS_RELEASE,
    }
)


# A savings promise or result is stated in £ or as a percentage; both are first-class (10–15% is a promise).
SAVINGS_MEASURES = (Measure.SAVINGS, Measure.SAVINGS_RATE)


DELIVERED_STATUSES = (Status.CLAIMED, Status.AUDITED)


# How sure a status is, most sure first: a tie on one day goes to the most assured figure.
ASSURANCE = {Status.AUDITED: 0, Status.CLAIMED: 1, Status.FORECAST: 2, Status.TARGET: 3}


def is_whole(figure: Figure) -> bool:
    """A figure speaks for the whole programme when it has no scope, no scenario and is not part of a larger sum."""
    return not figure.scope and not figure.scenario and figure.part_of_id is None


def is_delivery(figure: Figure) -> bool:
    """Only a claimed or audited outturn is a delivery: its horizon is outturn and its period's last year had begun when its source appeared."""
    return figure.status in DELIVERED_STATUSES and figure.horizon == Horizon.OUTTURN and not looks_ahead(figure)


def is_standalone(figure: Figure) -> bool:
    """A figure stands alone when it is not one part of a larger sum and not one of several scenarios stated together."""
    return not figure.scenario and figure.part_of_id is None


def best_sourced(figures: Iterable[Figure]) -> list[Figure]:
    """Figures from primary publications, then from official ones, when there are any, in the order they were stated: a press repeat does not speak for the body that made the claim."""
    chosen = list(figures)
    for preferred in (lambda f: f.source.is_primary, lambda f: f.source.kind in OFFICIAL_KINDS):
        if any(preferred(f) for f in chosen):
            chosen = [f for f in chosen if preferred(f)]
    return sorted(chosen, key=lambda f: (stated_on(f.source), f.pk or 0))


def pick(
    figures: Iterable[Figure],
    measures: Iterable[str],
    statuses: Iterable[str],
    *,
    first: bool = False,
    deliveries_only: bool = False,
    bases: Iterable[str] = (),
    units: Iterable[str] = (),
) -> Figure | None:
    """The figure that heads a line: the first or latest stated among the best-sourced figures of these measures and statuses.

    A figure for the whole programme is preferred; when no source states one, a figure for a narrower scope heads
    the line and the card names that scope (the NAO's £90m covers the two independent centres, not all of NGSS).
    Parts of a larger sum and alternative scenarios never head a line. A known figure is preferred; only when none
    is known does a figure the source says is unknown head the line ("claimed, with no figure"). Ties on one day
    go to the most assured status (audited, claimed, forecast, target), then to the figure recorded first.
    """
    measures, statuses, bases, units = set(measures), set(statuses), set(bases), set(units)
    matches = [
        f
        for f in figures
        if f.measure in measures
        and f.status in statuses
        and is_standalone(f)
        and (not deliveries_only or is_delivery(f))
        and (not bases or f.basis in bases)
        and (not units or f.unit in units)
    ]
    matches = [f for f in matches if is_whole(f)] or matches
    known = [f for f in matches if not f.is_unknown]
    matches = best_sourced(known or matches)
    if not matches:
        return None
    day = stated_on(matches[0].source) if first else stated_on(matches[-1].source)
    # One report can give an estimate and its own finding side by side (the NAO's £900m expected cost and the
    # over £1.4bn it found): the more assured figure speaks for that day.
    return min((f for f in matches if stated_on(f.source) == day), key=lambda f: (ASSURANCE[f.status], f.pk or 0))


def promised(figures: Iterable[Figure], bases: Iterable[str] = (), units: Iterable[str] = ()) -> Figure | None:
    """What was promised: the first target for the whole programme's savings, in £ or as a percentage."""
    return pick(figures, SAVINGS_MEASURES, (Status.TARGET,), first=True, bases=bases, units=units)


def latest_forecast(figures: Iterable[Figure], bases: Iterable[str] = (), units: Iterable[str] = ()) -> Figure | None:
    """The latest forecast of the whole programme's savings, in £ or as a percentage."""
    return pick(figures, SAVINGS_MEASURES, (Status.FORECAST,), bases=bases, units=units)


def delivered(figures: Iterable[Figure], status: str, bases: Iterable[str] = (), units: Iterable[str] = ()) -> Figure | None:
    """What was delivered: the latest claimed (or audited) outturn of the whole programme's savings; a projection never counts."""
    return pick(figures, SAVINGS_MEASURES, (status,), deliveries_only=True, bases=bases, units=units)


@dataclass(frozen=True)
class Headline:
    """One line of a programme's card: its label, the figure that heads it (None when the sources give none), and what to say then."""

    role: str
    label: str
    figure: Figure | None
    missing_text: str = "No figure in the sources"


def headlines(figures: Iterable[Figure]) -> list[Headline]:
    """A card's lines: the first promise, the latest forecast, the audited and claimed deliveries, investment and net benefit."""
    figures = list(figures)
    later = (Status.AUDITED, Status.CLAIMED, Status.FORECAST)
    return [
        Headline("promised", "Promised", promised(figures)),
        Headline("latest-forecast", "Latest forecast", latest_forecast(figures)),
        Headline("delivered-audited", "Delivered (audited)", delivered(figures, Status.AUDITED), "Not audited"),
        Headline("delivered-claimed", "Delivered (claimed)", delivered(figures, Status.CLAIMED), "No claim in the sources"),
        Headline("investment", "Investment", pick(figures, (Measure.INVESTMENT,), later)),
        Headline("net-benefit", "Net benefit", pick(figures, (Measure.NET_BENEFIT,), later)),
    ]


def restatement_chains(figures: Iterable[Figure]) -> list[tuple[str, list[Figure]]]:
    """A promise is restated only within one scope: for each scope (the whole programme first), the first known figure of each status, in the order stated.

    Parts of a larger sum are components, not restatements, and are left out.
    """
    by_scope: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        if not figure.is_unknown and figure.part_of_id is None:
            by_scope[figure.scope].append(figure)
    chains = []
    for scope in sorted(by_scope, key=lambda s: (s != "", s)):
        ordered = sorted(by_scope[scope], key=lambda f: (stated_on(f.source), f.pk or 0))
        firsts: dict[str, Figure] = {}
        for figure in ordered:
            firsts.setdefault(figure.status, figure)
        chains.append((scope, sorted(firsts.values(), key=lambda f: (stated_on(f.source), f.pk or 0))))
    return chains
