"""Fixtures for the client's live tests: keys issued through `manage.py issue_api_key` (as an
integrator's automation would), and `Client`s pointed at pytest-django's live server over real HTTP."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from acorn_client import Client
from django.core.management import call_command

from acorn_portal.roles import Role
from developer.scopes import Scope
from refunds.choices import DeductionFamily
from tests.refunds.cases import make_chargeback, today

ALL_SCOPES = ",".join(Scope.values)


class Sleeps:
    """The client's sleep: records each wait and really waits (tests keep them short)."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        import time

        self.calls.append(seconds)
        time.sleep(seconds)


def issue_key(org, *, scopes=ALL_SCOPES, role=Role.MANAGER, name="ERP bridge") -> str:
    """A key from the management command; the key is the last line of its output."""
    out = io.StringIO()
    call_command("issue_api_key", org=org.slug, name=name, scopes=scopes, role=role, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def api_url(live_server):
    return live_server.url + "/api/v1/"


@pytest.fixture
def key(org):
    return issue_key(org)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client_for(api_url, sleeps):
    """`client_for(key, url=None, **options)`: a Client with short backoff, recording its waits."""

    def make(secret, url=None, **options):
        options = {"timeout": 15, "max_retries": 3, "backoff_factor": 0.05, "sleep": sleeps, **options}
        return Client(url or api_url, secret, **options)

    return make


@pytest.fixture
def acorn(client_for, key):
    return client_for(key)


@pytest.fixture
def deductions(account):
    """Seven deductions of the organization with distinct dates, amounts, states and POs."""
    cases = []
    for n in range(7):
        cases.append(
            make_chargeback(
                account,
                amazon_id=f"CB{n:08d}",
                family=DeductionFamily.SHORTAGE if n % 2 else DeductionFamily.OPERATIONAL,
                deduction_type="shortage" if n % 2 else "asn_accuracy",
                amount=Decimal("10.00") * (n + 1) + Decimal("0.25"),
                issue_date=today() - timedelta(days=30 - n),
                po_number=f"PO-{n % 3}ABC",
                due_on=today() + timedelta(days=10 + n),
            )
        )
    return cases
