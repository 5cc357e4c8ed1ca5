"""API test helpers: a key per need, and a client that sends it."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from acorn_portal.roles import Role
from developer.scopes import Scope
from developer.services.keys import issue_api_key

ALL_SCOPES = list(Scope.values)


def make_key(org, *, scopes=ALL_SCOPES, role=Role.MANAGER, name="ERP", **kwargs):
    key, secret = issue_api_key(organization=org, name=name, scopes=scopes, role=role, **kwargs)
    return key, secret


def client_for(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Keys are cached for authentication and counted for throttling in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(org):
    return make_key(org)


@pytest.fixture
def api(api_key):
    return client_for(api_key[1])


@pytest.fixture
def other_api(other_org):
    return client_for(make_key(other_org)[1])


@pytest.fixture
def admin_api(org):
    """A key with the admin role: webhooks and the ledger check the role as well as the scopes."""
    return client_for(make_key(org, role=Role.ADMIN)[1])
