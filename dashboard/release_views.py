"""Dataset releases: each release's page, and its files served byte for byte as published, for ever.

A release's bytes never change (programmes/models/release.py), so each file is sent with its SHA-256 as ETag and
may be cached without end; its address takes no query parameters, since no filter or date can change it.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import condition, require_safe

from dashboard import citations, releases
from programmes.columns import unescape
from programmes.models import DatasetRelease, DatasetReleaseFile

# A year: caches and browsers may keep a release file as long as they like, and "immutable" spares them revalidating.
FOREVER = "public, max-age=31536000, immutable"


def refuse_parameters(request: HttpRequest, allowed: tuple[str, ...] = ()) -> HttpResponse | None:
    """A 400 naming the first query parameter given but not allowed: a release is one fixed set of files, and a
    citation is of one thing."""
    for name in request.GET:
        if name not in allowed:
            return HttpResponseBadRequest(
                f"The parameter {name} is not accepted here: a dataset release is fixed, and its addresses and citations "
                "take no parameters. The live downloads on /data/ take filters and as_at.\n",
                content_type="text/plain; charset=utf-8",
            )
    return None


def release_file_of(version: str, name: str) -> DatasetReleaseFile:
    try:
        return DatasetReleaseFile.objects.select_related("release").get(release__version=version, name=name)
    except DatasetReleaseFile.DoesNotExist:
        raise Http404(f"Dataset release {version} has no file {name}.") from None


def file_etag(request: HttpRequest, version: str, name: str) -> str | None:
    """The file's SHA-256: the same bytes always, so a client holding them gets a 304 without the content being read."""
    return DatasetReleaseFile.objects.filter(release__version=version, name=name).values_list("sha256", flat=True).first()


@require_safe
def release_page(request: HttpRequest, version: str) -> HttpResponse:
    if refused := refuse_parameters(request):
        return refused
    release = get_object_or_404(DatasetRelease.objects.listed(), version=version)
    citation = citations.release_citation(release, request.build_absolute_uri(release.get_absolute_url()), timezone.localdate())
    context = {"release": release, "files": release.files.described(), "citation": citation}
    return render(request, "dashboard/dataset_release.html", context)


@require_safe
def release_figure(request: HttpRequest, version: str, key: str) -> HttpResponse:
    """A figure as a release holds it (the address its citation gives), with what has changed in it since, if anything."""
    if refused := refuse_parameters(request):
        return refused
    release = get_object_or_404(DatasetRelease.objects.listed(), version=version)
    row = releases.figure_in(release, key)
    if row is None:
        raise Http404(f"Dataset release {version} holds no figure {key}.")
    figure, changes = releases.changed_since(row)
    url = request.build_absolute_uri(reverse("dashboard:dataset-release-figure", args=[version, key]))
    context = {
        "release": release,
        "reference": key,
        "cells": [(name, unescape(value)) for name, value in row.items()],
        "figure": figure,
        "changes": [(name, unescape(then), unescape(now)) for name, then, now in changes],
        "citation": citations.figure_citation(row, release, url, timezone.localdate()),
    }
    return render(request, "dashboard/dataset_release_figure.html", context)


@require_safe
def cite_figure(request: HttpRequest, key: str) -> HttpResponse:
    """The figure in the newest release holding it: the "Cite" link of a figure's page, whose cached page cannot know the newest."""
    if refused := refuse_parameters(request):
        return refused
    release, _ = releases.latest_holding(key)
    if release is None:
        raise Http404(f"No dataset release holds figure {key} yet.")
    return redirect("dashboard:dataset-release-figure", release.version, key)


@require_safe
@condition(etag_func=file_etag)
def release_file(request: HttpRequest, version: str, name: str) -> HttpResponse:
    if refused := refuse_parameters(request):
        return refused
    stored = release_file_of(version, name)
    response = HttpResponse(bytes(stored.content), content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition_header(
        name.endswith(".csv"), f"{version}-{name}" if name.endswith(".csv") else name
    )
    response["Cache-Control"] = FOREVER
    # Public, read-only data with no cookies involved, as the live downloads: notebooks on other sites may read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response
