"""The header links apps registered (acorn_portal.header)."""

from django import template
from django.utils.html import format_html_join

from acorn_portal.header import header_links as registered_links

register = template.Library()


@register.simple_tag(takes_context=True)
def header_links(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return format_html_join("", "{} / ", ((html,) for html in registered_links(request)))
