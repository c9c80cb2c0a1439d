"""/figures/: every figure in one table, filtered, sorted and paged, with facet counts beside it (as Datasette shows them).

The page's address is a query of the figures download: the same parser (dashboard/exports, FIGURES.select) reads it,
so `/figures/?status=audited&sort=-value` and `/data/figures.csv?status=audited&sort=-value` hold the same rows in the
same order, the page showing PAGE_SIZE of them (?page=, which the download accepts and ignores). A mistake is the
download's 400, naming the parameter, as a page.

Each facet counts the figures on the page's filters by one column, with one aggregate query, and each count links to
the page with that facet's filter set to that value, which holds exactly as many figures: a facet already filtered
lists only the values its filter kept (replacing the filter narrows to one), and the financial years offered lie
within the from/to asked for. Facets are cached under the change stamp, per query and date.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from dashboard import charts, exports
from dashboard.as_at import PARAMETER as AS_AT
from dashboard.exports.filters import FilterError
from dashboard.exports.tables import figure_judgements
from dashboard.page_cache import CACHE_SECONDS, RELEASE, cached, stamp_key
from dashboard.pages import BadPage, choose_page
from dashboard.search import bad_parameter
from programmes import fiscal
from programmes.models import Basis, Figure, Measure, Programme, ProgrammeKind, Status, Unit

PAGE_SIZE = 50
# Values listed per open-ended facet (publisher, claimant, scope) and programmes before the list is cut to the largest.
FACET_LIMIT = 15
PROGRAMME_LIMIT = 30
# The table's columns: heading, and the sort key (a column of figures.csv, dashboard/exports/sorting.py).
COLUMNS = [
    ("Figure", "description"),
    ("Programme", "programme_name"),
    ("Measure", "measure"),
    ("Value", "value"),
    ("Status", "status"),
    ("Basis", "basis"),
    ("Period", "period_start"),
    ("Claimed by", "claimant"),
    ("Scope", "scope"),
    ("Source", "source_published"),
    ("⚑", "disagrees"),
]
CLOSED_FACETS = [("status", "Status", Status), ("measure", "Measure", Measure), ("basis", "Basis", Basis), ("unit", "Unit", Unit)]
OPEN_FACETS = [
    ("publisher", "Publisher", "source__publisher__name"),
    ("claimant", "Claimed by", "claimant__name"),
    ("scope", "Scope", "scope"),
]
# How a filter in force is named above the table.
TITLES = {"programme": "Programme", "from": "From", "to": "To", "disagrees": "Disagreement flag"} | {
    name: title for name, title, _ in CLOSED_FACETS + OPEN_FACETS
}
CHILDREN = {
    ProgrammeKind.CENTRE: "its centres",
    ProgrammeKind.CLUSTER: "its clusters",
    ProgrammeKind.STRATEGY: "the strategy that revised it",
}


@dataclass
class Value:
    """One value of a facet: how many figures on the page's filters have it, and the page with the facet set to it."""

    label: str
    count: int
    url: str
    selected: bool = False
    remove_url: str = ""
    depth: int = 0
    family: tuple[str, int, str] | None = None  # a strategy with what comes under it: (label, count, url)


@dataclass
class Facet:
    name: str
    title: str
    values: list[Value] = field(default_factory=list)
    more: bool = False  # only the largest values are listed


@require_safe
def figure_list(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    # The date is the middleware's (request.as_at); everything else is the download's query.
    params.pop(AS_AT, None)
    # The download reads the date too, so that its disagrees filter and sort are those of that day.
    selection = params.copy()
    if request.as_at is not None:
        selection[AS_AT] = request.as_at.isoformat()
    try:
        figures, applied = exports.FIGURES.select(selection)
    except FilterError as error:
        return bad_parameter(request, error.parameter, error.message, error.allowed)
    changed = exports.last_changed()
    # Facets, and the number of figures they add up to, are built once per query, date and change stamp.
    scope = facet_key(params, request.as_at)
    facets, total = cached(scope, lambda: build_facets(figures, params, applied, request.as_at), changed)
    # A page of ids in the table's order, then those figures with what the table shows: the sort handles narrow rows.
    paginator = Paginator(figures.values_list("pk", flat=True), PAGE_SIZE)
    paginator.count = total  # counted with the facets, on the same filters and date
    try:
        page = choose_page(paginator, params.get("page", "1"))
    except BadPage as error:
        last = paginator.num_pages
        return bad_parameter(request, "page", str(error), [f"a whole number from 1 to {last}", "all"])

    def rows() -> list[Figure]:
        """The page's figures with their flags: read only when the table's cached HTML is missing."""
        ids = list(page.object_list)
        shown = Figure.objects.with_related().in_bulk(ids)
        figures = [shown[pk] for pk in ids]
        flags = charts.flags(figures, request.as_at)
        for figure in figures:
            figure.flag = flags.get(figure.pk, "")
        return figures

    sort = params.get("sort", "")
    download = download_query(params)
    context = {
        "page": page,
        "figures": SimpleLazyObject(rows),
        "facets": facets,
        "filters": active_filters(params, applied),
        "headers": headers(params, sort),
        "sort": sort,
        "csv_url": reverse("dashboard:figures-csv") + ("?" + download if download else ""),
        "json_url": reverse("dashboard:figures-json") + ("?" + download if download else ""),
        "previous_url": address(params, page=str(page.previous_page_number())) if page.has_previous() else "",
        "next_url": address(params, page=str(page.next_page_number())) if page.has_next() else "",
        # The HTML of the facets, and of this page of the table, is cached under the change stamp too.
        # Under the release too, as whole pages are: a deploy's new templates are not mixed with the old ones' output.
        "facets_key": f"{RELEASE}:{scope}:{stamp_key(changed)}",
        "table_key": f"{RELEASE}:{page_key(params, request.as_at)}:{stamp_key(changed)}",
        "cache_seconds": CACHE_SECONDS,
    }
    return render(request, "dashboard/figure_list.html", context)


def pairs(params: QueryDict) -> list[tuple[str, str]]:
    return [(name, value) for name in params for value in params.getlist(name)]


def download_query(params: QueryDict) -> str:
    """The page's query for the downloads: the same filters and order; the page number is left out (they hold every page)."""
    return urlencode([(name, value) for name, value in pairs(params) if name != "page"])


def address(params: QueryDict, drop: tuple[str, ...] = (), **replace: str | list[str]) -> str:
    """The explorer with these parameters replaced (a list: repeated) and others dropped; a new filter starts at page 1."""
    kept = [(name, value) for name, value in pairs(params) if name not in replace and name not in drop]
    if "page" not in replace:
        kept = [(name, value) for name, value in kept if name != "page"]
    for name, values in replace.items():
        kept += [(name, value) for value in ([values] if isinstance(values, str) else values)]
    query = urlencode(kept)
    return reverse("dashboard:figure-list") + ("?" + query if query else "")


def without(params: QueryDict, name: str, value: str) -> str:
    """The explorer with one value of a filter removed."""
    kept = [(n, v) for n, v in pairs(params) if n != "page" and not (n == name and v == value)]
    if name == "programme" and not any(n == "programme" for n, _ in kept):
        kept = [(n, v) for n, v in kept if n != "include_children"]
    query = urlencode(kept)
    return reverse("dashboard:figure-list") + ("?" + query if query else "")


def facet_key(params: QueryDict, as_at) -> str:
    """A cache scope for the facets of this query: they depend on the filters and the date, not on the order or the page."""
    filters = sorted((name, value) for name, value in pairs(params) if name not in ("page", "sort"))
    digest = hashlib.blake2b(repr((filters, str(as_at))).encode(), digest_size=16).hexdigest()
    return f"explorer:facets:{digest}"


def page_key(params: QueryDict, as_at) -> str:
    """A cache key for one page of the table: its filters, order, page number and date."""
    return hashlib.blake2b(repr((pairs(params), str(as_at))).encode(), digest_size=16).hexdigest()


def headers(params: QueryDict, sort: str) -> list[dict]:
    """Each column heading with the link that sorts by it (again to reverse) and, for the sorted column, its aria-sort."""
    result = []
    for title, key in COLUMNS:
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        result.append({"title": title, "key": key, "state": state, "url": address(params, sort=f"-{key}" if sort == key else key)})
    return result


def active_filters(params: QueryDict, applied: dict) -> list[dict]:
    """The filters in force, each with the address that removes it."""
    names = dict(Programme.objects.filter(slug__in=params.getlist("programme")).values_list("slug", "name"))
    shown = []
    for name, value in pairs(params):
        if name in ("page", "sort"):
            continue
        if name == "include_children":
            if value == "1":
                url = address(params, drop=("include_children",))
                shown.append({"name": "Programme", "label": "with its centres and clusters", "url": url})
            continue
        label = names.get(value, value) if name == "programme" else choice_label(name, value)
        shown.append({"name": TITLES.get(name, name), "label": label, "url": without(params, name, value)})
    return shown


def choice_label(name: str, value: str) -> str:
    if name == "disagrees":
        return DISAGREES_LABELS.get(value, value)
    for facet, _title, choices in CLOSED_FACETS:
        if name == facet and value in choices.values:
            return choices(value).label
    if name == "scope" and value == "":
        return "Whole programme"
    return value


# The disagrees filter's values, as its facet and its chip name them.
DISAGREES_LABELS = {"1": "⚑ another figure disagrees", "0": "no disagreement"}

# What each facet counts by: a column (or two) of the filtered figures (flagged: annotated by build_facets).
FACET_COLUMNS = {
    "disagrees": ("flagged",),
    "programme": ("programme_id",),
    "status": ("status",),
    "measure": ("measure",),
    "basis": ("basis",),
    "unit": ("unit",),
    "publisher": ("source__publisher__name",),
    "claimant": ("claimant__name",),
    "scope": ("scope",),
    # The years a period reaches (FigureQuerySet.with_years_reached), so the facet counts what the from/to filter keeps.
    "year": ("reaches_from", "reaches_to"),
}


def facet_counts(figures: QuerySet) -> dict[str, dict]:
    """How many of the figures have each value of each facet: {facet: {value: count}} (a year's value is a period).

    On PostgreSQL one query counts every facet in one pass over the figures (GROUPING SETS); elsewhere it is one
    aggregate query per facet. Either way the cost does not depend on how many values a facet has.
    """
    figures = figures.order_by()
    if connections[figures.db].vendor != "postgresql":
        counts = {}
        for facet, columns in FACET_COLUMNS.items():
            rows = figures.values_list(*columns).annotate(n=Count("pk"))
            counts[facet] = {(row[:-1] if len(columns) > 1 else row[0]): row[-1] for row in rows}
        return counts
    lookups = [lookup for columns in FACET_COLUMNS.values() for lookup in columns]
    sql, params = figures.values_list(*lookups).query.get_compiler(using=figures.db).as_sql()
    names = [f"c{number}" for number in range(len(lookups))]
    sets, start = [], 0
    for columns in FACET_COLUMNS.values():
        sets.append(names[start : start + len(columns)])
        start += len(columns)
    grouping = f"GROUPING({', '.join(names)})"
    query = (
        f"SELECT {', '.join(names)}, {grouping}, COUNT(*) FROM ({sql}) AS figures ({', '.join(names)}) "
        f"GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(columns) + ')' for columns in sets)})"
    )
    # GROUPING() has a bit per column, the first column the highest, set for each column a row is not grouped by.
    masks = {}
    for facet, columns in zip(FACET_COLUMNS, sets, strict=True):
        mask = sum(1 << (len(names) - 1 - position) for position, name in enumerate(names) if name not in columns)
        masks[mask] = (facet, [names.index(name) for name in columns])
    counts: dict[str, dict] = {facet: {} for facet in FACET_COLUMNS}
    with connections[figures.db].cursor() as cursor:
        cursor.execute(query, params)
        for row in cursor.fetchall():
            facet, positions = masks[row[-2]]
            value = tuple(row[p] for p in positions) if len(positions) > 1 else row[positions[0]]
            counts[facet][value] = row[-1]
    return counts


def build_facets(figures: QuerySet, params: QueryDict, applied: dict, as_at=None) -> tuple[list[Facet], int]:
    """Every facet of the figures on the page's filters, from facet_counts (and the programmes' names), and how many figures there are."""
    counts = facet_counts(figures.with_years_reached().annotate(flagged=figure_judgements(as_at)["disagrees"]))
    facets = [programme_facet(counts["programme"], params), disagrees_facet(counts["disagrees"], params)]
    for name, title, choices in CLOSED_FACETS:
        chosen = params.getlist(name)
        facet = Facet(name, title)
        for value, label in choices.choices:
            if counts[name].get(value):
                facet.values.append(value_of(params, name, value, label, counts[name][value], chosen))
        facets.append(facet)
    for name, title, _lookup in OPEN_FACETS:
        largest = sorted(counts[name].items(), key=lambda item: (-item[1], item[0]))
        chosen = applied.get(name, [])
        facet = Facet(name, title)
        for value, count in largest[:FACET_LIMIT]:
            facet.values.append(value_of(params, name, value, value or "Whole programme", count, chosen))
        facet.more = len(largest) > FACET_LIMIT
        facets.append(facet)
    facets.append(year_facet(counts["year"], params))
    # Every figure has a status: the status counts add up to all of them.
    return [facet for facet in facets if facet.values], sum(counts["status"].values())


def disagrees_facet(counts: dict, params: QueryDict) -> Facet:
    """Figures with a ⚑ on the date (the stored flags) and those without: the disagrees filter."""
    facet = Facet("disagrees", "Disagreement flag")
    for flagged, value in ((True, "1"), (False, "0")):
        # SQLite counts a boolean as 1 or 0, PostgreSQL as true or false: equal keys either way.
        if count := counts.get(flagged):
            facet.values.append(value_of(params, "disagrees", value, DISAGREES_LABELS[value], count, params.getlist("disagrees")))
    return facet


def value_of(params: QueryDict, name: str, value: str, label: str, count: int, chosen: list[str]) -> Value:
    selected = value in chosen
    return Value(label, count, address(params, **{name: value}), selected, without(params, name, value) if selected else "")


def programme_facet(counts: dict[int, int], params: QueryDict) -> Facet:
    """Programmes as a tree (strategies, then what comes under each); with no programme chosen, each family as one link too."""
    programmes = list(Programme.objects.only("pk", "slug", "name", "kind", "parent_id"))
    chosen = params.getlist("programme")
    facet = Facet("programme", "Programme")
    children: dict[int | None, list[Programme]] = defaultdict(list)
    for programme in programmes:
        children[programme.parent_id].append(programme)
    shown = [p for p in programmes if counts.get(p.pk)]
    if len(shown) > PROGRAMME_LIMIT:
        # Too many to draw as a tree: the largest, as a list.
        shown.sort(key=lambda p: (-counts[p.pk], p.name))
        facet.more = True
        for programme in shown[:PROGRAMME_LIMIT]:
            facet.values.append(programme_value(params, programme, counts, chosen, 0))
        return facet

    def visit(programme: Programme, depth: int) -> None:
        if counts.get(programme.pk):
            value = programme_value(params, programme, counts, chosen, depth)
            under = children.get(programme.pk, [])
            family = counts[programme.pk] + sum(counts.get(child.pk, 0) for child in under)
            if not chosen and family > counts[programme.pk]:
                kinds = [CHILDREN[kind] for kind in dict.fromkeys(child.kind for child in under if counts.get(child.pk))]
                value.family = (f"with {' and '.join(kinds)}", family, address(params, programme=programme.slug, include_children="1"))
            facet.values.append(value)
        for child in children.get(programme.pk, []):
            visit(child, depth + 1 if counts.get(programme.pk) else depth)

    for programme in children[None]:
        visit(programme, 0)
    return facet


def programme_value(params: QueryDict, programme: Programme, counts: dict, chosen: list[str], depth: int) -> Value:
    selected = programme.slug in chosen
    url = address(params, drop=("include_children",), programme=programme.slug)
    return Value(
        programme.name, counts[programme.pk], url, selected, without(params, "programme", programme.slug) if selected else "", depth
    )


def year_facet(counts: dict[tuple, int], params: QueryDict) -> Facet:
    """Financial years: how many figures' periods reach each (the from/to filter's rule), from the count of each reach."""
    # A period known at neither end reaches no year, as in the filter.
    periods = [(start, end, n) for (start, end), n in counts.items() if start is not None]
    known = [year for start, end, _ in periods for year in (start, end)]
    facet = Facet("year", "Financial year")
    if not known:
        return facet
    first = parsed(params.get("from")) or min(known)
    last = parsed(params.get("to")) or max(known)
    chosen = params.get("from") is not None and params.get("from") == params.get("to")
    for year in range(first, last + 1):
        count = sum(n for start, end, n in periods if start <= year <= end)
        if count:
            label = fiscal.label(year)
            selected = chosen and parsed(params.get("from")) == year
            remove = address(params, drop=("from", "to")) if selected else ""
            facet.values.append(Value(label, count, address(params, **{"from": label, "to": label}), selected, remove))
    return facet


def parsed(label: str | None) -> int | None:
    """A financial year the parser has already accepted, as its starting year."""
    return fiscal.parse(label) if label else None
