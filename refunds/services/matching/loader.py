"""Load every document a batch of deductions could be about, in a fixed handful of queries.

Matching must stay set-based: for a batch of deductions we collect the keys they carry (account,
normalised PO number, invoice numbers, Amazon ids) and fetch POs, their items, ASN lines, shipments,
cartons, invoices with their derivative chains and lines, remittance lines, sibling deductions and
co-op agreements with one query each. Rows come back as named tuples, not model instances, because
building a million model objects would cost more than the whole evaluation.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Q

from refunds.choices import EvidenceKind, ProofKind
from refunds.identifiers import parse_invoice_number
from refunds.models import (
    Carton,
    Chargeback,
    CoopAgreement,
    Evidence,
    Invoice,
    InvoiceLine,
    ProofOfDelivery,
    PurchaseOrder,
    PurchaseOrderItem,
    RemittanceLine,
    Shipment,
    ShipmentItem,
)
from refunds.services.matching.fastsql import any_of, fetch

PO_FIELDS = [
    "id",
    "account_id",
    "number",
    "number_normalized",
    "state",
    "ship_window_end",
    "delivery_window_start",
    "delivery_window_end",
    "selling_party",
    "ship_to_party",
]
PO_ITEM_FIELDS = [
    "id",
    "purchase_order_id",
    "item_sequence_number",
    "asin",
    "vendor_sku",
    "ordered_quantity",
    "ordered_unit",
    "unit_size",
    "accepted_quantity",
    "net_cost",
    "currency",
    "receive_status",
    "received_quantity",
    "last_received_at",
]
SHIPMENT_FIELDS = [
    "id",
    "account_id",
    "shipment_id",
    "shipment_type",
    "amazon_reference_number",
    "bill_of_lading",
    "pro_number",
    "carrier_scac",
    "carrier_name",
    "ship_to_party",
    "asn_sent_at",
    "shipped_at",
    "estimated_delivery_at",
    "delivered_at",
    "carton_count",
]
SHIPMENT_ITEM_FIELDS = "id shipment_id item_sequence_number po_number_normalized asin shipped_quantity unit unit_size"
POD_FIELDS = ["id", "account_id", "shipment_id", "kind", "signed", "signed_by", "delivered_at", "cartons_delivered"]
CARTON_FIELDS = ["id", "shipment_id", "sequence_number", "identifier_type", "identifier", "contents"]
INVOICE_FIELDS = [
    "id",
    "account_id",
    "number",
    "root_number",
    "suffixes",
    "invoice_type",
    "direction",
    "invoice_date",
    "due_date",
    "po_number_normalized",
    "amount",
    "currency",
    "status",
    "date_source",
    "pushed_date",
    "pushed_due_date",
]
INVOICE_LINE_FIELDS = [
    "id",
    "invoice_id",
    "line_number",
    "po_number_normalized",
    "asin",
    "quantity",
    "unit_cost",
    "amount",
    "currency",
]
REMITTANCE_LINE_FIELDS = [
    "id",
    "invoice_number",
    "chargeback_id",
    "invoice_date",
    "description",
    "amount",
    "currency",
    "remittance__account_id",
    "remittance__payment_number",
    "remittance__payment_date",
]
SIBLING_FIELDS = [
    "id",
    "account_id",
    "amazon_id",
    "family",
    "reported_currency",
    "deduction_type",
    "sub_type",
    "po_number_normalized",
    "asin",
    "invoice_number",
    "amount",
    "currency",
    "quantity",
    "issue_date",
    "description",
]


@dataclass
class DocumentIndex:
    """Everything loaded for one batch, keyed the way the matchers look things up."""

    pos: dict = field(default_factory=dict)  # (account_id, po_norm) -> PO row
    po_items: dict = field(default_factory=lambda: defaultdict(list))  # po id -> [item]
    shipment_items: dict = field(default_factory=lambda: defaultdict(list))  # (account_id, po_norm) -> [line]
    shipments: dict = field(default_factory=dict)  # shipment pk -> shipment row
    cartons: dict = field(default_factory=lambda: defaultdict(list))  # shipment pk -> [carton]
    invoices_by_number: dict = field(default_factory=dict)  # (account_id, number) -> invoice
    invoices_by_root: dict = field(default_factory=lambda: defaultdict(list))  # (account_id, root) -> [invoice]
    invoices_by_po: dict = field(default_factory=lambda: defaultdict(list))  # (account_id, po_norm) -> [invoice]
    invoice_lines: dict = field(default_factory=lambda: defaultdict(list))  # invoice id -> [line]
    remittance_lines: dict = field(default_factory=lambda: defaultdict(list))  # (account_id, number) -> [line]
    settlements: dict = field(default_factory=lambda: defaultdict(list))  # (account_id, issue id) -> [line]
    siblings: dict = field(default_factory=lambda: defaultdict(list))  # (account_id, po_norm|invoice) -> [row]
    coop_agreements: dict = field(default_factory=lambda: defaultdict(list))  # account_id -> [agreement]
    pods: dict = field(default_factory=lambda: defaultdict(list))  # shipment pk -> [proof of delivery]
    uploaded: dict = field(default_factory=lambda: defaultdict(set))  # chargeback pk -> {proof kind}
    # What several deductions of one PO or invoice share, worked out once per batch.
    _asins: dict = field(default_factory=dict)
    _po_views: dict = field(default_factory=dict)
    _chains: dict = field(default_factory=dict)
    _po_invoice_lines: dict = field(default_factory=dict)

    def invoice_asins(self, invoice_id) -> set[str]:
        if invoice_id not in self._asins:
            self._asins[invoice_id] = {line.asin for line in self.invoice_lines.get(invoice_id, [])}
        return self._asins[invoice_id]

    def po_view(self, account_id, po_number) -> tuple:
        """(PO, its items, its ASN lines, their shipments by id, their cartons by shipment id)."""
        key = (account_id, po_number)
        view = self._po_views.get(key)
        if view is None:
            po = self.pos.get(key)
            lines = self.shipment_items.get(key, [])
            ids = {line.shipment_id for line in lines}
            view = (
                po,
                self.po_items.get(po.id, []) if po else [],
                lines,
                {i: self.shipments[i] for i in ids if i in self.shipments},
                {i: self.cartons.get(i, []) for i in ids},
            )
            self._po_views[key] = view
        return view

    def chain_of(self, invoice) -> tuple[list, dict]:
        """The invoice's derivative chain, root first, and each member's lines by invoice id."""
        key = (invoice.account_id, invoice.root_number)
        found = self._chains.get(key)
        if found is None:
            chain = sorted(self.invoices_by_root.get(key, [invoice]), key=_depth)
            found = (chain, {inv.id: self.invoice_lines.get(inv.id, []) for inv in chain})
            self._chains[key] = found
        return found

    def po_invoice_lines(self, invoice, po_number) -> list:
        """Lines for the PO on every vendor (root) invoice of the PO, this invoice included."""
        key = (invoice.account_id, po_number, invoice.id)
        lines = self._po_invoice_lines.get(key)
        if lines is None:
            roots = {inv.id: inv for inv in self.invoices_by_po.get(key[:2], []) if not inv.suffixes}
            roots.setdefault(invoice.id, invoice)
            lines = [
                line
                for invoice_id in roots
                for line in self.invoice_lines.get(invoice_id, [])
                if line.po_number_normalized in ("", po_number)
            ]
            self._po_invoice_lines[key] = lines
        return lines


def _depth(invoice) -> tuple[int, str]:
    return (len(parse_invoice_number(invoice.number).suffixes), invoice.number)


def _rows(queryset, fields):
    # No ordering (fetch drops it): the models' default orderings join parents (items by PO,
    # cartons by shipment) and sort, which costs more than the rest of the query.
    return fetch(queryset, fields)


def invoice_root(chargeback) -> str:
    """The vendor invoice a deduction is against: the root of its invoice number (or of its own id)."""
    return _invoice_root(chargeback.invoice_number, chargeback.amazon_id)


@lru_cache(maxsize=65536)
def _invoice_root(invoice_number: str, amazon_id: str) -> str:
    if invoice_number:
        return parse_invoice_number(invoice_number).root
    if amazon_id:
        parsed = parse_invoice_number(amazon_id)
        if parsed.is_derivative:
            return parsed.root
        price_claim = _PRICE_CLAIM.match(parsed.number)
        if price_claim:
            return price_claim["root"]
    return ""


_PRICE_CLAIM = re.compile(r"^(?P<root>.*[0-9])PC$")  # `<invoice>PC`: Amazon's price claim on the invoice


# How a chargeback appears in a remittance: `<IssueID>VCBSINV` when deducted, `…VCBSINVR` when reversed.
CHARGEBACK_DEBIT, CHARGEBACK_CREDIT = "VCBSINV", "VCBSINVR"


def related_numbers(chargeback, root: str, chain_numbers=()) -> set[str]:
    """Document numbers a remittance may use for this deduction: its own, its invoice's chain, reversals."""
    own = chargeback.amazon_id
    numbers = {own, f"{own}R", f"{own}{CHARGEBACK_DEBIT}", f"{own}{CHARGEBACK_CREDIT}", chargeback.invoice_number}
    numbers.update(chain_numbers)
    if root:
        numbers |= {root, f"{root}SC", f"{root}SCR", f"{root}SCRSC", f"{root}SCRSCR"}
    return numbers - {""}


def load_documents(chargebacks, *, carton_po_numbers=frozenset()) -> DocumentIndex:
    """One query per document kind for the whole batch.

    Cartons are many (one per case) and only carton chargebacks read them one by one, so they are
    loaded for the POs in `carton_po_numbers` only; other matchers use the ASN's carton count.
    """
    index = DocumentIndex()
    accounts = {cb.account_id for cb in chargebacks}
    po_numbers = {cb.po_number_normalized for cb in chargebacks if cb.po_number_normalized}
    roots = {root for cb in chargebacks if (root := invoice_root(cb))}
    _load_invoices(index, accounts, po_numbers, roots)
    # A claim on an invoice names no PO (Vendor Central's invoice export has no PO column): its POs
    # are the ones the invoice's lines name, so those are loaded too.
    po_numbers |= _invoice_line_pos(index, accounts, roots)
    _load_purchase_orders(index, accounts, po_numbers)
    _load_shipments(index, accounts, po_numbers, carton_po_numbers)
    numbers = {number for (_, number) in index.invoices_by_number}
    for cb in chargebacks:
        numbers |= related_numbers(cb, invoice_root(cb))
    issue_ids = {cb.amazon_id for cb in chargebacks if cb.amazon_id}
    _load_remittance_lines(index, accounts, numbers, issue_ids)
    _load_siblings(index, chargebacks, accounts)
    for agreement in CoopAgreement.objects.filter(any_of("account_id", accounts)):
        index.coop_agreements[agreement.account_id].append(agreement)
    _load_uploaded_evidence(index, chargebacks)
    return index


# What a file a person attached to the case proves, in the vocabulary of the rules' required evidence.
UPLOADED_PROOF = {
    EvidenceKind.PROOF_OF_DELIVERY: [ProofKind.PROOF_OF_DELIVERY],
    EvidenceKind.BILL_OF_LADING: [ProofKind.BILL_OF_LADING, ProofKind.PROOF_OF_DELIVERY],
    EvidenceKind.CARRIER_TRACKING: [ProofKind.CARRIER_APPOINTMENT],
    EvidenceKind.ASN_COPY: [ProofKind.ASN_TRANSMISSION],
    EvidenceKind.PHOTOS: [ProofKind.PHOTOS],
    EvidenceKind.INVOICE_COPY: [ProofKind.INVOICE_COPY],
}


def _load_uploaded_evidence(index, chargebacks):
    rows = Evidence.objects.current().filter(any_of("chargeback_id", [cb.id for cb in chargebacks]))
    for chargeback_id, kind in rows.order_by().values_list("chargeback_id", "kind").distinct():
        index.uploaded[chargeback_id].update(str(proof) for proof in UPLOADED_PROOF.get(kind, ()))


def _load_purchase_orders(index, accounts, po_numbers):
    if not po_numbers:
        return
    qs = PurchaseOrder.objects.filter(any_of("account_id", accounts), any_of("number_normalized", po_numbers))
    for po in _rows(qs, PO_FIELDS):
        index.pos[(po.account_id, po.number_normalized)] = po
    po_ids = [po.id for po in index.pos.values()]
    for item in _rows(PurchaseOrderItem.objects.filter(any_of("purchase_order_id", po_ids)), PO_ITEM_FIELDS):
        index.po_items[item.purchase_order_id].append(item)


def _load_shipments(index, accounts, po_numbers, carton_po_numbers):
    if not po_numbers:
        return
    qs = ShipmentItem.objects.filter(
        any_of("shipment__account_id", accounts), any_of("po_number_normalized", po_numbers)
    )
    lines = list(_rows(qs, [*SHIPMENT_ITEM_FIELDS.split(), "shipment__account_id"]))
    shipment_ids = {line.shipment_id for line in lines}
    for shipment in _rows(Shipment.objects.filter(any_of("id", shipment_ids)), SHIPMENT_FIELDS):
        index.shipments[shipment.id] = shipment
    for line in lines:
        index.shipment_items[(line.shipment__account_id, line.po_number_normalized)].append(line)
    _load_proofs_of_delivery(index, accounts)
    with_cartons = {line.shipment_id for line in lines if line.po_number_normalized in carton_po_numbers}
    if not with_cartons:
        return
    cartons = Carton.objects.filter(any_of("shipment_id", with_cartons))
    for carton in _rows(cartons, CARTON_FIELDS):  # contents stay JSON text until a check reads them
        index.cartons[carton.shipment_id].append(carton)


def _load_invoices(index, accounts, po_numbers, roots):
    if not (po_numbers or roots):
        return
    condition = Q(any_of("root_number", roots)) | Q(any_of("po_number_normalized", po_numbers))
    qs = Invoice.objects.filter(condition, any_of("account_id", accounts))
    for invoice in _rows(qs, INVOICE_FIELDS):
        index.invoices_by_number[(invoice.account_id, invoice.number)] = invoice
        index.invoices_by_root[(invoice.account_id, invoice.root_number)].append(invoice)
        if invoice.po_number_normalized:
            index.invoices_by_po[(invoice.account_id, invoice.po_number_normalized)].append(invoice)
    invoice_ids = [invoice.id for invoice in index.invoices_by_number.values()]
    for line in _rows(InvoiceLine.objects.filter(any_of("invoice_id", invoice_ids)), INVOICE_LINE_FIELDS):
        index.invoice_lines[line.invoice_id].append(line)
    # An invoice without a PO on its header still belongs to the POs its lines name.
    by_id = {invoice.id: invoice for invoice in index.invoices_by_number.values()}
    for invoice_id, lines in index.invoice_lines.items():
        invoice = by_id[invoice_id]
        for po in {line.po_number_normalized for line in lines} - {invoice.po_number_normalized, ""}:
            index.invoices_by_po[(invoice.account_id, po)].append(invoice)


def _load_proofs_of_delivery(index, accounts):
    """PODs/BOLs are joined to ASNs by shipment identifier (either may arrive first)."""
    by_identifier = {(s.account_id, s.shipment_id): s.id for s in index.shipments.values()}
    if not by_identifier:
        return
    identifiers = {identifier for (_, identifier) in by_identifier}
    qs = ProofOfDelivery.objects.filter(any_of("account_id", accounts), any_of("shipment_id", identifiers))
    for pod in _rows(qs, POD_FIELDS):
        shipment = by_identifier.get((pod.account_id, pod.shipment_id))
        if shipment is not None:
            index.pods[shipment].append(pod)


def _invoice_line_pos(index, accounts, roots) -> set[str]:
    found = set()
    for (_, number), invoice in index.invoices_by_number.items():
        if number in roots:
            found |= {line.po_number_normalized for line in index.invoice_lines.get(invoice.id, ())}
    return found - {""}


def _load_remittance_lines(index, accounts, numbers, issue_ids):
    """Payment lines on the batch's document numbers, and chargeback settlements naming its Issue IDs
    (`<IssueID>VCBSINV[R]`, or "ISSUE ID <id>" in the text of a line numbered otherwise)."""
    condition = Q(any_of("invoice_number", numbers)) | Q(any_of("chargeback_id", issue_ids))
    qs = RemittanceLine.objects.filter(condition, any_of("remittance__account_id", accounts))
    for line in _rows(qs, REMITTANCE_LINE_FIELDS):
        index.remittance_lines[(line.remittance__account_id, line.invoice_number)].append(line)
        if line.chargeback_id:
            index.settlements[(line.remittance__account_id, line.chargeback_id)].append(line)


def sibling_key(row) -> str:
    """What two deductions must share to be candidates for "charged twice": the PO, the invoice, or
    for account-wide deductions (co-op, provisions) their type and amount."""
    return row.po_number_normalized or row.invoice_number or f"{row.deduction_type}|{row.amount:.4f}"


def _load_siblings(index, chargebacks, accounts):
    """Other deductions on the same PO or invoice (or account-wide of the same type and amount),
    from any batch: the candidates for duplicates."""
    po_numbers = {cb.po_number_normalized for cb in chargebacks if cb.po_number_normalized}
    invoices = {cb.invoice_number for cb in chargebacks if cb.invoice_number and not cb.po_number_normalized}
    loose = [cb for cb in chargebacks if not (cb.po_number_normalized or cb.invoice_number)]
    condition = Q(any_of("po_number_normalized", po_numbers)) | Q(any_of("invoice_number", invoices))
    if loose:
        loose_types = Q(any_of("deduction_type", {cb.deduction_type for cb in loose}))
        condition |= loose_types & Q(any_of("amount", {cb.amount for cb in loose}), po_number_normalized="")
    qs = Chargeback.objects.filter(condition, any_of("account_id", accounts))
    for row in _rows(qs, SIBLING_FIELDS):
        index.siblings[(row.account_id, sibling_key(row))].append(row)
