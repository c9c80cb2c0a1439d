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

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from dashboard import charts, exports
from dashboard.as_at import PARAMETER as AS_AT
from dashboard.exports.filters import FilterError
from dashboard.search import bad_parameter
from dashboard.views import cached, stamp_key
from programmes import fiscal
from programmes.models import Basis, Measure, Programme, ProgrammeKind, Status, Unit

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
TITLES = {"programme": "Programme", "from": "From", "to": "To"} | {name: title for name, title, _ in CLOSED_FACETS + OPEN_FACETS}
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
    try:
        figures, applied = exports.FIGURES.select(params)
    except FilterError as error:
        return bad_parameter(request, error.parameter, error.message, error.allowed)
    figures = figures.as_at(request.as_at)
    paginator = Paginator(figures.with_related(), PAGE_SIZE)
    try:
        page = paginator.page(params.get("page", "1"))
    except InvalidPage:
        last = paginator.num_pages
        return bad_parameter(
            request, "page", f"There is no page {params.get('page')} of these figures.", [f"a whole number from 1 to {last}"]
        )
    rows = list(page.object_list)
    flags = charts.flags(rows, request.as_at)
    for figure in rows:
        figure.flag = flags.get(figure.pk, "")
    changed = exports.last_changed()
    facets = cached(facet_key(params, request.as_at), lambda: build_facets(figures, params, applied), changed)
    sort = params.get("sort", "")
    download = download_query(params)
    context = {
        "page": page,
        "figures": rows,
        "facets": facets,
        "filters": active_filters(params, applied),
        "headers": headers(params, sort),
        "sort": sort,
        "csv_url": reverse("dashboard:figures-csv") + ("?" + download if download else ""),
        "json_url": reverse("dashboard:figures-json") + ("?" + download if download else ""),
        "previous_url": address(params, page=str(page.previous_page_number())) if page.has_previous() else "",
        "next_url": address(params, page=str(page.next_page_number())) if page.has_next() else "",
        "stamp": stamp_key(changed),
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
    for facet, _title, choices in CLOSED_FACETS:
        if name == facet and value in choices.values:
            return choices(value).label
    if name == "scope" and value == "":
        return "Whole programme"
    return value


def build_facets(figures: QuerySet, params: QueryDict, applied: dict) -> list[Facet]:
    """Every facet of the figures on the page's filters: one aggregate query each (and one for the programmes' names)."""
    figures = figures.order_by()
    facets = [programme_facet(figures, params)]
    for name, title, choices in CLOSED_FACETS:
        counts = dict(figures.values_list(name).annotate(n=Count("pk")).values_list(name, "n"))
        chosen = params.getlist(name)
        facet = Facet(name, title)
        for value, label in choices.choices:
            if counts.get(value):
                facet.values.append(value_of(params, name, value, label, counts[value], chosen))
        facets.append(facet)
    for name, title, lookup in OPEN_FACETS:
        rows = list(figures.values_list(lookup).annotate(n=Count("pk")).order_by("-n", lookup).values_list(lookup, "n")[: FACET_LIMIT + 1])
        chosen = applied.get(name, [])
        facet = Facet(name, title)
        for value, count in rows[:FACET_LIMIT]:
            facet.values.append(value_of(params, name, value, value or "Whole programme", count, chosen))
        facet.more = len(rows) > FACET_LIMIT
        facets.append(facet)
    facets.append(year_facet(figures, params))
    return [facet for facet in facets if facet.values]


def value_of(params: QueryDict, name: str, value: str, label: str, count: int, chosen: list[str]) -> Value:
    selected = value in chosen
    return Value(label, count, address(params, **{name: value}), selected, without(params, name, value) if selected else "")


def programme_facet(figures: QuerySet, params: QueryDict) -> Facet:
    """Programmes as a tree (strategies, then what comes under each); with no programme chosen, each family as one link too."""
    counts = dict(figures.values_list("programme").annotate(n=Count("pk")).values_list("programme", "n"))
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


def year_facet(figures: QuerySet, params: QueryDict) -> Facet:
    """Financial years: how many figures' periods overlap each (the from/to filter's rule), from one query of the periods."""
    periods = figures.exclude(period_start=None, period_end=None).values_list("period_start", "period_end").annotate(n=Count("pk"))
    periods = list(periods.values_list("period_start", "period_end", "n"))
    known = [year for start, end, _ in periods for year in (start, end) if year is not None]
    facet = Facet("year", "Financial year")
    if not known:
        return facet
    first = parsed(params.get("from")) or min(known)
    last = parsed(params.get("to")) or max(known)
    chosen = params.get("from") is not None and params.get("from") == params.get("to")
    for year in range(first, last + 1):
        count = sum(n for start, end, n in periods if (start is None or start <= year) and (end is None or end >= year))
        if count:
            label = fiscal.label(year)
            selected = chosen and parsed(params.get("from")) == year
            remove = address(params, drop=("from", "to")) if selected else ""
            facet.values.append(Value(label, count, address(params, **{"from": label, "to": label}), selected, remove))
    return facet


def parsed(label: str | None) -> int | None:
    """A financial year the parser has already accepted, as its starting year."""
    return fiscal.parse(label) if label else None
