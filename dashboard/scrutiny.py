"""The two lists auditors asked for, as plain data: the figures that disagree (/disagreements/) and the claims never
audited (/never-audited/), each a page at a time and, for the downloads, one row per figure.

Disagreements are read from the flags stored on write (programmes/flags.py, which applies rules.disagree): a group is
one quantity (rules.quantity_key, stored as Figure.quantity), its figures are those flagged by the date, and its pairs
are the stored flags between them. Nothing here compares two figures. Never audited is rules.never_audited, asked of
the database through each figure's stored like-for-like key (never_audited_claims), so that neither the list nor a
programme page's count reads every claim; tests/dashboard/test_scrutiny.py holds the query to the rule.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse

from dashboard.pages import PAGE_SIZE, BadPage, page_of, share_related
from programmes import fiscal, rules
from programmes.models import Disagreement, Figure, Measure, Programme, Status

PROGRAMME_ALLOWED = "a programme's slug, as in /programmes/<slug>/ (its centres or clusters are included)"

# The downloads' columns: a group (or a strategy), then what each figure says and where it was said.
FIGURE_COLUMNS = [
    "programme",
    "figure",
    "figure_url",
    "status",
    "measure",
    "basis",
    "scope",
    "scenario",
    "period_start",
    "period_end",
    "period_as_published",
    "period_years",
    "claimant",
    "qualifier",
    "value",
    "value_low",
    "value_high",
    "unit",
    "as_published",
    "source_key",
    "source_title",
    "source_publisher",
    "source_published",
    "source_date_precision",
    "source_url",
]
DISAGREEMENT_COLUMNS = ["group", *FIGURE_COLUMNS, "disagrees_with"]
UNAUDITED_COLUMNS = ["strategy", *FIGURE_COLUMNS, "quantity"]


class BadQuery(BadPage):
    """A query parameter the lists cannot honour: a 400 that names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def family(programme: Programme) -> QuerySet[Programme]:
    """A programme with its centres or clusters, as a subquery: no query of its own."""
    return Programme.objects.filter(Q(pk=programme.pk) | Q(parent=programme))


def programme_asked(query: QueryDict) -> Programme | None:
    """The programme=<slug> asked for (its centres or clusters come with it); None for every programme. A bad one is BadQuery naming it."""
    slugs = [slug for slug in query.getlist("programme") if slug]
    if len(slugs) > 1:
        raise BadQuery("programme", f"The query parameter programme was given {len(slugs)} times; give it once ({PROGRAMME_ALLOWED}).")
    if not slugs:
        return None
    programme = Programme.objects.filter(slug=slugs[0]).first()
    if programme is None:
        raise BadQuery("programme", f"The query parameter programme must be {PROGRAMME_ALLOWED}; {slugs[0]!r} is not one.")
    return programme


def download_query(query: QueryDict) -> str:
    """The downloads' query for a page: its programme, if one was asked for (the date is added by {% at %})."""
    slugs = [slug for slug in query.getlist("programme") if slug]
    return "?" + urlencode({"programme": slugs[0]}) if slugs else ""


@dataclass
class Group:
    """The figures of one quantity that disagree by the date, and the pairs of them that cannot both be right."""

    quantity: str
    figures: list[Figure]
    pairs: list[tuple[Figure, Figure]]

    @property
    def programme(self) -> Programme:
        return self.figures[0].programme

    @property
    def title(self) -> str:
        """What the figures measure: "Savings, target, annual, period not stated, whole programme"."""
        figure = self.figures[0]
        words = [figure.get_measure_display(), figure.get_status_display().lower(), figure.get_basis_display().lower()]
        words.append(figure.period_display or "period not stated")
        words.append(figure.scope or "whole programme")
        if figure.scenario:
            words.append(figure.scenario)
        return ", ".join(words)

    @property
    def sentences(self) -> list[str]:
        return [rules.sentence(rules.contradiction(first, second)) for first, second in self.pairs]

    def others(self, figure: Figure) -> list[Figure]:
        """The figures of the group this one is flagged against."""
        return [b if a is figure else a for a, b in self.pairs if figure in (a, b)]


def held(as_at: datetime.date | None, programme: Programme | None) -> QuerySet[Disagreement]:
    """The stored flags that held on the date, of the figures of a programme and its centres or clusters (of all for None)."""
    flags = Disagreement.objects.held_on(as_at)
    return flags.filter(figure__programme__in=family(programme)) if programme else flags


def group_keys(as_at: datetime.date | None, programme: Programme | None) -> QuerySet:
    """The quantities with a disagreement by the date, in the order the page lists them (by their key: programme first)."""
    return held(as_at, programme).order_by("figure__quantity").values_list("figure__quantity", flat=True).distinct()


def groups_of(quantities: list[str], as_at: datetime.date | None) -> list[Group]:
    """These quantities' groups, in the order given, from the flags held on the date: two queries however many there are."""
    flags = list(Disagreement.objects.held_on(as_at).filter(figure__quantity__in=quantities).values_list("figure_id", "other_id"))
    ids = {pk for pair in flags for pk in pair}
    by_pk = {f.pk: f for f in share_related(list(Figure.objects.with_related().filter(pk__in=ids)))}
    order = {figure.pk: (figure.source.appeared_by, figure.pk) for figure in by_pk.values()}
    pairs: dict[str, dict[frozenset, tuple[Figure, Figure]]] = {quantity: {} for quantity in quantities}
    for figure_id, other_id in flags:
        first, second = sorted((by_pk[figure_id], by_pk[other_id]), key=lambda f: order[f.pk])
        pairs[first.quantity][frozenset((first.pk, second.pk))] = (first, second)
    groups = []
    for quantity in quantities:
        found = sorted(pairs[quantity].values(), key=lambda pair: (order[pair[0].pk], order[pair[1].pk]))
        members = sorted({f.pk: f for pair in found for f in pair}.values(), key=lambda f: order[f.pk])
        group = Group(quantity, members, found)
        for figure in members:
            figure.disagreeing = group.others(figure)
        groups.append(group)
    return groups


def disagreements_page(query: QueryDict, as_at: datetime.date | None) -> dict:
    """A page of /disagreements/: PAGE_SIZE groups (the query's `page`, or the page holding its `group`), by programme."""
    programme = programme_asked(query)
    keys = group_keys(as_at, programme)
    asked = query.get("group", "")
    missing = bool(asked) and not keys.filter(figure__quantity=asked).exists()
    number = query.get("page")
    if number is None and asked and not missing:
        number = str(keys.filter(figure__quantity__lt=asked).count() // PAGE_SIZE + 1)
    page = page_of({"page": number or "1"}, keys, PAGE_SIZE)
    groups = groups_of(list(page.object_list), as_at)
    downloads = download_query(query)
    return {
        "page": page,
        "groups": groups,
        "group_count": page.paginator.count,
        "programme": programme,
        "missing_group": asked if missing else "",
        "csv_url": reverse("dashboard:disagreements-csv") + downloads,
        "json_url": reverse("dashboard:disagreements-json") + downloads,
    }


def figure_cells(figure: Figure) -> dict:
    """What every row of both downloads says of a figure and its source."""
    source = figure.source
    return {
        "programme": figure.programme.slug,
        "figure": figure.key or str(figure.pk),
        "figure_url": figure.get_absolute_url(),
        "status": figure.status,
        "measure": figure.measure,
        "basis": figure.basis,
        "scope": figure.scope,
        "scenario": figure.scenario,
        "period_start": fiscal.label(figure.period_start) or "",
        "period_end": fiscal.label(figure.period_end) or "",
        "period_as_published": figure.period_as_published,
        "period_years": figure.period_years,
        "claimant": figure.claimant.name,
        "qualifier": figure.qualifier,
        "value": figure.value,
        "value_low": figure.value_low,
        "value_high": figure.value_high,
        "unit": figure.unit,
        "as_published": figure.as_published,
        "source_key": source.key,
        "source_title": source.title,
        "source_publisher": source.publisher.name,
        "source_published": source.published.isoformat(),
        "source_date_precision": source.date_precision,
        "source_url": source.url,
    }


def disagreement_rows(query: QueryDict, as_at: datetime.date | None) -> list[dict]:
    """/disagreements.csv and .json: one row per figure per group, in the page's order."""
    groups = groups_of(list(group_keys(as_at, programme_asked(query))), as_at)
    return [
        {"group": group.quantity, **figure_cells(figure), "disagrees_with": " ".join(o.key or str(o.pk) for o in figure.disagreeing)}
        for group in groups
        for figure in group.figures
    ]


def strategy_of(programme: Programme) -> Programme:
    """The strategy a programme comes under: itself, or the strategy of its centre or cluster."""
    return programme if programme.is_strategy else programme.parent


def never_audited_claims(as_at: datetime.date | None, programme: Programme | None) -> QuerySet[Figure]:
    """rules.never_audited in SQL: the claimed and forecast figures visible at the date with no audited figure of the same
    like-for-like key (stored on write, indexed) visible then. The key begins with the programme, so an audit of another
    programme never counts, as in the rule."""
    audited = Figure.objects.as_at(as_at).filter(status=Status.AUDITED, like_for_like=OuterRef("like_for_like"))
    claims = Figure.objects.as_at(as_at).filter(status__in=rules.UNAUDITED_STATUSES).exclude(Exists(audited))
    return claims if programme is None else claims.filter(programme__in=family(programme))


def unaudited_figures(as_at: datetime.date | None, programme: Programme | None) -> list[Figure]:
    """The claims never audited by the date (rules.never_audited), by strategy, then programme, measure, period and source date."""
    found = share_related(list(never_audited_claims(as_at, programme).with_related().select_related("programme__parent")))
    measures = list(Measure.values)

    def order(figure: Figure) -> tuple:
        strategy, programme = strategy_of(figure.programme), figure.programme
        return (
            strategy.started or datetime.date.max,
            strategy.name,
            not programme.is_strategy,
            programme.name,
            measures.index(figure.measure),
            figure.period_start or 0,
            figure.source.appeared_by,
            figure.pk,
        )

    return sorted(found, key=order)


def never_audited_page(query: QueryDict, as_at: datetime.date | None) -> dict:
    """A page of /never-audited/: PAGE_SIZE claims (the query's `page`), under the strategy each comes under."""
    programme = programme_asked(query)
    found = unaudited_figures(as_at, programme)
    page = page_of(query, found, PAGE_SIZE)
    by_strategy: dict[int, tuple[Programme, list[Figure]]] = {}
    for figure in page.object_list:
        strategy = strategy_of(figure.programme)
        by_strategy.setdefault(strategy.pk, (strategy, []))[1].append(figure)
    downloads = download_query(query)
    return {
        "page": page,
        "strategies": list(by_strategy.values()),
        "programme": programme,
        "csv_url": reverse("dashboard:never-audited-csv") + downloads,
        "json_url": reverse("dashboard:never-audited-json") + downloads,
    }


def unaudited_rows(query: QueryDict, as_at: datetime.date | None) -> list[dict]:
    """/never-audited.csv and .json: one row per claim, in the page's order."""
    figures = unaudited_figures(as_at, programme_asked(query))
    return [{"strategy": strategy_of(f.programme).slug, **figure_cells(f), "quantity": f.quantity} for f in figures]


def programme_counts(programme: Programme, as_at: datetime.date | None) -> dict:
    """For a programme page: how many disagreements and claims never audited it has (with its centres or clusters), and where they are listed."""
    query = "?" + urlencode({"programme": programme.slug})
    return {
        "disagreement_groups": group_keys(as_at, programme).count(),
        "unaudited_count": never_audited_claims(as_at, programme).count(),
        "disagreements_url": reverse("dashboard:disagreements") + query,
        "never_audited_url": reverse("dashboard:never-audited") + query,
    }
