#!/usr/bin/env python3
"""Mirror ACORN's ledger into an ERP's CSV file, and push the ERP's ASNs (shipments) back to ACORN.

    export ACORN_URL=https://acorn.example.com/api/v1/  ACORN_API_KEY=...   # scopes ledger:read, documents:write
    python erp_mirror.py --ledger-csv erp/ledger.csv --state erp/acorn-state.json
    python erp_mirror.py --asn-csv erp/asns.csv --account 3
    (both at once is fine; run it from cron)

Ledger: ACORN hands out journal lines in exports and keeps handing out an export until it is
acknowledged. This script writes an export's lines (fsynced), then acknowledges it; a crash in
between means the export comes again next run. It first finishes pending exports of any period
(`exports(acknowledged=False)`), then asks for new ones. Lines are appended only if their
`line_key` is not in the CSV yet, so nothing is written twice either. The state file (replaced
atomically) keeps the id of the last export written, for the record.

ASNs: the ERP's CSV has one row per item and carton:
    shipment_id,shipped_at,ship_to_party,carrier_scac,bill_of_lading,po_number,item_sequence_number,
    asin,vendor_sku,shipped_quantity,carton_sequence,carton_sscc
Rows are grouped into shipments with items and cartons and upserted in bulk (idempotent by shipment
id: sending the same file again changes nothing). Rejected shipments are listed on stderr and the
exit status is 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections import OrderedDict
from datetime import date
from pathlib import Path

from acorn_client import AcornError, Client
from acorn_client.models import Carton, Shipment, ShipmentItem, parse_datetime

LEDGER_COLUMNS = [
    "export_id",
    "line_key",
    "entry",
    "kind",
    "posting_date",
    "account",
    "account_role",
    "debit",
    "credit",
    "currency",
    "chargeback_id",
    "amazon_id",
    "vendor_account_id",
    "memo",
]


# -- state ----------------------------------------------------------------------------------------


def load_state(path: Path) -> dict:
    if not path.exists():
        return {"last_export_id": 0}
    return json.loads(path.read_text(encoding="utf-8"))


def save_state(path: Path, state: dict) -> None:
    """Write to a temporary file beside it and rename: a crash leaves the old state or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(state, out, indent=2, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


# -- ledger ---------------------------------------------------------------------------------------


class LedgerFile:
    """The ERP's ledger CSV, append only; knows the line keys it already holds."""

    def __init__(self, path: Path):
        self.path = path
        self.keys: set[str] = set()
        if path.exists():
            with path.open(newline="", encoding="utf-8") as existing:
                self.keys = {row["line_key"] for row in csv.DictReader(existing)}

    def append(self, export_id: int, lines) -> int:
        new = [line for line in lines if line.line_key not in self.keys]
        if not new:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        with self.path.open("a", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            if fresh:
                writer.writerow(LEDGER_COLUMNS)
            for line in new:
                writer.writerow(
                    [
                        export_id,
                        line.line_key,
                        line.entry,
                        line.kind,
                        line.posting_date.isoformat(),
                        line.account,
                        line.account_role,
                        line.debit.amount,
                        line.credit.amount,
                        line.currency,
                        line.chargeback_id,
                        line.amazon_id,
                        line.vendor_account_id,
                        line.memo,
                    ]
                )
            out.flush()
            os.fsync(out.fileno())
        self.keys.update(line.line_key for line in new)
        return len(new)


def mirror_ledger(client: Client, csv_path: Path, state_path: Path, start: date, end: date) -> tuple[int, int]:
    """Append every journal line not in the CSV yet; returns (lines written, exports read)."""
    state = load_state(state_path)
    ledger_file = LedgerFile(csv_path)
    written = exports = 0

    def take(batch) -> None:
        nonlocal written, exports
        for page in batch.pages():
            written += ledger_file.append(batch.export.id, page)
        exports += 1
        state["last_export_id"] = max(state["last_export_id"], batch.export.id)
        save_state(state_path, state)

    # Exports not acknowledged yet (of any period): a previous run died before writing or acknowledging them.
    for export_id in sorted(export.id for export in client.ledger.exports(acknowledged=False)):
        take(client.ledger.get_export(export_id))
        client.ledger.acknowledge(export_id)

    while True:
        batch = client.ledger.export(start, end)
        if batch is None:
            break
        take(batch)
        client.ledger.acknowledge(batch.export.id)
        if batch.export.complete:
            break
    return written, exports


# -- shipments ------------------------------------------------------------------------------------


def read_asns(path: Path) -> list[Shipment]:
    """Group the ERP's item/carton rows into shipments."""
    groups: OrderedDict[str, dict] = OrderedDict()
    with path.open(newline="", encoding="utf-8-sig") as source:
        for row in csv.DictReader(source):
            row = {key.strip(): (value or "").strip() for key, value in row.items() if key}
            shipment_id = row.get("shipment_id", "")
            group = groups.setdefault(shipment_id, {"head": row, "items": OrderedDict(), "cartons": OrderedDict()})
            seq = row.get("item_sequence_number", "")
            quantity = _int(row.get("shipped_quantity"))
            item = group["items"].setdefault(
                seq,
                {"po_number": row.get("po_number", ""), "asin": row.get("asin", ""), "sku": row.get("vendor_sku", "")},
            )
            item["quantity"] = _add(item.get("quantity", 0), quantity)
            if row.get("carton_sequence"):
                carton = group["cartons"].setdefault(
                    row["carton_sequence"], {"sscc": row.get("carton_sscc", ""), "contents": []}
                )
                carton["contents"].append({"item_sequence_number": seq, "quantity": quantity})
    return [_shipment(shipment_id, group) for shipment_id, group in groups.items()]


def _int(value):
    """A whole number, or the text as it is (ACORN rejects it with a clear message per shipment)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _when(value):
    """An ISO 8601 time, or the text as it is (ACORN rejects a bad one for that shipment alone)."""
    try:
        return parse_datetime(value)
    except ValueError:
        return value


def _add(total, quantity):
    return total + quantity if isinstance(total, int) and isinstance(quantity, int) else quantity


def _shipment(shipment_id: str, group: dict) -> Shipment:
    head = group["head"]
    return Shipment(
        shipment_id=shipment_id,
        shipped_at=_when(head.get("shipped_at")),
        ship_to_party=head.get("ship_to_party", ""),
        carrier_scac=head.get("carrier_scac", ""),
        bill_of_lading=head.get("bill_of_lading", ""),
        carton_count=len(group["cartons"]) or None,
        items=[
            ShipmentItem(
                item_sequence_number=seq,
                shipped_quantity=item["quantity"],
                po_number=item["po_number"],
                asin=item["asin"],
                vendor_sku=item["sku"],
            )
            for seq, item in group["items"].items()
        ],
        cartons=[
            Carton(
                sequence_number=_int(sequence),
                identifier_type="SSCC" if carton["sscc"] else "",
                identifier=carton["sscc"],
                contents=carton["contents"],
            )
            for sequence, carton in group["cartons"].items()
        ],
    )


def push_shipments(client: Client, account: int, asn_csv: Path):
    shipments = read_asns(asn_csv)
    if not shipments:
        return None
    return client.documents.shipments.upsert(account, shipments)


def report_shipments(source: Path, result) -> int:
    """Print the outcome; 2 if some shipments were rejected (each listed on stderr with why)."""
    if result is None:
        print(f"shipments: {source} has no rows")
        return 0
    counts = ", ".join(f"{result.counts.get(k, 0)} {k}" for k in ("created", "updated", "unchanged", "rejected"))
    print(f"shipments: {counts}")
    for item in result.rejected:
        problems = "; ".join(f"{error.field}: {error.message}" for error in item.errors)
        print(f"rejected shipment {item.key!r}: {problems}", file=sys.stderr)
    return 2 if result.rejected else 0


# -- command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("ACORN_URL"), help="API base URL (or ACORN_URL)")
    parser.add_argument("--ledger-csv", type=Path, help="the ERP's ledger file (appended to)")
    parser.add_argument("--state", type=Path, help="state file (default: <ledger-csv>.state.json)")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2000, 1, 1))
    parser.add_argument("--to", dest="end", type=date.fromisoformat, default=date.today())
    parser.add_argument("--asn-csv", type=Path, help="the ERP's ASNs to push as shipments")
    parser.add_argument("--account", type=int, help="ACORN vendor account id the ASNs belong to")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    key = os.environ.get("ACORN_API_KEY")  # never on the command line: other users can read argv
    if not args.url or not key:
        parser.error("set ACORN_URL (or --url) and ACORN_API_KEY")
    if not args.ledger_csv and not args.asn_csv:
        parser.error("give --ledger-csv, --asn-csv or both")
    if args.asn_csv and args.account is None:
        parser.error("--asn-csv needs --account")

    status = 0
    with Client(args.url, key, timeout=args.timeout) as client:
        try:
            if args.ledger_csv:
                state = args.state or args.ledger_csv.with_name(args.ledger_csv.name + ".state.json")
                lines, exports = mirror_ledger(client, args.ledger_csv, state, args.start, args.end)
                print(f"ledger: {lines} new line(s) from {exports} export(s) -> {args.ledger_csv}")
            if args.asn_csv:
                status = report_shipments(args.asn_csv, push_shipments(client, args.account, args.asn_csv))
        except AcornError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
