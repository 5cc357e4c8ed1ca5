"""The refunds admin: search the way people quote numbers, scoped filters, read-only facts, bounded queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acorn_portal.admin_base import AccountListFilter, EstimatedCountPaginator, MarketplaceListFilter
from acorn_portal.models import VendorAccount
from refunds.choices import DeductionFamily
from refunds.models import (
    AlertChannel,
    AlertSettings,
    ApprovalThreshold,
    AssignmentRule,
    Carton,
    Chargeback,
    Invoice,
    InvoiceLine,
    PurchaseOrder,
    PurchaseOrderItem,
    Remittance,
    RemittanceLine,
    Shipment,
    ShipmentItem,
    Team,
    WatchRule,
    WorkflowSettings,
)
from tests.acorn_portal.test_admin_scoping import World, build_documents

TODAY = dt.date(2026, 3, 2)
# Policy is data people edit (rules, co-op terms; the catalogue by superusers), not synced facts.
POLICY_MODELS = {"DeductionType", "PolicyRule", "CoopAgreement"}
REFUNDS_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label == "refunds" and m.__name__ not in POLICY_MODELS),
    key=lambda m: m._meta.label,
)
ALL_REFUNDS_ADMIN_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label == "refunds"), key=lambda m: m._meta.label
)
# Workflow configuration an organization's managers edit (tested in test_case_admin.py); the rest are facts.
WORKFLOW_CONFIG_MODELS = {Team, AssignmentRule, ApprovalThreshold, WorkflowSettings}
# Alert configuration managers and admins edit (tested in test_alerts_admin.py); the alert log stays a record.
ALERT_CONFIG_MODELS = {AlertChannel, AlertSettings, WatchRule}
FACT_MODELS = [m for m in REFUNDS_MODELS if m not in WORKFLOW_CONFIG_MODELS | ALERT_CONFIG_MODELS]


def changelist(model):
    return reverse(f"admin:refunds_{model._meta.model_name}_changelist")


def shown(response):
    return list(response.context["cl"].result_list)


def make_chargeback(account, amazon_id, **fields):
    defaults = {
        "family": DeductionFamily.OPERATIONAL,
        "deduction_type": "asn_accuracy",
        "amount": Decimal("25.00"),
        "currency": account.currency,
        "issue_date": TODAY,
    }
    return Chargeback.objects.create(account=account, amazon_id=amazon_id, **{**defaults, **fields})


@pytest.fixture
def acme(account, ops):
    return build_documents(World(account.organization, account, "ACME"))


# --------------------------------------------------------------------------------------------------
# Search


@pytest.mark.parametrize("term", ["po# 2jk3s9vc", "PO-2JK3S9VC", " 2jk3s9vc ", "P.O. 2JK3S9VC", "2JK3S9VC"])
@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Chargeback, lambda a: make_chargeback(a.account, "CB-PO", po_number="2JK3S9VC")),
        (
            PurchaseOrder,
            lambda a: PurchaseOrder.objects.create(
                account=a.account, number="2JK3S9VC", state="New", ordered_at=a.get(PurchaseOrder).ordered_at
            ),
        ),
        (
            Invoice,
            lambda a: Invoice.objects.create(
                account=a.account,
                number="9001",
                invoice_date=TODAY,
                po_number="2JK3S9VC",
                amount=Decimal("1"),
                currency="USD",
            ),
        ),
        (
            ShipmentItem,
            lambda a: ShipmentItem.objects.create(
                shipment=a.get(ShipmentItem).shipment,
                item_sequence_number="2",
                po_number="2jk3s9vc",
                shipped_quantity=1,
            ),
        ),
        (
            InvoiceLine,
            lambda a: InvoiceLine.objects.create(
                invoice=a.get(Invoice),
                line_number=2,
                po_number="PO 2JK3S9VC",
                quantity=1,
                unit_cost=Decimal("1"),
                amount=Decimal("1"),
                currency="USD",
            ),
        ),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_search_finds_po_number_in_messy_forms(client, acme, ops, model, make, term):
    wanted = make(acme)
    client.force_login(ops)
    response = client.get(changelist(model), {"q": term})
    assert response.status_code == 200
    assert shown(response) == [wanted]


def test_search_finds_po_items_through_their_purchase_order(client, acme, ops):
    client.force_login(ops)
    response = client.get(changelist(PurchaseOrderItem), {"q": "po# acmepo01"})
    assert shown(response) == [acme.get(PurchaseOrderItem)]


@pytest.mark.parametrize(
    ("model", "term"),
    [
        (Chargeback, "acmecb0001"),
        (Chargeback, "B0ACME0001"),
        (Chargeback, "ACME1001"),
        (Shipment, "ACMESHIP01"),
        (Shipment, "acmearn01"),
        (Shipment, "ACMEBOL01"),
        (Invoice, "acme1001"),
        (PurchaseOrderItem, "b0acme0001"),
        (RemittanceLine, "ACME1001"),
        (Remittance, "ACME1001"),
        (Carton, "00ACME000000000001"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else v,
)
def test_search_finds_ids_and_references_exactly(client, acme, ops, model, term):
    client.force_login(ops)
    assert shown(client.get(changelist(model), {"q": term})) == [acme.get(model)]
    # Exact, not "contains": a fragment of an id finds nothing.
    assert shown(client.get(changelist(model), {"q": term[1:-1]})) == []


@pytest.mark.parametrize("model", ALL_REFUNDS_ADMIN_MODELS, ids=lambda m: m.__name__)
def test_search_fields_are_exact_or_prefix_lookups(model):
    """`icontains` on a million rows is a full scan per keystroke (docs/decisions/0006-admin-at-a-million-rows.md)."""
    for field in admin.site._registry[model].search_fields:
        assert field[0] in "=^", f"{model.__name__}.search_fields: {field!r} would compile to icontains"


# --------------------------------------------------------------------------------------------------
# Filters


def filter_spec(response, kind):
    return next(spec for spec in response.context["cl"].filter_specs if isinstance(spec, kind))


def test_account_filter_lists_only_visible_accounts(client, acme, ops, other_account):
    second = VendorAccount.objects.create(organization=acme.org, name="Acme DE", vendor_codes="ACMED", marketplace="DE")
    make_chargeback(other_account, "RIVAL-1")
    client.force_login(ops)

    response = client.get(changelist(Chargeback))
    accounts = filter_spec(response, AccountListFilter).lookup_choices
    assert {pk for pk, _label in accounts} == {acme.account.pk, second.pk}
    assert "Rival" not in response.content.decode()
    markets = filter_spec(response, MarketplaceListFilter).lookup_choices
    assert [code for code, _label in markets] == ["DE", "US"]

    # Choosing another organization's account by hand shows nothing, not its rows.
    assert shown(client.get(changelist(Chargeback), {"account": other_account.pk})) == []
    assert shown(client.get(changelist(Chargeback), {"account": acme.account.pk})) == [acme.get(Chargeback)]


def test_filters_by_marketplace_family_type_and_amount(client, acme, ops):
    big = make_chargeback(
        acme.account, "CB-BIG", amount=Decimal("2500.00"), family=DeductionFamily.SHORTAGE, deduction_type="shortage"
    )
    client.force_login(ops)
    url = changelist(Chargeback)
    assert shown(client.get(url, {"amount_size": "1000-10000"})) == [big]
    assert shown(client.get(url, {"amount_size": "0-100"})) == [acme.get(Chargeback)]
    assert shown(client.get(url, {"marketplace": "US", "family__exact": "shortage_claim"})) == [big]
    assert shown(client.get(url, {"marketplace": "DE"})) == []

    # The type filter lists types once a family narrows them (no DISTINCT over every deduction).
    response = client.get(url)
    assert not any(spec.title == "type" for spec in response.context["cl"].filter_specs if spec.has_output())
    response = client.get(url, {"family__exact": "shortage_claim"})
    types = next(spec for spec in response.context["cl"].filter_specs if spec.title == "type")
    assert types.lookup_choices == [("shortage", "Shortage claim (PQV)")]
    assert shown(client.get(url, {"deduction_type": "asn_accuracy"})) == [acme.get(Chargeback)]


def test_money_is_shown_with_its_currency(client, org, ops):
    yen = VendorAccount.objects.create(organization=org, name="Acme JP", vendor_codes="ACMEJ", marketplace="JP")
    make_chargeback(yen, "CB-JPY", amount=Decimal("1500"))
    client.force_login(ops)
    assert "1,500 JPY" in client.get(changelist(Chargeback)).content.decode()


# --------------------------------------------------------------------------------------------------
# Facts are read-only, for everyone


@pytest.mark.parametrize("user_fixture", ["superuser", "org_admin"])
@pytest.mark.parametrize("model", FACT_MODELS, ids=lambda m: m.__name__)
def test_facts_cannot_be_added_changed_or_deleted(client, request, acme, model, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    obj = acme.get(model)
    before = model.objects.filter(pk=obj.pk).values().first()
    name = model._meta.model_name

    page = client.get(reverse(f"admin:refunds_{name}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert not page.context["adminform"].form.fields, "a fact is editable on its change page"
    assert client.get(reverse(f"admin:refunds_{name}_add")).status_code == 403
    amount_like = {f.name: "999" for f in model._meta.concrete_fields if not f.is_relation and f.name != "id"}
    assert client.post(reverse(f"admin:refunds_{name}_change", args=[obj.pk]), amount_like).status_code == 403
    assert client.get(reverse(f"admin:refunds_{name}_delete", args=[obj.pk])).status_code == 403
    assert client.post(reverse(f"admin:refunds_{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).values().first() == before


def test_chargeback_history_cannot_be_reverted(client, acme, superuser):
    chargeback = acme.get(Chargeback)
    version = chargeback.history.get()
    chargeback.amount = Decimal("30.00")
    chargeback.save()
    client.force_login(superuser)
    revert = reverse("admin:refunds_chargeback_simple_history", args=[chargeback.pk, version.history_id])
    assert client.get(revert).status_code == 200
    assert client.post(revert, {}).status_code == 403
    chargeback.refresh_from_db()
    assert chargeback.amount == Decimal("30.00")


def test_invoice_page_shows_its_derivative_chain(client, acme, ops):
    root = Invoice.objects.create(
        account=acme.account, number="12345678", invoice_date=TODAY, amount=Decimal("100"), currency="USD"
    )
    shortage = Invoice.objects.create(
        account=acme.account, number="12345678SC", invoice_date=TODAY, amount=Decimal("-20"), currency="USD"
    )
    reversal = Invoice.objects.create(
        account=acme.account, number="12345678SCR", invoice_date=TODAY, amount=Decimal("20"), currency="USD"
    )
    client.force_login(ops)
    content = client.get(reverse("admin:refunds_invoice_change", args=[shortage.pk])).content.decode()
    for other in (root, reversal):
        assert reverse("admin:refunds_invoice_change", args=[other.pk]) in content
    assert "Debit (taken from the vendor)" in content
    assert "-20.00 USD" in content


# --------------------------------------------------------------------------------------------------
# A chargeback-heavy changelist stays cheap


def count_queries(sql_list):
    return [sql for sql in sql_list if "COUNT(" in sql.upper()]


@pytest.mark.parametrize("user_fixture", ["ops", "superuser"])
def test_changelist_runs_bounded_queries_and_no_full_count(
    client, request, account, user_fixture, django_assert_max_num_queries
):
    Chargeback.objects.bulk_create(
        Chargeback(
            account=account,
            amazon_id=f"CB{i:05d}",
            family=DeductionFamily.OPERATIONAL,
            deduction_type="asn_accuracy",
            amount=Decimal(i),
            currency="USD",
            issue_date=TODAY,
            po_number_normalized="",
        )
        for i in range(120)
    )
    client.force_login(request.getfixturevalue(user_fixture))
    url = changelist(Chargeback)
    client.get(url)  # warm the session and content-type caches

    # Session, user, permissions, the reader's language (person, then organization), the inbox badge,
    # the first-sync notice's data sources, the saved views, the filters' choices and the page itself.
    with django_assert_max_num_queries(18), CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"p": 2})
    assert response.status_code == 200
    assert len(shown(response)) == 50
    counts = count_queries(q["sql"] for q in captured.captured_queries)
    assert counts, "the changelist counts its rows somehow"
    for sql in counts:
        assert "LIMIT" in sql.upper(), f"unbounded count on an unfiltered changelist: {sql}"

    # Twice the rows, same number of queries: nothing runs per row.
    Chargeback.objects.bulk_create(
        Chargeback(
            account=account,
            amazon_id=f"CX{i:05d}",
            family=DeductionFamily.COOP,
            deduction_type="coop",
            amount=Decimal(i),
            currency="USD",
            issue_date=TODAY,
        )
        for i in range(120)
    )
    with CaptureQueriesContext(connection) as again:
        client.get(url, {"p": 2})
    assert len(again.captured_queries) == len(captured.captured_queries)


class SmallCapPaginator(EstimatedCountPaginator):
    cap = 5


def test_paginator_caps_the_count_and_keeps_later_pages_reachable(account):
    for i in range(8):
        make_chargeback(account, f"CB-{i}")
    queryset = Chargeback.objects.order_by("amazon_id")
    paginator = SmallCapPaginator(queryset, 3)
    assert paginator.count == 5 and str(paginator.count) == "5+" and not paginator.count.exact
    assert [c.amazon_id for c in paginator.page(2)] == ["CB-3", "CB-4", "CB-5"]
    assert [c.amazon_id for c in paginator.page(3)] == ["CB-6", "CB-7"]  # past the cap, not cut to it
    assert list(paginator.page(9)) == []
    assert EstimatedCountPaginator(queryset, 3).count == 8  # below the cap the count is exact


def test_changelist_shows_a_capped_count(client, account, ops, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Chargeback].paginator, "cap", 5)
    for i in range(8):
        make_chargeback(account, f"CB-{i}")
    client.force_login(ops)
    response = client.get(changelist(Chargeback))
    assert "5+ chargebacks" in response.content.decode()
    assert len(shown(response)) == 8


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reltuples is PostgreSQL's")
def test_paginator_uses_the_planner_estimate_for_an_unfiltered_table(account):
    for i in range(8):
        make_chargeback(account, f"CB-{i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE refunds_chargeback")
    with CaptureQueriesContext(connection) as captured:
        count = SmallCapPaginator(Chargeback.objects.order_by("pk"), 3).count
    assert str(count) == "~8"
    assert not count_queries(q["sql"] for q in captured.captured_queries)
    # A filtered list is counted (capped), never estimated from the whole table.
    assert str(SmallCapPaginator(Chargeback.objects.filter(amount__gt=0).order_by("pk"), 3).count) == "5+"
