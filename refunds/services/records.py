"""What connectors hand to the ingest service: plain dataclasses, one per Vendor Central document.

No models are imported here, so connectors and the simulator can build records without Django set up.
Field names match the model fields they land in (refunds.models).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from refunds.choices import QuantityUnit


@dataclass(kw_only=True)
class PurchaseOrderItemRecord:
    item_sequence_number: str
    ordered_quantity: int
    net_cost: Decimal
    currency: str
    asin: str = ""
    vendor_sku: str = ""
    ordered_unit: str = QuantityUnit.EACHES
    unit_size: int = 1
    accepted_quantity: int | None = None
    list_price: Decimal | None = None
    receive_status: str = ""
    received_quantity: int | None = None  # eaches
    received_unit: str = ""
    received_unit_size: int | None = None
    last_received_at: datetime | None = None


@dataclass(kw_only=True)
class PurchaseOrderRecord:
    number: str
    state: str
    ordered_at: datetime
    order_type: str = ""
    changed_at: datetime | None = None
    state_changed_at: datetime | None = None
    ship_window_start: datetime | None = None
    ship_window_end: datetime | None = None
    delivery_window_start: datetime | None = None
    delivery_window_end: datetime | None = None
    selling_party: str = ""
    buying_party: str = ""
    ship_to_party: str = ""
    payment_method: str = ""
    deal_code: str = ""
    items: list[PurchaseOrderItemRecord] = field(default_factory=list)


@dataclass(kw_only=True)
class ShipmentItemRecord:
    item_sequence_number: str
    shipped_quantity: int
    po_number: str = ""
    asin: str = ""
    vendor_sku: str = ""
    asin_from_po: bool = False
    unit: str = QuantityUnit.EACHES
    unit_size: int = 1


@dataclass(kw_only=True)
class CartonRecord:
    sequence_number: int
    identifier_type: str = ""
    identifier: str = ""
    tracking_number: str = ""
    contents: list[dict] = field(default_factory=list)


@dataclass(kw_only=True)
class ShipmentRecord:
    shipment_id: str
    shipment_type: str = ""
    status: str = ""
    amazon_reference_number: str = ""
    bill_of_lading: str = ""
    pro_number: str = ""
    carrier_scac: str = ""
    carrier_name: str = ""
    ship_from_party: str = ""
    ship_to_party: str = ""
    asn_sent_at: datetime | None = None
    shipped_at: datetime | None = None
    estimated_delivery_at: datetime | None = None
    delivered_at: datetime | None = None
    carton_count: int | None = None
    pallet_count: int | None = None
    items: list[ShipmentItemRecord] = field(default_factory=list)
    cartons: list[CartonRecord] = field(default_factory=list)


@dataclass(kw_only=True)
class InvoiceLineRecord:
    line_number: int
    quantity: int
    unit_cost: Decimal
    amount: Decimal
    currency: str
    po_number: str = ""
    asin: str = ""
    vendor_sku: str = ""


@dataclass(kw_only=True)
class InvoiceRecord:
    number: str
    invoice_date: date
    amount: Decimal
    currency: str
    invoice_type: str = "Invoice"
    due_date: date | None = None
    po_number: str = ""
    status: str = ""
    date_source: str = ""
    pushed_at: datetime | None = None
    pushed_date: date | None = None
    pushed_due_date: date | None = None
    lines: list[InvoiceLineRecord] = field(default_factory=list)


@dataclass(kw_only=True)
class RemittanceLineRecord:
    line_number: int
    invoice_number: str
    amount: Decimal
    currency: str
    invoice_date: date | None = None
    description: str = ""
    chargeback_id: str = ""
    discount: Decimal = Decimal("0")


@dataclass(kw_only=True)
class RemittanceRecord:
    payment_number: str
    payment_date: date
    amount: Decimal
    currency: str
    payment_method: str = ""
    lines: list[RemittanceLineRecord] = field(default_factory=list)


@dataclass(kw_only=True)
class ProofOfDeliveryRecord:
    shipment_id: str
    kind: str = "POD"
    signed: bool = False
    signed_by: str = ""
    delivered_at: datetime | None = None
    cartons_delivered: int | None = None
    po_numbers: list[str] = field(default_factory=list)
    bill_of_lading: str = ""
    pro_number: str = ""
    carrier_scac: str = ""


@dataclass(kw_only=True)
class CoopAgreementRecord:
    agreement_id: str
    vendor_code: str
    currency: str
    starts_on: date
    ends_on: date | None = None
    name: str = ""
    funding_type: str = ""
    base: str = "percent_of_receipts"
    rate_percent: Decimal | None = None
    flat_amount: Decimal | None = None
    calculation_base: str = ""
    billing: str = ""
    waived_periods: list[dict] = field(default_factory=list)  # [{"from": date, "to": date, "reason": str}]


@dataclass(kw_only=True)
class ChargebackRecord:
    amazon_id: str
    family: str
    deduction_type: str
    amount: Decimal
    currency: str
    issue_date: date
    sub_type: str = ""
    quantity: int | None = None
    po_number: str = ""
    asin: str = ""
    invoice_number: str = ""
    amazon_status: str = ""
    amazon_dispute_id: str = ""
    description: str = ""
    reported_currency: str = ""  # the row's currency label when it is not the account's
    coop_agreement_id: str = ""
    coop_rate_percent: Decimal | None = None
    coop_base_amount: Decimal | None = None


# Results


@dataclass(frozen=True)
class IngestError:
    """Why a record was refused: its natural key, the field at fault (e.g. `items[2].net_cost`), a message."""

    key: str
    field: str
    message: str

    def __str__(self):
        return f"{self.key}: {self.field}: {self.message}" if self.field else f"{self.key}: {self.message}"


@dataclass
class IngestResult:
    """Counts of one ingest call; for chargebacks also the ids created and changed (matching re-runs them);
    for documents the PO and invoice numbers that documents created or changed name (matching re-runs
    the deductions naming them: `refunds.services.matching.schedule_for_documents`)."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[IngestError] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)
    po_numbers: set[str] = field(default_factory=set)
    invoice_numbers: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    def merge(self, other: IngestResult) -> IngestResult:
        """Add another result of the same kind into this one (e.g. one per page of a sync)."""
        for name in ("created", "updated", "unchanged", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)
        self.created_ids.extend(other.created_ids)
        self.changed_ids.extend(other.changed_ids)
        self.po_numbers |= other.po_numbers
        self.invoice_numbers |= other.invoice_numbers
        return self

    def __str__(self):
        return (
            f"{self.kind}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected"
        )
