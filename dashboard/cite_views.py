"""The "Cite" pages of a programme and of the charts: how to cite each, as read today, with the newest dataset release.

Programme pages and charts are cached under the record's change stamp, which neither the day nor a new dataset release
moves, so their "Cite" links lead here, where the access date and the newest release are read on every request.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from dashboard import citations, views
from dashboard.pages import BadPage
from dashboard.release_views import refuse_parameters
from programmes.models import DatasetRelease, Programme


def cite_page(request: HttpRequest, title: str, url: str, charts: list) -> HttpResponse:
    """The citations of a page and of each of its charts (each at the page's address with the chart's anchor)."""
    release = DatasetRelease.objects.listed().first()
    release_url = request.build_absolute_uri(release.get_absolute_url()) if release else ""
    accessed = timezone.localdate()
    page_address = request.build_absolute_uri(url)

    def cite(name: str, kind: str, address: str) -> citations.Citation:
        return citations.page_citation(name, kind, address, accessed, release, release_url)

    context = {
        "title": title,
        "page_url": url,
        "release": release,
        "citation": cite(title, "Web page", page_address),
        "charts": [(chart, cite(f"{chart.title} ({title})", "Chart", f"{page_address}#{chart.anchor}")) for chart in charts],
    }
    return render(request, "dashboard/cite_page.html", context)


@require_safe
def overview_cite(request: HttpRequest) -> HttpResponse:
    """The overview and its charts, which differ from one page of strategies to the next: ?page= as on the overview."""
    if refused := refuse_parameters(request, allowed=("page",)):
        return refused
    try:
        page, built = views.overview_built(request)
    except BadPage as error:
        return views.bad_request(str(error))
    on_page = f"?page={page.number}" if page.number > 1 else ""
    return cite_page(request, "Every strategy", reverse("dashboard:overview") + on_page, built["charts"])


@require_safe
def programme_cite(request: HttpRequest, slug: str) -> HttpResponse:
    if refused := refuse_parameters(request):
        return refused
    programme = get_object_or_404(Programme.objects.announced_by(None), slug=slug)
    return cite_page(request, programme.name, programme.get_absolute_url(), views.programme_built(request, programme)["charts"])
