"""/search/?q=: the record searched from the box in every page's header, results grouped by kind.

search/query.py reads the query and asks the index. The page is bounded whatever the data: PER_KIND results of each
kind with how many there are in all, or with ?kind= one kind, PAGE_SIZE a page (?page=). Any text in q is a query,
never an error: an empty or useless one gets a page saying what to type. A ?kind= or ?page= that is not one is a 400
naming the parameter, as on every page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from dashboard.page_cache import cached_page
from programmes.search import query
from programmes.search.index import BY_NAME, KINDS

# Results of each kind on the page of all kinds; the rest are a click away (?kind=).
PER_KIND = 10
# Results a page when one kind is listed, as the figure tables elsewhere.
PAGE_SIZE = 50
HEADINGS = {"programmes": "Programmes", "sources": "Sources", "figures": "Figures", "events": "Events"}
NOUNS = {
    "programmes": ("programme", "programmes"),
    "sources": ("source", "sources"),
    "figures": ("figure", "figures"),
    "events": ("event", "events"),
}
EXAMPLES = ["Oracle", "write-off", "SSCL", "£504m", "Cabinet Office savings"]


class BadParameter(Exception):
    """A query parameter the page cannot honour: it names the parameter and what it accepts."""

    def __init__(self, parameter: str, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.parameter, self.message, self.allowed = parameter, message, allowed


def bad_parameter(request: HttpRequest, parameter: str, message: str, allowed: list[str]) -> HttpResponse:
    """A 400 page that names the parameter and says what it accepts (the explorer's filters use it too)."""
    context = {"parameter": parameter, "message": message, "allowed": allowed, "path": request.path}
    return render(request, "dashboard/bad_parameter.html", context, status=400)


def page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "1")
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise BadParameter("page", f"page={text!r} is not a page number.", ["a whole number from 1"])
    return int(text)


def address(typed: str, **extra: object) -> str:
    return reverse("dashboard:search") + "?" + urlencode({"q": typed, **extra})


def counted(count: int, kind: str) -> str:
    singular, plural = NOUNS[kind]
    return f"{count:,} {singular if count == 1 else plural}"


@require_safe
@cached_page("q", "kind", "page")
def search(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("q", "")
    reading = query.read(typed)
    kind_name = request.GET.get("kind", "")
    try:
        if kind_name and kind_name not in BY_NAME:
            raise BadParameter("kind", f"kind={kind_name!r} is not a kind of result.", list(BY_NAME))
        number = page_number(request) if kind_name else 1
    except BadParameter as error:
        return bad_parameter(request, error.parameter, error.message, error.allowed)
    context = {"reading": reading, "examples": [(text, address(text)) for text in EXAMPLES], "kind": kind_name, "page": None}
    if reading.empty:
        return render(request, "dashboard/search.html", context)
    if kind_name:
        found = query.find(BY_NAME[kind_name], reading, request.as_at, (number - 1) * PAGE_SIZE, PAGE_SIZE)
        last = max(1, -(-found.count // PAGE_SIZE))
        if number > last:
            return bad_parameter(
                request, "page", f"page={number} is past the last page of results ({last}).", [f"a whole number from 1 to {last}"]
            )
        context["page"] = {
            "number": number,
            "last": last,
            "first_shown": (number - 1) * PAGE_SIZE + 1,
            "last_shown": (number - 1) * PAGE_SIZE + len(found.results),
            "previous": address(reading.typed, kind=kind_name, page=number - 1) if number > 1 else "",
            "next": address(reading.typed, kind=kind_name, page=number + 1) if number < last else "",
            "all_kinds": address(reading.typed),
        }
        groups = [found]
    else:
        groups = [query.find(kind, reading, request.as_at, 0, PER_KIND) for kind in KINDS]
    context["groups"] = [
        {
            "found": found,
            "name": found.kind.name,
            "heading": HEADINGS[found.kind.name],
            "counted": counted(found.count, found.kind.name),
            "more": address(reading.typed, kind=found.kind.name) if not kind_name and found.count > len(found.results) else "",
        }
        for found in groups
    ]
    context["summary"] = [group["counted"] for group in context["groups"] if group["found"].count]
    return render(request, "dashboard/search.html", context)
