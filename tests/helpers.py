"""Small named builders for rows the tests need; the real dataset is loaded separately."""

from __future__ import annotations

import datetime
from decimal import Decimal

from programmes.models import Figure, Programme, Source


def make_programme(slug: str = "test-strategy", **fields) -> Programme:
    defaults = {"name": f"Test strategy {slug}", "kind": "strategy"}
    return Programme.objects.create(slug=slug, **{**defaults, **fields})


def make_source(key: str = "test-source", **fields) -> Source:
    defaults = {
        "title": f"Test report {key}",
        "publisher": "National Audit Office",
        "kind": "audit_report",
        "published": datetime.date(2016, 5, 20),
        "url": f"https://example.org/{key}",
    }
    return Source.objects.create(key=key, **{**defaults, **fields})


def make_figure(programme: Programme, source: Source, **fields) -> Figure:
    defaults = {
        "description": "Savings delivered",
        "measure": "savings",
        "status": "audited",
        "basis": "cumulative",
        "value": Decimal("90"),
        "unit": "gbp_m",
        "period_start": 2013,
        "period_end": 2015,
    }
    return Figure.objects.create(programme=programme, source=source, **{**defaults, **fields})
