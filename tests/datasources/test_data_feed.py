"""The generic data-feed connector: API key, cursor pagination, per-source field mapping."""

import csv
import io
from decimal import Decimal

import pytest
import requests

from datasources.connectors import ConnectorError, get_connector
from datasources.connectors.data_feed import DEFAULT_KINDS
from simulator.faults import FaultPlan
from simulator.server import serve
from tests.datasources.simtools import FAST, sim_options
from tests.datasources.test_spapi_connector import ACCOUNT


def feed(base_url: str, api_key: str = "sim-feed-US", **settings):
    return get_connector("data_feed")(
        account=ACCOUNT, settings={"base_url": base_url, **FAST, **settings}, credentials={"api_key": api_key}
    )


@pytest.mark.parametrize("kind", ["chargebacks", "invoices", "remittances"])
def test_feed_pages_through_every_record_exactly(kind):
    with serve(**sim_options()) as sim:
        pages = list(feed(sim.base_url, page_size=7).fetch(kind, None))
    expected = sim.simulator.data.records("US", kind)
    assert [r for page in pages for r in page.records] == expected
    assert all("cursor" in page.checkpoint for page in pages[:-1]) and "completed_at" in pages[-1].checkpoint


def test_feed_resumes_from_a_cursor():
    with serve(**sim_options()) as sim:
        first = next(iter(feed(sim.base_url, page_size=10).fetch("chargebacks", None)))
        rest = [r for p in feed(sim.base_url, page_size=10).fetch("chargebacks", first.checkpoint) for r in p.records]
    assert first.records + rest == sim.simulator.data.records("US", "chargebacks")


def test_field_mapping_is_configurable_per_source():
    """A service printing other names: only the mapping changes (here: a feed answering under `items`)."""
    mapping = {"chargebacks": {**DEFAULT_KINDS["chargebacks"], "fields": {**DEFAULT_KINDS["chargebacks"]["fields"]}}}
    mapping["chargebacks"]["fields"]["description"] = "no.such.path"
    with serve(**sim_options()) as sim:
        records = [r for p in feed(sim.base_url, kinds=mapping).fetch("chargebacks", None) for r in p.records]
    assert records and all(r.description == "" for r in records)
    assert isinstance(records[0].amount, Decimal)


def test_unreadable_items_are_reported_not_fatal():
    bad = {"chargebacks": {**DEFAULT_KINDS["chargebacks"], "fields": {**DEFAULT_KINDS["chargebacks"]["fields"]}}}
    bad["chargebacks"]["fields"]["amount"] = "id"  # an id is not an amount
    with serve(**sim_options()) as sim:
        (page, *_) = feed(sim.base_url, kinds=bad).fetch("chargebacks", None)
    assert page.problems and "not an amount" in page.problems[0]
    total = len(sim.simulator.data.records("US", "chargebacks"))
    assert len(page.records) + len(page.problems) == total, "good items still come through"


def test_wrong_api_key_is_a_permanent_error():
    with serve(**sim_options()) as sim, pytest.raises(ConnectorError) as failure:
        feed(sim.base_url, api_key="nope").test_connection()
    assert failure.value.permanent and failure.value.status == 401


def test_report_files_are_served_as_csv():
    with serve(**sim_options()) as sim:
        response = requests.get(
            f"{sim.base_url}/reports/v1/remittances.csv", headers={"X-Api-Key": "sim-feed-US"}, timeout=5
        )
        refused = requests.get(f"{sim.base_url}/reports/v1/chargebacks.csv", timeout=5)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    remittances = sim.simulator.data.records("US", "remittances")
    assert response.headers["Content-Type"] == "text/csv" and refused.status_code == 401
    assert len(rows) == sum(len(r.lines) for r in remittances)
    assert {row["Payment Number"] for row in rows} == {r.payment_number for r in remittances}


def test_fault_plan_parses_and_is_reproducible():
    plan = FaultPlan.parse("429=0.2,5xx=0.1,latency=50ms,reset=0.05,malformed=0.02,duplicates=0.1", seed=3)
    assert plan.latency == 0.05 and plan.rates["429"] == 0.2
    again = FaultPlan.parse(str(plan), seed=3)
    assert [plan.draw() for _ in range(50)] == [again.draw() for _ in range(50)]
    with pytest.raises(ValueError):
        FaultPlan.parse("gremlins=0.5")


def test_simulator_refuses_windows_over_seven_days_and_unknown_tokens():
    with serve(**sim_options()) as sim:
        token = requests.post(
            f"{sim.base_url}/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": "sim-refresh-US",
                "client_id": "a",
                "client_secret": "b",
            },
            timeout=5,
        ).json()["access_token"]
        url = f"{sim.base_url}/vendor/orders/v1/purchaseOrders"
        wide = {"createdAfter": "2026-01-01T00:00:00Z", "createdBefore": "2026-01-09T00:00:00Z"}
        too_wide = requests.get(url, params=wide, headers={"x-amz-access-token": token}, timeout=5)
        anonymous = requests.get(url, timeout=5)
    assert too_wide.status_code == 400 and too_wide.json()["errors"][0]["code"] == "InvalidInput"
    assert anonymous.status_code == 403 and too_wide.headers["x-amzn-RequestId"]
