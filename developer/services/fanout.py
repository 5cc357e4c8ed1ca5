"""Fan-out: new outbox events become one delivery per subscribed, enabled endpoint.

Reads the outbox past a stored cursor (`WebhookCursor`), under a row lock so two runs take turns.
Deliveries are unique per (endpoint, event) and inserted with ON CONFLICT DO NOTHING, so a
duplicate or overlapping run creates nothing twice. Ids skipped because their transaction had not
committed yet are remembered as gaps and looked up again (see `WebhookCursor`).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from acorn_portal import clock
from acorn_portal.models import OutboxEvent
from developer import conf
from developer.choices import DeliveryStatus, WebhookEventType
from developer.models import WebhookCursor, WebhookDelivery, WebhookEndpoint

CURSOR_NAME = "webhooks"
BATCH_SIZE = 2000
MAX_GAPS = 200  # ranges kept; a storm of rolled-back transactions must not grow the row without bound
GAP_PATIENCE = timedelta(hours=6)  # an id still missing after this belongs to a rolled-back transaction


def _cursor() -> WebhookCursor:
    """The cursor row, locked. A new cursor starts at the beginning: events from before an endpoint
    existed are read (cheaply, as id tuples) but not sent, so nothing written meanwhile is missed."""
    if not WebhookCursor.objects.filter(name=CURSOR_NAME).exists():
        with contextlib.suppress(IntegrityError), transaction.atomic():
            WebhookCursor.objects.create(name=CURSOR_NAME, last_event_id=0)
    return WebhookCursor.objects.select_for_update().get(name=CURSOR_NAME)


def fan_out(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """One batch of the outbox turned into deliveries; the number of deliveries created."""
    now = now or clock.now()
    with transaction.atomic():
        cursor = _cursor()
        late = _events(_in_gaps(cursor.gaps)) if cursor.gaps else []
        new = _events(Q(id__gt=cursor.last_event_id), limit=batch_size)
        created = _create_deliveries([*late, *new], now)
        gaps = _fill(cursor.gaps, {row[0] for row in late})
        if new:
            gaps += _missing(cursor.last_event_id, [row[0] for row in new], now)
            cursor.last_event_id = new[-1][0]
        cursor.gaps = _prune(gaps, now)
        cursor.save()
    return created


def fan_out_all(*, now: datetime | None = None, max_batches: int = 50) -> int:
    """Batches until the outbox is read to its end (bounded, so one run cannot hold a worker forever)."""
    total = 0
    for _ in range(max_batches):
        before = WebhookCursor.objects.filter(name=CURSOR_NAME).values_list("last_event_id", flat=True).first()
        total += fan_out(now=now)
        after = WebhookCursor.objects.filter(name=CURSOR_NAME).values_list("last_event_id", flat=True).first()
        if after == before:
            break
    return total


def _events(condition: Q, limit: int | None = None) -> list[tuple]:
    # Tuples, not models: the payload is read only when a delivery is sent.
    rows = (
        OutboxEvent.objects.filter(condition).order_by("id").values_list("id", "organization_id", "name", "created_at")
    )
    return list(rows[:limit] if limit else rows)


def _create_deliveries(events: list[tuple], now: datetime) -> int:
    wanted = [event for event in events if event[2] in WebhookEventType.values]
    if not wanted:
        return 0
    by_org = defaultdict(list)
    endpoints = WebhookEndpoint.objects.filter(
        is_enabled=True, organization_id__in={event[1] for event in wanted}
    ).values_list("id", "organization_id", "events", "created_at")
    for endpoint_id, org_id, names, created_at in endpoints:
        by_org[org_id].append((endpoint_id, set(names or ()), created_at))
    give_up_at = now + conf.webhook_max_age()
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_name=name,
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            give_up_at=give_up_at,
            created_at=now,
        )
        for event_id, org_id, name, event_created in wanted
        for endpoint_id, names, endpoint_created in by_org.get(org_id, ())
        # An endpoint receives what happened after it was set up, not the organization's past.
        if name in names and event_created >= endpoint_created
    ]
    if not deliveries:
        return 0
    mine = WebhookDelivery.objects.filter(event_id__in={delivery.event_id for delivery in deliveries})
    before = mine.count()
    WebhookDelivery.objects.bulk_create(deliveries, batch_size=1000, ignore_conflicts=True)
    return mine.count() - before


# -- gaps: [low, high, first seen (ISO)] ------------------------------------------------------------


def _in_gaps(gaps: list) -> Q:
    condition = Q(pk__in=[])
    for low, high, _seen in gaps:
        condition |= Q(id__range=(low, high))
    return condition


def _missing(last: int, ids: list[int], now: datetime) -> list[list]:
    gaps, expected = [], last + 1
    for event_id in ids:
        if event_id > expected:
            gaps.append([expected, event_id - 1, now.isoformat()])
        expected = event_id + 1
    return gaps


def _fill(gaps: list, found: set[int]) -> list[list]:
    """The gaps minus the ids that have now appeared."""
    if not found:
        return [list(gap) for gap in gaps]
    remaining = []
    for low, high, seen in gaps:
        start = low
        for event_id in sorted(i for i in found if low <= i <= high):
            if event_id > start:
                remaining.append([start, event_id - 1, seen])
            start = event_id + 1
        if start <= high:
            remaining.append([start, high, seen])
    return remaining


def _prune(gaps: list, now: datetime) -> list[list]:
    oldest = now - GAP_PATIENCE
    kept = [gap for gap in gaps if datetime.fromisoformat(gap[2]) >= oldest]
    return kept[-MAX_GAPS:]
