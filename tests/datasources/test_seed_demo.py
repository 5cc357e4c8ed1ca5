"""The demo organization and `seed_demo`: idempotent, complete, and counted."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from acorn_portal.models import Membership, Organization, VendorAccount
from acorn_portal.roles import Role, group_name
from acorn_portal.services.demo import DEMO_PASSWORD, ensure_demo_organization
from refunds.models import Carton, Chargeback, Invoice, InvoiceLine, PurchaseOrder, Remittance, Shipment
from simulator.models import SimulatedTruth

pytestmark = pytest.mark.django_db

TODAY = "2026-11-20"


def table_counts():
    models = [PurchaseOrder, Shipment, Carton, Invoice, InvoiceLine, Remittance, Chargeback, SimulatedTruth]
    return {model.__name__: model.objects.count() for model in models} | {
        "history": Chargeback.history.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "accounts": VendorAccount.objects.count(),
    }


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_ensure_demo_organization_creates_accounts_and_one_user_per_role():
    demo = ensure_demo_organization()

    assert demo.organization.slug == "demo-brand" and demo.organization.name == "Demo Brand"
    assert {code: (a.currency, a.time_zone) for code, a in demo.accounts.items()} == {
        "US": ("USD", "America/Los_Angeles"),
        "CA": ("CAD", "America/Toronto"),
        "DE": ("EUR", "Europe/Berlin"),
    }
    roles = dict(Membership.objects.filter(organization=demo.organization).values_list("user__username", "role"))
    assert roles == {
        "ops": Role.OPERATIONS,
        "ops2": Role.OPERATIONS,
        "finance": Role.FINANCE,
        "legal": Role.LEGAL,
        "manager": Role.MANAGER,
        "manager2": Role.MANAGER,
        "admin": Role.ADMIN,
    }
    manager = demo.users["manager"]
    assert authenticate(username="manager", password=DEMO_PASSWORD) == manager
    assert manager.is_staff and not manager.is_superuser
    assert list(manager.groups.values_list("name", flat=True)) == [group_name(Role.MANAGER)]


def test_ensure_demo_organization_twice_changes_nothing_and_keeps_changed_passwords():
    first = ensure_demo_organization()
    first.users["ops"].set_password("my-own-secret")
    first.users["ops"].save()
    Membership.objects.filter(user__username="legal").update(role=Role.FINANCE)
    before = table_counts()

    second = ensure_demo_organization()

    assert table_counts() == before
    assert Organization.objects.filter(slug="demo-brand").count() == 1
    assert second.organization == first.organization
    assert authenticate(username="ops", password="my-own-secret") is not None
    assert Membership.objects.get(user__username="legal").role == Role.LEGAL  # the demo role is restored


def test_ensure_demo_organization_can_reset_passwords():
    demo = ensure_demo_organization()
    demo.users["ops"].set_password("my-own-secret")
    demo.users["ops"].save()

    ensure_demo_organization(reset_passwords=True)

    assert authenticate(username="ops", password=DEMO_PASSWORD) is not None


def test_seed_demo_loads_the_vendors_files_through_the_doors(settings):
    from datasources.models import DataSource, SyncRun
    from refunds.choices import DeductionFamily

    settings.SIMULATOR_URL = "http://127.0.0.1:8765"
    output = seed("--orders", "60", "--today", TODAY)

    counts = table_counts()
    assert counts["PurchaseOrder"] > 0 and counts["Shipment"] > 0 and counts["Invoice"] > 0
    assert counts["Remittance"] > 0 and counts["Chargeback"] > 0
    assert set(Chargeback.objects.values_list("account_id", "amazon_id")) == set(
        SimulatedTruth.objects.values_list("account_id", "amazon_id")
    ), "every deduction the import created has the simulator's answer, and no answer is left without one"
    families = set(Chargeback.objects.values_list("family", flat=True))
    assert {DeductionFamily.SHORTAGE, DeductionFamily.PRICE} <= families
    shortages = Chargeback.objects.filter(family=DeductionFamily.SHORTAGE)
    assert shortages.exists() and not shortages.filter(invoice_number="").exists(), "claims name their invoice"
    assert SyncRun.objects.filter(status="succeeded").count() == 3, "purchase orders came by SP-API sync, per account"
    sources = DataSource.objects.filter(enabled=True)
    assert [s.settings["endpoint"] for s in sources] == ["http://127.0.0.1:8765"] * 3
    assert "deductions loaded" in output and "Demo Brand seeded" in output
    # Receipts Amazon reported in Cases arrive in eaches, as the simulator's facts have them.
    from datetime import date

    from refunds.models import PurchaseOrderItem
    from simulator.demo import demo_vendor_world

    world = demo_vendor_world(today=date.fromisoformat(TODAY), orders=60)
    in_cases = {
        (o.number, li.product.asin): li.received for o in world.orders for li in o.lines if li.received_in_cases
    }
    synced = {
        (number, asin): received
        for number, asin, received in PurchaseOrderItem.objects.values_list(
            "purchase_order__number", "asin", "received_quantity"
        )
        if (number, asin) in in_cases
    }
    assert synced and all(received == in_cases[key] for key, received in synced.items())


def test_seed_demo_twice_is_idempotent():
    seed("--orders", "40", "--today", TODAY)
    first = table_counts()

    seed("--orders", "40", "--today", TODAY)

    after = table_counts()
    assert {k: v for k, v in after.items() if k != "history"} == {k: v for k, v in first.items() if k != "history"}
    assert first["Chargeback"] == first["SimulatedTruth"] > 0


def test_seed_demo_refuses_no_orders():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--orders"):
        seed("--orders", "0")
