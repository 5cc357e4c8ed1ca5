"""The SP-API connector: Amazon's own example payloads parse, LWA caching, retries, rate limits, endpoints."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from datasources.connectors import AccountInfo, ConnectorError, get_connector
from datasources.connectors.http import HttpClient, RetryPolicy, TokenBucket
from datasources.connectors.spapi import SpApiVendorConnector
from datasources.connectors.spapi_parse import parse_order, parse_shipment, parse_window
from refunds.choices import ReceiveStatus
from simulator import payloads
from simulator.data import SimulatorData
from simulator.server import serve
from tests.datasources.simtools import FAST, SPEC, in_eaches, sim_options

EXAMPLES = Path(__file__).resolve().parents[2] / "simulator" / "spapi_examples"
ACCOUNT = AccountInfo(
    key="US",
    marketplace="US",
    marketplace_id="ATVPDKIKX0DER",
    region="NA",
    currency="USD",
    time_zone="America/Los_Angeles",
    vendor_codes=("ACMEU",),
)
CREDENTIALS = {"client_id": "cid", "client_secret": "csecret", "refresh_token": "sim-refresh-US"}


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def example_responses(name: str) -> list[dict]:
    """Every response body in an example file: the documented one and each sandbox case."""
    data = example(name)
    bodies = []
    documented = data.get("documented_example")
    if documented:
        bodies.append(documented.get("application/json", documented))
    bodies += [case["response"] for case in data.get("sandbox_static_cases", [])]
    return bodies


def connector(base_url: str, **settings) -> SpApiVendorConnector:
    settings = {
        "endpoint": base_url,
        "token_url": f"{base_url}/auth/o2/token",
        "lookback_days": 290,
        **FAST,
        **settings,
    }
    return get_connector("spapi_vendor")(account=ACCOUNT, settings=settings, credentials=CREDENTIALS)


def test_amazon_purchase_order_examples_parse():
    orders = [
        o for body in example_responses("vendor_orders_getPurchaseOrders_200.json") for o in body["payload"]["orders"]
    ]
    single = [body["payload"] for body in example_responses("vendor_orders_getPurchaseOrder_200.json")]
    records = [parse_order(order) for order in orders + single]
    assert len(records) == len(orders) + len(single) and all(r.number for r in records)
    first = records[0]
    assert first.number == "L8266355" and first.state == "New" and first.deal_code == "BTS"
    assert first.ordered_at == datetime(2019, 5, 23, 10, tzinfo=UTC)
    assert first.delivery_window_end == datetime(2019, 5, 30, 10, tzinfo=UTC)  # deliveryWindow outside orderDetails
    item = first.items[0]
    assert (item.ordered_quantity, item.ordered_unit, item.unit_size) == (2, "Cases", 10)
    assert (item.net_cost, item.currency) == (Decimal("1800"), "INR")


def test_amazon_po_status_examples_give_receiving_quantities():
    statuses = [
        s
        for body in example_responses("vendor_orders_getPurchaseOrdersStatus_200.json")
        for s in body["payload"]["ordersStatus"]
    ]
    order = {
        "purchaseOrderNumber": "2JK3S9VB",
        "orderDetails": {
            "purchaseOrderDate": "2020-08-17T20:24:58.193Z",
            "items": [
                {
                    "itemSequenceNumber": "1",
                    "orderedQuantity": {"amount": 1},
                    "netCost": {"amount": "346.27", "currencyCode": "USD"},
                }
            ],
        },
    }
    record = parse_order(order, status=statuses[0])
    assert record.items[0].received_quantity == 1
    assert record.items[0].receive_status == ReceiveStatus.RECEIVED
    assert record.items[0].last_received_at == datetime(2020, 8, 28, 21, 6, 23, 193000, tzinfo=UTC)
    assert record.items[0].accepted_quantity == 1
    for status in statuses:  # every example parses
        parse_order({"purchaseOrderNumber": status["purchaseOrderNumber"], "orderDetails": {}}, status=status)


def test_amazon_shipment_details_example_parses():
    (body,) = example_responses("vendor_shipments_getShipmentDetails_200.json")
    (shipment,) = [parse_shipment(s) for s in body["payload"]["shipments"]]
    assert shipment.shipment_id == "00050003" and shipment.amazon_reference_number == "1234567"
    assert shipment.carton_count == 30 and shipment.pallet_count == 60
    assert shipment.pro_number == "TRACK001" and shipment.carrier_name == "UPS"
    assert shipment.shipped_at == datetime(2019, 8, 7, 19, 56, 45, 632000, tzinfo=UTC)  # no offset: UTC
    assert [i.item_sequence_number for i in shipment.items] == ["001", "002"]
    assert shipment.items[0].po_number == "1BBBAAAA"
    assert [c.sequence_number for c in shipment.cartons] == [1]  # the pallet is not a carton
    assert shipment.cartons[0].contents == [{"item_sequence_number": "001", "quantity": 1}]


def test_simulator_payloads_round_trip_through_the_parser():
    data = SimulatorData(**sim_options())
    for po in data.records("US", "purchase_orders"):
        assert parse_order(payloads.order_json(po), status=payloads.order_status_json(po)) == in_eaches(po)
    for shipment in data.records("US", "shipments"):
        assert parse_shipment(payloads.shipment_json(shipment, vendor_code="ACMEU")) == shipment


def test_window_strings():
    assert parse_window("2020-05-26T07:00:00Z--2020-06-03T07:00:00Z")[1] == datetime(2020, 6, 3, 7, tzinfo=UTC)
    assert parse_window("") == (None, None)


def test_lwa_token_is_cached_and_sent_as_x_amz_access_token():
    with serve(**sim_options()) as sim:
        client = connector(sim.base_url)
        assert "answered" in client.test_connection()
        client.test_connection()
        connector(sim.base_url).test_connection()
        assert sim.simulator.calls["/auth/o2/token"] == 1
        client.auth.forget()
        client.test_connection()
        assert sim.simulator.calls["/auth/o2/token"] == 2


def test_retries_are_bounded_and_keep_request_ids():
    with serve(**sim_options(faults="5xx=1")) as sim:
        client = connector(sim.base_url, max_attempts=3)
        with pytest.raises(ConnectorError) as failure:
            client.test_connection()
    assert not failure.value.permanent and failure.value.request_id
    entries = client.log.drain()
    assert [(e.operation, e.attempt) for e in entries] == [("lwa_token", 1), ("lwa_token", 2), ("lwa_token", 3)]
    assert all(e.request_id and e.status in (500, 503) for e in entries)


def test_windows_never_exceed_seven_days_and_pages_follow_next_token():
    with serve(**sim_options(deductions=400)) as sim:
        client = connector(sim.base_url, page_size=1)
        pages = list(client.fetch("purchase_orders", None))
    records = [r for page in pages for r in page.records]
    assert len(records) == len({r.number for r in records}) == len(sim.simulator.data.records("US", "purchase_orders"))
    assert any(page.checkpoint.get("next_token") for page in pages), "some window had more than one page"
    assert "completed_until" in pages[-1].checkpoint


def test_regional_endpoint_by_default():
    eu = AccountInfo(
        key="DE",
        marketplace="DE",
        marketplace_id="A1PA6795UKMFR9",
        region="EU",
        currency="EUR",
        time_zone="Europe/Berlin",
    )
    client = get_connector("spapi_vendor")(account=eu, settings={}, credentials=CREDENTIALS)
    assert client.endpoint == "https://sellingpartnerapi-eu.amazon.com"


def test_missing_credentials_are_a_permanent_error():
    with pytest.raises(ConnectorError) as failure:
        get_connector("spapi_vendor")(account=ACCOUNT, settings={}, credentials={"client_id": "x"})
    assert failure.value.permanent
    with pytest.raises(ConnectorError):
        get_connector("no_such_kind")


def test_token_bucket_waits_once_the_burst_is_spent():
    now = [0.0]
    waits = []
    bucket = TokenBucket(10, 10, clock=lambda: now[0], sleep=waits.append)
    for _ in range(10):
        assert bucket.take() == 0
    assert bucket.take() == pytest.approx(0.1)
    now[0] += 1.0
    assert bucket.take() == 0  # refilled
    assert waits == [pytest.approx(0.1)]


def test_backoff_grows_and_is_capped():
    import random

    policy = RetryPolicy(attempts=5, base=1, cap=4)
    rng = random.Random(1)
    assert all(0 <= policy.delay(n, rng) <= min(4, 2 ** (n - 1)) for n in range(1, 10))
    assert isinstance(HttpClient(policy=policy, log=None), HttpClient)


def test_spec_matches_account_fixture():
    assert SPEC.key == ACCOUNT.key and SPEC.currency == ACCOUNT.currency


def test_resuming_inside_a_window_keeps_its_filters():
    """A nextToken is valid only with the filters it came with, so the checkpoint keeps the window's end."""
    with serve(**sim_options(deductions=400)) as sim:
        pages = list(connector(sim.base_url, page_size=1).fetch("purchase_orders", None))
        cut = next(i for i, page in enumerate(pages) if page.checkpoint.get("next_token"))
        resumed = list(connector(sim.base_url, page_size=1).fetch("purchase_orders", pages[cut].checkpoint))
    before = [r.number for page in pages[: cut + 1] for r in page.records]
    after = [r.number for page in resumed for r in page.records]
    assert before + after == [r.number for page in pages for r in page.records]
    assert pages[cut].checkpoint["window_end"] < pages[-1].checkpoint["completed_until"]


def test_receipts_in_cases_are_stored_as_eaches():
    status = {
        "purchaseOrderNumber": "2JK3S9VC",
        "itemStatus": [
            {
                "itemSequenceNumber": "1",
                "acknowledgementStatus": {"acceptedQuantity": {"amount": 8, "unitOfMeasure": "Cases", "unitSize": 6}},
                "receivingStatus": {
                    "receiveStatus": "PARTIALLY_RECEIVED",
                    "receivedQuantity": {"amount": 7, "unitOfMeasure": "Cases", "unitSize": 6},
                },
            },
            {
                "itemSequenceNumber": "2",
                "receivingStatus": {"receivedQuantity": {"amount": 5, "unitOfMeasure": "Eaches", "unitSize": 1}},
            },
        ],
    }
    order = {
        "purchaseOrderNumber": "2JK3S9VC",
        "purchaseOrderState": "Closed",
        "orderDetails": {
            "purchaseOrderDate": "2026-01-05T10:00:00Z",
            "items": [
                {
                    "itemSequenceNumber": "1",
                    "orderedQuantity": {"amount": 8, "unitOfMeasure": "Cases", "unitSize": 6},
                    "netCost": {"amount": "2.50", "currencyCode": "USD"},
                },
                {
                    "itemSequenceNumber": "2",
                    "orderedQuantity": {"amount": 5, "unitOfMeasure": "Eaches", "unitSize": 1},
                    "netCost": {"amount": "9.00", "currencyCode": "USD"},
                },
            ],
        },
    }
    cases, eaches = parse_order(order, status=status).items
    assert (cases.received_quantity, cases.received_unit, cases.received_unit_size) == (42, "Cases", 6)
    assert cases.accepted_quantity == 48
    assert (eaches.received_quantity, eaches.received_unit) == (5, "")


def test_first_sync_reaches_back_over_the_longest_dispute_window():
    """A shortage claim is disputable 730 days after its invoice, which comes after its PO: a first
    sync must reach the PO of an invoice issued up to 180 days after it."""
    settings = {"endpoint": "http://127.0.0.1:9", "token_url": "http://127.0.0.1:9/auth/o2/token"}
    reader = get_connector("spapi_vendor")(account=ACCOUNT, settings=settings, credentials=CREDENTIALS)
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    reader.now = lambda: now
    start, token = reader._start(None)
    assert (now - start).days == 730 + 180 and token is None
    told = get_connector("spapi_vendor")(
        account=ACCOUNT, settings={**settings, "lookback_days": 30}, credentials=CREDENTIALS
    )
    told.now = lambda: now
    assert (now - told._start(None)[0]).days == 30
