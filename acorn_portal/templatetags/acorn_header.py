"""The header links apps registered (acorn_portal.header)."""

from django import template
from django.utils.html import format_html, format_html_join

from acorn_portal.header import header_links as registered_links

register = template.Library()


@register.simple_tag(takes_context=True)
def header_links(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return format_html_join("", "{} / ", ((html,) for html in registered_links(request)))


@register.simple_tag(takes_context=True)
def portal_banners(context):
    """The notices apps registered (acorn_portal.banners), each a line of the page's message list."""
    from acorn_portal.banners import banners

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    found = banners(request)
    if not found:
        return ""
    return format_html(
        '<ul class="messagelist portal-banners">{}</ul>',
        format_html_join("", '<li class="info">{}</li>', ((html,) for html in found)),
    )
