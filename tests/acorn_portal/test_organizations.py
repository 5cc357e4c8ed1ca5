"""Creating organizations and vendor accounts without a shell: the service and the two commands."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from acorn_portal.models import Organization, VendorAccount
from acorn_portal.services.organizations import add_vendor_account, create_organization

pytestmark = pytest.mark.django_db


def test_commands_create_an_organization_and_its_accounts():
    out = StringIO()
    call_command("create_organization", "Northwind Goods", "--slug", "northwind", stdout=out)
    assert "Created organization Northwind Goods" in out.getvalue()
    call_command(
        "add_vendor_account",
        "--org",
        "northwind",
        "--name",
        "Northwind UK",
        "--vendor-codes",
        "hpb5h",
        "--marketplace",
        "uk",
        "--net-due-days",
        "90",
        stdout=out,
    )
    account = VendorAccount.objects.get(name="Northwind UK")
    assert (account.organization.slug, account.vendor_codes, account.marketplace) == ("northwind", "HPB5H", "UK")
    assert (account.currency, account.time_zone, account.payment_terms_net_days) == ("GBP", "Europe/London", 90)


def test_commands_refuse_with_a_sentence_and_write_nothing():
    create_organization(name="Northwind Goods", slug="northwind")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_organization", "Northwind again", "--slug", "northwind")
    with pytest.raises(CommandError, match="No organization"):
        call_command("add_vendor_account", "--org", "nope", "--name", "X", "--vendor-codes", "A", "--marketplace", "US")
    with pytest.raises(CommandError, match="marketplace"):
        call_command(
            "add_vendor_account", "--org", "northwind", "--name", "X", "--vendor-codes", "A", "--marketplace", "XX"
        )
    assert Organization.objects.count() == 1 and not VendorAccount.objects.exists()


def test_the_service_refuses_a_second_account_of_the_same_name():
    organization = create_organization(name="Northwind Goods")
    assert organization.slug == "northwind-goods"
    add_vendor_account(organization, name="US", vendor_codes="QBQFL", marketplace="US", payment_terms_net_days=60)
    with pytest.raises(ValidationError):
        add_vendor_account(organization, name="US", vendor_codes="QBQFM", marketplace="US")
    with pytest.raises(ValidationError):
        add_vendor_account(organization, name="Bad zone", vendor_codes="QBQFM", marketplace="US", time_zone="Mars/Base")
    assert VendorAccount.objects.count() == 1
