"""Template tags of the portal's start page."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def acorn_queues(context):
    """The user's queues with capped counts, for the admin start page."""
    from refunds.admin_queues import queue_links

    request = context.get("request")
    return queue_links(request) if request is not None else []


@register.filter
def money(amount, currency):
    """An amount at its currency's precision with the code: "1,234.50 USD" (stored with 4 decimals)."""
    from acorn_portal.money import Money, MoneyError

    if amount is None or amount == "":
        return "—"
    try:
        return Money(amount, currency).localized()
    except MoneyError:
        return f"{amount} {currency}"


@register.filter
def amazon_type(code):
    """Amazon's deduction type code as received, our label beside it (refunds.amazon_labels)."""
    from refunds.amazon_labels import deduction_type_html

    return deduction_type_html(code)


@register.filter
def amazon_status(status):
    """Amazon's status as received, our word beside it when we know it."""
    from refunds.amazon_labels import amazon_status_html

    return amazon_status_html(status)
