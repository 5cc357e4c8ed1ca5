"""The simulated vendor's files have the worked sample's shapes, locales and signs, and every feature of real data."""

import csv
import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from datasources.connectors.locale_values import ValueLocale, parse_date, parse_decimal
from simulator.vendor_files import account_for, answers, simulate_vendor, write_folder
from simulator.vendor_files.answers import decide, normalize_po_number
from simulator.vendor_files.plan import messy_po

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "vc-sample"
AS_OF = date(2026, 12, 1)
JSON_FILES = [
    "accounts.json",
    "spapi/purchase_orders.json",
    "spapi/purchase_orders_status.json",
    "erp/shipments.json",
    "erp/proofs_of_delivery.json",
    "erp/invoices.json",
    "erp/coop_agreements.json",
    "expected.json",
]
VC_FILES = ["invoices", "chargebacks", "remittance", "coop"]


def _world(seed=7, orders=400, marketplaces=(("QBQFL", "US"), ("HPB5H", "UK"))):
    return simulate_vendor(seed=seed, as_of=AS_OF, orders=orders, accounts=[account_for(c, m) for c, m in marketplaces])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_folder(_world(), tmp_path_factory.mktemp("vendor"))


@pytest.fixture(scope="module")
def world():
    return _world()


def _paths(value, prefix=""):
    """Every key path in a JSON document, list items folded together."""
    found = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            found |= {f"{prefix}/{key}"} | _paths(inner, f"{prefix}/{key}")
    elif isinstance(value, list):
        for inner in value:
            found |= _paths(inner, f"{prefix}[]")
    return found


def _rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", JSON_FILES)
def test_json_files_have_exactly_the_samples_keys(folder, name):
    ours, theirs = _paths(json.loads((folder / name).read_text())), _paths(json.loads((SAMPLE / name).read_text()))
    assert ours == theirs, f"missing {sorted(theirs - ours)}, extra {sorted(ours - theirs)}"


@pytest.mark.parametrize("name", VC_FILES)
def test_vc_exports_have_the_samples_headers_combined_and_per_vendor_code(folder, name):
    header = next(csv.reader((SAMPLE / "vc" / f"{name}.csv").open()))
    assert "PO Number" not in header or name == "chargebacks"
    assert next(csv.reader((folder / "vc" / f"{name}.csv").open())) == header
    combined = _rows(folder / "vc" / f"{name}.csv")
    split = []
    for code in ("QBQFL", "HPB5H"):
        assert next(csv.reader((folder / "vc" / "by_account" / code / f"{name}.csv").open())) == header
        split += _rows(folder / "vc" / "by_account" / code / f"{name}.csv")
    assert sorted(map(tuple, (r.values() for r in combined))) == sorted(map(tuple, (r.values() for r in split)))
    assert combined, f"{name}.csv is empty"


def test_invoice_export_signs_and_suffixes(folder):
    rows = _rows(folder / "vc" / "invoices.csv")
    kinds = Counter(re.sub(r"^\d+", "", r["Invoice Number"]) for r in rows)
    assert kinds[""] > 100 and kinds["SC"] > 20 and kinds["PC"] > 10 and kinds["SCR"] > 0
    for row in rows:
        amount = Decimal(row["Invoice Amount"].replace(",", ""))
        number = row["Invoice Number"]
        if number.endswith(("SC", "PC")):
            assert amount < 0 and row["Invoice Status"] in {"Deducted", "Open"}, row
        else:
            assert amount > 0, row
        if number.endswith("SCR"):
            assert row["Invoice Status"] == "Credited" and row["Any Deductions"] == "No"


def test_remittance_lines_name_chargebacks_by_issue_id_with_signs(folder):
    rows = _rows(folder / "vc" / "remittance.csv")
    issued = {r["Issue ID"] for r in _rows(folder / "vc" / "chargebacks.csv")}
    settlements = [r for r in rows if "VCBSINV" in r["Invoice Number"]]
    assert any(r["Invoice Number"].endswith("VCBSINVR") for r in settlements)
    for row in settlements:
        issue_id, suffix = re.fullmatch(r"(\d+)(VCBSINVR?)", row["Invoice Number"]).groups()
        assert issue_id in issued and row["Description"].endswith(f"ISSUE ID {issue_id}")
        amount = Decimal(row["Net Amount Paid"].replace(",", ""))
        assert (amount > 0) == (suffix == "VCBSINVR")
    for row in _rows(folder / "vc" / "chargebacks.csv"):
        assert Decimal(row["Amount"].replace(",", "")) > 0


def test_each_row_in_its_marketplaces_locale_reads_back_through_the_import_locale(world, tmp_path):
    world = _world(orders=120, marketplaces=(("QBQFL", "US"), ("HPB5H", "UK"), ("DMBDE", "DE")))
    folder = write_folder(world, tmp_path)
    by_code = {a.vendor_code: a for a in world.accounts}
    invoices = {o.invoice.number: o.invoice for o in world.orders if o.invoice}
    checked = Counter()
    for row in _rows(folder / "vc" / "invoices.csv"):
        invoice = invoices.get(row["Invoice Number"])
        if invoice is None:
            continue
        account = by_code[row["Payee"]]
        locale = ValueLocale.for_marketplace(account.marketplace)
        assert parse_date(row["Invoice Date"], locale) == invoice.local_date
        assert parse_date(row["Payment Due Date"], locale) == invoice.due_date
        order = next(o for o in world.orders if o.invoice is invoice)
        assert parse_decimal(row["Invoice Amount"], locale) == invoice.total(order.lines)
        checked[account.marketplace] += 1
        if account.marketplace == "DE":
            assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", row["Invoice Date"])
            assert "," in row["Invoice Amount"] and not re.search(r"\.\d\d$", row["Invoice Amount"])
        elif account.marketplace == "US":
            assert int(row["Invoice Date"][:2]) == invoice.local_date.month
        else:
            assert int(row["Invoice Date"][:2]) == invoice.local_date.day
    assert set(checked) == {"US", "UK", "DE"}


def test_real_data_features_are_all_present(folder, world):
    chargebacks = _rows(folder / "vc" / "chargebacks.csv")
    styles = {re.sub(r"[0-9A-Z]{8}|[0-9a-z]{8}", "X", r["PO Number"]) for r in chargebacks}
    assert styles == {"X", "po# X", " X ", "PO X", "#X"}
    assert any(r["Currency"] == "CAD" and r["Vendor Code"] == "QBQFL" for r in chargebacks)
    assert any(r["PO Number"] != r["PO Number"].strip().upper() for r in chargebacks)
    shipments = json.loads((folder / "erp/shipments.json").read_text())["shipmentConfirmations"]
    assert any("amazonProductIdentifier" not in item for s in shipments for item in s["shippedItems"])
    assert any("cartons" not in s for s in shipments) and any(s["shipmentType"] == "SmallParcel" for s in shipments)
    status = json.loads((folder / "spapi/purchase_orders_status.json").read_text())["payload"]["ordersStatus"]
    cases = [
        i
        for o in status
        for i in o["itemStatus"]
        if i["receivingStatus"]["receivedQuantity"]["unitOfMeasure"] == "Cases"
    ]
    assert cases and all(i["receivingStatus"]["receivedQuantity"]["unitSize"] > 1 for i in cases)
    proofs = json.loads((folder / "erp/proofs_of_delivery.json").read_text())["proofsOfDelivery"]
    assert {p["document"] for p in proofs} == {"POD", "BOL"}
    assert any(not p["signed"] and p["signedBy"] is None for p in proofs)
    assert len(proofs) < len(shipments)  # some shipments have no POD
    claims = [c for c in world.claims if c.kind == "SC"]
    assert any(len(c.order.lines) > 1 for c in claims), "claims on multi-line invoices"
    assert any(c.credits and sum(x.amount for x in c.credits) < c.amount for c in claims), "a partial SCR credit"
    later = [c for c in claims if any(li.received > li.received_at_claim for li in c.lines)]
    assert later and all(
        li.last_received_at.date() > c.on for c in later for li in c.lines if li.received > li.received_at_claim
    )
    assert any(c.duplicate_of for c in world.chargebacks) and any(c.duplicate_of for c in world.coop_invoices)
    assert any(c.credits for c in world.chargebacks)


def test_messy_po_numbers_normalise_back():
    import random

    rng = random.Random(1)
    styles = {messy_po("1A2B3C4D", rng) for _ in range(200)}
    assert styles == {"po# 1a2b3c4d", " 1A2B3C4D ", "PO 1A2B3C4D", "#1A2B3C4D"}
    assert {normalize_po_number(s) for s in styles} == {"1A2B3C4D"}


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    one = write_folder(_world(orders=60), tmp_path / "one")
    two = write_folder(_world(orders=60), tmp_path / "two")
    three = write_folder(_world(seed=8, orders=60), tmp_path / "three")
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files and all((one / f).read_bytes() == (two / f).read_bytes() for f in files)
    assert (one / "vc/invoices.csv").read_bytes() != (three / "vc/invoices.csv").read_bytes()


def test_nothing_happens_on_or_after_as_of(folder):
    expected = json.loads((folder / "expected.json").read_text())["deductions"]
    assert all(date.fromisoformat(d["deduction_date"]) < AS_OF for d in expected)
    for invoice in json.loads((folder / "erp/invoices.json").read_text())["invoices"]:
        assert invoice["date"] < "2026-12-01T08:00:00Z"


# the answer key


def test_answer_key_invariants(world):
    found = answers(world)
    assert len({a.id for a in found}) == len(found)
    actions = Counter(a.expected_action for a in found)
    assert set(actions) == {"dispute", "wait", "needs_evidence", "accept"}
    for a in found:
        assert Decimal(0) <= a.recoverable_amount <= a.amount
        assert (a.recoverable_amount > 0) == (a.expected_action in {"dispute", "wait"})
        if a.expected_action == "wait":
            assert a.disputable_from > AS_OF
        if a.due_on < AS_OF:
            assert a.expected_action == "accept"
    families = Counter(a.family for a in found)
    assert set(families) == {"shortage", "price", "operational", "coop"}


def test_shortage_answers_follow_the_units(world):
    by_id = {a.id: a for a in answers(world)}
    seen = Counter()
    for claim in (c for c in world.claims if c.kind == "SC"):
        answer = by_id[claim.number]
        if answer.reason.startswith(("expired", "already")):
            continue
        shipment = claim.order.shipment
        proof = shipment.proof
        full = proof and proof.signed and (proof.cartons_delivered or 0) >= shipment.asn_carton_count
        short_after_delivery = all(li.shipped == li.invoiced for li in claim.order.lines)
        if full and short_after_delivery and not claim.credits:
            lost = sum(li.invoice_cost * (li.invoiced - li.received) for li in claim.order.lines)
            assert answer.recoverable_amount == lost.quantize(Decimal("0.01")), answer
            seen["proven"] += 1
        if all(li.received == li.shipped < li.invoiced for li in claim.lines):
            assert answer.expected_action == "accept", answer  # shipped fewer than invoiced
            seen["shipped fewer"] += 1
        if proof is None and all(li.received == li.received_at_claim for li in claim.order.lines):
            assert answer.expected_action in {"needs_evidence", "accept"}, answer
            seen["no proof"] += 1
    assert seen["proven"] and seen["shipped fewer"] and seen["no proof"]


def test_precedence_reversed_then_expired_then_evidence_then_invalid(world):
    from simulator.vendor_files.answers import Judgement

    window = (date(2026, 11, 1), date(2026, 12, 31))
    invalid = Judgement(Decimal("40.00"), False, "x")
    assert decide(world, invalid, amount=Decimal("50.00"), credits=Decimal("50.00"), window=window)[:2] == (
        "accept",
        Decimal("0.00"),
    )
    assert decide(world, invalid, amount=Decimal("50.00"), credits=Decimal("15.00"), window=window)[:2] == (
        "dispute",
        Decimal("25.00"),
    )
    expired = (date(2026, 10, 1), date(2026, 11, 30))
    assert decide(world, invalid, amount=Decimal("50.00"), credits=Decimal(0), window=expired)[0] == "accept"
    early = (date(2026, 12, 2), date(2027, 1, 31))
    assert decide(world, invalid, amount=Decimal("50.00"), credits=Decimal(0), window=early)[0] == "wait"
    photos = Judgement(Decimal(0), True, "photos")
    assert decide(world, photos, amount=Decimal("50.00"), credits=Decimal(0), window=window)[0] == "needs_evidence"
    valid = Judgement(Decimal(0), False, "valid")
    assert decide(world, valid, amount=Decimal("50.00"), credits=Decimal(0), window=early)[0] == "accept"
