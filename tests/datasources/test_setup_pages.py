"""Setting up without JSON: a vendor account, per-kind source forms, test connection in a sentence,
the first sync with its progress, all against the simulator over HTTP; and another organization's
people reach none of it."""

import pytest
from django.db import connection

from acorn_portal.models import AuditAction, AuditEvent, VendorAccount
from datasources.models import DataSource, SyncRun, SyncStatus
from simulator.server import serve
from tests.datasources.simtools import FAST, sim_options

pytestmark = pytest.mark.django_db(transaction=True)


def spapi_form(account, base_url, **extra):
    return {
        "kind": "spapi_vendor",
        "name": "Amazon SP-API",
        "account": account.pk,
        "schedule_minutes": 60,
        "enabled": "on",
        "app_id": "amzn1.sp.solution.test",
        "client_id": "cid",
        "client_secret": "csecret",
        "refresh_token": "sim-refresh-US",
        "region": "custom",
        "endpoint": base_url,
        "token_url": f"{base_url}/auth/o2/token",
        "lookback_days": 290,
        **extra,
    }


def test_an_admin_adds_an_account_whose_currency_and_time_zone_follow_the_marketplace(client, org, org_admin):
    client.force_login(org_admin)
    response = client.post(
        "/setup/accounts/add/", {"name": "Acme UK", "marketplace": "UK", "vendor_codes": "acmuk, acmu2"}
    )
    assert response.status_code == 302
    account = VendorAccount.objects.get(name="Acme UK")
    assert (account.organization, account.currency, account.time_zone) == (org, "GBP", "Europe/London")
    assert account.vendor_codes == "ACMUK, ACMU2"
    response = client.post("/setup/accounts/add/", {"name": "Acme UK", "marketplace": "UK", "vendor_codes": ""})
    assert response.status_code == 200 and b"already" in response.content
    assert VendorAccount.objects.filter(name="Acme UK").count() == 1


def test_spapi_source_from_the_form_tests_its_connection_and_syncs_with_progress(client, account, org_admin):
    client.force_login(org_admin)
    with serve(**sim_options()) as sim:
        response = client.post("/setup/sources/add/?kind=spapi_vendor", spapi_form(account, sim.base_url))
        assert response.status_code == 302, response.content.decode()[:3000]
        source = DataSource.objects.get(name="Amazon SP-API")
        assert source.settings["endpoint"] == sim.base_url and source.settings["app_id"] == "amzn1.sp.solution.test"
        assert source.credential_values()["refresh_token"] == "sim-refresh-US"
        source.settings.update(FAST)
        source.save()
        with connection.cursor() as cursor:
            cursor.execute("SELECT credentials FROM datasources_datasource WHERE id = %s", [source.pk])
            assert "sim-refresh-US" not in cursor.fetchone()[0]
        page = client.get(f"/setup/sources/{source.pk}/").content.decode()
        assert "sim-refresh-US" not in page and "csecret" not in page and "Start first sync" in page
        edit = client.get(f"/setup/sources/{source.pk}/change/").content.decode()
        assert "sim-refresh-US" not in edit and "csecret" not in edit
        assert AuditEvent.objects.filter(action=AuditAction.CREDENTIALS_CHANGED).exists()

        response = client.post(f"/setup/sources/{source.pk}/test/", follow=True)
        assert "Connected. LWA token obtained" in response.content.decode()

        response = client.post(f"/setup/sources/{source.pk}/sync/", follow=True)
        run = SyncRun.objects.get(data_source=source)
        assert run.status == SyncStatus.SUCCEEDED and run.pages > 0
        page = response.content.decode()
        assert f"{run.pages} pages" in page and 'id="progress-purchase_orders"' in page
        status = client.get("/status/").content.decode()
        assert "Amazon SP-API" in status and "purchase_orders" in status and f"{run.pages} pages" in status


def test_test_connection_says_what_is_wrong(client, account, org_admin):
    client.force_login(org_admin)
    with serve(**sim_options()) as sim, serve(**sim_options()) as other:
        client.post("/setup/sources/add/", spapi_form(account, sim.base_url, refresh_token="sim-refresh-XX"))
        wrong = DataSource.objects.get()
        message = client.post(f"/setup/sources/{wrong.pk}/test/", follow=True).content.decode()
        assert "Login with Amazon refused the credentials" in message

        # Tokens from one place, vendor calls to another that does not know them: SP-API's 403 as for an
        # app without the vendor role.
        client.post(
            "/setup/sources/add/",
            spapi_form(account, other.base_url, name="No role", token_url=f"{sim.base_url}/auth/o2/token"),
        )
        no_role = DataSource.objects.get(name="No role")
        message = client.post(f"/setup/sources/{no_role.pk}/test/", follow=True).content.decode()
        assert "lacks the Vendor role" in message

    client.post("/setup/sources/add/", spapi_form(account, "http://127.0.0.1:9", name="Down"))
    down = DataSource.objects.get(name="Down")
    down.settings.update(FAST | {"max_attempts": 2})
    down.save()
    message = client.post(f"/setup/sources/{down.pk}/test/", follow=True).content.decode()
    assert "Could not reach 127.0.0.1:9" in message


def test_data_feed_form_keeps_the_stored_key_when_left_empty(client, account, org_admin):
    client.force_login(org_admin)
    data = {
        "kind": "data_feed",
        "name": "Feed",
        "account": account.pk,
        "schedule_minutes": 30,
        "enabled": "on",
        "base_url": "http://127.0.0.1:9/",
        "api_key": "feed-key-1",
        "api_key_header": "X-Api-Key",
    }
    assert client.post("/setup/sources/add/", data).status_code == 302
    source = DataSource.objects.get(name="Feed")
    client.post(f"/setup/sources/{source.pk}/change/", {**data, "api_key": "", "schedule_minutes": 45})
    source.refresh_from_db()
    assert source.schedule_minutes == 45 and source.credential_values() == {"api_key": "feed-key-1"}
    response = client.post("/setup/sources/add/", {**data, "name": "Other", "base_url": "ftp://example.com"})
    assert response.status_code == 200 and not DataSource.objects.filter(name="Other").exists()


def test_operations_read_but_do_not_set_up(client, account, ops):
    client.force_login(ops)
    assert client.get("/setup/").status_code == 200
    assert client.get("/setup/accounts/add/").status_code == 403
    assert client.get("/setup/sources/add/").status_code == 403


def test_another_organizations_admin_reaches_none_of_our_sources(client, account, org_admin, outsider):
    source = DataSource.objects.create(
        account=account, name="Ours", kind="data_feed", settings={"base_url": "http://127.0.0.1:9"}
    )
    client.force_login(outsider)
    assert "Ours" not in client.get("/setup/").content.decode()
    for path in ("", "change/"):
        assert client.get(f"/setup/sources/{source.pk}/{path}").status_code == 404
    for path in ("test/", "sync/", "change/"):
        assert client.post(f"/setup/sources/{source.pk}/{path}", {"name": "Theirs"}).status_code == 404
    assert not SyncRun.objects.exists()
    # Nor can they add a source to our account by naming it.
    data = {
        "kind": "data_feed",
        "name": "Sneaky",
        "account": account.pk,
        "schedule_minutes": 30,
        "enabled": "on",
        "base_url": "http://127.0.0.1:9/",
        "api_key": "k",
        "api_key_header": "X-Api-Key",
    }
    response = client.post("/setup/sources/add/", data)
    assert response.status_code == 200 and not DataSource.objects.filter(name="Sneaky").exists()


def test_account_form_takes_payment_terms_and_the_marketplace_decides_currency_and_time_zone(client, org, org_admin):
    client.force_login(org_admin)
    page = client.get("/setup/accounts/add/")
    assert set(page.context["form"].fields) == {"name", "marketplace", "vendor_codes", "payment_terms_net_days"}
    for name, marketplace, terms, expected in (
        ("Acme DE", "DE", "60", ("EUR", "Europe/Berlin", 60)),
        ("Acme JP", "JP", "", ("JPY", "Asia/Tokyo", None)),
        ("Acme AU", "AU", "90", ("AUD", "Australia/Sydney", 90)),
    ):
        # A currency or time zone slipped into the post is not the form's to take.
        data = {"name": name, "marketplace": marketplace, "vendor_codes": "acm1", "payment_terms_net_days": terms}
        response = client.post("/setup/accounts/add/", {**data, "currency": "USD", "time_zone": "UTC"})
        assert response.status_code == 302, response.content
        account = VendorAccount.objects.get(name=name)
        assert (account.currency, account.time_zone, account.payment_terms_net_days) == expected
    assert "paid net 60 days" in client.get("/setup/").content.decode()
    response = client.post(
        "/setup/accounts/add/",
        {"name": "Acme FR", "marketplace": "FR", "vendor_codes": "acm1", "payment_terms_net_days": "-5"},
    )
    assert response.status_code == 200 and not VendorAccount.objects.filter(name="Acme FR").exists()


def test_an_account_added_by_another_organizations_admin_lands_in_theirs(client, org, other_org, account, outsider):
    client.force_login(outsider)
    data = {"name": "Sneaky", "marketplace": "US", "vendor_codes": "SNK", "organization": org.pk}
    assert client.post("/setup/accounts/add/", data).status_code == 302
    assert VendorAccount.objects.get(name="Sneaky").organization == other_org
    page = client.get("/setup/").content.decode()
    assert "Sneaky" in page and account.name not in page
