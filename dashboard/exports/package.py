"""The Frictionless Data Package describing every CSV download: the tables, and who compiled them from what, under which licence."""

from __future__ import annotations

import datetime

from django.conf import settings

from dashboard.exports.filters import read_at
from dashboard.exports.tables import RESOURCES
from programmes.models import Source, dated

# The compilation (which figures, how they are classified and linked) is the site's, and free to reuse with credit;
# the words and numbers quoted remain their publishers', under the terms each publication gives.
LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
RIGHTS = (
    " The compiled dataset is licensed under CC BY 4.0: credit the Shared Services Savings Tracker. The publications "
    "quoted remain their publishers', under their own terms; each row names the publication it comes from (sources.csv)."
)


def datapackage(as_at: datetime.date | None = None) -> dict:
    """The Frictionless Data Package describing every CSV download; at a date, the downloads as they stood then."""
    homepage = settings.SITE_URL + "/"
    package = {
        "profile": "tabular-data-package",
        "name": "uk-shared-services-savings",
        "title": "UK government shared-services savings: promised and delivered",
        "description": (
            "Every figure the Shared Services Savings Tracker shows, with the publication it comes from. Money is in "
            "\u00a3 millions, nominal; periods are UK financial years (April to March) written 2013-14. Text cells that a "
            "spreadsheet would run as a formula (starting with = + - @, tab or carriage return) are prefixed with an apostrophe." + RIGHTS
        ),
        "homepage": homepage,
        "licenses": [LICENCE],
        "contributors": [
            {"title": "The Shared Services Savings Tracker's editors", "role": "author"},
            {"title": "Shared Services Savings Tracker", "role": "publisher", "path": homepage},
        ],
        "sources": publications(as_at),
        "resources": [resource.descriptor() for resource in RESOURCES.values()],
    }
    if as_at is not None:
        package["description"] += (
            f" As the record stood on {as_at.isoformat()}: only what publications that had appeared by then said, "
            "and only the programmes announced by then."
        )
        package["as_at"] = as_at.isoformat()
        for resource in package["resources"]:
            resource["path"] += f"?as_at={as_at.isoformat()}"
    return package


def publications(as_at: datetime.date | None) -> list[dict]:
    """Every publication the tables quote (on the day read), as the package's sources: who published it, its title and date, its link."""
    sources = read_at(Source.objects.select_related("publisher"), as_at).order_by("published", "key")
    listed = []
    for source in sources:
        entry = {"title": f"{source.publisher}: {source.title} ({dated(source.published, source.date_precision)})"}
        if source.url:
            entry["path"] = source.url
        listed.append(entry)
    return listed
