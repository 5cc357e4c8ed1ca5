"""The sidebar and the app list per role: the work first, back-office tables only for admins, and
every hidden table still reachable where the role may view it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BACK_OFFICE = ("Cartons", "Sync checkpoints", "Invoice lines", "Purchase order items", "Sync runs", "Deduction types")


def navigation(client, user, page=None):
    """{section name: [entry names]} of the sidebar on `page` (the app list at /admin/apps/ by default)."""
    client.force_login(user)
    response = client.get(page or reverse("admin-apps"))
    assert response.status_code == 200
    key = "app_list" if page is None else "available_apps"
    return {str(app["name"]): [str(model["name"]) for model in app["models"]] for app in response.context[key]}


def entries(nav) -> set[str]:
    return {name for names in nav.values() for name in names}


@pytest.mark.parametrize(
    ("role", "sees", "never"),
    [
        (
            "ops",
            {"Start page", "Inbox", "Cases", "Needs my action", "Purchase orders", "Evidence", "Report file imports"},
            {"Teams", "Policy rules", "Exchange rates", "GL account mappings", "Audit events"},
        ),
        (
            "finance",
            {"Cases", "Recovery report", "Remittances", "Exchange rates", "GL account mappings", "Ledger exports"},
            {"Teams", "Policy rules", "Alert channels"},
        ),
        ("legal", {"Start page", "Inbox", "Cases", "Invoices"}, {"Teams", "Exchange rates", "GL account mappings"}),
        (
            "manager",
            {"Cases", "Teams", "Assignment rules", "Policy rules", "Alert channels", "Exchange rates", "Audit events"},
            {"GL account mappings", "API keys"},
        ),
    ],
)
def test_a_role_sees_its_work_documents_and_configuration_only(client, request, role, sees, never):
    user = request.getfixturevalue(role)
    nav = navigation(client, user)
    shown = entries(nav)
    assert sees <= shown, sees - shown
    assert not (never | set(BACK_OFFICE)) & shown
    assert list(nav)[0] == "Work"
    assert set(nav) <= {"Work", "Documents", "Configuration"}
    # The sidebar of any portal page is the same list.
    assert navigation(client, user, reverse("admin:refunds_chargeback_changelist")) == nav


@pytest.mark.parametrize("role", ["ops", "finance", "legal", "manager"])
def test_hidden_tables_stay_reachable_where_the_role_may_view_them(client, request, role):
    client.force_login(request.getfixturevalue(role))
    for model in ("carton", "invoiceline", "purchaseorderitem"):
        assert client.get(reverse(f"admin:refunds_{model}_changelist")).status_code == 200
    assert client.get(reverse("admin:datasources_synccheckpoint_changelist")).status_code == 200
    # One app's own index lists its tables as Django does.
    assert client.get(reverse("admin:app_list", args=["refunds"])).status_code == 200


def test_an_admin_sees_the_work_and_every_table(client, org_admin):
    nav = navigation(client, org_admin)
    assert list(nav)[0] == "Work"
    assert {"Cases", "Inbox", "Cartons", "Sync checkpoints", "Invoice lines", "API keys"} <= entries(nav)


def test_a_superuser_sees_every_table(client, superuser):
    assert {"Cartons", "Sync checkpoints", "Users"} <= entries(navigation(client, superuser))


def test_the_navigation_follows_the_organization_switched_to(client, org, other_org, ops):
    """A person who is ops here and admin there sees the admin's navigation only in that organization."""
    from acorn_portal.models import Membership

    Membership.objects.create(user=ops, organization=other_org, role="admin")
    client.force_login(ops)
    switch = client.post(reverse("onboarding:switch"), {"organization": other_org.pk, "next": "/admin/apps/"})
    assert switch.status_code in (302, 303)
    assert "Cartons" in entries(navigation(client, ops))
    client.post(reverse("onboarding:switch"), {"organization": org.pk, "next": "/admin/apps/"})
    assert "Cartons" not in entries(navigation(client, ops))
