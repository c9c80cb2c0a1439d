"""{% page_url n as url %}: the address of page n of the table a page shows, keeping its other query parameters."""

from __future__ import annotations

from django import template

from dashboard.page_cache import kept_parameters

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """?page=n with the request's other parameters (a table's filters, the as-at date) kept; pass it to {% at %}."""
    query = kept_parameters(context["request"])
    query["page"] = str(number)
    return "?" + query.urlencode()
