"""A picture of each chart for link previews (Open Graph and Twitter cards), made when the record changes.

A link to a chart shared in a message or a post previews with the chart itself. The picture is rendered from the
chart's own figure JSON by plotly's renderer, kaleido, in the system Chromium, with the plotly.js this site serves and
no MathJax, so nothing is fetched from elsewhere. It is rendered after `load_dataset` and after an editor's change has
been committed, in a thread of its own, never while a reader or a preview service waits: a page links only a picture
that exists, with its time in the address, so a preview shows the chart as it was when the picture was made.

Each chart's picture lives under SHARE_IMAGES_DIR at the address of its embed with .png (/embed/programmes/ngss-2012/
savings/ -> programmes/ngss-2012/savings.png), written whole and then moved into place, so that a reader never gets
half a file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.urls import reverse

from dashboard import pages
from dashboard.after_changes import AfterChanges
from dashboard.charts import Chart
from programmes.models import Programme

logger = logging.getLogger(__name__)

# What Open Graph and Twitter's large card show uncropped; a chart of many bars is drawn taller (picture()).
WIDTH, HEIGHT = 1200, 630
SITE_NAME = "Shared Services Savings Tracker"


def image_name(chart: Chart) -> str:
    """The picture's path under SHARE_IMAGES_DIR: the chart's embed address as a file name."""
    embed = reverse("dashboard:overview-embed", args=["x"])[: -len("x/")]
    return chart.embed_url.removeprefix(embed).strip("/") + ".png"


def image_url(chart: Chart | str | None) -> str:
    """The picture's address with the time it was made (a changed chart is a new address), or "" if there is none."""
    # A template asks for the first chart of a page that may have none: it then passes "" rather than a chart.
    if not isinstance(chart, Chart) or not chart.embed_url or not settings.SHARE_IMAGES_DIR:
        return ""
    name = image_name(chart)
    try:
        made = int(os.stat(Path(settings.SHARE_IMAGES_DIR) / name).st_mtime)
    except OSError:
        return ""
    return f"{reverse('dashboard:share-image', args=[name.removesuffix('.png')])}?v={made}"


def charts_of_the_record() -> list[Chart]:
    """Every chart a reader can share today: the first page of `/`, and each announced programme's page."""
    page = pages.strategies_page({}, None)
    charts = list(pages.overview_page(list(page.object_list), None, page.number)["charts"])
    for programme in Programme.objects.announced_by(None).order_by("pk"):
        charts.extend(pages.programme_page(programme, None)["charts"])
    return charts


def picture(chart: Chart) -> dict:
    """The chart's figure for a card: its title above, the site's name below (a preview stands alone), and as tall as
    the chart is on its page plus those, so that a chart of many bars keeps its labels apart."""
    layout = chart.plotly.get("layout", {})
    height = max(HEIGHT, (layout.get("height") or HEIGHT) + 150)
    margin = {**layout.get("margin", {})}
    margin["t"], margin["b"] = max(margin.get("t", 0), 90) + 40, max(margin.get("b", 0), 90)
    margin["r"] = margin.get("r", 0) + 40  # the page's labels beside the bars take a little more in this font
    credit = {
        "text": f"{SITE_NAME}: every figure with its source",
        "xref": "paper",
        "yref": "paper",
        "x": 1,
        "y": 0,
        "yshift": -(margin["b"] - 8),
        "xanchor": "right",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 15, "color": "#444444"},
    }
    return {
        "data": chart.plotly.get("data", []),
        "layout": {
            **layout,
            "width": WIDTH,
            "height": height,
            "margin": margin,
            "title": {"text": chart.title, "x": 0.02, "xanchor": "left", "y": 0.99, "yanchor": "top", "font": {"size": 26}},
            "paper_bgcolor": "#ffffff",
            "annotations": [*layout.get("annotations", []), credit],
        },
    }


def render(charts: Iterable[Chart]) -> dict[str, bytes]:
    """Each chart's picture as PNG, by its name, from one Chromium for them all."""
    import kaleido

    plotly_js = finders.find("vendor/plotly/plotly-basic.min.js")

    async def draw() -> dict[str, bytes]:
        drawn = {}
        async with kaleido.Kaleido(n=1, plotlyjs=plotly_js, mathjax=False, path=settings.CHROMIUM_PATH) as renderer:
            for chart in charts:
                drawn[image_name(chart)] = await renderer.calc_fig(picture(chart), opts={"format": "png"})
        return drawn

    return asyncio.run(draw())


def refresh() -> int:
    """Render every chart of the record into SHARE_IMAGES_DIR, and remove the pictures of charts gone; how many made."""
    directory = Path(settings.SHARE_IMAGES_DIR)
    drawn = render(charts_of_the_record())
    for name, png in drawn.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as part:
            part.write(png)
        os.replace(part.name, path)
    for old in directory.rglob("*.png"):
        if old.relative_to(directory).as_posix() not in drawn:
            old.unlink(missing_ok=True)
    return len(drawn)


class Painter(AfterChanges):
    """The link previews' pictures rendered again after changes (dashboard/after_changes.py): a missing or broken Chromium costs the previews their picture, never an editor's save."""

    thread_name = "share-images"
    logger = logger
    failure = "The charts' pictures for link previews could not be rendered."

    def run_once(self) -> None:
        refresh()


painter = Painter()


def rendering() -> bool:
    """Whether this process renders the pictures: asked to, with a folder to keep them in and a Chromium to draw them."""
    if not (settings.SHARE_IMAGES_RENDER and settings.SHARE_IMAGES_DIR):
        return False
    if not os.access(settings.CHROMIUM_PATH, os.X_OK):
        logger.warning("Link previews have no pictures: no Chromium at CHROMIUM_PATH (%s).", settings.CHROMIUM_PATH)
        return False
    return True


def record_changed(**kwargs) -> None:
    """A save or deletion of what a chart draws: the pictures are made again, in a thread, once it is committed."""
    if rendering():
        transaction.on_commit(painter.changed)


def dataset_loaded(**kwargs) -> None:
    """load_dataset has loaded the cited dataset: the pictures are made once it is committed, before the command ends."""
    if rendering():
        transaction.on_commit(lambda: logger.info("Link previews: %s charts drawn.", refresh()))
