"""Two delivery workers at once, on real concurrent PostgreSQL connections: every delivery is sent once."""

import threading

import pytest
from django.db import connection, connections

from developer.choices import DeliveryStatus
from developer.models import WebhookDelivery
from developer.services.delivery import deliver_due
from developer.services.fanout import fan_out
from tests.developer.receiver import Receiver
from tests.developer.webhooks import T0, event, make_endpoint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has a single writer, so two workers cannot race")


def _together(count, action):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_concurrent_delivery_runs_send_each_delivery_once(org):
    receiver = Receiver()
    try:
        make_endpoint(org, receiver.url)
        for i in range(40):
            event(org, amazon_id=f"D{i}")
        fan_out(now=T0)
        runs = _together(4, lambda: deliver_due(now=T0, limit=15))
    finally:
        receiver.stop()
    ids = receiver.delivery_ids()
    assert len(ids) == 40 and len(set(ids)) == 40, sorted(ids)
    assert sum(run.sent for run in runs) == 40
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert sum(run.sent > 0 for run in runs) >= 2  # they really worked side by side


def test_concurrent_fan_out_runs_create_each_delivery_once(org):
    receiver = Receiver()
    try:
        make_endpoint(org, receiver.url)
        make_endpoint(org, receiver.url, events=["chargeback.created"])
        for i in range(30):
            event(org, amazon_id=f"D{i}")
        created = _together(4, lambda: fan_out(now=T0))
    finally:
        receiver.stop()
    assert sum(created) == 60
    assert WebhookDelivery.objects.count() == 60
