"""The queues: what each holds, in which order, and that the start page's count is the list's length."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from refunds.choices import ChargebackState as S
from refunds.choices import MatchStatus, Recommendation
from refunds.models import ChargebackAssessment
from refunds.services import workflow
from refunds.services.assignment import assign
from refunds.services.queues import QUEUES
from tests.refunds.cases import make_chargeback, reload, today, walk


@pytest.fixture(autouse=True)
def _frozen(frozen_now):
    """Queues judge days in each marketplace's calendar: at a fixed instant where the server's date
    and Los Angeles' agree (just after midnight UTC, "yesterday" would still be today in the US)."""
    return frozen_now


def verdict(case, recommendation, expected=Decimal("0")):
    """The matcher's verdict as the writer leaves it: on the case and in its assessment."""
    ChargebackAssessment.objects.create(
        chargeback=case,
        recommendation=recommendation,
        match_status=MatchStatus.MATCHED,
        expected_recovery=expected,
        currency=case.currency,
        confidence=Decimal("0.9"),
        summary="test",
        evaluated_at=timezone.now(),
    )
    case.recommendation = recommendation
    case.save(update_fields=["recommendation"])
    return case


@pytest.fixture
def desk(account, ops, manager, finance):
    """Cases in every place a queue looks: due soon, overdue, ready, waiting on Amazon, decided …"""
    cases = {
        "soon": make_chargeback(account, amazon_id="SOON", due_on=today() + timedelta(days=3)),
        "past": make_chargeback(account, amazon_id="PAST", due_on=today() - timedelta(days=2)),
        "later": make_chargeback(account, amazon_id="LATER", due_on=today() + timedelta(days=30)),
        "big": verdict(make_chargeback(account, amazon_id="BIG"), Recommendation.DISPUTE, Decimal("900")),
        "small": verdict(make_chargeback(account, amazon_id="SMALL"), Recommendation.DISPUTE, Decimal("10")),
        "not_yet": verdict(
            make_chargeback(account, amazon_id="NOTYET", disputable_from=today() + timedelta(days=5)),
            Recommendation.DISPUTE,
            Decimal("500"),
        ),
        "evidence": verdict(make_chargeback(account, amazon_id="EVID"), Recommendation.NEEDS_EVIDENCE),
    }
    cases["mine"] = assign(chargeback=make_chargeback(account, amazon_id="MINE"), actor=manager, assignee=ops)
    cases["pending"] = walk(make_chargeback(account, amazon_id="PEND"), S.PENDING_APPROVAL, ops=ops, manager=manager)
    cases["filed"] = walk(make_chargeback(account, amazon_id="FILED"), S.DISPUTED, ops=ops, manager=manager)
    won = walk(make_chargeback(account, amazon_id="WON"), S.DISPUTED, ops=ops, manager=manager)
    cases["won"] = workflow.record_amazon_approval(chargeback=won, actor=finance, amount=won.amount)
    cases["accepted"] = workflow.accept_deduction(
        chargeback=make_chargeback(account, amazon_id="VALID"), actor=ops, reason="valid"
    )
    return cases


def listed(client, key):
    response = client.get(reverse("admin:refunds_chargeback_changelist") + f"?queue={key}")
    assert response.status_code == 200
    return [case.amazon_id for case in response.context["cl"].result_list]


def test_every_queue_counts_what_its_list_shows_for_every_role(client, desk, ops, manager, finance, legal, org_admin):
    for user in (ops, manager, finance, legal, org_admin):
        client.force_login(user)
        start = client.get(reverse("dashboard:index"))
        queues = start.context["queues"]
        assert queues, user
        for queue in queues:
            assert queue["count"] == len(listed(client, queue["key"])), (user.username, queue["key"])


def test_due_in_7_days_never_holds_an_overdue_case(client, desk, ops):
    client.force_login(ops)
    assert listed(client, "due7") == ["SOON"]
    assert listed(client, "overdue") == ["PAST"]


def test_ready_to_dispute_is_disputable_now_most_money_first(client, desk, ops):
    client.force_login(ops)
    assert listed(client, "ready") == ["BIG", "SMALL"]
    assert listed(client, "evidence") == ["EVID"]


def test_needs_my_action_follows_the_role(client, desk, ops, manager, finance):
    client.force_login(ops)
    assert listed(client, "mine") == ["MINE"]
    client.force_login(manager)
    assert listed(client, "mine") == ["PEND"]
    client.force_login(finance)
    assert set(listed(client, "mine")) == {"FILED", "WON"}


def test_waiting_on_amazon_and_approved_not_paid(client, desk, finance):
    client.force_login(finance)
    assert listed(client, "amazon") == ["FILED"]
    assert listed(client, "unpaid") == ["WON"]


def test_recently_decided_is_about_peoples_decisions(client, desk, ops, account):
    expired = make_chargeback(account, amazon_id="GONE", due_on=today() - timedelta(days=1))
    workflow.expire(chargeback=expired, actor=None)
    assert reload(expired).state == S.EXPIRED
    client.force_login(ops)
    assert set(listed(client, "decided")) == {"WON", "VALID"}


def test_the_start_page_offers_each_role_its_own_queues(client, desk, ops, manager):
    client.force_login(ops)
    keys = {queue["key"] for queue in client.get(reverse("dashboard:index")).context["queues"]}
    assert {"mine", "ready", "evidence", "due7", "overdue"} <= keys
    assert "approval" not in keys
    client.force_login(manager)
    keys = {queue["key"] for queue in client.get(reverse("dashboard:index")).context["queues"]}
    assert "approval" in keys


def test_queues_are_scoped_to_the_users_organization(client, desk, other_account, ops):
    make_chargeback(other_account, amazon_id="THEIRS", due_on=today() + timedelta(days=2))
    client.force_login(ops)
    assert "THEIRS" not in listed(client, "due7")


def test_every_queue_has_a_label_and_an_order():
    for queue in QUEUES.values():
        assert queue.label and queue.help and queue.ordering


def test_queues_judge_each_case_by_its_own_marketplaces_calendar(client, org, account, ops):
    """At the frozen instant Los Angeles says one date and Tokyo the next: "due in 7 days" and
    "overdue" hold each case by its own account's date, and the start page counts what the lists show."""
    from datetime import date

    from acorn_portal.models import VendorAccount

    japan = VendorAccount.objects.create(organization=org, name="Acme JP", vendor_codes="ACMEJ", marketplace="JP")
    us_today = date.fromisoformat(str(today()))
    jp_today = us_today + timedelta(days=1)
    assert japan.time_zone == "Asia/Tokyo"
    for prefix, owner, day in (("US", account, us_today), ("JP", japan, jp_today)):
        for offset in (-1, 0, 7, 8):
            make_chargeback(owner, amazon_id=f"{prefix}{offset:+d}", due_on=day + timedelta(days=offset))
    client.force_login(ops)
    assert sorted(listed(client, "due7")) == ["JP+0", "JP+7", "US+0", "US+7"]
    assert sorted(listed(client, "overdue")) == ["JP-1", "US-1"]
    counts = {queue["key"]: queue["count"] for queue in client.get(reverse("dashboard:index")).context["queues"]}
    assert counts["due7"] == 4 and counts["overdue"] == 2


def test_each_queue_lists_in_one_direction_ending_with_the_key(client, desk, finance):
    """A queue's list reads off an index forwards or backwards: its order ends with the primary key in
    the direction of the column before it (never Django's `-pk` after an ascending column)."""
    client.force_login(finance)
    for key in QUEUES:
        response = client.get(reverse("admin:refunds_chargeback_changelist") + f"?queue={key}")
        order = [str(part) for part in response.context["cl"].queryset.query.order_by]
        *columns, last = order
        assert last.lstrip("-") in ("pk", "id"), (key, order)
        assert last.startswith("-") == columns[-1].startswith("-"), (key, order)
        assert len({part.lstrip("-") for part in order}) == len(order), (key, order)
