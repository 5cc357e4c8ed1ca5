"""The event outbox: one call, inside the caller's transaction."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from acorn_portal.models import OutboxEvent


def emit_event(name: str, *, organization, obj=None, payload: dict | None = None) -> OutboxEvent:
    """Record an event; call it inside the same `transaction.atomic()` as the change it reports."""
    data = json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))  # Decimals and dates as strings
    return OutboxEvent.objects.create(
        organization=organization,
        name=name,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        payload=data,
    )
