"""The event outbox: one call, inside the caller's transaction."""

import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder

from acorn_portal.models import OutboxEvent


def _plain(payload: dict | None) -> dict:
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))  # Decimals and dates as strings


def emit_event(name: str, *, organization, obj=None, payload: dict | None = None) -> OutboxEvent:
    """Record an event; call it inside the same `transaction.atomic()` as the change it reports."""
    return OutboxEvent.objects.create(
        organization=organization,
        name=name,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        payload=_plain(payload),
    )


def emit_events(name: str, *, organization_id: int, model, items: Iterable[tuple[object, dict]]) -> int:
    """Record many events of one kind about rows of `model` in bulk (a sync creating thousands of rows).

    `items` are (primary key, payload) pairs. Same rule as `emit_event`: inside the change's transaction.
    """
    object_type = model._meta.label_lower
    events = [
        OutboxEvent(
            organization_id=organization_id,
            name=name,
            object_type=object_type,
            object_id=str(pk),
            payload=_plain(payload),
        )
        for pk, payload in items
    ]
    OutboxEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)
