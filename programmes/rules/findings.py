"""Claims against findings: which claim is set beside what auditors found, and how far apart they are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from programmes.choices import Basis, Horizon, Measure, Qualifier, Status, Unit
from programmes.rules.cards import ASSURANCE, best_sourced, is_whole
from programmes.rules.money import has_period
from programmes.rules.plausibility import SIGNED_MONEY
from programmes.rules.quantity import quantity_parts
from programmes.rules.timing import OUTCOME_MEASURES, looks_ahead, stated_on
from programmes.rules.wording import gap_phrase, statement

if TYPE_CHECKING:
    from programmes.models import Figure

CLAIM_STATUSES = (Status.TARGET, Status.FORECAST, Status.CLAIMED)


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
            f"for {f.scope or 'the whole programme'} {f.period_phrase}"
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
    if figure.qualifier in (Qualifier.OVER, Qualifier.AT_LEAST):
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


def pair_sentence(pair: Pair) -> str:
    """ "Government departments expected £900m, as reported by ...; the National Audit Office found over £1.4bn: over £500m more (...)"."""
    claim, finding = pair.claim, pair.finding
    what = f"{Measure(finding.measure).label.lower()} {'a year' if finding.basis == Basis.ANNUAL else 'in total'}"
    scope = f"for {finding.scope}" if finding.scope else "for the whole programme"
    if finding.scenario:
        scope += f" ({finding.scenario})"
    period = finding.period_phrase
    return f"{what} {scope} {period}: {statement(claim)}; {statement(finding)}, {gap_phrase(pair)}"
