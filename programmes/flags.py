"""Disagreement flags, computed when figures change and stored, so that reading a page never compares figures.

rules.disagree says when two figures disagree; rules.earliest_disagreeing applies it to every pair of one quantity at once
(a sort and a sweep, not a comparison of every pair). Here, for every figure, the KEPT others whose sources appeared first
are stored as Disagreement rows (with the day from which each pair holds), and the figure's count of all of them. Each
quantity (the stored rules.quantity_key) is recomputed whole whenever one of its figures, or a source's date, changes:
the save, delete, import and dataset load all end here.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from programmes import candidates, lines, rules
from programmes.models import Disagreement, Figure, bounds_of

# How many disagreeing figures are stored (and named in a ⚑) for each figure; the count says how many there are in all.
KEPT = 3
# Quantities recomputed per round trip: bounds the IN list and the memory of one step.
BATCH = 500
LOWEST, HIGHEST = Decimal("-Infinity"), Decimal("Infinity")


@dataclass(slots=True)
class Entry:
    """What the rule needs of one figure, read from stored columns: its interval, who stated it and where, its part link, and its source's date."""

    pk: int
    appeared_by: datetime.date
    pair: tuple[int, int]
    low: Decimal
    high: Decimal
    part_of_id: int | None

    @property
    def source_id(self) -> int:
        return self.pair[0]

    @property
    def claimant_id(self) -> int:
        return self.pair[1]

    @property
    def revises_id(self) -> None:
        # entries() leaves revisions out: none of the figures compared here revises another.
        return None

    @property
    def interval(self) -> rules.Interval:
        return (self.low, self.high)

    @property
    def order(self) -> tuple[datetime.date, int]:
        return (self.appeared_by, self.pk)


def earliest_disagreeing(group: list[Entry]) -> dict[int, tuple[list[Entry], int]]:
    """For each figure of one quantity that others disagree with (rules.disagree): the KEPT earliest of them, and how many there are."""
    return rules.earliest_disagreeing(group, KEPT)


def entries(quantities: list[str]) -> dict[str, list[Entry]]:
    """The figures of these quantities, as entries, by quantity; unknowns (no interval) and revisions are left out: the rule never flags them."""
    groups: dict[str, list[Entry]] = {q: [] for q in quantities}
    rows = Figure.objects.filter(quantity__in=quantities, revises__isnull=True).values_list(
        "pk", "quantity", "source__appeared_by", "source_id", "claimant_id", "value", "value_low", "value_high", "qualifier", "part_of_id"
    )
    for pk, quantity, appeared_by, source_id, claimant_id, value, low, high, qualifier, part_of in rows.order_by().iterator(
        chunk_size=5000
    ):
        bounds = rules.interval_of(bounds_of(value, low, high), qualifier)
        if bounds is None:
            continue
        low, high = bounds
        entry = Entry(pk, appeared_by, (source_id, claimant_id), LOWEST if low is None else low, HIGHEST if high is None else high, part_of)
        groups[quantity].append(entry)
    return groups


def held_count(held: int, total: int, past: bool) -> tuple[int, bool]:
    """How many figures disagree with one, and whether that is only a lower bound: today its stored total; as at a past
    date the `held` stored flags that held by then, which are the KEPT earliest, so fewer than KEPT is exact and KEPT of
    a larger total means at least that many."""
    if not past:
        return total, False
    return held, held == KEPT and total > KEPT


def refresh(quantities: Iterable[str]) -> None:
    """Recompute and store the flags of every figure of these quantities; inside a deferral, at its end instead."""
    quantities = {q for q in quantities if q}
    pending = deferred_quantities.get()
    if pending is not None:
        pending.update(quantities)
        return
    ordered = sorted(quantities)
    for start in range(0, len(ordered), BATCH):
        refresh_batch(ordered[start : start + BATCH])
    # The same writes move which figures the rules could pick, stored beside the flags.
    candidates.refresh(ordered)


def refresh_batch(quantities: list[str]) -> None:
    with transaction.atomic():
        lock(quantities)
        groups = entries(quantities)
        counts = dict(Figure.objects.filter(quantity__in=quantities).exclude(disagreement_count=0).values_list("pk", "disagreement_count"))
        Disagreement.objects.filter(figure__quantity__in=quantities).delete()
        rows: list[Disagreement] = []
        new_counts: dict[int, int] = {}
        for group in groups.values():
            by_pk = {entry.pk: entry for entry in group}
            for pk, (others, count) in earliest_disagreeing(group).items():
                new_counts[pk] = count
                mine = by_pk[pk].appeared_by
                for rank, other in enumerate(others, start=1):
                    rows.append(Disagreement(figure_id=pk, other_id=other.pk, holds_from=max(mine, other.appeared_by), rank=rank))
        Disagreement.objects.bulk_create(rows, batch_size=2000)
        by_count: dict[int, list[int]] = {}
        for pk, count in new_counts.items():
            if counts.get(pk) != count:
                by_count.setdefault(count, []).append(pk)
        by_count.setdefault(0, []).extend(pk for pk in counts if pk not in new_counts)
        # A plain update: the count is derived, so it neither bumps the figure's version nor writes its history. One UPDATE
        # per count and 2,000 ids (counts are few): bulk_update's CASE of 2,000 branches per row took most of a bulk load's time.
        for count, pks in by_count.items():
            for start in range(0, len(pks), 2000):
                Figure.objects.filter(pk__in=pks[start : start + 2000]).update(disagreement_count=count)
        # The disagrees cell of each figure whose count changed, in the same transaction (programmes/lines.py).
        lines.refresh(pk for pks in by_count.values() for pk in pks)


def lock_key(quantity: str) -> int:
    """The PostgreSQL advisory lock that stands for a quantity."""
    return int.from_bytes(hashlib.blake2b(quantity.encode(), digest_size=8).digest(), "big", signed=True)


def lock(quantities: list[str]) -> None:
    """On PostgreSQL, one editor at a time recomputes a quantity (SQLite already writes one transaction at a time).

    A figure's save takes its quantity's lock before the figure's row (forms.FigureForm.lock_before_row), because the
    recomputation writes to the quantity's other figures: two saves that each held a figure's row and then waited
    for this lock would each wait for the other."""
    if connection.vendor != "postgresql":
        return
    keys = [lock_key(quantity) for quantity in quantities]
    with connection.cursor() as cursor:
        # One round trip for the batch (one per quantity made a bulk load's refresh_all wait on 80,000 of them), taken in
        # the quantities' sorted order, so two writers never wait on each other in opposite orders.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(key)) FROM (SELECT key FROM unnest(%s::bigint[]) WITH ORDINALITY AS k(key, n) ORDER BY n) AS ordered",
            [keys],
        )


def refresh_all() -> None:
    """Recompute every flag and candidate, then write every figure's line (programmes/lines.py): after a bulk load that went around save()."""
    ordered = sorted(Figure.objects.order_by().values_list("quantity", flat=True).distinct())
    with lines.deferred():
        for start in range(0, len(ordered), BATCH):
            refresh_batch(ordered[start : start + BATCH])
        candidates.refresh_all()
        lines.refresh_all()


deferred_quantities: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("deferred_quantities", default=None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the quantities that many writes touch and recompute each once at the end (an import, a dataset load);
    the figures' lines too (programmes/lines.py), after the flags, whose changes they show."""
    if deferred_quantities.get() is not None:
        yield
        return
    pending: set[str] = set()
    with lines.deferred():
        token = deferred_quantities.set(pending)
        try:
            yield
        finally:
            deferred_quantities.reset(token)
        refresh(pending)


def figure_saved(sender, instance: Figure, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: the fixture's rows arrive without save(); load_dataset and refresh_all are the way in
        return
    # A revision silences the estimate it revises (rules.unrevised), so that estimate's group is recomputed too.
    revised = {instance.revises_id, getattr(instance, "previous_revises_id", None)} - {None}
    refresh({instance.quantity, getattr(instance, "previous_quantity", ""), *quantities_of(revised)})


def figure_deleted(sender, instance: Figure, **kwargs) -> None:
    refresh({instance.quantity, *quantities_of({instance.revises_id} - {None})})


def quantities_of(pks: set[int]) -> list[str]:
    return list(Figure.objects.filter(pk__in=pks).values_list("quantity", flat=True)) if pks else []


def source_saved(sender, instance, raw: bool = False, created: bool = False, **kwargs) -> None:
    if raw or created:
        return
    quantities = instance.figures.order_by().values_list("quantity", flat=True).distinct()
    if getattr(instance, "previous_appeared_by", None) == instance.appeared_by:
        # Its kind and whether it is primary still rank its figures among the candidates.
        candidates.refresh(quantities)
        return
    refresh(quantities)


def programme_saved(sender, instance, raw: bool = False, created: bool = False, **kwargs) -> None:
    """A programme's slug is the first part of its figures' quantities: a renamed slug re-keys them."""
    if raw or created:
        return
    stale = list(instance.figures.exclude(quantity__startswith=f"{instance.slug}/").select_related("programme"))
    if not stale:
        return
    old = {figure.quantity for figure in stale}
    for figure in stale:
        figure.fill_derived()
    Figure.objects.bulk_update(stale, ["quantity", "like_for_like"], batch_size=2000)
    refresh(old | {figure.quantity for figure in stale})
