"""The public, read-only pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from dashboard.headlines import headlines
from programmes.models import Event, Figure, Programme, Source


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    programmes = list(Programme.objects.for_overview())
    cards = [{"programme": p, "headlines": headlines(list(p.figures.all()))} for p in programmes if p.kind == Programme.Kind.STRATEGY]
    return render(request, "dashboard/overview.html", {"cards": cards, "programmes": programmes})


@require_safe
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("parent"), slug=slug)
    figures = list(Figure.objects.with_related().filter(programme=programme))
    context = {
        "programme": programme,
        "figures": figures,
        "headlines": headlines(figures),
        "children": programme.children.all(),
        "events": Event.objects.with_related().filter(programme=programme),
    }
    return render(request, "dashboard/programme_detail.html", context)


@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    sources = Source.objects.with_figure_counts()
    return render(request, "dashboard/source_list.html", {"sources": sources})


@require_safe
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    figures = source.figures.select_related("programme")
    events = source.events.select_related("programme")
    return render(request, "dashboard/source_detail.html", {"source": source, "figures": figures, "events": events})


@require_safe
def figure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    figure = get_object_or_404(Figure.objects.with_related(), pk=pk)
    others = (
        Figure.objects.with_related()
        .filter(programme=figure.programme, measure=figure.measure, period_start=figure.period_start, period_end=figure.period_end)
        .exclude(pk=figure.pk)
    )
    return render(request, "dashboard/figure_detail.html", {"figure": figure, "others": others})


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/about.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors: whatever broke the page may break them too.
    return HttpResponse(render_to_string("500.html"), status=500)
