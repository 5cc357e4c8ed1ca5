"""django-q2 entry points of the developer app: a one-line summary out, safe to run twice."""

from datetime import timedelta

from django.utils import timezone

from developer.models import IdempotencyRecord

# A client retries within minutes; a day covers any sane retry policy (Stripe keeps 24 h too).
KEEP_IDEMPOTENCY_FOR = timedelta(hours=24)


def purge_idempotency_records() -> str:
    """Forget stored first responses older than a day (their keys may then be reused)."""
    cutoff = timezone.now() - KEEP_IDEMPOTENCY_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return f"{deleted} idempotency record(s) older than {cutoff:%Y-%m-%d %H:%M} UTC purged"
