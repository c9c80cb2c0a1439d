"""Which figure heads each line of a programme's card, and how a promise was restated."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from programmes.choices import Horizon, Measure, SourceKind, SpeaksFor, Status
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


# What a figure may speak for on a programme's card: the programme as a whole, or all its parts summed, named as such.
SPEAKS_FOR_WHOLE = (SpeaksFor.WHOLE, SpeaksFor.ALL_PARTS)


def is_whole(figure: Figure) -> bool:
    """A figure speaks for the whole programme when it covers the whole (or all its parts summed), no scenario, and is not part of a larger sum."""
    return figure.speaks_for in SPEAKS_FOR_WHOLE and not figure.scenario and figure.part_of_id is None


def is_delivery(figure: Figure) -> bool:
    """Only a claimed or audited outturn is a delivery: its horizon is outturn and its period's last year had begun when its source appeared."""
    return figure.status in DELIVERED_STATUSES and figure.horizon == Horizon.OUTTURN and not looks_ahead(figure)


def is_standalone(figure: Figure) -> bool:
    """A figure stands alone when it is not one part of a larger sum and not one of several scenarios stated together."""
    return not figure.scenario and figure.part_of_id is None


def is_statement(figure: Figure) -> bool:
    """The body's own statement, read in its own publication or in a copy of an official one that names it.

    A copy (a written answer reproduced by a third party) is cited as secondary, but it is still the minister's
    statement, in the minister's words: it is preferred to a newspaper's account of it.
    """
    return figure.source.is_primary or figure.source.kind in OFFICIAL_KINDS


def best_sourced(figures: Iterable[Figure]) -> list[Figure]:
    """Figures from the statements themselves, then from official publications, when there are any, in the order they were stated: a press repeat does not speak for the body that made the claim."""
    chosen = list(figures)
    for preferred in (is_statement, lambda f: f.source.kind in OFFICIAL_KINDS):
        if any(preferred(f) for f in chosen):
            chosen = [f for f in chosen if preferred(f)]
    return sorted(chosen, key=lambda f: (stated_on(f.source), f.pk or 0))


def unrevised(figures: list[Figure]) -> list[Figure]:
    """The figures no other of them revises: once a revised forecast is stated, the estimate it replaced no longer speaks."""
    revised = {f.revises_id for f in figures if f.revises_id is not None}
    return [f for f in figures if f.pk not in revised]


def on_the_day(figures: Iterable[Figure], first: bool) -> list[Figure]:
    """Of these, the best sourced stated on the first (or latest) day any of them was, known figures preferred."""
    figures = list(figures)
    known = [f for f in figures if not f.is_unknown]
    ordered = best_sourced(known or figures)
    if not ordered:
        return []
    day = stated_on(ordered[0].source) if first else stated_on(ordered[-1].source)
    return [f for f in ordered if stated_on(f.source) == day]


def most_assured(figures: Iterable[Figure], measures: Sequence[str] = ()) -> Figure | None:
    # One report can give an estimate and its own finding side by side (the NAO's £900m expected cost and the over
    # £1.4bn it found): the more assured figure speaks for that day; then a sum of money before a percentage.
    rank = {measure: place for place, measure in enumerate(measures)}
    return min(figures, key=lambda f: (ASSURANCE[f.status], rank.get(f.measure, 0), f.pk or 0), default=None)


@dataclass(frozen=True)
class Choice:
    """What a card line can say: the figure for the whole programme; else its scenarios side by side; else the latest
    figure for some of its members, shown as theirs and never as the programme's."""

    figure: Figure | None = None
    scenarios: tuple[Figure, ...] = ()
    narrower: Figure | None = None


def choose(
    figures: Iterable[Figure],
    measures: Iterable[str],
    statuses: Iterable[str],
    *,
    first: bool = False,
    deliveries_only: bool = False,
    bases: Iterable[str] = (),
    units: Iterable[str] = (),
) -> Choice:
    """What heads a card line: the first or latest stated whole-programme figure of these measures and statuses.

    Only a figure for the programme as a whole, or for all its parts summed, speaks for the programme. When no source
    states one, the line says so, and shows what exists instead: whole-programme scenarios stated together, side by
    side ("with HMRC: …; without HMRC: …"), or else the latest figure for one or some of its members (the NAO's £90m
    for the two independent centres), named as theirs. A customer's or supplier's own saving and another quantity
    (a wider total, one cost line, a benchmark) never appear. Parts of a larger sum never head a line, nor an
    estimate a later figure revises. A known figure is preferred; only when none is known does a figure the source
    says is unknown speak ("audited, with no figure"). Statements themselves are preferred to press accounts of them.
    Ties on one day go to the most assured status (audited, claimed, forecast, target), then to the measure asked first
    (a sum of money before a percentage), then to the figure recorded first.
    """
    ranked = tuple(measures)
    measures, statuses, bases, units = set(measures), set(statuses), set(bases), set(units)
    matches = unrevised(
        [
            f
            for f in figures
            if f.measure in measures
            and f.status in statuses
            and f.part_of_id is None
            and (not deliveries_only or is_delivery(f))
            and (not bases or f.basis in bases)
            and (not units or f.unit in units)
        ]
    )
    whole = [f for f in matches if f.speaks_for in SPEAKS_FOR_WHOLE]
    if figure := most_assured(on_the_day((f for f in whole if not f.scenario), first), ranked):
        return Choice(figure=figure)
    if scenarios := on_the_day((f for f in whole if f.scenario), first):
        one_each = {}
        for figure in sorted(scenarios, key=lambda f: (ASSURANCE[f.status], ranked.index(f.measure), f.pk or 0)):
            one_each.setdefault(figure.scenario, figure)
        return Choice(scenarios=tuple(sorted(one_each.values(), key=lambda f: f.pk or 0)))
    members = [f for f in matches if f.speaks_for == SpeaksFor.MEMBERS and not f.scenario]
    return Choice(narrower=most_assured(on_the_day(members, first), ranked))


def pick(figures: Iterable[Figure], measures: Iterable[str], statuses: Iterable[str], **kwargs) -> Figure | None:
    """The whole-programme figure that heads a line (choose), or None when no source states one."""
    return choose(figures, measures, statuses, **kwargs).figure


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
    """One line of a programme's card: its label, what the rules chose for it, and what to say when no source speaks for the whole."""

    role: str
    label: str
    choice: Choice
    missing_text: str = "No figure in the sources"

    @property
    def figure(self) -> Figure | None:
        return self.choice.figure

    @property
    def scenarios(self) -> tuple[Figure, ...]:
        return self.choice.scenarios

    @property
    def narrower(self) -> Figure | None:
        return self.choice.narrower

    @property
    def shown(self) -> Figure | None:
        """The figure the line shows first, whoever it speaks for: what a reader sees change on it."""
        return self.figure or (self.scenarios[0] if self.scenarios else self.narrower)


def headlines(figures: Iterable[Figure]) -> list[Headline]:
    """A card's lines: the first promise, the latest forecast, the audited and claimed deliveries, investment and net benefit."""
    figures = list(figures)
    later = (Status.AUDITED, Status.CLAIMED, Status.FORECAST)
    forecasts = (*SAVINGS_MEASURES, Measure.SAVINGS_NPV)
    return [
        Headline("promised", "Promised", choose(figures, SAVINGS_MEASURES, (Status.TARGET,), first=True)),
        Headline("latest-forecast", "Latest forecast", choose(figures, forecasts, (Status.FORECAST,))),
        Headline(
            "delivered-audited",
            "Delivered (audited)",
            choose(figures, SAVINGS_MEASURES, (Status.AUDITED,), deliveries_only=True),
            "Not audited",
        ),
        Headline(
            "delivered-claimed",
            "Delivered (claimed)",
            choose(figures, SAVINGS_MEASURES, (Status.CLAIMED,), deliveries_only=True),
            "No claim in the sources",
        ),
        Headline("investment", "Investment", choose(figures, (Measure.INVESTMENT,), later)),
        Headline("net-benefit", "Net benefit", choose(figures, (Measure.NET_BENEFIT,), later)),
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
