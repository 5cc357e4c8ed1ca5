"""People of an organization: invitations, roles, deactivation, two-factor resets, switching organization."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from acorn_portal.models import AuditAction, AuditEvent, Membership
from acorn_portal.models_people import Invitation, Person
from acorn_portal.roles import Role
from acorn_portal.services import people
from developer.services.keys import issue_api_key
from tests.conftest import PASSWORD, make_member

pytestmark = pytest.mark.django_db


def join_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/join/\S+/)", message.body).group(1)


def test_an_admin_invites_someone_who_joins_once_with_the_role(client, org, org_admin):
    client.force_login(org_admin)
    response = client.post("/account/people/", {"email": "New.Person@acme.example", "role": Role.OPERATIONS})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@acme.example"
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    path = join_path(mail.outbox[0])
    assert path.split("/")[-2] not in invitation.token_digest  # only a digest is stored

    client.logout()
    response = client.post(path, {"password1": "another-long-passphrase", "password2": "another-long-passphrase"})
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.person@acme.example")
    assert Membership.objects.get(user=user, organization=org).role == Role.OPERATIONS
    assert Person.objects.get(user=user).email_verified_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.JOINED, organization=org).exists()

    client.logout()
    response = client.post(path, {"password1": "another-long-passphrase", "password2": "another-long-passphrase"})
    assert b"used already" in response.content
    assert get_user_model().objects.filter(email="new.person@acme.example").count() == 1


def test_an_expired_invitation_is_refused(client, org, org_admin):
    now = timezone.now()
    people.invite(
        actor=org_admin, organization=org, email="late@acme.example", role=Role.FINANCE, now=now - timedelta(days=8)
    )
    response = client.get(join_path(mail.outbox[0]))
    assert b"expired" in response.content


def test_an_existing_user_accepts_while_signed_in_and_then_switches_organization(client, org, other_org, outsider):
    outsider.email = "oscar@example.com"
    outsider.save()
    admin = make_member(org, "adam", Role.ADMIN)
    people.invite(actor=admin, organization=org, email="oscar@example.com", role=Role.LEGAL, now=timezone.now())
    client.force_login(outsider)
    assert client.post(join_path(mail.outbox[0])).status_code == 302
    assert Membership.objects.get(user=outsider, organization=org).role == Role.LEGAL
    assert b"Acme Brands" in client.get("/account/start/").content
    client.post("/account/organization/switch/", {"organization": other_org.pk})
    assert Person.objects.get(user=outsider).current_organization == other_org
    assert client.post("/account/organization/switch/", {"organization": 999999}).status_code == 404


def test_nobody_raises_their_own_role_and_the_last_admin_stays(client, org, org_admin, ops):
    client.force_login(org_admin)
    own = Membership.objects.get(user=org_admin)
    client.post(f"/account/people/{own.pk}/role/", {"role": Role.OPERATIONS})
    client.post(f"/account/people/{own.pk}/deactivate/", {"reason": "leaving"})
    own.refresh_from_db()
    assert own.role == Role.ADMIN
    with pytest.raises(Exception, match="own role"):
        people.change_role(actor=org_admin, membership=own, role=Role.MANAGER)
    with pytest.raises(Exception, match="last admin"):
        people.deactivate(actor=org_admin, membership=own)
    # An operations user cannot promote themselves either: they are no admin here.
    client.force_login(ops)
    mine = Membership.objects.get(user=ops)
    assert client.post(f"/account/people/{mine.pk}/role/", {"role": Role.ADMIN}).status_code == 403
    mine.refresh_from_db()
    assert mine.role == Role.OPERATIONS


def test_an_admin_changes_roles_deactivates_and_resets_two_factor_with_a_reason(client, org, org_admin, ops, finance):
    client.force_login(org_admin)
    member = Membership.objects.get(user=ops)
    client.post(f"/account/people/{member.pk}/role/", {"role": Role.MANAGER})
    member.refresh_from_db()
    assert member.role == Role.MANAGER
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGED, detail__after=Role.MANAGER).exists()

    TOTPDevice.objects.create(user=ops, name="Phone", confirmed=True)
    client.post(f"/account/people/{member.pk}/reset-two-factor/", {"reason": ""})
    assert TOTPDevice.objects.filter(user=ops).exists()  # no reason, no reset
    client.post(f"/account/people/{member.pk}/reset-two-factor/", {"reason": "lost phone, called back"})
    assert not TOTPDevice.objects.filter(user=ops).exists()
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR, detail__reason="lost phone, called back").exists()

    leaving = Membership.objects.get(user=finance)
    client.post(f"/account/people/{leaving.pk}/deactivate/", {"reason": "left the company"})
    finance.refresh_from_db()
    assert not Membership.objects.filter(pk=leaving.pk).exists() and not finance.is_active
    assert not client.login(username=finance.username, password=PASSWORD)


def test_the_people_page_lists_people_with_last_sign_in_but_never_api_key_users(client, org, org_admin, ops):
    issue_api_key(organization=org, name="ERP", role=Role.ADMIN, scopes=["chargebacks:read"], created_by=org_admin)
    client.force_login(org_admin)
    page = client.get("/account/people/").content.decode()
    assert ops.email in page and "Last sign-in" in page
    assert "API key" not in page and "apikey" not in page.lower()
    assert people.people_of(org).count() == 2


# -- isolation: another organization's people --------------------------------------------------------


def test_an_admin_of_another_organization_reaches_none_of_our_people(client, org, org_admin, ops, outsider):
    member = Membership.objects.get(user=ops)
    invitation = people.invite(
        actor=org_admin, organization=org, email="x@acme.example", role=Role.LEGAL, now=timezone.now()
    )
    client.force_login(outsider)
    page = client.get("/account/people/").content.decode()
    assert ops.email not in page and "x@acme.example" not in page
    for path, data in [
        (f"/account/people/{member.pk}/role/", {"role": Role.FINANCE}),
        (f"/account/people/{member.pk}/deactivate/", {"reason": "x"}),
        (f"/account/people/{member.pk}/reset-two-factor/", {"reason": "x"}),
        (f"/account/people/invitations/{invitation.pk}/revoke/", {}),
    ]:
        assert client.post(path, data).status_code == 404, path
    member.refresh_from_db()
    invitation.refresh_from_db()
    assert member.role == Role.OPERATIONS and invitation.revoked_at is None
    with pytest.raises(Exception, match="Only an admin"):
        people.change_role(actor=outsider, membership=member, role=Role.ADMIN)
    with pytest.raises(Exception, match="Only an admin"):
        people.invite(actor=outsider, organization=org, email="y@acme.example", role=Role.ADMIN, now=timezone.now())


def test_people_pages_need_an_admin_role_in_the_current_organization(client, org, ops, manager):
    for user in (ops, manager):
        client.force_login(user)
        assert client.get("/account/people/").status_code == 403
        assert client.get("/account/sso/settings/").status_code == 403
    client.logout()
    assert client.get("/account/people/").status_code == 302
