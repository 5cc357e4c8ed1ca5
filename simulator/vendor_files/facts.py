"""What happened to one simulated vendor, as plain facts: orders, shipments, receipts, claims.

The generator (`plan.py`) fills these; `shapes.py` prints them the way Amazon and the vendor's ERP
do; `answers.py` judges every deduction from them. Times are UTC instants, dates marketplace-local.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Account:
    vendor_code: str
    marketplace: str
    marketplace_id: str
    region: str
    currency: str
    time_zone: str
    net_due_days: int
    date_format: str  # "MM/DD/YYYY", "DD/MM/YYYY" or "DD.MM.YYYY"
    number_format: str  # "1,234.56" or "1.234,56"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


@dataclass(frozen=True)
class Product:
    asin: str
    gtin: str
    cost: Decimal
    case_size: int  # eaches per case when Amazon receives it in Cases


@dataclass
class Line:
    """One PO item from order to receipt; quantities in eaches."""

    seq: int
    product: Product
    ordered: int
    accepted: int
    shipped: int
    invoiced: int
    invoice_cost: Decimal  # what the vendor billed per unit (may differ from the PO's netCost)
    received_at_claim: int  # what Amazon had received when it claimed
    received: int  # Amazon's current received quantity
    last_received_at: datetime | None = None
    gtin_only: bool = False  # the ASN line names only the GTIN
    received_in_cases: bool = False
    cost_text: str = ""  # how the ERP wrote the cost ("120.490" for 120.49), default the plain amount

    @property
    def po_cost(self) -> Decimal:
        return self.product.cost


@dataclass
class Carton:
    sscc: str
    items: list[tuple[int, int]]  # (line seq, eaches)
    tracking: str = ""


@dataclass
class ProofOfDelivery:
    kind: str  # "POD" or "BOL"
    signed: bool
    delivered_at: datetime
    cartons_delivered: int | None
    signed_by: str | None


@dataclass
class Shipment:
    identifier: str
    confirmed_at: datetime
    shipped_at: datetime
    estimated_delivery: datetime
    small_parcel: bool
    carrier_scac: str
    pro_number: str
    bill_of_lading: str
    cartons: list[Carton]  # empty: the ASN carries no carton data
    carton_count: int
    pallet_count: int
    in_erp: bool = True  # False: the vendor never sent this ASN
    proof: ProofOfDelivery | None = None

    @property
    def asn_carton_count(self) -> int:
        return len(self.cartons) or self.carton_count


@dataclass
class Invoice:
    number: str
    issued_at: datetime  # the ERP's timestamp (UTC)
    local_date: date  # Vendor Central's invoice date
    created_date: date
    due_date: date

    def total(self, lines: list[Line]) -> Decimal:
        return sum((line.invoice_cost * line.invoiced for line in lines), Decimal(0)).quantize(CENT)


@dataclass
class Order:
    number: str
    account: Account
    order_type: str
    ordered_at: datetime
    fc: str
    ship_window: tuple[datetime, datetime]
    delivery_window: tuple[datetime, datetime]
    acknowledged_at: datetime
    lines: list[Line] = field(default_factory=list)
    shipment: Shipment | None = None
    invoice: Invoice | None = None
    closed_at: datetime | None = None

    def line_for(self, asin: str) -> Line:
        return next(line for line in self.lines if line.product.asin == asin)


@dataclass
class Credit:
    """A reversal Amazon paid: `<inv>SCR` on the invoice export or `<IssueID>VCBSINVR` in the remittance."""

    number: str
    on: date
    amount: Decimal


@dataclass
class Claim:
    """A shortage (`<inv>SC`) or price (`<inv>PC`) claim: it names only the invoice."""

    kind: str  # "SC" or "PC"
    order: Order
    on: date
    amount: Decimal
    lines: list[Line]  # the lines Amazon claimed on (it names none of them)
    credits: list[Credit] = field(default_factory=list)
    paid_on: date | None = None  # remitted (status Deducted) or still open

    @property
    def number(self) -> str:
        return f"{self.order.invoice.number}{self.kind}"


@dataclass
class Chargeback:
    issue_id: str
    order: Order
    asin: str
    type: str
    sub_type: str
    quantity: int
    amount: Decimal
    currency_label: str
    on: date
    notes: str
    po_written: str  # the PO number as Amazon wrote it on this row
    duplicate_of: Chargeback | None = None
    credits: list[Credit] = field(default_factory=list)
    paid_on: date | None = None


@dataclass(frozen=True)
class WaivedPeriod:
    start: date
    end: date
    reason: str


@dataclass
class Agreement:
    agreement_id: str
    account: Account
    title: str
    rate_percent: Decimal
    starts_on: date
    ends_on: date
    waived: list[WaivedPeriod]
    in_erp: bool = True  # False: Amazon bills against terms the vendor has no copy of


@dataclass
class CoopInvoice:
    invoice_id: str
    agreement: Agreement
    on: date
    rate_percent: Decimal  # the rate Amazon printed (its claim)
    base: Decimal
    amount: Decimal
    currency_label: str
    duplicate_of: CoopInvoice | None = None
    paid_on: date | None = None


@dataclass
class VendorWorld:
    """Everything one simulated vendor holds, as of the local midnight starting `as_of` everywhere."""

    seed: int
    as_of: date
    accounts: list[Account]
    orders: list[Order] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    chargebacks: list[Chargeback] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    coop_invoices: list[CoopInvoice] = field(default_factory=list)
