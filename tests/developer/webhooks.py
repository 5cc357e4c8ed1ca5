"""Helpers for webhook tests: endpoints with their secret, events, and a clock that only moves when told."""

from datetime import UTC, datetime, timedelta

from acorn_portal.services.events import emit_event
from developer.services.delivery import deliver_due
from developer.services.endpoints import create_endpoint
from developer.services.fanout import fan_out

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ALL_EVENTS = ["chargeback.created", "chargeback.state_changed", "chargeback.recovered", "sync.failed"]


def make_endpoint(org, url, events=None, **kwargs):
    """(endpoint, secret) — as the service returns them."""
    return create_endpoint(organization=org, url=url, events=events or ALL_EVENTS, **kwargs)


def event(org, name="chargeback.created", **payload):
    return emit_event(name, organization=org, payload=payload or {"amazon_id": "D1"})


def run(now):
    """One scheduler tick at `now`: fan out, then send what is due."""
    fan_out(now=now)
    return deliver_due(now=now)


def tick_until(now, end, step=timedelta(minutes=1)):
    """Ticks every `step` from `now` to `end`; the time after the last tick."""
    while now <= end:
        run(now)
        now += step
    return now
