"""django-q2 entry points of the developer app: a one-line summary out, safe to run twice."""

from datetime import timedelta

from acorn_portal import clock
from developer.models import IdempotencyRecord
from developer.services.delivery import deliver_due
from developer.services.fanout import fan_out_all

DELIVERY_ROUNDS = 10
# A client retries within minutes; a day covers any sane retry policy (Stripe keeps 24 h too).
KEEP_IDEMPOTENCY_FOR = timedelta(hours=24)


def dispatch_webhooks() -> str:
    """Turn new outbox events into deliveries, then send what is due (bounded rounds per run).

    Safe to run twice at once: the fan-out takes turns on its cursor row and deliveries are claimed
    one worker at a time, so a duplicate or overlapping run sends nothing twice.
    """
    created = fan_out_all()
    sent = succeeded = failed = given_up = 0
    for _ in range(DELIVERY_ROUNDS):
        run = deliver_due()
        sent, succeeded = sent + run.sent, succeeded + run.succeeded
        failed, given_up = failed + run.failed, given_up + run.given_up
        if not run.sent:
            break
    return f"{created} deliveries created; {sent} sent: {succeeded} succeeded, {failed} failed, {given_up} given up"


def purge_idempotency_records() -> str:
    """Forget stored first responses older than a day (their keys may then be reused)."""
    cutoff = clock.now() - KEEP_IDEMPOTENCY_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return f"{deleted} idempotency record(s) older than {cutoff:%Y-%m-%d %H:%M} UTC purged"
