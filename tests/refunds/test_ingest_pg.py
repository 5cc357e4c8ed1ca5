"""The PostgreSQL fast path for chargebacks gives the same rows, history and counts as the ORM path.

Each scenario runs twice on PostgreSQL, once per path, into two vendor accounts of the same
marketplace, and the rows are compared column by column (ids and timestamps aside).
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from acorn_portal.models import VendorAccount
from refunds.choices import Recommendation
from refunds.models import Chargeback
from refunds.services import ingest_pg
from refunds.services.ingest import ChargebackRecord, upsert_chargebacks
from simulator import AccountSpec, Kind, generate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's"),
]

VOLATILE = {"id", "account", "account_id", "created_at", "updated_at", "history_id", "history_date"}


def record(n: int, **extra) -> ChargebackRecord:
    values = {
        "amazon_id": f"1000000{n:04d}",
        "family": "operational_chargeback",
        "deduction_type": "asn_accuracy",
        "sub_type": "Late ASN",
        "amount": Decimal("42.00") + n,
        "currency": "USD",
        "issue_date": date(2026, 9, 20),
        "po_number": "po# 2jk3s9vc",
        "quantity": n,
    }
    return ChargebackRecord(**{**values, **extra})


@pytest.fixture
def twin(org):
    """A second US account of the same organization: the fast path's copy of the scenario."""
    return VendorAccount.objects.create(organization=org, name="Acme US twin", vendor_codes="ACMEV", marketplace="US")


def rows_of(account) -> list[dict]:
    rows = Chargeback.objects.filter(account=account).order_by("amazon_id").values()
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows]


def history_of(account) -> list[dict]:
    rows = Chargeback.history.filter(account=account).order_by("amazon_id", "history_date", "history_id").values()
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows]


def summary(result, account) -> dict:
    by_id = dict(Chargeback.objects.filter(account=account).values_list("id", "amazon_id"))
    return {
        "counts": (result.created, result.updated, result.unchanged, result.rejected),
        "errors": [(e.key, e.field, e.message) for e in result.errors],
        "created": sorted(by_id[pk] for pk in result.created_ids),
        "changed": sorted(by_id[pk] for pk in result.changed_ids),
    }


def run_both(steps, account, twin, **options):
    """Run each step's records through the ORM path on `account` and the fast path on `twin`."""
    for records in steps:
        slow = upsert_chargebacks(account=account, records=records, fast_path=False, **options)
        fast = upsert_chargebacks(account=twin, records=records, fast_path=True, **options)
        assert summary(fast, twin) == summary(slow, account)
    assert rows_of(twin) == rows_of(account)
    assert history_of(twin) == history_of(account)


def test_fast_path_is_used_on_postgresql():
    assert ingest_pg.available()


def test_create_change_and_unchanged_match_the_orm_path(account, twin, manager):
    first = [record(n) for n in range(1, 8)] + [record(99, amount=Decimal("-1")), record(3, sub_type="Later")]
    second = [
        record(1),  # unchanged
        record(2, amount=Decimal("40.00"), amazon_status="Waived"),
        record(3, description="Re-issued", quantity=None),
        record(8),  # new
        record(9, currency="CAD"),  # refused
    ]
    third = [record(2, amount=Decimal("40.0000"), amazon_status="Waived"), record(4, po_number="PO-77777777")]
    run_both([first, second, third], account, twin, batch_size=3, actor=manager, change_reason="File import")

    history = history_of(twin)
    assert {row["history_user_id"] for row in history} == {manager.pk}
    assert {row["history_change_reason"] for row in history} == {"File import"}
    assert [row["history_type"] for row in history if row["amazon_id"] == "10000000002"] == ["+", "~"]
    assert Chargeback.objects.get(account=twin, amazon_id="10000000004").po_number_normalized == "77777777"


def test_simulated_deductions_match_the_orm_path(account, twin):
    spec = AccountSpec.for_marketplace("US", vendor_code="ACMEU")
    records = [
        item.record
        for item in generate(seed=11, accounts=[spec], today=date(2026, 11, 1), deductions=150)
        if item.kind == Kind.CHARGEBACK
    ]
    changed = [replace(r, amazon_status="Waived") if i % 10 == 0 else r for i, r in enumerate(records)]
    run_both([records, records, changed], account, twin, batch_size=40)
    assert Chargeback.objects.filter(account=twin).count() == 150
    assert Chargeback.history.filter(account=twin, history_type="~").count() == 15


def test_fast_path_never_touches_workflow_fields(account):
    upsert_chargebacks(account=account, records=[record(1), record(2)], fast_path=True)
    new = Chargeback.objects.get(amazon_id="10000000001")
    assert (new.recommendation, new.due_on, new.disputable_from, new.target_on) == ("", None, None, None)
    workflow = {
        "recommendation": Recommendation.DISPUTE,
        "due_on": date(2026, 10, 20),
        "disputable_from": date(2026, 9, 21),
        "target_on": date(2026, 10, 15),
    }
    Chargeback.objects.filter(account=account).update(**workflow)

    result = upsert_chargebacks(
        account=account, records=[record(1, amount=Decimal("1.00"), amazon_status="Waived"), record(2)], fast_path=True
    )

    assert (result.updated, result.unchanged) == (1, 1)
    for chargeback in Chargeback.objects.filter(account=account):
        assert {name: getattr(chargeback, name) for name in workflow} == workflow
    changed = Chargeback.objects.get(amazon_id="10000000001")
    assert (changed.amount, changed.amazon_status) == (Decimal("1.00"), "Waived")
    assert changed.history.first().recommendation == Recommendation.DISPUTE  # history copies the whole row


def test_fast_path_updates_only_rows_whose_facts_changed(account):
    upsert_chargebacks(account=account, records=[record(1), record(2)], fast_path=True)
    before = dict(Chargeback.objects.values_list("amazon_id", "updated_at"))

    upsert_chargebacks(account=account, records=[record(1), record(2, description="new")], fast_path=True)

    after = dict(Chargeback.objects.values_list("amazon_id", "updated_at"))
    assert after["10000000001"] == before["10000000001"]
    assert after["10000000002"] > before["10000000002"]
    assert Chargeback.history.filter(amazon_id="10000000001").count() == 1
