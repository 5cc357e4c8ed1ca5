"""The developer center (admin) and `issue_api_key`: secret shown once, list, revoke, admins only, audited."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from acorn_portal.models import AuditAction, AuditEvent, Membership
from developer.models import APIKey
from tests.developer.conftest import client_for, make_key

ADD = reverse("admin:developer_apikey_add")
CHANGELIST = reverse("admin:developer_apikey_changelist")


def create(client, org, **extra):
    data = {
        "organization": org.pk,
        "name": "NetSuite",
        "role": "admin",
        "scopes": ["chargebacks:read", "ledger:read"],
        "expires_in_days": "30",
        **extra,
    }
    return client.post(ADD, data)


def test_admin_creates_a_key_and_sees_the_secret_once(client, org, org_admin):
    client.force_login(org_admin)
    response = create(client, org)
    assert response.status_code == 200, response.content[:500]
    assert "no-store" in response["Cache-Control"]
    key = APIKey.objects.get(name="NetSuite")
    secret = response.context["secret"]
    assert secret.startswith(key.prefix + ".") and secret in response.content.decode()
    assert (key.role, key.scopes, key.created_by) == ("admin", ["chargebacks:read", "ledger:read"], org_admin)
    membership = Membership.objects.get(user=key.user)
    assert (membership.role, membership.delegate_of) == ("admin", org_admin)
    assert key.user.has_usable_password() is False
    # The key works; the list shows prefix, scopes and dates but never the secret again.
    assert client_for(secret).get("/api/v1/chargebacks/").status_code == 200
    listing = client.get(CHANGELIST).content.decode()
    assert key.prefix in listing and "chargebacks:read" in listing
    assert secret not in listing
    assert secret not in client.get(reverse("admin:developer_apikey_change", args=[key.pk])).content.decode()
    event = AuditEvent.objects.get(action=AuditAction.API_KEY_CREATED)
    assert (event.organization_id, event.actor, event.detail["prefix"]) == (org.pk, org_admin, key.prefix)
    assert secret not in str(event.detail)


def test_admin_revokes_a_key(client, org, org_admin):
    key, secret = make_key(org)
    client.force_login(org_admin)
    response = client.post(CHANGELIST, {"action": "revoke_keys", "_selected_action": [key.pk]}, follow=True)
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked and key.revoked_at is not None
    assert client_for(secret).get("/api/v1/chargebacks/").status_code == 401
    assert AuditEvent.objects.filter(action=AuditAction.API_KEY_REVOKED, actor=org_admin).count() == 1


@pytest.mark.parametrize("role_fixture", ["ops", "manager", "finance"])
def test_only_organization_admins_reach_the_developer_center(client, org, request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    user.is_staff = True
    user.save()
    make_key(org)
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 403
    assert create(client, org).status_code == 403
    assert not APIKey.objects.filter(name="NetSuite").exists()


def test_admin_index_links_the_developer_center_for_admins(client, org_admin):
    org_admin.is_staff = True
    org_admin.save()
    client.force_login(org_admin)
    assert CHANGELIST in client.get(reverse("admin-apps")).content.decode()


def test_admin_of_another_organization_cannot_create_or_revoke_here(client, org, outsider):
    key, secret = make_key(org)
    outsider.is_staff = True
    outsider.save()
    client.force_login(outsider)
    response = create(client, org)
    assert response.status_code == 200 and "organization" in response.context["adminform"].form.errors
    client.post(CHANGELIST, {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert not key.revoked
    assert key.prefix not in client.get(CHANGELIST).content.decode()


def test_issue_api_key_command_prints_the_key_last(org):
    out = StringIO()
    call_command(
        "issue_api_key", "--org", org.slug, "--name", "CI", "--scopes", "chargebacks:read,sync:run",
        "--expires-days", "7", "--role", "admin", stdout=out,
    )  # fmt: skip
    secret = out.getvalue().strip().splitlines()[-1]
    key = APIKey.objects.get(name="CI")
    assert secret.startswith(key.prefix + ".")
    assert key.scopes == ["chargebacks:read", "sync:run"] and key.role == "admin" and key.expiry_date
    assert client_for(secret).get("/api/v1/chargebacks/").status_code == 200
    assert AuditEvent.objects.get(action=AuditAction.API_KEY_CREATED).actor_label == "manage.py issue_api_key"


def test_issue_api_key_command_refuses_bad_input(org):
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("issue_api_key", "--org", org.slug, "--name", "x", "--scopes", "everything", stdout=StringIO())
    with pytest.raises(CommandError, match="No organization"):
        call_command("issue_api_key", "--org", "nope", "--name", "x", "--scopes", "chargebacks:read")
    assert not APIKey.objects.exists()
