"""Settings of the developer app, read when used (so tests can override them), with their defaults."""

from datetime import timedelta

from django.conf import settings


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def webhook_timeout() -> tuple[float, float]:
    seconds = _setting("WEBHOOK_TIMEOUT_SECONDS", 10)
    return (min(5.0, seconds), float(seconds))  # connect, read


def webhook_max_age() -> timedelta:
    return timedelta(hours=_setting("WEBHOOK_MAX_AGE_HOURS", 24))


def backoff_base() -> int:
    return _setting("WEBHOOK_BACKOFF_BASE_SECONDS", 60)


def backoff_cap() -> int:
    return _setting("WEBHOOK_BACKOFF_MAX_SECONDS", 4 * 3600)


def disable_after_failures() -> int:
    return _setting("WEBHOOK_DISABLE_AFTER_FAILURES", 20)


def disable_after() -> timedelta:
    return timedelta(hours=_setting("WEBHOOK_DISABLE_AFTER_HOURS", 12))


def ledger_export_max_lines() -> int:
    return _setting("LEDGER_EXPORT_MAX_LINES", 50_000)


def webhook_secret_overlap() -> timedelta:
    """How long the old secret still signs after a rotation (both signatures are sent meanwhile)."""
    return timedelta(hours=_setting("WEBHOOK_SECRET_OVERLAP_HOURS", 24))
