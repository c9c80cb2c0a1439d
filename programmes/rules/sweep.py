"""rules.disagree over every pair of one quantity's figures at once, counted by a sort and a sweep instead of pair by pair.

An import can put 12,000 figures into one quantity; comparing every pair of them is 144 million calls of the rule. The
sweep gives the same answer from sorted interval ends:

- g lies wholly above f when g's interval starts after f's ends: sorted by start, those are a suffix;
- g lies wholly below f when g's interval ends before f's starts: sorted by end, those are a prefix;
- of those, the rule leaves out only f's own statements (never_compared: the same source and claimant), counted the
  same way per (source, claimant); each suffix and prefix keeps only its earliest entries, enough to survive that.

Figures that are parts of a total (or totals with parts) are put to disagree_within_quantity against every other figure
of the quantity: that is rare, and the exclusions it needs for them do not fit the sweep. tests/programmes/test_flags.py
holds the sweep to the pairwise rule on random groups.

An entry is whatever carries what the rule reads of a figure (pk, source_id, claimant_id, part_of_id, interval) and,
for the sweep, its interval's ends as low and high (infinite where open) and an order (earliest first).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from typing import Any

from programmes.rules.quantity import disagree_within_quantity


def pair_of(entry: Any) -> tuple[int, int]:
    return (entry.source_id, entry.claimant_id)


def earliest(entries: Iterable[Any], kept: int) -> list[Any]:
    """The earliest entries, enough that the `kept` earliest not of any one (source, claimant) are among them.

    At most `kept` per pair are needed (more of one pair never help another figure, and are all left out for that
    pair's own figures), and the list can stop once `kept` remain outside its largest pair: at most 2 × kept entries.
    """
    chosen: list[Any] = []
    per_pair: Counter = Counter()
    for entry in sorted(entries, key=lambda e: e.order):
        if per_pair[pair_of(entry)] >= kept:
            continue
        chosen.append(entry)
        per_pair[pair_of(entry)] += 1
        if len(chosen) - max(per_pair.values()) >= kept:
            break
    return chosen


def pairwise(entry: Any, group: list[Any], kept: int) -> tuple[list[Any], int] | None:
    """The rule put to every other figure of the group: for a part, or a total with parts."""
    others = sorted(
        (other for other in group if disagree_within_quantity(entry, other, entry.interval, other.interval)), key=lambda e: e.order
    )
    return (others[:kept], len(others)) if others else None


def earliest_disagreeing(group: list[Any], kept: int) -> dict[int, tuple[list[Any], int]]:
    """For each figure of one quantity that others disagree with (rules.disagree): the `kept` earliest of them, and how many there are."""
    if len(group) < 2:
        return {}
    by_low = sorted(group, key=lambda e: e.low)
    lows = [e.low for e in by_low]
    by_high = sorted(group, key=lambda e: e.high)
    highs = [e.high for e in by_high]
    # above[i]: the earliest of by_low[i:]; below[j]: the earliest of by_high[:j].
    above: list[list[Any]] = [[] for _ in range(len(group) + 1)]
    for i in range(len(group) - 1, -1, -1):
        above[i] = earliest([by_low[i], *above[i + 1]], kept)
    below: list[list[Any]] = [[]]
    for entry in by_high:
        below.append(earliest([entry, *below[-1]], kept))
    # Per (source, claimant): the same sorted columns, to take a figure's own statements out of its count.
    pair_lows: dict[tuple[int, int], list] = {}
    pair_highs: dict[tuple[int, int], list] = {}
    for entry in by_low:
        pair_lows.setdefault(pair_of(entry), []).append(entry.low)
    for entry in by_high:
        pair_highs.setdefault(pair_of(entry), []).append(entry.high)
    in_parts = {e.part_of_id for e in group if e.part_of_id is not None}
    found: dict[int, tuple[list[Any], int]] = {}
    for entry in group:
        if entry.part_of_id is not None or entry.pk in in_parts:
            if result := pairwise(entry, group, kept):
                found[entry.pk] = result
            continue
        own = pair_of(entry)
        start, end = bisect.bisect_right(lows, entry.high), bisect.bisect_left(highs, entry.low)
        own_above = len(pair_lows[own]) - bisect.bisect_right(pair_lows[own], entry.high)
        own_below = bisect.bisect_left(pair_highs[own], entry.low)
        count = (len(group) - start) + end - own_above - own_below
        if count:
            candidates = sorted((other for other in [*above[start], *below[end]] if pair_of(other) != own), key=lambda e: e.order)
            found[entry.pk] = (candidates[:kept], count)
    return found
