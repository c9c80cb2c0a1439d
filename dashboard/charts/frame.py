"""Figures in, as a pandas frame (one row per figure), and back out as a chart's table, with their ⚑ flags and sources."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import pandas as pd
from django.db.models import F

from dashboard.charts.style import STATUS_ORDER
from programmes import rules
from programmes.flags import held_count
from programmes.models import Disagreement, Figure, Source

TABLE_COLUMNS = [
    "Figure",
    "Programme",
    "Status",
    "Basis",
    "Period",
    "Value",
    "Value (low)",
    "Value (high)",
    "Unit",
    "Published",
    "Claimed by",
    "Source",
    "Flag",
]
FRAME_COLUMNS = [
    "figure",
    "id",
    "programme",
    "programme_slug",
    "description",
    "measure",
    "status",
    "basis",
    "qualifier",
    "unit",
    "value",
    "low",
    "high",
    "is_range",
    "is_unknown",
    "period_start",
    "period_end",
    "period",
    "published",
    "published_by",
    "source",
    "display",
]


def figure_frame(figures: Iterable[Figure]) -> pd.DataFrame:
    """One row per figure with the fields charts need; money stays Decimal until it is drawn."""
    records = [
        {
            "figure": f,
            "id": f.pk,
            "programme": f.programme.name,
            "programme_slug": f.programme.slug,
            "description": f.description,
            "measure": f.measure,
            "status": f.status,
            "basis": f.basis,
            "qualifier": f.qualifier,
            "unit": f.unit,
            "value": f.value,
            "low": f.value if f.value is not None else f.value_low,
            "high": f.value if f.value is not None else f.value_high,
            "is_range": f.is_range,
            "is_unknown": f.is_unknown,
            "period_start": f.period_start,
            "period_end": f.period_end,
            "period": f.period_display or "not stated",
            "published": f.source.published,
            # Ordering uses the latest date a source can have appeared, so "December 2012" follows 28 December 2012.
            "published_by": f.source.published_by,
            "source": f.source,
            "display": f.display_value,
        }
        for f in figures
    ]
    frame = pd.DataFrame.from_records(records, columns=FRAME_COLUMNS)
    if frame.empty:
        return frame
    frame["status_rank"] = frame["status"].map({s.value: i for i, s in enumerate(STATUS_ORDER)})
    return frame.sort_values(["status_rank", "published_by", "id"], kind="stable").reset_index(drop=True)


def flags(figures: Iterable[Figure], as_at: datetime.date | None = None) -> dict[int, str]:
    """The ⚑ text for each of these figures that another disagrees with (as at a date, if given), naming the others.

    Reads the flags stored on write (programmes/flags.py): one query, whatever the number of figures compared.
    """
    ids = [figure.pk for figure in figures]
    if not ids:
        return {}
    rows = (
        Disagreement.objects.held_on(as_at).filter(figure_id__in=ids).select_related("other__source__publisher").order_by("figure", "rank")
    )
    # The count is read with the rows, not from the figures given, which may have been loaded before a later write.
    rows = rows.annotate(total=F("figure__disagreement_count"))
    named: dict[int, list[Figure]] = {}
    totals: dict[int, int] = {}
    for row in rows:
        named.setdefault(row.figure_id, []).append(row.other)
        totals[row.figure_id] = row.total
    return {pk: flag_text(others, *held_count(len(others), totals[pk], as_at is not None)) for pk, others in named.items()}


def flag_text(others: list[Figure], count: int, at_least: bool = False) -> str:
    """ "Disagrees with £95m (Civil Service World, 21 May 2016)": the other figures of the same quantity, with their sources,
    and how many more there are (flags.held_count: "perhaps others" where only a lower bound is known)."""
    named = [f"{other.display_value} ({other.source.publisher}, {other.source.published_display})" for other in others]
    text = "Disagrees with " + "; ".join(named)
    if at_least:
        return text + "; perhaps others"
    if count > len(others):
        return text + f"; and {count - len(others)} more"
    return text


def table_rows(frame: pd.DataFrame, flagged: dict[int, str] | None = None) -> list[dict]:
    """The chart's data table (and CSV): one row per figure drawn, with its claimant, source and ⚑ (from `flags`, read here
    for the figures drawn unless the caller read them once for several charts, or as at a date)."""
    if flagged is None:
        flagged = flags(frame["figure"]) if not frame.empty else {}
    rows = []
    for row in frame.itertuples():
        figure: Figure = row.figure
        rows.append(
            {
                "Figure": figure.description,
                "Programme": row.programme,
                "Status": figure.get_status_display(),
                "Basis": figure.get_basis_display(),
                "Period": row.period,
                "Value": row.display,
                "Value (low)": row.low,
                "Value (high)": row.high,
                "Unit": figure.get_unit_display(),
                "Published": row.source.published_display,
                "Claimed by": figure.claimant.name,
                "Source": f"{row.source.title} ({row.source.publisher})",
                "Flag": flagged.get(row.id, ""),
                "flag_url": figure.get_disagreements_url() if row.id in flagged else "",
                "claimant": figure.claimant.name,
                "url": figure.get_absolute_url(),
                "source_url": row.source.get_absolute_url(),
            }
        )
    return rows


def unique_sources(frame: pd.DataFrame) -> list[Source]:
    seen: dict[int, Source] = {}
    for source in frame["source"] if not frame.empty else []:
        seen.setdefault(source.pk, source)
    return sorted(seen.values(), key=lambda s: (s.published, s.title))


def unknown_notes(frame: pd.DataFrame) -> list[str]:
    """Sentences for figures a source says are unknown: shown beside the chart, never drawn as zero."""
    return [
        f"{row.description}: not known, according to {rules.attribution(row.figure)}." for row in frame[frame["is_unknown"]].itertuples()
    ]
