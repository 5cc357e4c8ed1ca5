"""Managing webhook endpoints: create (the secret is returned once), rotate, enable, disable, redeliver."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from acorn_portal import clock
from acorn_portal.languages import language_for_user
from acorn_portal.models import AuditAction, Membership
from acorn_portal.roles import Role
from acorn_portal.services.audit import record_audit
from acorn_portal.services.events import emit_event
from developer import conf
from developer.choices import DeliveryStatus, TestEventType
from developer.models import WebhookDelivery, WebhookEndpoint, new_webhook_secret

log = logging.getLogger(__name__)


def create_endpoint(
    *, organization, url: str, events: list[str], description: str = "", actor=None, request=None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret: the only time the secret is handed out in clear."""
    secret = new_webhook_secret()
    endpoint = WebhookEndpoint(
        organization=organization,
        url=url,
        events=list(events or []),
        description=description,
        secret=secret,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    endpoint.full_clean()
    with transaction.atomic():
        endpoint.save()
        record_audit(
            AuditAction.WEBHOOK_SECRET_CHANGED, actor=actor, request=request, target=endpoint, change="created"
        )
    return endpoint, secret


def update_endpoint(*, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    """Change url, description or events (validated); the secret is never touched here."""
    allowed = {"url", "description", "events"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            _("Cannot change %(fields)s of a webhook endpoint.") % {"fields": ", ".join(sorted(unknown))}
        )
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def rotate_secret(*, endpoint: WebhookEndpoint, actor=None, request=None, now=None) -> str:
    """Replace the signing secret; the new one is returned once.

    The old secret keeps signing next to the new one for the overlap window
    (ACORN_WEBHOOK_SECRET_OVERLAP_HOURS), so a receiver can deploy the new secret without refusing
    deliveries meanwhile; then it expires. Rotating again during a window ends the older one at once.
    """
    now = now or clock.now()
    secret = new_webhook_secret()
    with transaction.atomic():
        current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        expires = now + conf.webhook_secret_overlap()
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            secret=secret, previous_secret=current.secret, previous_secret_expires_at=expires, updated_at=now
        )
        record_audit(
            AuditAction.WEBHOOK_SECRET_CHANGED,
            actor=actor,
            request=request,
            target=endpoint,
            change="rotated",
            previous_valid_until=expires,
        )
    endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_expires_at = secret, current.secret, expires
    return secret


def enable_endpoint(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Turn an endpoint back on with a clean failure count; deliveries still open are sent again."""
    endpoint.is_enabled = True
    endpoint.disabled_reason = ""
    endpoint.disabled_at = None
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None
    endpoint.save(
        update_fields=[
            "is_enabled",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "failing_since",
            "updated_at",
        ]
    )
    return endpoint


def disable_endpoint(*, endpoint: WebhookEndpoint, reason: str, actor=None, request=None, now=None) -> bool:
    """Stop sending to an endpoint, with the reason shown on it and in the audit trail; False if already off."""
    now = now or clock.now()
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_enabled=True).update(
            is_enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now
        )
        if changed:
            record_audit(
                AuditAction.WEBHOOK_DISABLED,
                actor=actor,
                actor_label="" if actor or request else "webhook delivery",
                request=request,
                target=endpoint,
                reason=reason,
                url=endpoint.url,
            )
    if changed:
        endpoint.is_enabled, endpoint.disabled_reason, endpoint.disabled_at = False, reason, now
    return bool(changed)


def auto_disable_if_failing(endpoint_id: int, *, now) -> bool:
    """Disable an endpoint that failed N times in a row over at least the set time, and tell its admins.

    Both conditions, so an outage of an hour (many quick retries) never turns an endpoint off,
    while a receiver that is gone for good stops being called.
    """
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, is_enabled=True).first()
    if endpoint is None or endpoint.failing_since is None:
        return False
    if endpoint.consecutive_failures < conf.disable_after_failures():
        return False
    if now - endpoint.failing_since < conf.disable_after():
        return False
    reason = (
        f"Disabled automatically on {now:%Y-%m-%d %H:%M} UTC after {endpoint.consecutive_failures} failed "
        f"deliveries in a row since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC."
    )
    if not disable_endpoint(endpoint=endpoint, reason=reason, now=now):
        return False
    notify_admins_of_disable(endpoint)
    return True


def notify_admins_of_disable(endpoint: WebhookEndpoint) -> int:
    """Email the organization's admins that an endpoint was disabled, each in their language; a mail
    failure is logged, not raised. The stored reason and the receiver's error are quoted as recorded."""
    admins = [
        membership.user
        for membership in Membership.objects.filter(
            organization_id=endpoint.organization_id, role=Role.ADMIN, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user", "user__person", "organization")
        .order_by("user__email")
    ]
    if not admins:
        return 0
    by_language = defaultdict(list)
    for user in admins:
        by_language[language_for_user(user, endpoint.organization)].append(user.email)
    sent = 0
    for language, recipients in sorted(by_language.items()):
        with translation.override(language):
            values = {
                "url": endpoint.url,
                "description": endpoint.description or gettext("no description"),
                "error": _last_error(endpoint),
            }
            subject = gettext("ACORN: webhook endpoint disabled — %(url)s") % values
            body = "\n\n".join(
                [
                    gettext("ACORN stopped sending webhooks to %(url)s (%(description)s).") % values,
                    endpoint.disabled_reason,
                    gettext("Last error: %(error)s") % values,
                    gettext(
                        "Deliveries that were still open are kept. Fix the receiver, then enable the endpoint again "
                        "in ACORN (Developer › Webhook endpoints): they will be sent."
                    ),
                ]
            )
        try:
            sent += send_mail(subject, body, None, recipients)
        except Exception:  # noqa: BLE001 - the endpoint is disabled either way; the mail server is outside us
            log.exception("Could not email admins about disabled webhook endpoint %s", endpoint.pk)
    return sent


def _last_error(endpoint: WebhookEndpoint) -> str:
    last = endpoint.deliveries.exclude(error="").order_by("-last_attempt_at", "-id").first()
    return last.error if last else gettext("none recorded")


def redeliver(*, delivery: WebhookDelivery, now=None) -> WebhookDelivery:
    """Send a delivery again now (whatever its status), with a fresh retry window."""
    if not delivery.endpoint.is_enabled:
        raise ValidationError(_("The endpoint is disabled; enable it before redelivering."))
    now = now or clock.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    updated = WebhookDelivery.objects.filter(free, pk=delivery.pk).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        give_up_at=now + conf.webhook_max_age(),
        locked_by="",
        locked_until=None,
    )
    if not updated:
        raise ValidationError(_("This delivery is being sent right now; try again in a minute."))
    delivery.refresh_from_db()
    return delivery


def ping(*, endpoint: WebhookEndpoint, now=None) -> WebhookDelivery:
    """A signed test event (`ping`) for this endpoint alone, queued to be sent at once.

    The event is in the outbox (a delivery points at an event) but neither the fan-out nor the feed
    passes test events on: only this delivery carries it.
    """
    now = now or clock.now()
    with transaction.atomic():
        event = emit_event(
            TestEventType.PING.value,
            organization=endpoint.organization,
            obj=endpoint,
            payload={"endpoint": endpoint.pk, "url": endpoint.url},
        )
        return WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            event_name=TestEventType.PING.value,
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            give_up_at=now + conf.webhook_max_age(),
            created_at=now,
        )
