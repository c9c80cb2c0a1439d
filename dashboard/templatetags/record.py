"""{% at url %}: an address on the site that keeps the date the page is shown at (?as_at=), so a reader stays in the past."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import template

from dashboard.as_at import PARAMETER

register = template.Library()


def at_date(url: str, day) -> str:
    """The url with ?as_at=day added (replacing any there), or unchanged for today's record (day None)."""
    if day is None:
        return url
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != PARAMETER]
    query.append((PARAMETER, day.isoformat()))
    return urlunsplit(parts._replace(query=urlencode(query)))


@register.simple_tag(takes_context=True)
def at(context, url: str) -> str:
    """Use for every link to a public page or download: {% at figure.get_absolute_url %}."""
    request = context.get("request")
    return at_date(str(url), getattr(request, "as_at", None))
