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
    call_command("seed_demo", "--direct", *args, stdout=out, stderr=StringIO())
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
        "finance": Role.FINANCE,
        "legal": Role.LEGAL,
        "manager": Role.MANAGER,
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


def test_seed_demo_twice_is_idempotent():
    output = seed("--deductions", "150", "--today", TODAY)
    first = table_counts()

    second_output = seed("--deductions", "150", "--today", TODAY)

    assert table_counts() == first
    assert first["Chargeback"] == first["SimulatedTruth"] == 150
    assert "chargeback: 150 created" in output
    assert "chargeback: 0 created, 0 updated, 150 unchanged, 0 rejected" in second_output
    assert " 0 created, 0 updated" in second_output.splitlines()[0]
    assert "rejected" in output and ", 0 rejected" in output


def test_seed_demo_on_another_day_moves_dates_without_duplicating():
    seed("--deductions", "150", "--today", TODAY)
    first = table_counts()
    issue_dates = set(Chargeback.objects.values_list("issue_date", flat=True))

    output = seed("--deductions", "150", "--today", "2026-11-27")

    after = table_counts()
    assert {k: v for k, v in after.items() if k != "history"} == {k: v for k, v in first.items() if k != "history"}
    assert "chargeback: 0 created, 150 updated" in output
    assert set(Chargeback.objects.values_list("issue_date", flat=True)) != issue_dates
    # Each fact change is audited, and so is each deadline the new dates moved (issue #4).
    assert after["history"] >= 2 * first["history"]
    reasons = Chargeback.history.values_list("history_change_reason", flat=True)
    assert any(reason and reason.endswith(": demo data re-seeded") for reason in reasons)


def test_seed_demo_every_deduction_has_its_answer_and_documents_are_linked():
    seed("--deductions", "150", "--today", TODAY)

    chargebacks = set(Chargeback.objects.values_list("account_id", "amazon_id"))
    truths = set(SimulatedTruth.objects.values_list("account_id", "amazon_id"))
    assert chargebacks == truths
    derivatives = Invoice.objects.exclude(suffixes="")
    assert derivatives.exists()
    assert not derivatives.filter(parent__isnull=True).exists()


def test_seed_demo_default_size():
    output = seed("--today", TODAY)

    counts = table_counts()
    assert counts["Chargeback"] == counts["SimulatedTruth"] == 2000
    assert 280 <= counts["PurchaseOrder"] <= 340
    assert output.count(", 0 rejected") == 6


def test_seed_demo_by_default_creates_data_sources_and_truth_but_no_documents(settings):
    from datasources.models import DataSource

    settings.SIMULATOR_URL = "http://127.0.0.1:8765"
    out = StringIO()
    call_command("seed_demo", "--deductions", "150", "--today", TODAY, stdout=out, stderr=StringIO())
    call_command("seed_demo", "--deductions", "150", "--today", TODAY, stdout=StringIO(), stderr=StringIO())

    counts = table_counts()
    assert counts["SimulatedTruth"] == 150 and counts["Chargeback"] == counts["PurchaseOrder"] == 0
    sources = DataSource.objects.all()
    assert sources.count() == 6, "an SP-API and a feed source per demo account, once"
    assert {source.kind for source in sources} == {"spapi_vendor", "data_feed"}
    assert all(source.has_credentials for source in sources)
    assert "syncing from http://127.0.0.1:8765" in out.getvalue()
