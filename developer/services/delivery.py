"""Sending webhook deliveries: claim the due ones, POST them signed, record the outcome, back off.

    deliver_due(now=now)  # -> DeliveryRun(sent=3, succeeded=2, failed=1, given_up=0)

Claiming: due rows are picked with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (workers do not
queue behind each other) and taken with a conditional UPDATE that re-checks they are still free, so
on SQLite — which has neither — the UPDATE alone decides. Each worker then sends only the rows
carrying its own token. A claim is a lease: a worker that dies mid-send frees its rows when the
lease runs out, and the delivery is sent again (receivers deduplicate by `ACORN-Delivery`).

Every request goes through `acorn_portal.outbound.OutboundSession`: internal addresses refused
unless allowed, no redirects, timeouts. 2xx is success; anything else, or no answer, is a failure
retried with exponential backoff and jitter until `give_up_at` (24 h by default), then given up.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from acorn_portal import clock as one_clock
from acorn_portal.outbound import OutboundRefused, OutboundSession
from developer import conf
from developer.choices import OPEN_DELIVERY_STATES, DeliveryStatus
from developer.envelope import envelope_of
from developer.models import WebhookDelivery, WebhookEndpoint
from developer.services.endpoints import auto_disable_if_failing
from developer.signing import sign

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # longer than a request can take (timeouts), shorter than a schedule gap
RESPONSE_BODY_LIMIT = 2000
ATTEMPT_LOG_LIMIT = 20
USER_AGENT = "ACORN-Webhooks/1.0"


@dataclass
class DeliveryRun:
    sent: int = 0
    succeeded: int = 0
    failed: int = 0
    given_up: int = 0

    def __str__(self):
        return f"{self.sent} sent: {self.succeeded} succeeded, {self.failed} failed, {self.given_up} given up"


def backoff_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Wait after the n-th failed attempt: base · 2^(n-1), capped, times a jitter in [0.8, 1.2]."""
    base = conf.backoff_base() * 2 ** max(0, attempts - 1)
    jitter = (rng or random).uniform(0.8, 1.2)
    return timedelta(seconds=min(base, conf.backoff_cap()) * jitter)


def envelope(delivery: WebhookDelivery) -> dict:
    """What a receiver gets: the event's envelope, as the feed and the delivery log show it."""
    return envelope_of(delivery.event)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(envelope(delivery), cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


# -- claiming ---------------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    return free & Q(status__in=OPEN_DELIVERY_STATES, next_attempt_at__lte=now, endpoint__is_enabled=True)


def claim_due(*, now: datetime, limit: int, token: str) -> list[WebhookDelivery]:
    """Take up to `limit` due deliveries for this worker; no two workers ever hold the same one."""
    with transaction.atomic():
        candidates = WebhookDelivery.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # The condition again: on SQLite nothing was locked, so the UPDATE's row count is the claim.
        WebhookDelivery.objects.filter(_due(now), id__in=ids).update(locked_by=token, locked_until=now + LEASE)
    return list(
        WebhookDelivery.objects.filter(id__in=ids, locked_by=token)
        .select_related("endpoint", "event__organization")
        .order_by("next_attempt_at", "id")
    )


# -- sending ----------------------------------------------------------------------------------------


def deliver_due(
    *, now: datetime | None = None, limit: int = 100, session: OutboundSession | None = None
) -> DeliveryRun:
    """Send what is due. `now` fixes the clock (tests advance it instead of sleeping)."""
    clock = (lambda: now) if now is not None else one_clock.now
    token = uuid.uuid4().hex
    run = DeliveryRun()
    claimed = claim_due(now=clock(), limit=limit, token=token)
    if not claimed:
        return run
    own_session = session is None
    session = session or OutboundSession(timeout=conf.webhook_timeout())
    try:
        for delivery in claimed:
            outcome = attempt(delivery, token=token, session=session, now=clock())
            run.sent += 1
            setattr(run, outcome, getattr(run, outcome) + 1)
    finally:
        if own_session:
            session.close()
    return run


@dataclass
class _Result:
    ok: bool
    status: int | None = None
    body: str = ""
    error: str = ""


def _post(session: OutboundSession, delivery: WebhookDelivery, body: bytes, headers: dict) -> _Result:
    try:
        response = session.post(delivery.endpoint.url, data=body, headers=headers, stream=True)
    except OutboundRefused as exc:
        return _Result(False, error=f"Refused: {exc}")
    except requests.Timeout:
        return _Result(False, error=f"No answer within {conf.webhook_timeout()[1]:g} s (timeout).")
    except requests.ConnectionError as exc:
        return _Result(False, error=f"Could not connect: {exc}")
    except requests.RequestException as exc:
        return _Result(False, error=f"{type(exc).__name__}: {exc}")
    try:
        raw = response.raw.read(RESPONSE_BODY_LIMIT, decode_content=True) or b""
    except Exception as exc:  # noqa: BLE001 - a broken body does not change the status we got
        raw = f"(body unreadable: {exc})".encode()
    finally:
        response.close()
    text = raw.decode("utf-8", errors="replace")
    ok = 200 <= response.status_code < 300
    return _Result(ok, response.status_code, text, "" if ok else f"HTTP {response.status_code}")


def attempt(delivery: WebhookDelivery, *, token: str, session: OutboundSession, now: datetime) -> str:
    """POST one claimed delivery and record the outcome; returns "succeeded", "failed" or "given_up"."""
    body = body_of(delivery)
    request_id = uuid.uuid4().hex
    current, *older = delivery.endpoint.signing_secrets(now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "ACORN-Event": delivery.event_name,
        "ACORN-Delivery": str(delivery.pk),
        "ACORN-Signature": sign(current, body, int(now.timestamp()), *older),
        "X-Request-ID": request_id,
    }
    started = time.monotonic()
    result = _post(session, delivery, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery, result, token=token, now=now, duration_ms=duration_ms, request_id=request_id)


def _record(delivery: WebhookDelivery, result: _Result, *, token, now, duration_ms, request_id) -> str:
    attempts = delivery.attempts + 1
    if result.ok:
        status, next_at = DeliveryStatus.SUCCEEDED, None
    elif now >= delivery.give_up_at:
        status, next_at = DeliveryStatus.GIVEN_UP, None
    else:
        status, next_at = DeliveryStatus.FAILED, min(now + backoff_delay(attempts), delivery.give_up_at)
    entry = {
        "at": now.isoformat(),
        "status": result.status,
        "error": result.error[:300],
        "duration_ms": duration_ms,
        "request_id": request_id,
    }
    fields = {
        "status": status,
        "attempts": attempts,
        "next_attempt_at": next_at,
        "last_attempt_at": now,
        "response_status": result.status,
        "response_body": result.body[:RESPONSE_BODY_LIMIT],
        "error": result.error[:2000],
        "duration_ms": duration_ms,
        "request_id": request_id,
        "attempt_log": [*delivery.attempt_log, entry][-ATTEMPT_LOG_LIMIT:],
        "locked_by": "",
        "locked_until": None,
    }
    if result.ok:
        fields["delivered_at"] = now
    with transaction.atomic():
        written = WebhookDelivery.objects.filter(pk=delivery.pk, locked_by=token).update(**fields)
        if not written:
            log.warning("Webhook delivery %s: lease lost before the outcome was recorded", delivery.pk)
        _count_on_endpoint(delivery.endpoint_id, ok=result.ok, now=now)
    if not result.ok:
        auto_disable_if_failing(delivery.endpoint_id, now=now)
    for name, value in fields.items():
        setattr(delivery, name, value)
    return str(status.value)


def _count_on_endpoint(endpoint_id: int, *, ok: bool, now: datetime) -> None:
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint_id)
    if ok:
        endpoints.update(consecutive_failures=0, failing_since=None, last_success_at=now)
    else:
        endpoints.update(
            consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce("failing_since", Value(now))
        )
