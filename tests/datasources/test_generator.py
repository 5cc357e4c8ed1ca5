"""The simulator's generator: deterministic, lazy, realistic, and with answers the documents prove."""

import hashlib
import re
import tracemalloc
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pytest

from refunds.choices import DeductionFamily
from refunds.identifiers import normalize_po_number
from simulator import AccountSpec, Kind, generate
from simulator.catalog import FULFILMENT_CENTRES
from simulator.generator import AccountWorld, split_budget
from simulator.ids import Code, sscc

TODAY = date(2026, 11, 20)
ACCOUNTS = [
    AccountSpec.for_marketplace("US", vendor_code="DMBUS", weight=0.5),
    AccountSpec.for_marketplace("CA", vendor_code="DMBCA", weight=0.2),
    AccountSpec.for_marketplace("DE", vendor_code="DMBDE", weight=0.3),
]


def items(seed=7, deductions=2000, today=TODAY, accounts=ACCOUNTS):
    return list(generate(seed=seed, accounts=accounts, today=today, deductions=deductions))


@pytest.fixture(scope="module")
def world():
    return items()


def digest(stream) -> str:
    return hashlib.sha256("\n".join(repr(item) for item in stream).encode()).hexdigest()


NATURAL_KEYS = {
    Kind.PURCHASE_ORDER: "number",
    Kind.SHIPMENT: "shipment_id",
    Kind.INVOICE: "number",
    Kind.REMITTANCE: "payment_number",
    Kind.CHARGEBACK: "amazon_id",
    Kind.TRUTH: "amazon_id",
}


def keys(stream) -> set:
    return {(item.account.key, item.kind, getattr(item.record, NATURAL_KEYS[item.kind])) for item in stream}


def test_generate_same_seed_same_output():
    assert digest(items(seed=3, deductions=300)) == digest(items(seed=3, deductions=300))


def test_generate_different_seed_different_output():
    first, second = items(seed=3, deductions=300), items(seed=4, deductions=300)
    assert digest(first) != digest(second)
    assert not keys(first) & keys(second)


def test_generate_natural_keys_do_not_depend_on_today():
    base = items(seed=3, deductions=300)
    later = items(seed=3, deductions=300, today=date(2027, 2, 1))
    assert keys(base) == keys(later)
    assert digest(base) != digest(later)  # the calendar moved


def test_generate_uses_no_global_random():
    import random

    random.seed(1)
    first = digest(items(seed=3, deductions=200))
    random.seed(2)
    assert digest(items(seed=3, deductions=200)) == first


@pytest.mark.parametrize("deductions", [0, 1, 37, 2000])
def test_generate_deduction_count_is_exact_with_one_truth_each(deductions):
    stream = items(deductions=deductions)
    chargebacks = [i.record.amazon_id for i in stream if i.kind == Kind.CHARGEBACK]
    truths = [i.record.amazon_id for i in stream if i.kind == Kind.TRUTH]
    assert len(chargebacks) == deductions
    assert sorted(chargebacks) == sorted(truths)
    per_account = Counter((i.account.key, i.record.amazon_id) for i in stream if i.kind == Kind.CHARGEBACK)
    assert all(count == 1 for count in per_account.values())


def test_demo_size(world):
    counts = Counter(item.kind for item in world)
    assert 280 <= counts[Kind.PURCHASE_ORDER] <= 340
    assert counts[Kind.CHARGEBACK] == 2000
    assert counts[Kind.SHIPMENT] > counts[Kind.PURCHASE_ORDER]
    assert counts[Kind.INVOICE] > counts[Kind.SHIPMENT]  # roots plus SC / SCR derivatives
    assert counts[Kind.REMITTANCE] > 30


def test_distribution_shortages_dominate_and_every_family_is_there(world):
    chargebacks = [i.record for i in world if i.kind == Kind.CHARGEBACK]
    families = Counter(cb.family for cb in chargebacks)
    assert set(families) == set(DeductionFamily.values)
    assert 0.55 <= families[DeductionFamily.SHORTAGE] / len(chargebacks) <= 0.75
    operational = {cb.deduction_type for cb in chargebacks if cb.family == DeductionFamily.OPERATIONAL}
    assert {"asn_accuracy", "po_on_time_accuracy", "no_carton_content_label", "prep", "no_show"} <= operational
    truths = [i.record for i in world if i.kind == Kind.TRUTH]
    disputable = sum(t.is_disputable for t in truths)
    assert 0.3 <= disputable / len(truths) <= 0.7
    assert all(t.expected_recovery > 0 for t in truths if t.is_disputable)
    assert all(t.expected_recovery == 0 for t in truths if not t.is_disputable)


def test_identifiers_look_like_amazons(world):
    for item in world:
        record = item.record
        if item.kind == Kind.PURCHASE_ORDER:
            assert re.fullmatch(r"[0-9A-Z]{8}", record.number)
            assert record.ship_to_party in FULFILMENT_CENTRES[item.account.marketplace]
            assert 1 <= len(record.items) <= 8
            assert all(re.fullmatch(r"B0[0-9A-Z]{8}", line.asin) for line in record.items)
        elif item.kind == Kind.SHIPMENT:
            assert record.bill_of_lading and record.carrier_scac and record.amazon_reference_number
            for carton in record.cartons:
                if carton.identifier_type == "SSCC":
                    assert re.fullmatch(r"\d{18}", carton.identifier)
                    assert (
                        sscc(carton.identifier[1:8], carton.identifier[8:17], carton.identifier[0]) == carton.identifier
                    )


def test_money_and_dates_follow_the_account(world):
    for item in world:
        record = item.record
        if hasattr(record, "currency"):
            assert record.currency == item.account.currency
        if item.kind == Kind.PURCHASE_ORDER:
            assert str(record.ordered_at.tzinfo) == item.account.time_zone
            assert record.ordered_at.date() < TODAY
        if item.kind == Kind.REMITTANCE:
            assert record.amount == sum(line.amount for line in record.lines)
        if item.kind == Kind.CHARGEBACK:
            assert record.amount > 0 and record.issue_date < TODAY
            assert isinstance(record.amount, Decimal)


def test_noise_is_there(world):
    po_numbers = {(i.account.key, i.record.number) for i in world if i.kind == Kind.PURCHASE_ORDER}
    chargebacks = [i for i in world if i.kind == Kind.CHARGEBACK and i.record.po_number]
    scribbled = [i for i in chargebacks if (i.account.key, i.record.po_number) not in po_numbers]
    unknown = [i for i in scribbled if (i.account.key, normalize_po_number(i.record.po_number)) not in po_numbers]
    assert len(scribbled) > len(unknown) > 0  # mangled PO numbers, and some POs that are not in the data
    statuses = Counter(line.receive_status for i in world if i.kind == Kind.PURCHASE_ORDER for line in i.record.items)
    assert statuses["PARTIALLY_RECEIVED"] and statuses["RECEIVED"] and statuses["NOT_RECEIVED"]
    invoices = {i.record.number for i in world if i.kind == Kind.INVOICE}
    assert any(n.endswith("SC") for n in invoices) and any(n.endswith("SCR") for n in invoices)


def test_stream_is_lazy_even_for_a_million_deductions():
    """The first items of a million-deduction world cost memory for the plan, not for the world.

    Measured by what is held, not by the clock: the whole world is about 5 kB per deduction (some
    5 GB here), while the plan (catalogue, schedules) takes under 20 MB.
    """
    tracemalloc.start()
    try:
        head = list(islice(generate(seed=1, accounts=ACCOUNTS, today=TODAY, deductions=1_000_000), 500))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(head) == 500
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB held for 500 items"


def test_stream_renders_one_order_at_a_time():
    """Taking the first items plans only the orders they come from, not the account's whole budget."""
    world = AccountWorld(seed=1, account=ACCOUNTS[0], today=TODAY, deductions=500_000)
    budget = world.order_budget
    head = list(islice(world.stream(), 500))
    kinds = Counter(item.kind for item in head)
    assert 0 < kinds[Kind.PURCHASE_ORDER] < 100 < world.order_count
    assert 0 < world.counters["deduction"] < 1_000  # rendered so far, of 500,000
    assert 0 < budget - world.order_budget < 1_000  # the rest of the orders' budget is still to be planned


def test_split_budget_adds_up():
    assert split_budget(2000, [0.5, 0.2, 0.3]) == [1000, 400, 600]
    assert sum(split_budget(7, [1, 1, 1])) == 7


def test_code_never_collides():
    code = Code("test", width=4)
    assert len({code(i) for i in range(10_000)}) == 10_000


def test_refunds_never_imports_datasources():
    """The matcher lives in refunds; it must not be able to read the simulator's answers."""
    root = Path(__file__).resolve().parents[2] / "refunds"
    importing = re.compile(r"^\s*(from|import)\s+datasources\b", re.MULTILINE)
    offenders = [str(path) for path in root.rglob("*.py") if importing.search(path.read_text())]
    assert offenders == []


# An oracle that reaches each verdict from the documents alone: if it agrees with the truth, the
# evidence for the truth is in the documents.


def index_documents(stream):
    docs = defaultdict(lambda: defaultdict(dict))
    for item in stream:
        if item.kind in (Kind.PURCHASE_ORDER, Kind.SHIPMENT, Kind.INVOICE):
            docs[item.account.key][item.kind][getattr(item.record, NATURAL_KEYS[item.kind])] = item.record
    for account_docs in docs.values():
        account_docs["by_arn"] = {s.amazon_reference_number: s for s in account_docs[Kind.SHIPMENT].values()}
    return docs


def oracle(docs, cb, coop_seen):
    """(is_disputable, expected_recovery) from the documents, or None if the type is not judged here."""
    po = docs[Kind.PURCHASE_ORDER].get(normalize_po_number(cb.po_number))
    arn = re.search(r"ARN (\d+)", cb.description)
    shipment = docs["by_arn"].get(arn.group(1)) if arn else None
    if cb.family == DeductionFamily.COOP:
        first = coop_seen.setdefault((cb.description, cb.amount), cb.amazon_id)
        return (first != cb.amazon_id, cb.amount if first != cb.amazon_id else 0)
    if cb.family == DeductionFamily.PROVISION or (cb.po_number and po is None):
        return (False, 0)
    if cb.deduction_type == "shortage":
        invoice = docs[Kind.INVOICE][cb.invoice_number]
        line = next(line for line in invoice.lines if line.asin == cb.asin)
        asn = docs[Kind.SHIPMENT][cb.invoice_number]
        shipped = next(i.shipped_quantity for i in asn.items if i.asin == cb.asin)
        reversal = docs[Kind.INVOICE].get(cb.invoice_number + "SCR")
        if reversal and any(line.asin == cb.asin for line in reversal.lines):
            return (False, 0)
        units = cb.quantity - max(0, line.quantity - shipped)
        return (units > 0, line.unit_cost * units if units > 0 else 0)
    if cb.deduction_type == "price_claim":
        invoice = docs[Kind.INVOICE][cb.invoice_number]
        invoiced = next(line for line in invoice.lines if line.asin == cb.asin)
        ordered = next(item for item in po.items if item.asin == cb.asin)
        same = invoiced.unit_cost == ordered.net_cost
        return (same, cb.amount if same else 0)
    checks = {
        "asn_accuracy": lambda: shipment.asn_sent_at <= shipment.delivered_at,
        "no_show": lambda: shipment.delivered_at <= po.delivery_window_end,
        "no_carton_content_label": lambda: all(c.identifier for c in shipment.cartons),
        "carton_content_accuracy": lambda: sum(c.contents[0]["quantity"] for c in shipment.cartons)
        == sum(i.shipped_quantity for i in shipment.items),
        "po_on_time_accuracy": lambda: all(
            s.shipped_at <= po.ship_window_end
            for s in docs[Kind.SHIPMENT].values()
            if s.items[0].po_number == po.number
        ),
    }
    if cb.deduction_type in checks:
        ok = checks[cb.deduction_type]()
        return (ok, cb.amount if ok else 0)
    if cb.deduction_type in ("prep", "vendor_return"):
        item = next(item for item in po.items if item.asin == cb.asin)
        extra = cb.quantity - item.received_quantity
        per_unit = cb.amount / cb.quantity
        return (extra > 0, per_unit * extra if extra > 0 else 0)
    return None


def test_truth_is_derivable_from_the_documents(world):
    docs = index_documents(world)
    truths = {(i.account.key, i.record.amazon_id): i.record for i in world if i.kind == Kind.TRUTH}
    coop_seen = {}
    judged = Counter()
    for item in world:
        if item.kind != Kind.CHARGEBACK:
            continue
        verdict = oracle(docs[item.account.key], item.record, coop_seen)
        assert verdict is not None, item.record.deduction_type
        truth = truths[(item.account.key, item.record.amazon_id)]
        assert (truth.is_disputable, truth.expected_recovery) == (verdict[0], Decimal(verdict[1])), (item.record, truth)
        judged[truth.is_disputable] += 1
    assert judged[True] and judged[False]
