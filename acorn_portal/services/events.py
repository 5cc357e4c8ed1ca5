"""The event outbox: one call, inside the caller's transaction."""

import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max, Q

from acorn_portal.models import OutboxEvent

PUBLISH_LOCK = 7_410_001  # pg_advisory_xact_lock key: one publisher at a time
PUBLISH_BATCH = 5000


def _txid() -> int | None:
    """The current transaction's id on PostgreSQL (assigned if need be); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0]


def publish(limit: int = PUBLISH_BATCH) -> int:
    """Give feed positions to events that nothing committing later can precede; returns how many.

    On PostgreSQL an event is safe once its transaction is older than every transaction still
    running (txid below the snapshot's xmin): no event of a lower transaction can appear any more.
    Positions are handed out under an advisory lock held to commit, so they become visible in their
    own order and a reader resuming after position N never misses one below it. On SQLite writers are
    serialised, so every committed event is safe.
    """
    with transaction.atomic():
        pending = OutboxEvent.objects.filter(position__isnull=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PUBLISH_LOCK])
                cursor.execute(
                    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
                    "pg_current_xact_id_if_assigned()::text::bigint"
                )
                horizon, own = cursor.fetchone()
            # This transaction's own events are safe too: their positions commit (or vanish) with them.
            pending = pending.filter(Q(txid__lt=horizon) | Q(txid=own)) if own else pending.filter(txid__lt=horizon)
        ids = list(pending.order_by("txid", "id").values_list("id", flat=True)[:limit])
        if not ids:
            return 0
        last = OutboxEvent.objects.aggregate(last=Max("position"))["last"] or 0
        events = [OutboxEvent(id=event_id, position=last + offset) for offset, event_id in enumerate(ids, 1)]
        OutboxEvent.objects.bulk_update(events, ["position"], batch_size=1000)
    return len(ids)


def _plain(payload: dict | None) -> dict:
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))  # Decimals and dates as strings


def emit_event(name: str, *, organization, obj=None, payload: dict | None = None) -> OutboxEvent:
    """Record an event; call it inside the same `transaction.atomic()` as the change it reports."""
    return OutboxEvent.objects.create(
        txid=_txid(),
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
    txid = _txid()
    events = [
        OutboxEvent(
            txid=txid,
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
