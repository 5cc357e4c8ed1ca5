"""Keys are people's delegates: never more than their person, who counts once for four eyes."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from acorn_portal.models import Membership
from acorn_portal.roles import Role
from developer.models import APIKey
from developer.scopes import Scope
from refunds.choices import ChargebackState
from tests.developer.conftest import ALL_SCOPES, client_for, make_key
from tests.refunds.cases import add_pod, make_chargeback, walk

pytestmark = pytest.mark.django_db

ADD = reverse("admin:developer_apikey_add")


def transition(secret, case, name):
    return client_for(secret).post(f"/api/v1/chargebacks/{case.pk}/transitions/{name}/", {}, format="json")


def key_for(org, person, role, scopes=ALL_SCOPES):
    """What `manage.py issue_api_key --for <person>` issues: a key acting for that member."""
    out = StringIO()
    call_command(
        "issue_api_key", "--org", org.slug, "--name", f"{person.username} {role}", "--scopes", ",".join(scopes),
        "--role", role, "--for", person.username, stdout=out,
    )  # fmt: skip
    return out.getvalue().strip().splitlines()[-1]


def test_an_admin_may_not_issue_a_key_with_powers_the_admin_lacks(org, org_admin):
    # Admins may not approve; a manager key issued by one could.
    for role in (Role.MANAGER, Role.OPERATIONS, Role.FINANCE, Role.LEGAL):
        with pytest.raises(ValidationError, match="may not do more"):
            make_key(org, role=role, created_by=org_admin)
    key, _ = make_key(org, role=Role.ADMIN, created_by=org_admin)
    assert Membership.objects.get(user=key.user).delegate_of == org_admin


def test_the_portal_offers_and_accepts_only_roles_within_the_issuers(client, org, org_admin):
    client.force_login(org_admin)
    form = client.get(ADD).context["adminform"].form
    assert [value for value, _label in form.fields["role"].choices if value] == [Role.ADMIN]
    data = {"organization": org.pk, "name": "Approver", "role": Role.MANAGER, "scopes": ["chargebacks:write"]}
    response = client.post(ADD, data)
    assert response.status_code == 200 and not APIKey.objects.exists()
    assert "role" in response.context["adminform"].form.errors


def test_a_key_issued_for_a_member_is_capped_by_their_role(org, ops):
    with pytest.raises(Exception, match="may not do more"):
        key_for(org, ops, Role.MANAGER)
    assert not APIKey.objects.exists()


def test_a_demoted_issuer_takes_their_keys_power_with_them(org, org_admin):
    _, secret = make_key(org, role=Role.ADMIN, created_by=org_admin, scopes=[Scope.WEBHOOKS_MANAGE])
    assert client_for(secret).get("/api/v1/webhooks/").status_code == 200
    Membership.objects.filter(user=org_admin, organization=org).update(role=Role.OPERATIONS)
    response = client_for(secret).get("/api/v1/webhooks/")
    assert response.status_code == 403 and "role" in response.json()["detail"]


def test_a_deactivated_issuers_keys_can_do_nothing_their_role_decides(org, account, manager, ops):
    case = walk(make_chargeback(account), ChargebackState.PENDING_APPROVAL, ops=ops, manager=None)
    secret = key_for(org, manager, Role.MANAGER)
    manager.is_active = False
    manager.save()
    assert transition(secret, case, "approve_dispute").status_code == 403


def test_four_eyes_sees_the_person_behind_a_key(org, account, manager, ops):
    """One person preparing with their key and approving themselves (or the other way round) is refused."""
    case = walk(make_chargeback(account), ChargebackState.IN_REVIEW, ops=ops, manager=None)
    for requirement in case.missing_evidence():
        add_pod(case, ops, f"{sorted(requirement.kinds)[0]}.pdf")
    managers_key = key_for(org, manager, Role.MANAGER)
    assert transition(managers_key, case, "request_approval").status_code == 200
    case.refresh_from_db()
    assert case.state == ChargebackState.PENDING_APPROVAL
    # The manager in person may not approve what their key prepared …
    assert not case.approval_levels_open_to(manager)
    # … nor may a second key of theirs.
    second_key = key_for(org, manager, Role.MANAGER)
    response = transition(second_key, case, "approve_dispute")
    assert response.status_code == 403 and "four eyes" in response.json()["detail"]
    # Someone else may.
    other = Membership.objects.create(
        user=type(manager).objects.create_user(username="mona"), organization=org, role=Role.MANAGER
    ).user
    assert case.approval_levels_open_to(other)


def test_four_eyes_sees_a_person_approving_through_their_key_what_they_prepared(org, account, manager, ops):
    case = walk(make_chargeback(account), ChargebackState.PENDING_APPROVAL, ops=ops, manager=None)
    case.prepared_by = manager  # the manager prepared it in person (managers may prepare)
    case.save(update_fields=["prepared_by"])
    response = transition(key_for(org, manager, Role.MANAGER), case, "approve_dispute")
    assert response.status_code == 403 and "four eyes" in response.json()["detail"]


def test_webhooks_and_the_ledger_follow_the_keys_role_not_only_its_scopes(org):
    _, secret = make_key(org, role=Role.OPERATIONS, scopes=[Scope.WEBHOOKS_MANAGE, Scope.LEDGER_READ])
    api = client_for(secret)
    created = api.post("/api/v1/webhooks/", {"url": "https://erp.example.com/hook", "events": ["chargeback.created"]},
                       format="json")  # fmt: skip
    assert created.status_code == 403 and created["Content-Type"] == "application/problem+json"
    assert api.get("/api/v1/ledger/", {"from": "2026-01-01", "to": "2026-01-31"}).status_code == 403
    assert api.get("/api/v1/ledger/exports/").status_code == 403
    _, finance_secret = make_key(org, role=Role.FINANCE, scopes=[Scope.LEDGER_READ])
    assert client_for(finance_secret).get("/api/v1/ledger/exports/").status_code == 200
