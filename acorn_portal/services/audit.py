"""Recording the audit trail: one call from wherever a security-relevant thing happens."""

import ipaddress
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from acorn_portal.models import AuditEvent
from acorn_portal.tenancy import organization_id_of


def client_address(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or behind our proxy (ACORN_BEHIND_PROXY) the address it saw.

    Only the last X-Forwarded-For entry is the proxy's own; earlier ones are whatever the client sent.
    The lockout (AXES_CLIENT_IP_CALLABLE) counts failures per this address too.
    """
    if request is None:
        return None
    if getattr(settings, "ACORN_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass  # no usable header: the proxy is misconfigured; fall back to the peer address
    return request.META.get("REMOTE_ADDR") or None


def record_audit(
    action: str,
    *,
    actor=None,
    actor_label: str = "",
    organization=None,
    request=None,
    target=None,
    **detail,
) -> AuditEvent:
    """Append one audit event. Never pass secrets in `detail`: it is shown to the organization's admins."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if organization is None and target is not None and hasattr(type(target), "tenant_path"):
        organization_id = organization_id_of(target)
    else:
        organization_id = getattr(organization, "pk", organization)
    return AuditEvent.objects.create(
        organization_id=organization_id,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor is not None else ""),
        action=action,
        address=client_address(request),
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        detail=json.loads(json.dumps(detail, cls=DjangoJSONEncoder)),
    )
