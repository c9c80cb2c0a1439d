"""Publishing a dataset release: every download built once by the exports, its bytes stored with their checksums.

The files are the live downloads' own bytes (dashboard/exports/), never a second writer's: a release's figures.csv is
what /data/figures.csv served at that moment. Storing the bytes, not the means to rebuild them, is what keeps a
release the same after later edits and later code.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json

from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from dashboard import exports
from programmes.models import CHECKSUMS, DatasetRelease, DatasetReleaseFile, Figure, next_version

PACKAGE = "datapackage.json"
FIRST_NOTES = "The cited dataset as shipped with the site: the first release."
LOADED_NOTES = "The cited dataset as corrected by a new version of the site, with the editors' changes since the release before."


def table_bytes(resource: exports.Resource, extension: str, schema: str, queryset: QuerySet | None = None) -> bytes:
    """A whole table (or the rows of `queryset`), unfiltered and as of today, exactly as its live download sends it."""
    selected, applied = resource.select(QueryDict())
    queryset = selected if queryset is None else queryset
    if extension == "csv":
        pieces = exports.csv_pieces(resource, queryset)
    else:
        pieces = exports.json_pieces(resource, queryset, applied, exports.last_changed(), schema=schema)
    return b"".join(piece.encode("utf-8") if isinstance(piece, str) else piece for piece in pieces)


def tables(version: str) -> dict[str, bytes]:
    """Every table as CSV and JSON, the JSON pointing at the release's own data package."""
    schema = reverse("dashboard:dataset-release-file", args=[version, PACKAGE])
    return {
        f"{name}.{extension}": table_bytes(resource, extension, schema)
        for name, resource in exports.RESOURCES.items()
        for extension in ("csv", "json")
    }


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def package_bytes(version: str, created: datetime.datetime, files: dict[str, bytes]) -> bytes:
    """The release's data package: the live one, with its version, when it was made, and each CSV's size and SHA-256."""
    package = {**exports.datapackage(), "version": version, "created": created.astimezone(datetime.UTC).isoformat(timespec="seconds")}
    for resource in package["resources"]:
        content = files[resource["path"]]
        resource["bytes"] = len(content)
        resource["hash"] = f"sha256:{sha256(content)}"
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def checksums_bytes(files: dict[str, bytes]) -> bytes:
    """The checksums in the format `sha256sum -c SHA256SUMS` reads: digest, two spaces, file name."""
    return "".join(f"{sha256(content)}  {name}\n" for name, content in sorted(files.items())).encode("utf-8")


def build(version: str, created: datetime.datetime) -> dict[str, bytes]:
    """Every file of a release, by name."""
    files = tables(version)
    files[PACKAGE] = package_bytes(version, created, files)
    files[CHECKSUMS] = checksums_bytes(files)
    return files


STATED = [column.name for column in exports.FIGURE_COLUMNS if not column.computed]


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def figure_rows(content: bytes) -> dict[str, dict]:
    """figures.csv's rows by id, without the columns worked out from other rows (which change when another figure does)."""
    return {row["id"]: {name: row[name] for name in STATED} for row in csv_rows(content)}


def figure_in(release: DatasetRelease, reference: str) -> dict | None:
    """A figure's row of figures.csv in a release, by its key, or by its id for a figure without one."""
    for row in csv_rows(stored(release, "figures.csv")):
        if row["key"] == reference or (not row["key"] and row["id"] == reference):
            return row
    return None


def latest_holding(reference: str) -> tuple[DatasetRelease, dict] | tuple[None, None]:
    """The newest release holding the figure, and its row there: what a citation of the figure today points at."""
    for release in DatasetRelease.objects.listed():
        if (row := figure_in(release, reference)) is not None:
            return release, row
    return None, None


def changed_since(row: dict) -> tuple[Figure | None, list[tuple[str, str, str]]]:
    """The figure a release's row is of, if it still exists, and each stated column it reads differently today (column, then, now)."""
    figure = Figure.objects.filter(pk=row["id"]).first()
    if figure is None:
        return None, []
    (now,) = csv_rows(table_bytes(exports.FIGURES, "csv", "", Figure.objects.filter(pk=figure.pk)))
    return figure, [(name, row[name], now[name]) for name in STATED if row[name] != now[name]]


def figure_changes(before: bytes | None, after: bytes) -> tuple[int, int, int]:
    """How many figures the later figures.csv added, corrected and removed, against the earlier one (None: none before)."""
    old, new = figure_rows(before) if before is not None else {}, figure_rows(after)
    corrected = sum(1 for key in new.keys() & old.keys() if new[key] != old[key])
    return len(new.keys() - old.keys()), corrected, len(old.keys() - new.keys())


def latest() -> DatasetRelease | None:
    """The release made last: what a new one is compared with."""
    return DatasetRelease.objects.order_by("-created").first()


def stored(release: DatasetRelease | None, name: str) -> bytes | None:
    if release is None:
        return None
    return bytes(DatasetReleaseFile.objects.get(release=release, name=name).content)


@transaction.atomic
def publish(release: DatasetRelease) -> DatasetRelease:
    """Store an unsaved release (version, date, notes) with the files of the record as it is now; ValidationError for a bad or taken version."""
    release.created = timezone.now()
    release.full_clean()
    files = build(release.version, release.created)
    release.figures_added, release.figures_corrected, release.figures_removed = figure_changes(
        stored(latest(), "figures.csv"), files["figures.csv"]
    )
    release.save()
    DatasetReleaseFile.objects.bulk_create(
        DatasetReleaseFile(release=release, name=name, content=content, sha256=sha256(content), size=len(content))
        for name, content in files.items()
    )
    return release


def publish_loaded(rows_changed: bool) -> DatasetRelease | None:
    """After a dataset load: the first release if there is none, and a new one when the load changed rows and so the tables.

    A load that changed nothing, or changed nothing the downloads show, publishes nothing: loading twice is one release.
    """
    previous = latest()
    if previous is not None and not rows_changed:
        return None
    if previous is not None and all(
        stored(previous, f"{name}.csv") == table_bytes(resource, "csv", "") for name, resource in exports.RESOURCES.items()
    ):
        return None
    today = timezone.localdate()
    notes = FIRST_NOTES if previous is None else LOADED_NOTES
    return publish(DatasetRelease(version=next_version(today), published=today, notes=notes))


def dataset_loaded(rows_changed: bool, **kwargs) -> DatasetRelease | None:
    """load_dataset has loaded the cited dataset (programmes.signals.dataset_loaded): publish_loaded, in its transaction."""
    return publish_loaded(rows_changed)
