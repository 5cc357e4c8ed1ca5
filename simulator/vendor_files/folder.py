"""Write a simulated vendor as a folder in the worked sample's layout, answers included.

    accounts.json  spapi/purchase_orders.json  spapi/purchase_orders_status.json
    erp/shipments.json  erp/proofs_of_delivery.json  erp/invoices.json  erp/coop_agreements.json
    vc/{invoices,chargebacks,remittance,coop}.csv  vc/by_account/<vendor code>/*.csv  expected.json

`bench/accuracy.py --data <folder>` loads it through the product's doors and grades the verdicts
against `expected.json`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from simulator.vendor_files import shapes
from simulator.vendor_files.answers import answers
from simulator.vendor_files.facts import VendorWorld


def write_folder(world: VendorWorld, folder: Path) -> Path:
    folder = Path(folder)
    for sub in ("spapi", "erp", "vc"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    _json(
        folder / "accounts.json", {"asOf": world.as_of.isoformat(), "accounts": [_account(a) for a in world.accounts]}
    )
    orders = sorted(world.orders, key=lambda o: o.ordered_at)
    _json(folder / "spapi/purchase_orders.json", {"payload": {"orders": [shapes.purchase_order(o) for o in orders]}})
    statuses = [shapes.purchase_order_status(o) for o in orders]
    _json(folder / "spapi/purchase_orders_status.json", {"payload": {"ordersStatus": statuses}})
    shipped = [o for o in orders if o.shipment is not None]
    confirmations = [shapes.shipment_confirmation(o) for o in shipped if o.shipment.in_erp]
    _json(folder / "erp/shipments.json", {"shipmentConfirmations": confirmations})
    proofs = [shapes.proof_of_delivery(o) for o in shipped if o.shipment.proof is not None]
    _json(folder / "erp/proofs_of_delivery.json", {"proofsOfDelivery": proofs})
    invoices = [shapes.erp_invoice(o) for o in sorted(shipped, key=lambda o: o.invoice.issued_at)]
    _json(folder / "erp/invoices.json", {"invoices": invoices})
    agreements = [shapes.coop_agreement(a) for a in world.agreements if a.in_erp]
    _json(folder / "erp/coop_agreements.json", {"agreements": agreements})
    for kind, rows in shapes.vc_rows(world).items():
        _csv(folder / "vc" / f"{kind}.csv", kind, [row for _key, _account, row in rows])
        for account in world.accounts:
            mine = [row for _key, owner, row in rows if owner.vendor_code == account.vendor_code]
            _csv(folder / "vc" / "by_account" / account.vendor_code / f"{kind}.csv", kind, mine)
    expected = [answer.as_json() for answer in answers(world)]
    _json(folder / "expected.json", {"asOf": world.as_of.isoformat(), "deductions": expected})
    return folder


def _account(account) -> dict:
    return {
        "vendorCode": account.vendor_code,
        "marketplace": account.marketplace,
        "marketplaceId": account.marketplace_id,
        "region": account.region,
        "currency": account.currency,
        "timeZone": account.time_zone,
        "netDueDays": account.net_due_days,
        "dateFormat": account.date_format,
        "numberFormat": account.number_format,
    }


def _json(path: Path, body: dict) -> None:
    path.write_text(json.dumps(body, indent=1) + "\n")


def _csv(path: Path, kind: str, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(shapes.VC_HEADERS[kind])
        writer.writerows(rows)
