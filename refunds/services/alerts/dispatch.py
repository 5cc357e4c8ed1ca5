"""Claiming and delivering alerts: the exactly-once part.

An alert is *claimed* by inserting its `AlertLog` row, whose `key` is unique; the insert that loses
the race (a duplicate task, a second worker, a run after a restart) raises IntegrityError and sends
nothing. Delivery then *takes* each pending row with a conditional UPDATE (pending, due, and pushed
`SEND_LEASE` into the future in the same statement) and checks the row count, so two deliverers
never send the same row. A worker that dies between the send and the status update leaves a row
that is taken again after the lease: that one message may then go twice, the only repeat left
(no channel we post to offers a way to make a send and a database write one step).

A failing row is retried with exponential backoff up to `MAX_ATTEMPTS`, then marked failed. Rows
are independent: a channel that fails only postpones its own rows; within one delivery pass a
channel that failed once is not tried again, so one dead webhook costs one timeout, not one per row.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F

from acorn_portal import clock
from acorn_portal.outbound import OutboundSession
from refunds.models.alerts import AlertLog, AlertStatus
from refunds.services.alerts import channels

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)  # 1, 4, 16, 64 minutes between the five attempts
BACKOFF_FACTOR = 4
SEND_LEASE = timedelta(minutes=5)  # longer than any send (timeouts are 5 s + 15 s)
DELIVERY_BATCH = 500


@dataclass(frozen=True)
class Intent:
    """One message to claim: what it is about (key), for whom, over which channel, and its words."""

    organization_id: int
    key: str
    kind: str
    subject: str
    message: dict
    chargeback_id: int | None = None
    lead_days: int | None = None
    recipient_id: int | None = None
    channel_id: int | None = None
    address: str = ""
    status: str = AlertStatus.PENDING


def claim(intent: Intent, *, now: datetime | None = None) -> AlertLog | None:
    """Insert the intent's log row; None when its key was claimed before (by anyone, ever)."""
    now = now or clock.now()
    try:
        with transaction.atomic():
            return AlertLog.objects.create(
                organization_id=intent.organization_id,
                key=intent.key,
                kind=intent.kind,
                subject=intent.subject[:300],
                message=intent.message,
                chargeback_id=intent.chargeback_id,
                lead_days=intent.lead_days,
                recipient_id=intent.recipient_id,
                channel_id=intent.channel_id,
                address=intent.address,
                status=intent.status,
                next_attempt_at=now,
                sent_at=now if intent.status == AlertStatus.SENT else None,
            )
    except IntegrityError:
        return None


def claim_all(intents: list[Intent], *, now: datetime | None = None, taken: set | None = None) -> list[AlertLog]:
    """Claim many; keys already taken are skipped with one query instead of one failed insert each.

    `taken`: keys the caller already knows are claimed (then no query is made; a race is still
    settled by the unique constraint).
    """
    if not intents:
        return []
    if taken is None:
        taken = set(AlertLog.objects.filter(key__in=[i.key for i in intents]).values_list("key", flat=True))
    taken = set(taken)
    claimed = []
    for intent in intents:
        if intent.key in taken:
            continue
        taken.add(intent.key)
        row = claim(intent, now=now)
        if row is not None:
            claimed.append(row)
    return claimed


def backoff(attempts: int) -> timedelta:
    return BACKOFF_BASE * BACKOFF_FACTOR ** max(0, attempts - 1)


def take(log_id: int, now: datetime) -> bool:
    """Take one due row for sending (conditional UPDATE; False: another deliverer has it or it is done)."""
    return (
        AlertLog.objects.filter(pk=log_id, status=AlertStatus.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + SEND_LEASE, attempts=F("attempts") + 1, last_attempt_at=now
        )
        == 1
    )


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped_channels: set = field(default_factory=set)

    def __str__(self):
        return f"sent {self.sent}, to retry {self.retrying}, gave up {self.failed}"


def deliver_due(*, now: datetime | None = None, limit: int = DELIVERY_BATCH) -> DeliveryResult:
    """Send every pending alert whose time has come (emails first); a failure only reschedules its row."""
    now = now or clock.now()
    result = DeliveryResult()
    ids = list(
        AlertLog.objects.due(now)
        .order_by(F("channel_id").asc(nulls_first=True), "next_attempt_at", "id")
        .values_list("pk", "channel_id")[:limit]
    )
    if not ids:
        return result
    mail_connection = _open_mail_connection() if any(channel_id is None for _pk, channel_id in ids) else None
    with OutboundSession() as session, contextlib.closing(_Closer(mail_connection)):
        for log_id, channel_id in ids:
            if channel_id is not None and channel_id in result.skipped_channels:
                continue  # failed once in this pass: its other rows wait for the next pass untouched
            if not take(log_id, now):
                continue
            row = AlertLog.objects.select_related("channel").get(pk=log_id)
            try:
                channels.send(row, session=session, mail_connection=mail_connection, now=now)
            except Exception as exc:  # noqa: BLE001 - any failure of one channel must not stop the others
                _record_failure(row, exc, now, result)
                if channel_id is not None:
                    result.skipped_channels.add(channel_id)
            else:
                AlertLog.objects.filter(pk=log_id).update(status=AlertStatus.SENT, sent_at=now)
                result.sent += 1
    return result


def _open_mail_connection():
    """One mail connection for the pass (SMTP logs in once, not per email). If the server cannot be
    reached now, each email tries again on its own and fails alone; chat channels are not held up."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001
        log.warning("Mail server not reachable at the start of a delivery pass: %s", exc)
    return connection


class _Closer:
    def __init__(self, connection):
        self.connection = connection

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()


def _record_failure(row: AlertLog, exc: Exception, now: datetime, result: DeliveryResult) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    log.warning("Alert %s via %s failed (attempt %s): %s", row.key, row.channel_label, row.attempts, error)
    if row.attempts >= MAX_ATTEMPTS:
        AlertLog.objects.filter(pk=row.pk).update(status=AlertStatus.FAILED, last_error=error)
        result.failed += 1
    else:
        AlertLog.objects.filter(pk=row.pk).update(next_attempt_at=now + backoff(row.attempts), last_error=error)
        result.retrying += 1


def retry_now(queryset, *, now: datetime | None = None) -> int:
    """Put failed or waiting alerts back in line for the next delivery (a person asked; attempts start over)."""
    return queryset.filter(status__in=[AlertStatus.PENDING, AlertStatus.FAILED], kind__in=_SENDABLE).update(
        status=AlertStatus.PENDING, next_attempt_at=now or clock.now(), attempts=0
    )


_SENDABLE = ["reminder", "escalation", "digest", "data"]
