"""Sign-up: a request, the e-mail link, then the organization with its first admin (who must enrol 2FA)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from acorn_portal.models import AuditAction, AuditEvent, Membership, Organization
from acorn_portal.models_people import Person, SignUpRequest
from acorn_portal.roles import Role
from acorn_portal.services import signup

pytestmark = [pytest.mark.django_db, pytest.mark.real_2fa]

FORM = {
    "email": "jane@northwind.example",
    "company_name": "Northwind Foods",
    "contact_name": "Jane Doe",
    "phone": "",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


def link_in(message) -> str:
    return re.search(r"http://\S+/account/signup/verify/\S+/", message.body).group(0)


@override_settings(ACORN_SIGNUP_OPEN=False)
def test_signup_is_closed_by_default_setting(client):
    response = client.post("/account/signup/", FORM)
    assert b"Sign-up is closed" in response.content
    assert not SignUpRequest.objects.exists() and not mail.outbox


@override_settings(ACORN_SIGNUP_OPEN=True)
def test_signup_creates_nothing_until_the_email_link_is_followed_then_the_admin_enrols_two_factor(client):
    response = client.post("/account/signup/", FORM)
    assert b"Check your e-mail" in response.content or b"We sent a link" in response.content
    assert not Organization.objects.exists() and not get_user_model().objects.exists()
    request = SignUpRequest.objects.get()
    assert FORM["password1"] not in request.password_hash
    link = link_in(mail.outbox[0]).replace("http://testserver", "")

    # A mail scanner's GET creates nothing; the person's POST does.
    assert client.get(link).status_code == 200
    assert not Organization.objects.exists()
    response = client.post(link)
    assert response.status_code == 302

    org = Organization.objects.get()
    assert org.name == "Northwind Foods" and org.slug == "northwind-foods"
    user = get_user_model().objects.get(email="jane@northwind.example")
    assert user.first_name == "Jane" and user.check_password(FORM["password1"])
    assert Membership.objects.get(user=user).role == Role.ADMIN
    assert Person.objects.get(user=user).email_verified_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_UP, organization=org).exists()
    # Signed in, but an admin owes a second factor before anything else.
    response = client.get("/account/start/")
    assert response.status_code == 302 and response.url.startswith("/account/two-factor/setup/")

    # The link is single use.
    client.logout()
    response = client.post(link)
    assert b"used already" in response.content
    assert Organization.objects.count() == 1


@override_settings(ACORN_SIGNUP_OPEN=True)
def test_signup_refuses_free_mailboxes_and_known_addresses_and_keeps_the_input(client, ops):
    response = client.post("/account/signup/", {**FORM, "email": "jane@gmail.com"})
    assert b"company e-mail" in response.content and b"Northwind Foods" in response.content
    response = client.post("/account/signup/", {**FORM, "email": ops.email})
    assert b"exists already" in response.content
    response = client.post("/account/signup/", {**FORM, "password2": "something-else-entirely"})
    assert b"The two passwords differ" in response.content
    assert not SignUpRequest.objects.exists()


@override_settings(ACORN_SIGNUP_OPEN=True)
def test_an_expired_or_forged_link_says_so_and_creates_nothing(client):
    now = timezone.now()
    signup.request_sign_up(
        email="a@b-corp.example",
        company_name="B Corp",
        contact_name="A B",
        password="x-long-pass-123",
        now=now - timedelta(days=3),
    )
    link = link_in(mail.outbox[0]).replace("http://testserver", "")
    assert b"expired" in client.post(link).content
    assert b"not valid" in client.post("/account/signup/verify/forged-token/").content
    assert not Organization.objects.exists()


@override_settings(ACORN_SIGNUP_OPEN=True)
def test_signup_creates_the_organization_through_the_organizations_service(monkeypatch):
    """One code path for a new organization: sign-up calls what `manage.py create_organization` calls."""
    from acorn_portal.services import organizations

    calls = []

    def spy(**kwargs):
        calls.append(kwargs)
        return organizations.create_organization(**kwargs)

    monkeypatch.setattr(signup, "create_organization", spy)
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    organizations.create_organization(name="B Corp")  # another company of the same name, created by the command
    signup.request_sign_up(
        email="a@b-corp.example", company_name="B Corp", contact_name="A B", password="x-long-pass-123", now=now
    )
    result = signup.complete_sign_up(token=link_in(mail.outbox[0]).rstrip("/").rpartition("/")[2], now=now)
    assert calls == [{"name": "B Corp"}]
    assert (result.organization.name, result.organization.slug) == ("B Corp", "b-corp-2")
