"""{% at url %}: an address on the site that keeps the date the page is shown at (?as_at=), so a reader stays in the past.

Also the as-at banner and the date picker every public page carries (base.html).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from dashboard import as_at
from dashboard.as_at import PARAMETER, at_date
from dashboard.page_cache import kept_parameters

register = template.Library()


@register.simple_tag(takes_context=True)
def at(context, url: str) -> str:
    """Use for every link to a public page or download: {% at figure.get_absolute_url %}."""
    request = context.get("request")
    return at_date(str(url), getattr(request, "as_at", None))


@register.simple_tag(takes_context=True)
def at_url(context, name: str, *args) -> str:
    """{% url %} and {% at %} in one: {% at_url 'dashboard:source-list' %}."""
    return at(context, reverse(name, args=args))


@register.inclusion_tag("dashboard/includes/date_picker.html", takes_context=True)
def date_picker(context) -> dict:
    """The form that opens this page at another date, with the days of audit reports and committee hearings as notches.

    Shown only where there is a request (error pages rendered without one, such as the 503, ask nothing of the database).
    """
    request = context.get("request")
    if request is None or not hasattr(request, "as_at"):
        return {"shown": False}
    days = as_at.record_days()
    return {"shown": True, "request": request, "notches": days.notches, "notch_days": days.notch_days, "path": request.path}


@register.inclusion_tag("dashboard/includes/as_at_banner.html", takes_context=True)
def as_at_banner(context) -> dict:
    """Which date the page shows, with a link back to today, on every page read at a date."""
    request = context.get("request")
    day = getattr(request, "as_at", None)
    if day is None:
        return {"banner": False}
    first = as_at.record_days().first
    try:
        asked = as_at.parse(request.GET.get(PARAMETER, ""))
    except as_at.BadDate:
        asked = None
    return {
        "banner": True,
        "day": day,
        "asked": asked,
        "empty": first is None or day < first,
        "first": first,
        # Before the first publication, the date as asked: the day it was moved back to is no day of the record.
        "shown": asked or day,
        # The same page and filters as they stand today: only the date leaves the address.
        "path": request.path
        + (
            "?" + urlencode(today)
            if (today := [(k, v) for k, values in kept_parameters(request).lists() if k != PARAMETER for v in values])
            else ""
        ),
        "changes_url": reverse("dashboard:changes") + "?" + urlencode({"since": day.isoformat()}),
    }
