"""One deduction with the documents it is about, and the small vocabulary every matcher shares.

`Bundle` is what a family matcher reads; `Finding` is what it answers: how much of the deduction
looks wrong, the checks in words, which evidence exists, and whether documents are missing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from refunds.choices import CheckStatus, ProofKind, QuantityUnit
from refunds.identifiers import parse_invoice_number
from refunds.services.matching.loader import DocumentIndex, invoice_root, related_numbers, sibling_key


def check(code: str, status: str, text: str) -> dict:
    return {"code": code, "status": str(status), "text": text}


@dataclass
class Finding:
    """A matcher's answer. `disputable` is the part of the deduction (in its currency) we think is wrong."""

    disputable: Decimal = Decimal(0)
    checks: list[dict] = field(default_factory=list)
    evidence: set[str] = field(default_factory=set)
    missing_documents: list[str] = field(default_factory=list)
    confidence: Decimal = Decimal("0.80")
    decided: bool = True  # False: the documents cannot say either way (the verdict asks for evidence)

    def add(self, code: str, status: str, text: str) -> None:
        self.checks.append(check(code, status, text))


@dataclass
class Bundle:
    """The documents matched to one deduction (rows from the loader, or None when not here yet)."""

    chargeback: object
    account: object
    po: object = None
    po_items: list = field(default_factory=list)
    shipment_lines: list = field(default_factory=list)  # ASN lines of the PO (all ASINs)
    shipments: dict = field(default_factory=dict)
    cartons: dict = field(default_factory=dict)
    invoice: object = None  # the vendor's root invoice
    chain: list = field(default_factory=list)  # the root invoice and Amazon's derivatives of it
    invoice_lines: list = field(default_factory=list)  # lines of the root invoice
    po_invoice_lines: list = field(default_factory=list)  # lines of every vendor invoice of the PO
    chain_lines: dict = field(default_factory=dict)  # invoice id -> lines, for the derivative chain
    _shipments_about: list | None = None  # asn_shipments(), worked out once
    remittance_lines: list = field(default_factory=list)
    siblings: list = field(default_factory=list)

    # Narrowing to the deduction's ASIN; a deduction without an ASIN is about the whole document.
    def _for_asin(self, rows):
        asin = self.chargeback.asin
        return [row for row in rows if row.asin == asin] if asin else list(rows)

    @property
    def items(self):
        return self._for_asin(self.po_items)

    @property
    def asn_lines(self):
        return self._for_asin(self.shipment_lines)

    @property
    def billed_lines(self):
        po = self.chargeback.po_number_normalized
        lines = [line for line in self._for_asin(self.invoice_lines) if line.quantity > 0]
        return [line for line in lines if not po or line.po_number_normalized in ("", po)]

    def asn_shipments(self):
        """The shipments the deduction is about, narrowest evidence first.

        A deduction that names a shipment (Amazon quotes the ARN, BOL or shipment id in its text) is
        about that one; a claim on an invoice is about the ASN that invoice billed (vendors commonly
        use the invoice number as the ASN's shipment id); otherwise every ASN of the PO with the ASIN.
        """
        if self._shipments_about is None:
            self._shipments_about = self._find_shipments()
        return self._shipments_about

    def _find_shipments(self):
        lines = self.asn_lines or self.shipment_lines
        candidates = [self.shipments[i] for i in sorted({line.shipment_id for line in lines}) if i in self.shipments]
        text = self.mentions
        named = [s for s in candidates if _named_in(s, text)]
        if named:
            return named
        if self.invoice is not None:
            billed = [s for s in candidates if s.shipment_id.upper() == self.invoice.root_number]
            if billed:
                return billed
        return candidates

    @property
    def mentions(self) -> str:
        cb = self.chargeback
        return f"{cb.description} {cb.sub_type}".upper()  # read once per deduction (asn_shipments caches)

    def lines_of(self, shipments):
        ids = {s.id for s in shipments}
        return [line for line in self.asn_lines if line.shipment_id in ids]

    @property
    def invoiced_for_item(self) -> int:
        """Units of the deduction's ASIN billed on all of the PO's vendor invoices."""
        asin = self.chargeback.asin
        return sum(
            line.quantity for line in self.po_invoice_lines if line.quantity > 0 and (not asin or line.asin == asin)
        )


def _named_in(shipment, text: str) -> bool:
    for ref in (shipment.amazon_reference_number, shipment.bill_of_lading, shipment.shipment_id):
        if len(ref) >= 6 and ref.upper() in text:
            return True
    return False


def eaches(quantity: int, unit: str, unit_size: int) -> int:
    return quantity * (unit_size or 1) if unit == QuantityUnit.CASES else quantity


def build_bundle(chargeback, account, index: DocumentIndex) -> Bundle:
    key = (chargeback.account_id, chargeback.po_number_normalized)
    bundle = Bundle(chargeback=chargeback, account=account)
    if chargeback.po_number_normalized:
        bundle.po = index.pos.get(key)
        bundle.po_items = index.po_items.get(bundle.po.id, []) if bundle.po else []
        bundle.shipment_lines = index.shipment_items.get(key, [])
        ids = {line.shipment_id for line in bundle.shipment_lines}
        bundle.shipments = {i: index.shipments[i] for i in ids if i in index.shipments}
        bundle.cartons = {i: index.cartons.get(i, []) for i in ids}
    _attach_invoice(bundle, index)
    root = bundle.invoice.root_number if bundle.invoice else invoice_root(chargeback)
    for number in related_numbers(chargeback, root, [inv.number for inv in bundle.chain]):
        bundle.remittance_lines.extend(index.remittance_lines.get((chargeback.account_id, number), []))
    rows = index.siblings.get((chargeback.account_id, sibling_key(chargeback)), [])
    bundle.siblings = [row for row in rows if row.id != chargeback.pk]
    return bundle


def _attach_invoice(bundle: Bundle, index: DocumentIndex) -> None:
    chargeback = bundle.chargeback
    account_id = chargeback.account_id
    root = invoice_root(chargeback)
    invoice = index.invoices_by_number.get((account_id, root)) if root else None
    if invoice is None and chargeback.po_number_normalized:
        # No invoice number on the deduction: the PO's own invoice that bills this ASIN, oldest first.
        candidates = [
            inv
            for inv in index.invoices_by_po.get((account_id, chargeback.po_number_normalized), [])
            if not inv.suffixes
        ]
        billed = [inv for inv in candidates if _bills(index, inv, chargeback.asin)]
        invoice = min(billed or candidates, key=lambda inv: (inv.invoice_date, inv.id), default=None)
    if invoice is None:
        return
    bundle.invoice = invoice
    bundle.chain = sorted(index.invoices_by_root.get((account_id, invoice.root_number), [invoice]), key=_depth)
    bundle.invoice_lines = index.invoice_lines.get(invoice.id, [])
    bundle.chain_lines = {inv.id: index.invoice_lines.get(inv.id, []) for inv in bundle.chain}
    po = chargeback.po_number_normalized
    if po:
        roots = {inv.id: inv for inv in index.invoices_by_po.get((account_id, po), []) if not inv.suffixes}
        roots.setdefault(invoice.id, invoice)
        bundle.po_invoice_lines = [
            line
            for invoice_id in roots
            for line in index.invoice_lines.get(invoice_id, [])
            if line.po_number_normalized in ("", po)
        ]


def _bills(index, invoice, asin) -> bool:
    return not asin or asin in index.invoice_asins(invoice.id)


def _depth(invoice) -> tuple[int, str]:
    return (len(parse_invoice_number(invoice.number).suffixes), invoice.number)


def has_proof_of_delivery(shipment) -> bool:
    """Proof of delivery, until the workflow's evidence model lands: a delivery date and a BOL number.

    Prepaid freight needs a signed POD, collect freight a carrier-signed BOL (RESEARCH.md §1.3);
    both show up in the ASN data as a recorded delivery against a bill of lading. This is the one
    place to change when uploaded POD files become evidence of their own.
    """
    return bool(shipment.delivered_at and shipment.bill_of_lading)


def document_evidence(bundle: Bundle) -> set[str]:
    """Evidence kinds the synced documents already provide for this deduction."""
    found = set()
    shipments = bundle.asn_shipments()
    if any(s.asn_sent_at for s in shipments):
        found.add(ProofKind.ASN_TRANSMISSION)
    if any(has_proof_of_delivery(s) for s in shipments):
        found |= {ProofKind.PROOF_OF_DELIVERY, ProofKind.BILL_OF_LADING}
    if any(s.delivered_at for s in shipments):
        found.add(ProofKind.CARRIER_APPOINTMENT)
    if any(bundle.cartons.get(s.id) for s in shipments):
        found.add(ProofKind.CARTON_DATA)
    if bundle.invoice is not None:
        found.add(ProofKind.INVOICE_COPY)
    if bundle.po is not None:
        found.add(ProofKind.PO_CONFIRMATION)
    if bundle.remittance_lines:
        found.add(ProofKind.REMITTANCE)
    return {str(kind) for kind in found}


def units(n) -> str:
    return f"{n:,} unit{'s' if n != 1 else ''}"


def local_date(value, tz):
    """The local calendar date of a datetime in the account's zone; dates pass through."""
    if value is None or not hasattr(value, "astimezone"):
        return value
    return value.astimezone(tz).date()


def day(value, tz=None) -> str:
    """A date, or a datetime as its local date in the account's zone, as people read it in a check."""
    if value is None:
        return "—"
    if hasattr(value, "astimezone"):
        value = value.astimezone(tz).date() if tz else value.date()
    return value.isoformat()


__all__ = ["Bundle", "Finding", "CheckStatus", "build_bundle", "check", "document_evidence", "eaches"]
