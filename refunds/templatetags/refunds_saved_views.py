"""The case list's saved views (refunds.saved_views)."""

from django import template

from refunds.saved_views import views_for

register = template.Library()


@register.simple_tag(takes_context=True)
def saved_views(context):
    request = context.get("request")
    return [] if request is None else views_for(request)
