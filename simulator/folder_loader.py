"""Load a vendor's files (the worked sample's layout) through ACORN's own doors, as a new user would.

    accounts.json            → acorn_portal.services.organizations (what `create_organization` and
                               `add_vendor_account` run)
    spapi/*.json             → the SP-API connector, over HTTP from a local server (simulator.spapi_folder)
    erp/coop_agreements.json → the push API, POST /api/v1/documents/coop-agreements/bulk/
    erp/shipments.json       → the push API, POST /api/v1/documents/shipments/bulk/
    erp/proofs_of_delivery.json → the push API, POST /api/v1/documents/proofs-of-delivery/bulk/
    erp/invoices.json        → the push API, POST /api/v1/documents/invoices/bulk/ (timestamps as sent)
    vc/*.csv                 → the report import service, combined files split by account
                               (or vc/by_account/<code>/*.csv per account with `per_account=True`)

The push API is called through the DRF test client with a real API key: authentication, scopes,
serializers and services all run; only the socket is skipped. The ERP's Amazon-shaped documents
are turned into the API's fields here, as an integrator would. Everything is read "as of" the
folder's `asOf`: the connector reads up to that instant and evaluation judges on that day.
Nothing here writes to the ORM directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from simulator.spapi_folder import REFRESH_PREFIX, serve_folder

VC_ORDER = ("invoices", "chargebacks", "coop", "remittance")  # remittance lines are placed by the documents before
VC_KINDS = {"invoices": "invoices", "chargebacks": "chargebacks", "coop": "coop", "remittance": "remittances"}
PUSH_BATCH = 200


class LoadError(RuntimeError):
    """A door refused something: the message says which file, which item and why."""


@dataclass
class Loaded:
    organization: object
    accounts: dict  # vendor code -> VendorAccount
    as_of: date
    now: datetime
    problems: list[str] = field(default_factory=list)


def as_of_instant(as_of: date, time_zones) -> datetime:
    """The earliest local midnight starting `as_of` among the accounts' zones: every marketplace's today is as_of."""
    moments = [datetime.combine(as_of, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC) for tz in time_zones]
    return max(moments)  # the latest midnight (westernmost zone): as_of has begun everywhere


def load_folder(folder: Path, *, slug: str = "vc-sample", per_account: bool = False) -> Loaded:
    folder = Path(folder)
    meta = json.loads((folder / "accounts.json").read_text())
    as_of = date.fromisoformat(meta["asOf"])
    loaded = _create_accounts(meta, slug, as_of)
    api = _api_client(loaded.organization)
    erp = folder / "erp"
    if (erp / "coop_agreements.json").exists():
        _push_coop_agreements(api, loaded, json.loads((erp / "coop_agreements.json").read_text())["agreements"])
    if (folder / "spapi" / "purchase_orders.json").exists():
        _sync_spapi(folder / "spapi", loaded)
    if (erp / "shipments.json").exists():
        shipments = json.loads((erp / "shipments.json").read_text())["shipmentConfirmations"]
        _push_shipments(api, loaded, shipments)
    else:
        shipments = []
    if (erp / "proofs_of_delivery.json").exists():
        proofs = json.loads((erp / "proofs_of_delivery.json").read_text())["proofsOfDelivery"]
        _push_proofs(api, loaded, proofs, shipments)
    if (erp / "invoices.json").exists():
        _push_invoices(api, loaded, json.loads((erp / "invoices.json").read_text())["invoices"])
    _import_vc(folder / "vc", loaded, per_account=per_account)
    return loaded


def evaluate_all(loaded: Loaded):
    """Match and judge every deduction of the organization on the folder's asOf day."""
    from refunds.models import Chargeback
    from refunds.services.matching import evaluate_chargebacks

    ids = list(Chargeback.objects.filter(account__organization=loaded.organization).values_list("id", flat=True))
    return evaluate_chargebacks(ids, cause="loaded files", now=loaded.now)


def predictions(loaded) -> list[dict]:
    """One record per deduction: its Amazon id, ACORN's action, expected recovery and deadlines."""
    from refunds.models import Chargeback

    rows = []
    queryset = Chargeback.objects.filter(account__organization=loaded.organization).select_related("assessment")
    for cb in queryset.order_by("amazon_id"):
        assessment = getattr(cb, "assessment", None)
        recovery = assessment.expected_recovery if assessment is not None else Decimal(0)
        rows.append(
            {
                "id": cb.amazon_id,
                "action": cb.recommendation,
                "expected_recovery": f"{recovery:.2f}",
                "due_on": cb.due_on.isoformat() if cb.due_on else None,
                "disputable_from": cb.disputable_from.isoformat() if cb.disputable_from else None,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------------
# accounts.json


def _create_accounts(meta: dict, slug: str, as_of: date) -> Loaded:
    from acorn_portal.services.organizations import add_vendor_account, create_organization

    organization = create_organization(name=f"Vendor files ({slug})", slug=slug)
    accounts = {}
    for spec in meta["accounts"]:
        code = spec["vendorCode"].upper()
        accounts[code] = add_vendor_account(
            organization,
            name=f"{code} {spec['marketplace']}",
            vendor_codes=code,
            marketplace=spec["marketplace"],
            currency=spec.get("currency", ""),
            time_zone=spec.get("timeZone", ""),
            payment_terms_net_days=spec.get("netDueDays"),
        )
    now = as_of_instant(as_of, [a.time_zone for a in accounts.values()])
    return Loaded(organization=organization, accounts=accounts, as_of=as_of, now=now)


def _api_client(organization):
    from rest_framework.test import APIClient

    from acorn_portal.roles import Role
    from developer.scopes import Scope
    from developer.services.keys import issue_api_key

    _, secret = issue_api_key(
        organization=organization, name="ERP loader", scopes=[Scope.DOCUMENTS_WRITE], role=Role.OPERATIONS
    )
    # The requests go through the whole stack, host check and HTTPS redirect included: address them
    # the way this instance's settings accept (the demo allows only 127.0.0.1 and localhost).
    from django.conf import settings

    hosts = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
    scheme = {"wsgi.url_scheme": "https"} if settings.SECURE_SSL_REDIRECT else {}
    client = APIClient(HTTP_HOST=hosts[0] if hosts else "localhost", **scheme)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# --------------------------------------------------------------------------------------------------
# SP-API


def _sync_spapi(folder: Path, loaded: Loaded) -> None:
    from datasources.models import DataSource, DataSourceKind
    from datasources.services.sync import sync_account

    with serve_folder(folder) as base_url:
        for code, account in loaded.accounts.items():
            source = DataSource.objects.create(
                account=account,
                name="Vendor Central SP-API",
                kind=DataSourceKind.SPAPI_VENDOR,
                settings={
                    "endpoint": base_url,
                    "token_url": f"{base_url}/auth/o2/token",
                    "kinds_enabled": ["purchase_orders"],  # the ASNs come from the vendor's ERP
                    "backoff_base": 0.01,
                    "rate_per_second": 1000,  # a local server: Amazon's rate limits do not apply
                    "burst": 1000,
                },
            )
            source.set_credentials(
                {"client_id": "loader", "client_secret": "loader", "refresh_token": REFRESH_PREFIX + code}
            )
            source.save()
            for run in sync_account(account.pk, trigger="manual", now=loaded.now):
                if run.status != "succeeded":
                    raise LoadError(f"SP-API sync of {code} {run.status}: {run.errors}")


# --------------------------------------------------------------------------------------------------
# The push API


def _post(api, path: str, account, items: list[dict], what: str, loaded: Loaded) -> None:
    for start in range(0, len(items), PUSH_BATCH):
        response = api.post(path, {"account": account.pk, "items": items[start : start + PUSH_BATCH]}, format="json")
        if response.status_code not in (200, 207):
            raise LoadError(f"{what}: HTTP {response.status_code} {response.content[:500]!r}")
        for item in response.json()["items"]:
            if item["status"] == "rejected":
                loaded.problems.append(f"{what} {item['key']} refused: {item['errors']}")


def _by_account(loaded: Loaded, documents, code_of) -> dict:
    grouped: dict = {}
    for document in documents:
        code = (code_of(document) or "").upper()
        account = loaded.accounts.get(code)
        if account is None:
            loaded.problems.append(f"no account for vendor code {code!r}: {str(document)[:120]}")
            continue
        grouped.setdefault(account, []).append(document)
    return grouped


def _push_coop_agreements(api, loaded: Loaded, agreements: list[dict]) -> None:
    for account, docs in _by_account(loaded, agreements, lambda a: a.get("vendorCode")).items():
        items = [
            {
                "agreement_id": a["agreementId"],
                "vendor_code": a["vendorCode"],
                "title": a.get("title", ""),
                "funding_type": a.get("fundingType", ""),
                "rate_percent": a.get("ratePercent"),
                "calculation_base": a.get("calculationBase", ""),
                "billing": a.get("billing", ""),
                "currency": a["currency"],
                "active_from": a["activeFrom"],
                "active_to": a.get("activeTo"),
                "waived_periods": a.get("waivedPeriods", []),
            }
            for a in docs
        ]
        _post(api, "/api/v1/documents/coop-agreements/bulk/", account, items, "co-op agreement", loaded)


def _party(document: dict, name: str) -> str:
    return (document.get(name) or {}).get("partyId", "")


def _quantity(quantity: dict) -> int:
    amount = int(quantity.get("amount") or 0)
    return amount * int(quantity.get("unitSize") or 1) if quantity.get("unitOfMeasure") == "Cases" else amount


def _shipment_item(item: dict) -> dict:
    shipped = item.get("shippedQuantity") or {}
    return {
        "item_sequence_number": str(item["itemSequenceNumber"]),
        "shipped_quantity": int(shipped.get("amount") or 0),
        "unit": shipped.get("unitOfMeasure") or "Eaches",
        "unit_size": int(shipped.get("unitSize") or 1),
        "po_number": (item.get("itemDetails") or {}).get("purchaseOrderNumber", ""),
        "asin": item.get("amazonProductIdentifier", ""),
        "vendor_sku": item.get("vendorProductIdentifier", ""),
    }


def _carton(carton: dict, index: int) -> dict:
    ids = carton.get("cartonIdentifiers") or [{}]
    return {
        "sequence_number": int(carton.get("cartonSequenceNumber") or index),
        "identifier_type": ids[0].get("containerIdentificationType", ""),
        "identifier": ids[0].get("containerIdentificationNumber", ""),
        "contents": [
            {
                "item_sequence_number": str(i.get("itemReference", "")),
                "quantity": int((i.get("shippedQuantity") or {}).get("amount") or 0),
            }
            for i in carton.get("items") or []
        ],
    }


def _push_shipments(api, loaded: Loaded, shipments: list[dict]) -> None:
    for account, docs in _by_account(loaded, shipments, lambda s: _party(s, "sellingParty")).items():
        items = []
        for s in docs:
            transport = s.get("transportationDetails") or {}
            measurements = s.get("shipmentMeasurements") or {}
            items.append(
                {
                    "shipment_id": s["shipmentIdentifier"],
                    "shipment_type": s.get("shipmentType", ""),
                    "bill_of_lading": transport.get("billOfLadingNumber", "") or "",
                    "pro_number": transport.get("carrierShipmentReferenceNumber", "") or "",
                    "carrier_scac": transport.get("carrierScac", "") or "",
                    "ship_from_party": _party(s, "shipFromParty"),
                    "ship_to_party": _party(s, "shipToParty"),
                    "asn_sent_at": s.get("shipmentConfirmationDate"),
                    "shipped_at": s.get("shippedDate"),
                    "estimated_delivery_at": s.get("estimatedDeliveryDate"),
                    "carton_count": measurements.get("cartonCount"),
                    "pallet_count": measurements.get("palletCount"),
                    "items": [_shipment_item(i) for i in s.get("shippedItems") or []],
                    "cartons": [_carton(c, n) for n, c in enumerate(s.get("cartons") or [], start=1)],
                }
            )
        _post(api, "/api/v1/documents/shipments/bulk/", account, items, "shipment", loaded)


def _push_proofs(api, loaded: Loaded, proofs: list[dict], shipments: list[dict]) -> None:
    """A POD names the shipment and its POs, not the vendor code: the account is the shipment's (or the PO's)."""
    from refunds.models import PurchaseOrder

    seller = {s["shipmentIdentifier"]: _party(s, "sellingParty") for s in shipments}
    po_seller = dict(
        PurchaseOrder.objects.filter(account__organization=loaded.organization).values_list("number", "selling_party")
    )

    def code_of(proof):
        if proof["shipmentIdentifier"] in seller:
            return seller[proof["shipmentIdentifier"]]
        return next((po_seller[n] for n in proof.get("purchaseOrderNumbers") or [] if n in po_seller), "")

    for account, docs in _by_account(loaded, proofs, code_of).items():
        items = [
            {
                "shipment_id": p["shipmentIdentifier"],
                "kind": p.get("document", "POD"),
                "signed": bool(p.get("signed")),
                "signed_by": p.get("signedBy") or "",
                "delivered_at": p.get("deliveredAt"),
                "cartons_delivered": p.get("cartonsDelivered"),
                "po_numbers": p.get("purchaseOrderNumbers") or [],
            }
            for p in docs
        ]
        _post(api, "/api/v1/documents/proofs-of-delivery/bulk/", account, items, "proof of delivery", loaded)


def _push_invoices(api, loaded: Loaded, invoices: list[dict]) -> None:
    for account, docs in _by_account(loaded, invoices, lambda i: _party(i, "remitToParty")).items():
        items = []
        for inv in docs:
            lines = []
            for n, line in enumerate(inv.get("items") or [], start=1):
                quantity = _quantity(line.get("invoicedQuantity") or {})
                unit_cost = Decimal((line.get("netCost") or {}).get("amount") or "0")
                size = int((line.get("invoicedQuantity") or {}).get("unitSize") or 1)
                if (line.get("invoicedQuantity") or {}).get("unitOfMeasure") == "Cases":
                    unit_cost = unit_cost / size  # netCost is per case; the line is kept in eaches
                lines.append(
                    {
                        "line_number": int(line.get("itemSequenceNumber") or n),
                        "quantity": quantity,
                        "unit_cost": str(unit_cost),
                        "amount": str(unit_cost * quantity),
                        "currency": (line.get("netCost") or {}).get("currencyCode") or account.currency,
                        "po_number": line.get("purchaseOrderNumber", ""),
                        "asin": line.get("amazonProductIdentifier", ""),
                        "vendor_sku": line.get("vendorProductIdentifier", ""),
                    }
                )
            pos = sorted({line["po_number"] for line in lines if line["po_number"]})
            items.append(
                {
                    "number": inv["id"],
                    "issued_at": inv["date"],
                    "amount": (inv.get("invoiceTotal") or {}).get("amount"),
                    "currency": (inv.get("invoiceTotal") or {}).get("currencyCode") or account.currency,
                    "invoice_type": "CreditNote" if inv.get("invoiceType") == "CreditNote" else "Invoice",
                    "due_date": inv.get("dueDate"),
                    "po_number": pos[0] if len(pos) == 1 else "",
                    "lines": lines,
                }
            )
        _post(api, "/api/v1/documents/invoices/bulk/", account, items, "invoice", loaded)


# --------------------------------------------------------------------------------------------------
# Vendor Central exports


def _import_vc(folder: Path, loaded: Loaded, *, per_account: bool) -> None:
    from datasources.services.combined_imports import import_combined_report
    from datasources.services.imports import import_report_file

    for name in VC_ORDER:
        kind = VC_KINDS[name]
        if per_account:
            for code, account in loaded.accounts.items():
                path = folder / "by_account" / code / f"{name}.csv"
                if path.exists():
                    done = import_report_file(account=account, kind=kind, file=_named(path), user=None)
                    _check_import(loaded, f"{code}/{path.name}", done)
            continue
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        result = import_combined_report(organization=loaded.organization, kind=kind, file=_named(path), user=None)
        for row in result.unplaced:
            loaded.problems.append(f"{path.name} row {row.row}: {row.column} {row.value!r} {row.message}")
        for done in result.imports:
            _check_import(loaded, path.name, done)
        if not result.imports and result.message:
            loaded.problems.append(f"{path.name}: {result.message}")


def _named(path: Path):
    from django.core.files.base import ContentFile

    return ContentFile(path.read_bytes(), name=path.name)


def _check_import(loaded: Loaded, name: str, done) -> None:
    if done.status != "imported":
        loaded.problems.append(f"{name} ({done.account.name}): {done.status}: {done.message} {done.errors[:5]}")
