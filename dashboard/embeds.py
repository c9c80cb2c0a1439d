"""One chart on a page of its own, for other sites to frame: /embed/<chart>/ for a chart of the overview and
/embed/programmes/<slug>/<chart>/ for a programme's.

A journalist puts a chart inside an article; the reader there still gets what every chart here gives: its caption, its
summary, its data table, its sources and a link back to the page it comes from. These addresses, and only these, may be
framed by any site (frame-ancestors *); every other page keeps refusing to be framed.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from dashboard import views
from dashboard.page_cache import as_at_of, cached_page
from dashboard.pages import BadPage
from programmes.models import Programme

FRAMED_ANYWHERE = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


def embeddable(view):
    """A view whose page any site may frame."""
    return xframe_options_exempt(csp_override(FRAMED_ANYWHERE)(view))


@require_safe
@embeddable
@cached_page("page")
def overview_embed(request: HttpRequest, chart_id: str) -> HttpResponse:
    try:
        built = views.overview_built(request)[1]
    except BadPage as error:
        return views.bad_request(str(error))
    chart = views.find_chart(built["charts"], chart_id)
    return render_embed(request, chart, "Every strategy", reverse("dashboard:overview"))


@require_safe
@embeddable
@cached_page()
def programme_embed(request: HttpRequest, slug: str, chart_id: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.announced_by(as_at_of(request)), slug=slug)
    chart = views.find_chart(views.programme_built(request, programme)["charts"], chart_id)
    return render_embed(request, chart, programme.name, programme.get_absolute_url())


def render_embed(request: HttpRequest, chart, page_name: str, page_url: str) -> HttpResponse:
    return render(request, "dashboard/embed.html", {"chart": chart, "page_name": page_name, "page_url": f"{page_url}#{chart.anchor}"})


# A picture's name is the address of a chart's embed: slugs and slashes, never a way out of the folder.
PICTURE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*")


@require_safe
def share_image(request: HttpRequest, picture: str) -> FileResponse:
    """A chart's picture for link previews, as last rendered; its address changes with it (share_images.image_url)."""
    if not PICTURE_NAME.fullmatch(picture):
        raise Http404("No such picture.")
    try:
        png = open(Path(settings.SHARE_IMAGES_DIR) / f"{picture}.png", "rb")  # noqa: SIM115 (FileResponse closes it)
    except OSError:
        raise Http404("No such picture.") from None
    response = FileResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response
