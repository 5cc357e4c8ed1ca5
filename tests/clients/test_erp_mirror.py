"""clients/python/examples/erp_mirror.py end to end: run as a subprocess against the live server."""

import csv
import json
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from acorn_client import Client
from django.conf import settings

from acorn_portal.roles import Role
from developer.models import GLAccountMapping
from refunds.models import Shipment
from tests.clients.conftest import issue_key
from tests.refunds.cases import make_chargeback, today

SCRIPT = Path(settings.BASE_DIR) / "clients" / "python" / "examples" / "erp_mirror.py"
HEADER = (
    "shipment_id,shipped_at,ship_to_party,carrier_scac,bill_of_lading,po_number,item_sequence_number,asin,"
    "vendor_sku,shipped_quantity,carton_sequence,carton_sscc\n"
)
ASNS = (
    HEADER
    + """ASN-100,2026-11-20T09:00:00Z,ABE8,UPSN,BOL-100,PO-0ABC,1,B0TEST0001,SKU-1,6,1,000000000000000001
ASN-100,2026-11-20T09:00:00Z,ABE8,UPSN,BOL-100,PO-0ABC,1,B0TEST0001,SKU-1,4,2,000000000000000002
ASN-100,2026-11-20T09:00:00Z,ABE8,UPSN,BOL-100,PO-0ABC,2,B0TEST0002,SKU-2,3,2,000000000000000002
ASN-101,2026-11-21T09:00:00Z,ABE8,FDEG,BOL-101,PO-1ABC,1,B0TEST0003,SKU-3,12,1,000000000000000003
ASN-102,2026-11-22T09:00:00Z,ABE8,FDEG,BOL-102,PO-2ABC,1,B0TEST0004,SKU-4,ten,1,000000000000000004
"""
)


@pytest.fixture
def gl_mapping(org):
    return GLAccountMapping.objects.create(
        organization=org,
        currency="",
        accounts_receivable="1200",
        deductions_receivable="1250",
        chargeback_expense="6100",
        recoveries="1255",
        write_offs="6900",
    )


def run_mirror(api_url, secret, *args):
    env = {**os.environ, "ACORN_URL": api_url, "ACORN_API_KEY": secret}
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(SCRIPT), *map(str, args)], env=env, capture_output=True, text=True, timeout=120
    )


def ledger_rows(path):
    with path.open(newline="") as source:
        return list(csv.DictReader(source))


def test_erp_mirror_appends_only_new_lines_and_pushes_asns(
    tmp_path, live_server, org, account, deductions, gl_mapping, api_url
):
    secret = issue_key(org, scopes="ledger:read,documents:write", role=Role.ADMIN, name="ERP mirror")
    ledger_csv, asn_csv = tmp_path / "erp" / "ledger.csv", tmp_path / "asns.csv"
    state = tmp_path / "erp" / "ledger.csv.state.json"
    asn_csv.write_text(ASNS)
    args = ("--ledger-csv", ledger_csv, "--asn-csv", asn_csv, "--account", account.pk)

    first = run_mirror(api_url, secret, *args)
    assert first.returncode == 2, first.stderr  # one ASN rejected
    assert "ledger: 14 new line(s) from 1 export(s)" in first.stdout
    assert "shipments: 2 created, 0 updated, 0 unchanged, 1 rejected" in first.stdout
    assert "rejected shipment 'ASN-102'" in first.stderr and "shipped_quantity" in first.stderr
    rows = ledger_rows(ledger_csv)
    assert len(rows) == 14 and len({row["line_key"] for row in rows}) == 14
    assert (
        sum(Decimal(r["debit"]) for r in rows)
        == sum(Decimal(r["credit"]) for r in rows)
        == sum((c.amount for c in deductions), Decimal(0))
    )
    assert json.loads(state.read_text())["last_export_id"] == int(rows[0]["export_id"])
    shipment = Shipment.objects.get(shipment_id="ASN-100")
    assert [(i.item_sequence_number, i.shipped_quantity) for i in shipment.items.order_by("item_sequence_number")] == [
        ("1", 10),
        ("2", 3),
    ]
    assert shipment.cartons.count() == 2 and shipment.bill_of_lading == "BOL-100"
    assert not Shipment.objects.filter(shipment_id="ASN-102").exists()

    again = run_mirror(api_url, secret, *args)
    assert "ledger: 0 new line(s) from 0 export(s)" in again.stdout
    assert "shipments: 0 created, 0 updated, 2 unchanged, 1 rejected" in again.stdout
    assert len(ledger_rows(ledger_csv)) == 14

    make_chargeback(account, amazon_id="CB-NEW-1", amount=Decimal("7.50"), issue_date=today() - timedelta(days=1))
    fixed = asn_csv.read_text().replace(",ten,", ",10,")
    asn_csv.write_text(fixed)
    third = run_mirror(api_url, secret, *args)
    assert third.returncode == 0, third.stderr
    assert "ledger: 2 new line(s) from 1 export(s)" in third.stdout
    assert "shipments: 1 created, 0 updated, 2 unchanged, 0 rejected" in third.stdout
    rows = ledger_rows(ledger_csv)
    assert len(rows) == 16 and rows[-1]["amazon_id"] == "CB-NEW-1"


def test_erp_mirror_recovers_an_export_a_crashed_run_never_wrote(
    tmp_path, live_server, org, account, deductions, gl_mapping, api_url
):
    secret = issue_key(org, scopes="ledger:read", role=Role.FINANCE, name="ERP mirror")
    ledger_csv = tmp_path / "ledger.csv"
    assert run_mirror(api_url, secret, "--ledger-csv", ledger_csv).returncode == 0
    make_chargeback(account, amazon_id="CB-LOST-1", amount=Decimal("3.00"), issue_date=today())
    # A run that died after ACORN made the export and before the lines reached the file:
    lost = Client(api_url, secret).ledger.export(today() - timedelta(days=365), today())
    assert lost.export.line_count == 2

    recovered = run_mirror(api_url, secret, "--ledger-csv", ledger_csv)
    assert recovered.returncode == 0, recovered.stderr
    assert "ledger: 2 new line(s) from 1 export(s)" in recovered.stdout
    rows = ledger_rows(ledger_csv)
    assert [r["amazon_id"] for r in rows[-2:]] == ["CB-LOST-1", "CB-LOST-1"]
    assert rows[-1]["export_id"] == str(lost.export.id)
    assert len({row["line_key"] for row in rows}) == len(rows) == 16


def test_erp_mirror_explains_missing_settings_and_refused_keys(tmp_path, live_server, api_url, org):
    missing = run_mirror("", "", "--ledger-csv", tmp_path / "l.csv")
    assert missing.returncode == 2 and "ACORN_API_KEY" in missing.stderr
    refused = run_mirror(api_url, "not-a-key", "--ledger-csv", tmp_path / "l.csv")
    assert refused.returncode == 1
    assert "error: 401" in refused.stderr and "request id" in refused.stderr
    assert not (tmp_path / "l.csv").exists()
