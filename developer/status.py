"""The webhooks' section of the status page: is every endpoint receiving what it subscribed to?"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from acorn_portal.status import StatusRow, StatusSection, format_when
from acorn_portal.tenancy import organizations_with_perm, restrict_to_organizations
from developer.choices import DeliveryStatus
from developer.models import WebhookEndpoint

SHOWN = 200


def webhook_endpoints_section(request, org_ids, now) -> StatusSection:
    """Per endpoint: enabled or why not, failures in a row, last success, deliveries waiting or given up."""
    allowed = organizations_with_perm(request.user, "developer.view_webhookendpoint")
    endpoints = restrict_to_organizations(WebhookEndpoint.objects.select_related("organization"), allowed)
    endpoints = endpoints.annotate(
        waiting=Count("deliveries", filter=Q(deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])),
        given_up=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.GIVEN_UP)),
    ).order_by("organization__name", "url")[:SHOWN]
    rows, unhealthy = [], 0
    for endpoint in endpoints:
        if not endpoint.is_enabled:
            state = f"✖ disabled: {endpoint.disabled_reason or 'by a person'}"
        elif endpoint.consecutive_failures:
            state = f"⚠ failing: {endpoint.consecutive_failures} failure(s) in a row"
        else:
            state = "healthy"
        flagged = state != "healthy"
        unhealthy += flagged
        rows.append(
            StatusRow(
                [
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("admin:developer_webhookendpoint_change", args=[endpoint.pk]),
                        f"{endpoint.organization} · {endpoint.url}",
                    ),
                    state,
                    format_when(endpoint.last_success_at),
                    str(endpoint.waiting),
                    str(endpoint.given_up),
                ],
                flagged=flagged,
            )
        )
    return StatusSection(
        title=_("Webhook endpoints"),
        columns=["Endpoint", "State", "Last success", "Waiting deliveries", "Given up"],
        rows=rows,
        level="error" if any(not e.is_enabled for e in endpoints) else ("warn" if unhealthy else "ok"),
        summary=f"{len(rows)} endpoint(s); {unhealthy} disabled or failing.",
        empty_text="No webhook endpoints.",
    )
