"""The judgements the site makes about figures, each stated in one sentence a reader can check.

Charts, pages, exports, the admin and the tests call these; none of them re-implements a rule.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal
from typing import TYPE_CHECKING

from django.utils.text import slugify

from programmes import fiscal, formatting
from programmes.models import Basis, Horizon, Measure, OrganisationKind, Qualifier, SourceKind, Status, Unit

if TYPE_CHECKING:
    from programmes.models import Figure, Organisation, Source

# Money that moves over a period: these can be delivered, so their timing decides outturn or projection.
# Counts, contract terms, funding decisions and deadlines are stated as at their date.
OUTCOME_MEASURES = frozenset(
    {
        Measure.SAVINGS,
        Measure.SAVINGS_NPV,
        Measure.INVESTMENT,
        Measure.COST_OVERRUN,
        Measure.NET_BENEFIT,
        Measure.REVENUE,
        Measure.PROCEEDS,
        Measure.WRITE_OFF,
    }
)


def stated_on(source: Source) -> datetime.date:
    """A figure is stated on the last day its source could have appeared, given how precisely the source is dated."""
    return source.published_by


def looks_ahead(figure: Figure) -> bool:
    """An outcome whose period's last financial year had not begun when its source appeared is a projection.

    A period ending in the financial year the source appeared in reads as "to date": a claim in March 2024
    of £120m delivered "in 2023-24" is an outturn.
    """
    if figure.measure not in OUTCOME_MEASURES or figure.period_end is None:
        return False
    return fiscal.first_day(figure.period_end) > stated_on(figure.source)


def suggested_horizon(figure: Figure) -> str:
    """A target or forecast, or an outcome whose period had not begun when stated, is a projection; anything else an outturn."""
    if figure.status in (Status.TARGET, Status.FORECAST) or looks_ahead(figure):
        return Horizon.PROJECTION
    return Horizon.OUTTURN


# Scopes and scenarios repeat across thousands of figures; an export of a million rows slugifies each once.
cached_slugify = functools.lru_cache(maxsize=4096)(slugify)


def quantity_key(figure: Figure) -> str:
    """Figures state the same quantity when they share programme, scope, measure, status, basis, unit, stated period and scenario.

    The key spells those out, so that an analyst can group by it: ngss-2012/whole/savings/audited/cumulative/gbp_m/2013-14..2015-16.
    """
    return "/".join(quantity_parts(figure))


def quantity_parts(figure: Figure, with_status: bool = True) -> list[str]:
    """The parts of quantity_key, in order; without the status they say what two figures of different status are about."""
    period = f"{fiscal.label(figure.period_start) or '?'}..{fiscal.label(figure.period_end) or '?'}"
    if figure.period_start is None and figure.period_end is None:
        period = "unstated"
    parts = [
        figure.programme.slug,
        cached_slugify(figure.scope) or "whole",
        figure.measure,
        *([figure.status] if with_status else []),
        figure.basis,
        figure.unit,
        period,
    ]
    if figure.scenario:
        parts.append(cached_slugify(figure.scenario))
    return parts


def stated_precision(number: Decimal) -> Decimal:
    """Half a unit of the last digit a number was stated to: 55 -> 0.5, 55.4 -> 0.05, 1400 -> 0.5."""
    exponent = min(number.normalize().as_tuple().exponent, 0)
    return Decimal(5) * Decimal(10) ** (exponent - 1)


def rounded_precision(number: Decimal) -> Decimal:
    """Half a unit of the last non-zero digit, for an "about": about 1,800 -> 50, about 55 -> 0.5."""
    exponent = number.normalize().as_tuple().exponent
    return Decimal(5) * Decimal(10) ** (exponent - 1)


def interval(figure: Figure) -> tuple[Decimal | None, Decimal | None] | None:
    """What a figure admits once its qualifier and stated precision are honoured; None for an unknown, None ends are open.

    "about £55m" covers £54.5–55.5m; "£40m" covers £39.5–40.5m; "over £120m" covers £120m and up; "up to £45m" covers
    £45m and below; a range covers its two ends, each read at its stated precision.
    """
    return interval_of(figure.bounds, figure.qualifier)


def interval_of(bounds: tuple[Decimal, Decimal] | None, qualifier: str) -> tuple[Decimal | None, Decimal | None] | None:
    """interval() for stored columns, without a Figure: bounds as Figure.bounds gives them."""
    if bounds is None:
        return None
    low, high = bounds
    slack = rounded_precision if qualifier == Qualifier.APPROX else stated_precision
    low, high = low - slack(low), high + slack(high)
    if qualifier == Qualifier.AT_LEAST:
        return (low, None)
    if qualifier == Qualifier.AT_MOST:
        return (None, high)
    return (low, high)


def overlap(first: tuple[Decimal | None, Decimal | None], second: tuple[Decimal | None, Decimal | None]) -> bool:
    """Two intervals overlap unless one ends before the other begins; open ends reach as far as needed."""
    (low_a, high_a), (low_b, high_b) = first, second
    if high_a is not None and low_b is not None and high_a < low_b:
        return False
    return not (high_b is not None and low_a is not None and high_b < low_a)


def disagree(first: Figure, second: Figure) -> bool:
    """Two figures disagree when they state the same quantity, come from different claimants or publications, and cannot both be right.

    Rounding ("about £55m" against £55.4m) and bounds ("over £120m" against £121.2m) are not disagreements;
    figures a source says are unknown, two figures one claimant stated in one publication, and a part against
    its total (or two parts of one total) never are.
    """
    if first is second or (first.pk == second.pk and first.pk is not None):
        return False
    if first.source_id == second.source_id and first.claimant_id == second.claimant_id:
        return False
    if is_part_of(first, second) or is_part_of(second, first):
        return False
    if first.part_of_id is not None and first.part_of_id == second.part_of_id:
        return False
    if quantity_key(first) != quantity_key(second):
        return False
    a, b = interval(first), interval(second)
    if a is None or b is None:
        return False
    return not overlap(a, b)


def is_part_of(part: Figure, total: Figure) -> bool:
    """A figure is part of another when it was recorded as one component of the sum that the other states."""
    return part.part_of_id is not None and part.part_of_id == total.pk


def disagreements(figures: Iterable[Figure]) -> dict[int, list[Figure]]:
    """For each figure that another disagrees with, the figures it disagrees with; compares only within a quantity."""
    groups: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        groups[quantity_key(figure)].append(figure)
    found: dict[int, list[Figure]] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        for figure in group:
            others = [other for other in group if disagree(figure, other)]
            if others:
                found[figure.pk] = others
    return found


def disagreeing(figures: Iterable[Figure]) -> set[int]:
    """The ids of the figures that another disagrees with: the keys of disagreements(), found in linear time instead of pair by pair.

    disagree() says two figures of one quantity disagree when they come from different (source, claimant) pairs and one's
    interval ends before the other's begins. So a figure disagrees with some other exactly when the lowest top, or the highest
    bottom, among the other pairs' intervals lies beyond its own. The first pass keeps those extremes for two pairs per quantity,
    the second compares each figure with them: figures is read twice (give a queryset or a list, not a generator), and memory
    grows with the number of quantities, not of figures, which keeps an export of a million rows flat.
    """
    tops: dict[str, list[tuple[Decimal, tuple]]] = defaultdict(list)
    bottoms: dict[str, list[tuple[Decimal, tuple]]] = defaultdict(list)
    for figure in figures:
        bounds = interval(figure)
        if bounds is None:
            continue
        key, pair = quantity_key(figure), (figure.source_id, figure.claimant_id)
        low, high = bounds
        if high is not None:
            keep_extremes(tops[key], high, pair, lowest=True)
        if low is not None:
            keep_extremes(bottoms[key], low, pair, lowest=False)
    found = set()
    for figure in figures:
        bounds = interval(figure)
        if bounds is None:
            continue
        key, pair = quantity_key(figure), (figure.source_id, figure.claimant_id)
        low, high = bounds
        top = next((value for value, other in tops.get(key, ()) if other != pair), None)
        bottom = next((value for value, other in bottoms.get(key, ()) if other != pair), None)
        if (low is not None and top is not None and top < low) or (high is not None and bottom is not None and bottom > high):
            found.add(figure.pk)
    return found


def keep_extremes(extremes: list[tuple[Decimal, tuple]], value: Decimal, pair: tuple, lowest: bool) -> None:
    """Keep, most extreme first, the extreme value of at most two different (source, claimant) pairs."""
    for index, (kept, kept_pair) in enumerate(extremes):
        if kept_pair == pair:
            if (value < kept) if lowest else (value > kept):
                extremes[index] = (value, pair)
                extremes.sort(key=lambda item: item[0], reverse=not lowest)
            return
    extremes.append((value, pair))
    extremes.sort(key=lambda item: item[0], reverse=not lowest)
    del extremes[2:]


# Who said it. --------------------------------------------------------------------------------------------------

# Bodies read with "the" in a sentence: "the Cabinet Office", "the National Audit Office"; publications, suppliers
# and people are named bare ("Computer Weekly", "Francis Maude"), and so is a body whose name carries its own
# article or none ("HM Treasury", "The Register").
BODY_KINDS = {OrganisationKind.GOVERNMENT, OrganisationKind.DEPARTMENT, OrganisationKind.AUDIT_BODY, OrganisationKind.COMMITTEE}

STATUS_VERB = {Status.TARGET: "promised", Status.FORECAST: "expected", Status.CLAIMED: "claimed", Status.AUDITED: "found"}


def named(organisation: Organisation) -> str:
    """An organisation as a sentence names it: "the Cabinet Office", "HM Treasury", "Government Computing"."""
    name = organisation.name
    if organisation.kind in BODY_KINDS and not name.startswith(("HM ", "The ", "the ")) and "/" not in name:
        return f"the {name}"
    return name


def is_own_statement(figure: Figure) -> bool:
    """A figure is its claimant's own statement when the claimant published the source; otherwise the publisher only reported it."""
    return figure.claimant_id == figure.source.publisher_id


def attribution(figure: Figure) -> str:
    """Who claimed a figure and where, for a parenthesis: "the Cabinet Office, as reported by Government Computing, 1 April 2014", or "the National Audit Office, 20 May 2016" when the claimant published it."""
    if is_own_statement(figure):
        return f"{named(figure.claimant)}, {figure.source.published_display}"
    return f"{named(figure.claimant)}, as reported by {named(figure.source.publisher)}, {figure.source.published_display}"


def statement(figure: Figure, amount: str | None = None) -> str:
    """Who claimed what, and who reported it: "the Cabinet Office expected £128m a year, as reported by Government Computing (1 April 2014)".

    The claimant is the subject; the publisher is named only as the one who reported it, never as the claimant.
    A figure the source says is unknown reads "the National Audit Office found it not known (30 November 2022)".
    """
    what = "it not known" if figure.is_unknown else (amount or figure.display_value)
    said = f"{named(figure.claimant)} {STATUS_VERB[figure.status]} {what}"
    if is_own_statement(figure):
        return f"{said} ({figure.source.published_display})"
    return f"{said}, as reported by {named(figure.source.publisher)} ({figure.source.published_display})"


def sentence(text: str) -> str:
    """A clause made into a sentence: capital first letter, full stop."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# Which figure heads each card. ---------------------------------------------------------------------------------

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
    assurance = {Status.AUDITED: 0, Status.CLAIMED: 1, Status.FORECAST: 2, Status.TARGET: 3}
    return min((f for f in matches if stated_on(f.source) == day), key=lambda f: (assurance[f.status], f.pk or 0))


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


# Restatements, nets and shortfalls. ----------------------------------------------------------------------------


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


def has_period(figure: Figure) -> bool:
    """A figure has a stated period when the source gives at least one end of it."""
    return figure.period_start is not None or figure.period_end is not None


TOTAL_BASES = (Basis.CUMULATIVE, Basis.ONE_OFF)


def net_pairs(figures: Iterable[Figure]) -> list[tuple[Figure, Figure]]:
    """A net can be worked out from one savings and one investment total in £ of the same programme, scope, scenario, stated period and status, stated by one claimant in one publication.

    Known figures over a stated period only; a group holding two savings or two investment figures is ambiguous and gives no net.
    """
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figures:
        is_total = f.measure in (Measure.SAVINGS, Measure.INVESTMENT) and f.unit == Unit.GBP_M and f.basis in TOTAL_BASES
        if is_total and not f.is_unknown and has_period(f) and f.part_of_id is None:
            key = (f.programme_id, f.scope, f.scenario, f.period_start, f.period_end, f.status, f.claimant_id, f.source_id)
            groups[key].append(f)
    pairs = []
    for group in groups.values():
        savings = [f for f in group if f.measure == Measure.SAVINGS]
        investment = [f for f in group if f.measure == Measure.INVESTMENT]
        if len(savings) == 1 and len(investment) == 1:
            pairs.append((savings[0], investment[0]))
    return pairs


def difference(first: Figure, second: Figure) -> tuple[Decimal, Decimal, str] | None:
    """First minus second as (low, high, qualifier): a range where either is a range, "about" where either is; None where either is only a bound or unknown."""
    qualifiers = {first.qualifier, second.qualifier}
    if qualifiers & {Qualifier.AT_LEAST, Qualifier.AT_MOST, Qualifier.UNKNOWN}:
        return None
    (low_a, high_a), (low_b, high_b) = first.bounds, second.bounds
    qualifier = Qualifier.APPROX if Qualifier.APPROX in qualifiers else Qualifier.EXACT
    return low_a - high_b, high_a - low_b, qualifier


def net(savings: Figure, investment: Figure) -> tuple[Decimal, Decimal, str] | None:
    """Net benefit is savings minus investment over the same period; none where either side is only a bound ("over £90m")."""
    return difference(savings, investment)


def shortfall(requested: Figure, approved: Figure) -> tuple[Decimal, Decimal] | None:
    """A funding shortfall is what was requested minus what was approved for one programme, scope and stated period, when both are exact and the gap is positive."""
    same = (requested.programme_id, requested.scope, requested.period_start, requested.period_end) == (
        approved.programme_id,
        approved.scope,
        approved.period_start,
        approved.period_end,
    )
    if not same or not has_period(requested) or {requested.qualifier, approved.qualifier} != {Qualifier.EXACT}:
        return None
    gap = difference(requested, approved)
    if gap is None or gap[0] <= 0:
        return None
    return gap[0], gap[1]


def money_phrase(low: Decimal, high: Decimal, qualifier: str = Qualifier.EXACT) -> str:
    """A worked-out sum as a reader says it: "about £900m", "£100m to £200m"."""
    if low == high:
        return ("about " if qualifier == Qualifier.APPROX else "") + formatting.money(low)
    return f"{formatting.money(low)} to {formatting.money(high)}"


# Claims against findings. --------------------------------------------------------------------------------------

CLAIM_STATUSES = (Status.TARGET, Status.FORECAST, Status.CLAIMED)
ASSURANCE = {Status.AUDITED: 0, Status.CLAIMED: 1, Status.FORECAST: 2, Status.TARGET: 3}


def like_for_like_key(figure: Figure) -> str:
    """Two figures are like for like when they state the same quantity but for their status: programme, scope, measure, basis, unit, stated period and scenario."""
    return "/".join(quantity_parts(figure, with_status=False))


def is_finding(figure: Figure) -> bool:
    """An audit finding a claim can be set against: a known audited outturn in £, over a stated period, of money saved, spent or received, not part of a larger sum."""
    return figure.status == Status.AUDITED and is_testable(figure) and figure.horizon == Horizon.OUTTURN and not looks_ahead(figure)


def is_claim(figure: Figure) -> bool:
    """A claim an audit can test: a known target, forecast or claimed figure in £, over a stated period, of money saved, spent or received, not part of a larger sum."""
    return figure.status in CLAIM_STATUSES and is_testable(figure)


def is_testable(figure: Figure) -> bool:
    return (
        figure.unit == Unit.GBP_M
        and figure.measure in OUTCOME_MEASURES
        and has_period(figure)
        and not figure.is_unknown
        and figure.part_of_id is None
    )


@dataclass(frozen=True)
class Pair:
    """A claim set beside what auditors found for the same thing."""

    claim: Figure
    finding: Figure

    @property
    def gap(self) -> Gap:
        return gap(self.claim, self.finding)


def claims_against_findings(figures: Iterable[Figure]) -> list[Pair]:
    """A claim is set against a finding only when both are like for like (like_for_like_key): the first claim stated by the day of the latest audited outturn, against that outturn.

    One pair per like-for-like quantity, so that scopes, periods, bases and scenarios are never mixed; best-sourced
    figures first (rules.best_sourced); a claim made after the audit is not what the audit tested and is left out.
    Ties on one day go to the most assured claim, then to the figure recorded first.
    """
    groups: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        if is_finding(figure) or is_claim(figure):
            groups[like_for_like_key(figure)].append(figure)
    pairs = []
    for group in groups.values():
        findings = best_sourced(f for f in group if is_finding(f))
        if not findings:
            continue
        day = stated_on(findings[-1].source)
        finding = min((f for f in findings if stated_on(f.source) == day), key=lambda f: f.pk or 0)
        claims = best_sourced(f for f in group if is_claim(f) and stated_on(f.source) <= day)
        if not claims:
            continue
        first = stated_on(claims[0].source)
        claim = min((f for f in claims if stated_on(f.source) == first), key=lambda f: (ASSURANCE[f.status], f.pk or 0))
        pairs.append(Pair(claim, finding))
    measures = list(Measure.values)
    return sorted(
        pairs,
        key=lambda p: (
            p.finding.programme.slug,
            p.finding.scope != "",
            p.finding.scope,
            measures.index(p.finding.measure),
            p.finding.basis,
            p.finding.period_start or 0,
            p.finding.period_end or 0,
            p.finding.scenario,
        ),
    )


def headline_pair(pairs: Iterable[Pair]) -> Pair | None:
    """A strategy's headline comparison: savings before other measures, the whole programme before a narrower scope, then the latest finding."""
    pairs = list(pairs)
    if not pairs:
        return None
    return min(
        pairs, key=lambda p: (p.finding.measure != Measure.SAVINGS, not is_whole(p.finding), -stated_on(p.finding.source).toordinal())
    )


def certain_gap(pair: Pair) -> Decimal:
    """How far apart a claim and its finding certainly are, whichever way: the end of the gap nearest zero, and zero where the two may agree."""
    found = pair.gap
    if found.low is not None and found.low > 0:
        return found.low
    if found.high is not None and found.high < 0:
        return -found.high
    return Decimal(0)


def unpaired_reason(figures: Iterable[Figure]) -> str:
    """Why no claim is set against a finding for these figures: nothing audited, audited but not known, or no like-for-like claim by the day of the audit."""
    audited = [f for f in figures if f.status == Status.AUDITED and f.measure in OUTCOME_MEASURES and f.unit == Unit.GBP_M]
    if not audited:
        return "no audit body has reported money saved, spent or received in £"
    findings = [f for f in audited if is_finding(f)]
    if not findings:
        if all(f.is_unknown for f in audited):
            return "auditors found the amounts not known"
        return "no audited figure in £ is an outturn over a stated period"
    found = sorted(
        {
            f"{Measure(f.measure).label.lower()} {'a year' if f.basis == Basis.ANNUAL else 'in total'} "
            f"for {f.scope or 'the whole programme'} {fiscal.phrase(f.period_start, f.period_end)}"
            for f in findings
        }
    )
    return "no claim for the same scope, period and basis was stated by the day of the audit (auditors found " + "; ".join(found) + ")"


@dataclass(frozen=True)
class Gap:
    """A finding minus the claim it is set against, in £m (None where a bound leaves an end open), and as a share of the claim."""

    low: Decimal | None
    high: Decimal | None
    approx: bool
    share_low: Decimal | None = None
    share_high: Decimal | None = None
    has_share: bool = False


def extent(figure: Figure) -> tuple[Decimal | None, Decimal | None]:
    """The least and most a known figure can be, as written: "over £1.4bn" is £1.4bn and up; "up to £500m" of a sum that cannot be negative is £0–500m."""
    low, high = figure.bounds
    if figure.qualifier == Qualifier.AT_LEAST:
        return low, None
    if figure.qualifier == Qualifier.AT_MOST:
        return (None if figure.measure in SIGNED_MONEY else Decimal(0)), high
    return low, high


def gap(claim: Figure, finding: Figure) -> Gap:
    """What auditors found minus what was claimed, as the least and most it can be once bounds are honoured; as a share of the claim only where the claim is a positive, bounded sum."""
    claim_low, claim_high = extent(claim)
    found_low, found_high = extent(finding)
    low = found_low - claim_high if found_low is not None and claim_high is not None else None
    high = found_high - claim_low if found_high is not None and claim_low is not None else None
    approx = Qualifier.APPROX in (claim.qualifier, finding.qualifier)
    if claim_low is None or claim_high is None or claim_low <= 0:
        return Gap(low, high, approx)
    # finding / claim - 1, at its least and most: a positive finding is divided by the largest claim for its least ratio.
    share_low = found_low / (claim_high if found_low >= 0 else claim_low) - 1 if found_low is not None else None
    share_high = found_high / (claim_low if found_high >= 0 else claim_high) - 1 if found_high is not None else None
    return Gap(low, high, approx, share_low, share_high, True)


def more_or_less(amount: Decimal, write, rounding: str | None = None) -> str:
    """A signed difference in words: "£500m more", "£4m less", "no difference"."""
    if amount == 0:
        return "no difference"
    return f"{write(abs(amount), rounding)} {'more' if amount > 0 else 'less'}"


def between(low: Decimal | None, high: Decimal | None, approx: bool, write) -> str:
    """A signed interval of differences in words: "over £500m more", "£100m to £200m less", "between £100m less and £50m more".

    write(amount, rounding) writes a size; a least size is rounded down and a most size up, so that "over 55.5%" stays true.
    """
    about = "about " if approx else ""
    if low is not None and high is not None:
        if low == high:
            return about + more_or_less(low, write)
        if low >= 0:
            return f"{about}{write(low, ROUND_DOWN)} to {write(high, ROUND_UP)} more"
        if high <= 0:
            return f"{about}{write(-high, ROUND_DOWN)} to {write(-low, ROUND_UP)} less"
        return f"between {more_or_less(low, write, ROUND_UP)} and {more_or_less(high, write, ROUND_UP)}"
    if low is not None:
        return f"over {write(low, ROUND_DOWN)} more" if low >= 0 else f"anything above {more_or_less(low, write, ROUND_UP)}"
    if high is not None:
        return f"over {write(-high, ROUND_DOWN)} less" if high <= 0 else f"anything below {more_or_less(high, write, ROUND_UP)}"
    return "not known"


def sum_of_money(amount: Decimal, rounding: str | None = None) -> str:
    """£ millions as stated: sums are differences of stated figures, so nothing is rounded."""
    return formatting.money(amount)


def percent(share: Decimal, rounding: str | None = None) -> str:
    """A share as a percentage to one decimal place, rounded the way that keeps a bound true."""
    return f"{formatting._plain((share * 100).quantize(Decimal('0.1'), rounding=rounding or ROUND_HALF_EVEN))}%"


def gap_phrase(pair: Pair) -> str:
    """The gap as a reader says it: "over £500m more than claimed (over 55.5% more)"."""
    found = pair.gap
    text = between(found.low, found.high, found.approx, sum_of_money)
    text = "the same as claimed" if text.endswith("no difference") else f"{text} than claimed"
    if found.has_share:
        text += f" ({between(found.share_low, found.share_high, found.approx, percent)})"
    return text


def pair_sentence(pair: Pair) -> str:
    """ "Government departments expected £900m, as reported by ...; the National Audit Office found over £1.4bn: over £500m more (...)"."""
    claim, finding = pair.claim, pair.finding
    what = f"{Measure(finding.measure).label.lower()} {'a year' if finding.basis == Basis.ANNUAL else 'in total'}"
    scope = f"for {finding.scope}" if finding.scope else "for the whole programme"
    if finding.scenario:
        scope += f" ({finding.scenario})"
    period = fiscal.phrase(finding.period_start, finding.period_end)
    return f"{what} {scope} {period}: {statement(claim)}; {statement(finding)}, {gap_phrase(pair)}"


# The record over time. ------------------------------------------------------------------------------------------


def same_value(first: Figure, second: Figure) -> bool:
    """Two figures state the same value when they give the same number or range (or both none): "about £900m" repeats "£900m"; the qualifier says how precisely, not what."""
    return first.bounds == second.bounds


def restated_from(figure: Figure, same_quantity: Iterable[Figure]) -> Figure | None:
    """A figure restates its quantity when the latest figures of it stated on an earlier day all had another value: the first of those, or None for a first statement or a repeat.

    Whoever states it: a new value for the same quantity (quantity_key) is a restatement, by its claimant or by another.
    """
    day = stated_on(figure.source)
    earlier = [other for other in same_quantity if stated_on(other.source) < day]
    if not earlier:
        return None
    latest = max(stated_on(other.source) for other in earlier)
    last = sorted((other for other in earlier if stated_on(other.source) == latest), key=lambda other: other.pk or 0)
    if any(same_value(figure, other) for other in last):
        return None
    return last[0]


def latest_by_claimant(figures: Iterable[Figure], day: datetime.date) -> dict[int, Figure]:
    """Each claimant's latest known figure of one quantity stated by a day (the first recorded, for two on that day)."""
    latest: dict[int, Figure] = {}
    for figure in sorted(figures, key=lambda f: (stated_on(f.source), -(f.pk or 0))):
        if not figure.is_unknown and stated_on(figure.source) <= day:
            latest[figure.claimant_id] = figure
    return latest


def resolved(figures: list[Figure], since: datetime.date, until: datetime.date) -> list[tuple[Figure, Figure, Figure, Figure]]:
    """Two claimants' disagreement over one quantity is resolved between two days when their latest figures of it disagreed on the first day and no longer do on the second: one of them moved to a value the other's admits.

    Figures of one quantity only. Each resolution is (one claimant's figure then, the other's then, the first's now, the
    other's now). A disagreement between two published figures never ends by itself: both publications still say
    what they said, and their ⚑ flags stay; only a later statement by one of the claimants can settle it.
    """
    before, after = latest_by_claimant(figures, since), latest_by_claimant(figures, until)
    found = []
    claimants = sorted(before)
    for index, first in enumerate(claimants):
        for second in claimants[index + 1 :]:
            if disagree(before[first], before[second]) and not disagree(after[first], after[second]):
                found.append((before[first], before[second], after[first], after[second]))
    return found


def same_quantity(figure: Figure) -> list[tuple[Figure, bool]]:
    """The other figures that state this figure's quantity (quantity_key), each with whether it disagrees with this one."""
    from programmes.models import Figure

    if figure.pk is None:
        return []
    candidates = (
        Figure.objects.with_related()
        .filter(programme=figure.programme_id, measure=figure.measure, status=figure.status, basis=figure.basis, unit=figure.unit)
        .filter(period_start=figure.period_start, period_end=figure.period_end)
        .exclude(pk=figure.pk)
        .order_by("source__published", "pk")
    )
    key = quantity_key(figure)
    return [(other, disagree(figure, other)) for other in candidates if quantity_key(other) == key]


# The units each measure may be stated in; the first is the one an "unknown" of that measure is recorded in.
# Money measures may also be a percentage (a savings rate, an investment change against plan).
MONEY = ("gbp_m", "percent")
MEASURE_UNITS = {
    Measure.SAVINGS: MONEY,
    Measure.SAVINGS_NPV: MONEY,
    Measure.SAVINGS_RATE: ("percent",),
    Measure.INVESTMENT: MONEY,
    Measure.COST_OVERRUN: MONEY,
    Measure.NET_BENEFIT: MONEY,
    Measure.FUNDING_REQUESTED: MONEY,
    Measure.FUNDING_APPROVED: MONEY,
    Measure.FUNDING_GAP: MONEY,
    Measure.BASELINE_COST: MONEY,
    Measure.UNIT_COST: ("gbp_per_fte",),
    Measure.CONTRACT_VALUE: MONEY,
    Measure.CONTRACT_TERM: ("years", "months"),
    Measure.REVENUE: MONEY,
    Measure.PROCEEDS: MONEY,
    Measure.WRITE_OFF: MONEY,
    Measure.COVERAGE: ("count", "percent"),
    Measure.DELAY: ("months", "years"),
    Measure.DEADLINE: ("year",),
}
# A net benefit is savings less costs and is negative when costs won; every other sum of money is a size.
SIGNED_MONEY = frozenset({Measure.NET_BENEFIT})
# Percentages of a change against plan can fall (investment 33% below plan) or more than double.
PERCENT_CHANGE_MEASURES = frozenset({Measure.INVESTMENT, Measure.COST_OVERRUN})
# (lowest, highest, what to type): the widest any government programme in this record states, with room to spare.
UNIT_LIMITS = {
    "gbp_m": (Decimal(0), Decimal(100_000), "money in £ millions, up to £100bn: type £1.4bn or £400m"),
    "percent": (Decimal(0), Decimal(100), "a percentage between 0% and 100%"),
    "count": (Decimal(0), Decimal(10_000_000), "a whole count up to 10,000,000"),
    "year": (Decimal(1990), Decimal(2060), "a calendar year between 1990 and 2060, e.g. 2028"),
    "years": (Decimal(0), Decimal(50), "a duration up to 50 years, e.g. 7 years"),
    "months": (Decimal(0), Decimal(600), "a duration up to 600 months, e.g. 18 months"),
    "gbp_per_fte": (Decimal(0), Decimal(1_000_000), "a cost per person in pounds up to £1,000,000, e.g. £920 per FTE"),
}
WHOLE_UNITS = frozenset({"count", "year"})


def limits(measure: str, unit: str) -> tuple[Decimal, Decimal, str]:
    """The plausible range of a figure of this measure in this unit, and what the editor should type."""
    low, high, hint = UNIT_LIMITS[unit]
    if unit == "gbp_m" and measure in SIGNED_MONEY:
        return (-high, high, "a net benefit in £ millions between -£100bn and £100bn; a net cost is negative, e.g. -£81m")
    if unit == "percent" and measure in PERCENT_CHANGE_MEASURES:
        return (Decimal(-100), Decimal(1000), "a change against plan between -100% and 1000%, e.g. -33%")
    return (low, high, hint)


def implausible(figure: Figure) -> str | None:
    """Why a figure's unit or numbers cannot be what a source stated, in words that say what to type; None when plausible.

    Each measure has its units (MEASURE_UNITS); each unit a range (UNIT_LIMITS): years 1990–2060, percentages 0–100
    (a change against plan -100–1000), money non-negative except a net benefit and at most £100bn, counts whole and
    at most 10 million.
    """
    allowed = MEASURE_UNITS.get(figure.measure)
    if allowed and figure.unit not in allowed:
        names = " or ".join(UNIT_WORDS[unit] for unit in allowed)
        return f"A {Measure(figure.measure).label.lower()} figure is stated in {names}."
    if figure.unit not in UNIT_LIMITS:
        return None
    low, high, hint = limits(figure.measure, figure.unit)
    for number in (figure.value, figure.value_low, figure.value_high):
        if number is None:
            continue
        if not low <= number <= high or (figure.unit in WHOLE_UNITS and number != number.to_integral_value()):
            return f"{number.normalize():f} is not plausible here: type {hint}."
    return None


UNIT_WORDS = {
    "gbp_m": "£ millions (£115m, £1.4bn)",
    "percent": "percent (15%)",
    "count": "a plain count (1,000)",
    "year": "a calendar year (2028)",
    "years": "years (7 years)",
    "months": "months (18 months)",
    "gbp_per_fte": "pounds per person (£920 per FTE)",
}
