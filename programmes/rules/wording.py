"""How the site says who claimed what, and by how much two figures differ."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal
from typing import TYPE_CHECKING

from programmes import formatting
from programmes.choices import OrganisationKind, Qualifier, Status

if TYPE_CHECKING:
    from programmes.models import Figure, Organisation
    from programmes.rules.findings import Pair

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


def contradiction(first: Figure, second: Figure) -> str:
    """Two figures that disagree (rules.disagree), said as a reader checks them: "£600m (the Cabinet Office, as reported by
    Computer Weekly, January 2013) and £300–400m (the Public Accounts Committee, 19 October 2016) cannot both be right:
    the value lies outside the range"."""
    ranges = first.is_range + second.is_range
    if first.qualifier != Qualifier.EXACT or second.qualifier != Qualifier.EXACT:
        why = 'even read as their sources wrote them ("about", "over", "up to"), they do not overlap'
    elif ranges == 2:
        why = "the ranges do not overlap"
    elif ranges == 1:
        why = "the value lies outside the range"
    else:
        why = "the values differ by more than their rounding allows"
    return f"{first.display_value} ({attribution(first)}) and {second.display_value} ({attribution(second)}) cannot both be right: {why}"
