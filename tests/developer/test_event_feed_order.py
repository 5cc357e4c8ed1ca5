"""The event feed never skips an event whose transaction commits after a later one's.

On PostgreSQL, with two real connections: a transaction holds its event open while a later event
commits; the feed must not hand out the later one first and so lose the earlier for good.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from acorn_portal.models import OutboxEvent
from acorn_portal.services.events import emit_event, publish

FEED = "/api/v1/events/"


def read_all(api, after=0):
    seen = []
    while True:
        body = api.get(FEED, {"after": after}).json()
        seen += [event["id"] for event in body["results"]]
        after = body["last_id"]
        if not body["has_more"]:
            return seen, after


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_committing_late_is_still_read_after_a_later_one(api, org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so events commit in id order")
    emit_event("chargeback.created", organization=org, payload={"n": "before"})
    _, after = read_all(api)

    written, release, done = threading.Event(), threading.Event(), threading.Event()
    slow = {}

    def slow_writer():
        try:
            with transaction.atomic():
                slow["id"] = emit_event("chargeback.created", organization=org, payload={"n": "slow"}).pk
                written.set()
                release.wait(30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(30)
    fast = emit_event("chargeback.created", organization=org, payload={"n": "fast"}).pk
    assert fast > slow["id"]  # the later id commits first

    # While the slow transaction is open neither event is handed out: the fast one could be overtaken.
    seen, after = read_all(api, after)
    assert seen == []
    release.set()
    assert done.wait(30)
    thread.join(30)
    seen, after = read_all(api, after)
    assert sorted(seen) == sorted([slow["id"], fast])
    assert read_all(api, after)[0] == []


@pytest.mark.django_db
def test_on_any_database_the_feed_hands_out_each_event_once_in_order(api, org, other_org):
    ids = [emit_event("chargeback.created", organization=org, payload={"n": n}).pk for n in range(5)]
    emit_event("chargeback.created", organization=other_org, payload={"n": "theirs"})
    first = api.get(FEED, {"limit": 2}).json()
    rest = api.get(FEED, {"after": first["last_id"]}).json()
    assert [e["id"] for e in first["results"] + rest["results"]] == ids
    positions = [e["position"] for e in first["results"] + rest["results"]]
    assert positions == sorted(positions) and len(set(positions)) == 5
    assert publish() == 0  # all given positions already; none twice
    assert OutboxEvent.objects.filter(position__isnull=True).count() == 0
