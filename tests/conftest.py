"""The cast: one organization with a user per role, and a second organization that must stay unseen."""

import pytest
from django.contrib.auth import get_user_model

from acorn_portal.models import Membership, Organization, VendorAccount
from acorn_portal.roles import Role

PASSWORD = "correct-horse-battery"


def make_member(org, username, role, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.com")
    Membership.objects.create(user=user, organization=org, role=role)
    user.refresh_from_db()
    return user


@pytest.fixture
def org(db):
    return Organization.objects.create(name="Acme Brands", slug="acme")


@pytest.fixture
def other_org(db):
    return Organization.objects.create(name="Rival Goods", slug="rival")


@pytest.fixture
def account(org):
    return VendorAccount.objects.create(organization=org, name="Acme US", vendor_codes="ACMEU", marketplace="US")


@pytest.fixture
def other_account(other_org):
    return VendorAccount.objects.create(organization=other_org, name="Rival US", vendor_codes="RIVAL", marketplace="US")


@pytest.fixture
def ops(org):
    return make_member(org, "olivia", Role.OPERATIONS)


@pytest.fixture
def finance(org):
    return make_member(org, "fred", Role.FINANCE)


@pytest.fixture
def legal(org):
    return make_member(org, "lena", Role.LEGAL)


@pytest.fixture
def manager(org):
    return make_member(org, "maria", Role.MANAGER)


@pytest.fixture
def org_admin(org):
    return make_member(org, "adam", Role.ADMIN)


@pytest.fixture
def outsider(other_org):
    """An admin of the other organization: the strongest role that must still see nothing of ours."""
    return make_member(other_org, "oscar", Role.ADMIN)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(username="root", password=PASSWORD, email="root@example.com")
