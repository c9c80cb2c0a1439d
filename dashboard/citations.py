"""Citations of a dataset release, and of one figure in one, as APA text, BibTeX and CSL-JSON for reference managers.

A figure's citation names the publication that stated it first (the site only compiles it), then this dataset with
the release's version, the day the reader looked and the release's own address for the figure, which always shows the
value that release holds.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from programmes.columns import unescape
from programmes.models import DatasetRelease

DATASET_TITLE = "UK government shared-services savings: promised and delivered"
COMPILER = "Shared Services Savings Tracker"
# BibTeX reads these as commands or groups; a title holding one would break the entry.
BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}


@dataclass(frozen=True)
class Citation:
    apa: str
    bibtex: str
    csl: list[dict]

    @property
    def csl_json(self) -> str:
        return json.dumps(self.csl, ensure_ascii=False, indent=2)


def day_text(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def date_parts(day: datetime.date) -> dict:
    return {"date-parts": [[day.year, day.month, day.day]]}


def bibtex_text(text: str) -> str:
    return "".join(BIBTEX_SPECIAL.get(character, character) for character in text)


def bibtex_entry(kind: str, key: str, fields: dict[str, str]) -> str:
    """An entry with every field escaped but the address (read verbatim); an organisation as author is braced, so that
    BibTeX does not split it into first and last names."""
    lines = []
    for name, value in fields.items():
        if not value:
            continue
        text = value if name == "url" else bibtex_text(value)
        lines.append(f"  {name} = {{{{{text}}}}}" if name == "author" else f"  {name} = {{{text}}}")
    return f"@{kind}{{{key},\n" + ",\n".join(lines) + "\n}"


def dataset_item(release: DatasetRelease, url: str, accessed: datetime.date, title: str) -> dict:
    """The dataset release as a CSL-JSON item."""
    return {
        "id": f"sst-{release.version}",
        "type": "dataset",
        "title": title,
        "author": [{"literal": COMPILER}],
        "publisher": COMPILER,
        "version": release.version,
        "issued": date_parts(release.published),
        "accessed": date_parts(accessed),
        "URL": url,
    }


def dataset_apa(release: DatasetRelease, url: str, accessed: datetime.date, title: str) -> str:
    return f"{COMPILER}. ({release.published.year}). {title} (Version {release.version}) [Data set]. Retrieved {day_text(accessed)}, from {url}"


def release_citation(release: DatasetRelease, url: str, accessed: datetime.date) -> Citation:
    """How to cite a whole release."""
    bibtex = bibtex_entry(
        "misc",
        f"sst{release.version.replace('.', '_')}",
        {
            "author": COMPILER,
            "title": f"{DATASET_TITLE}, dataset release {release.version}",
            "year": str(release.published.year),
            "version": release.version,
            "howpublished": "Data set",
            "url": url,
            "urldate": accessed.isoformat(),
        },
    )
    return Citation(dataset_apa(release, url, accessed, DATASET_TITLE), bibtex, [dataset_item(release, url, accessed, DATASET_TITLE)])


def figure_citation(row: dict, release: DatasetRelease, url: str, accessed: datetime.date) -> Citation:
    """How to cite one figure (a row of the release's figures.csv): its publication first, then the release at the figure's address."""
    cell = {name: unescape(value) for name, value in row.items()}
    published = datetime.date.fromisoformat(cell["source_published"])
    name = cell["key"] or cell["id"]
    title = f"{DATASET_TITLE}, figure {name}: {cell['description']}"
    locator = f", {cell['locator']}" if cell["locator"] else ""
    link = f" {cell['source_url']}" if cell["source_url"] else ""
    apa = (
        f"{cell['source_publisher']}. ({published.year}). {cell['source_title']}{locator}.{link} "
        f"As compiled in: {dataset_apa(release, url, accessed, title)}"
    )
    source_key = f"source{cell['source_id']}"
    bibtex = "\n\n".join(
        [
            bibtex_entry(
                "misc",
                source_key,
                {
                    "author": cell["source_publisher"],
                    "title": cell["source_title"],
                    "year": str(published.year),
                    "note": cell["locator"],
                    "url": cell["source_url"],
                },
            ),
            bibtex_entry(
                "misc",
                f"sst{release.version.replace('.', '_')}-{name}",
                {
                    "author": COMPILER,
                    "title": title,
                    "year": str(release.published.year),
                    "version": release.version,
                    "howpublished": "Data set",
                    "note": f"Value as published: {cell['as_published']}. Source: {cell['source_title']} ({cell['source_publisher']})",
                    "url": url,
                    "urldate": accessed.isoformat(),
                },
            ),
        ]
    )
    source_item = {
        "id": source_key,
        "type": "report",
        "title": cell["source_title"],
        "author": [{"literal": cell["source_publisher"]}],
        "publisher": cell["source_publisher"],
        "issued": {"date-parts": [[published.year]]},
    }
    if cell["source_url"]:
        source_item["URL"] = cell["source_url"]
    if cell["locator"]:
        source_item["locator"] = cell["locator"]
    return Citation(apa, bibtex, [source_item, dataset_item(release, url, accessed, title)])


def page_citation(title: str, kind: str, url: str, accessed: datetime.date, release: DatasetRelease | None, release_url: str) -> Citation:
    """How to cite a page or chart of the live site, as read on a day, with the newest dataset release: the numbered
    copy of the data it draws on, which, unlike the page, will read the same next year."""
    key = f"sst-{url.rstrip('/').rsplit('/', 1)[-1] or 'overview'}-{accessed.isoformat()}"
    apa = f"{COMPILER}. ({accessed.year}). {title} [{kind}]. Retrieved {day_text(accessed)}, from {url}"
    entries = [
        bibtex_entry("misc", key, {"author": COMPILER, "title": title, "howpublished": kind, "url": url, "urldate": accessed.isoformat()})
    ]
    items = [
        {
            "id": key,
            "type": "figure" if kind == "Chart" else "webpage",
            "title": title,
            "author": [{"literal": COMPILER}],
            "container-title": COMPILER,
            "accessed": date_parts(accessed),
            "URL": url,
        }
    ]
    if release is not None:
        dataset = release_citation(release, release_url, accessed)
        apa += f" Data: {dataset.apa}"
        entries.append(dataset.bibtex)
        items += dataset.csl
    return Citation(apa, "\n\n".join(entries), items)
