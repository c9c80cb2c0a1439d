"""Dataset releases: the downloads as they stood when an editor published them, kept byte for byte under a version.

A figure cited last year must still be found with last year's value: the live downloads describe today, and `as_at`
selects by when sources appeared, not by when the site changed. A release stores the exact bytes of each file at
publication, so neither a later edit nor later code can change what its address serves.

Releases keep no change history (django-simple-history), unlike the record's models: a release is never changed or
deleted once stored, so there is nothing for a history to hold.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from programmes.limits import NOTE_LENGTH, up_to

# Year, month, then a count within the month: 2026.12.1. No leading zeros, so that each version is also a valid
# semantic version, which the Data Package standard asks of `version`.
VERSION_PATTERN = r"^[1-9][0-9]{3}\.(1[0-2]|[1-9])\.[1-9][0-9]*$"
VERSION_VALIDATOR = RegexValidator(VERSION_PATTERN, "Write the version as year.month.number without leading zeros, e.g. 2026.12.1.")
# Content types by file extension: a release holds CSV, JSON and its checksums as plain text, nothing else.
CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json", "": "text/plain; charset=utf-8"}
CHECKSUMS = "SHA256SUMS"


class Immutable(Exception):
    """A stored release or release file asked to change: its addresses promise the same bytes forever."""


class DatasetReleaseQuerySet(models.QuerySet):
    def listed(self) -> DatasetReleaseQuerySet:
        """Releases newest first, as /data/ lists them."""
        return self.order_by("-published", "-created")

    def update(self, **kwargs):
        raise Immutable("A dataset release is never changed once published.")

    def delete(self):
        raise Immutable("A dataset release is never deleted: its addresses are cited.")


class DatasetRelease(models.Model):
    """A numbered, dated, immutable copy of every download, published by an editor (or by the first dataset load)."""

    version = models.CharField(
        max_length=20,
        unique=True,
        validators=[VERSION_VALIDATOR],
        help_text="year.month.number, e.g. 2026.12.1: the year and month of the release date, then the count within the month.",
    )
    published = models.DateField(help_text="The day the release is dated: readers cite it by this date.")
    # Set by the publisher rather than auto_now_add, so that the data package's `created` is the same moment.
    created = models.DateTimeField(default=timezone.now, editable=False, help_text="When its files were written.")
    notes = models.TextField(
        blank=True,
        max_length=NOTE_LENGTH,
        validators=[MaxLengthValidator(NOTE_LENGTH)],
        help_text=f"What this release is for, in a sentence or two, shown on /data/. {up_to(NOTE_LENGTH)}",
    )
    figures_added = models.PositiveIntegerField(default=0, help_text="Figures in this release and not in the one before.")
    figures_corrected = models.PositiveIntegerField(default=0, help_text="Figures in both whose stated values, source or wording changed.")
    figures_removed = models.PositiveIntegerField(default=0, help_text="Figures in the release before and not in this one.")

    objects = DatasetReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-created"]
        verbose_name = "dataset release"

    def __str__(self) -> str:
        return f"Dataset release {self.version} ({self.published:%d %B %Y})"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:dataset-release", args=[self.version])

    def clean(self) -> None:
        match = re.match(VERSION_PATTERN, self.version or "")
        if match and self.published and self.version.split(".")[:2] != [str(self.published.year), str(self.published.month)]:
            raise ValidationError(
                {"version": f"A release dated {self.published:%B %Y} is numbered {next_version(self.published)} or later."}
            )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise Immutable(f"Dataset release {self.version} is published and never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable(f"Dataset release {self.version} is cited and never deleted.")


def next_version(day: datetime.date) -> str:
    """The next free version for a release dated `day`: its year and month, then one more than the month's releases."""
    prefix = f"{day.year}.{day.month}."
    numbers = [
        int(version.removeprefix(prefix))
        for version in DatasetRelease.objects.filter(version__startswith=prefix).values_list("version", flat=True)
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


class DatasetReleaseFileQuerySet(models.QuerySet):
    def described(self) -> DatasetReleaseFileQuerySet:
        """The files by name with their size and checksum, without their bytes (a release holds a megabyte or more)."""
        return self.defer("content").order_by("name")

    def update(self, **kwargs):
        raise Immutable("A release file is never changed once published.")

    def delete(self):
        raise Immutable("A release file is never deleted: its address is cited.")


class DatasetReleaseFile(models.Model):
    """One file of a release, its bytes exactly as published, with the SHA-256 digest readers check them by."""

    release = models.ForeignKey(DatasetRelease, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=60, help_text="The file's name in the release, e.g. figures.csv.")
    content = models.BinaryField(help_text="The bytes served, written once.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the content, in hexadecimal.")
    size = models.PositiveBigIntegerField(help_text="Length of the content in bytes.")

    objects = DatasetReleaseFileQuerySet.as_manager()

    class Meta:
        ordering = ["release", "name"]
        constraints = [models.UniqueConstraint(fields=["release", "name"], name="%(app_label)s_%(class)s_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} of release {self.release.version}" if self.release_id else self.name

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.name[self.name.rfind(".") :] if "." in self.name else ""]

    def get_absolute_url(self) -> str:
        return reverse("dashboard:dataset-release-file", args=[self.release.version, self.name])

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise Immutable(f"{self} is published and never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable(f"{self} is cited and never deleted.")
