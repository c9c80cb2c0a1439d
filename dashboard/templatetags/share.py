"""Tags of the link-preview tags (templates/dashboard/includes/share_tags.html)."""

from __future__ import annotations

from django import template

from dashboard import share_images
from dashboard.page_cache import kept_parameters

register = template.Library()


@register.simple_tag
def share_image_url(chart) -> str:
    """{% share_image_url chart as image %}: the address of the chart's picture, or "" if none was drawn."""
    return share_images.image_url(chart)


@register.simple_tag(takes_context=True)
def page_address(context) -> str:
    """This page's full address with the parameters that shape it: a date that is today's record is left out, as the
    page's own links leave it out, so that the page is the same as today's."""
    request = context["request"]
    query = kept_parameters(request).urlencode()
    return request.build_absolute_uri(request.path + (f"?{query}" if query else ""))
