"""One deduction with the documents it is about, and the small vocabulary every matcher shares.

`Bundle` is what a family matcher reads; `Finding` is what it answers: how much of the deduction
looks wrong, the checks in words, which evidence exists, and whether documents are missing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from refunds.choices import CheckStatus, ProofKind, QuantityUnit
from refunds.services.matching.loader import DocumentIndex, invoice_root, related_numbers, sibling_key


class cached_property:  # noqa: N801 - named like functools' own
    """functools.cached_property without its lock (Python 3.11 takes one on every first read):
    bundles are built and read by one thread, a hundred thousand times a run."""

    def __init__(self, func):
        self.func, self.name = func, func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


def check(code: str, status: str, text: str, **params) -> dict:
    """One check in words. `text` is English with %(name)s places (marked with gettext_noop): stored
    and sent as written, and kept with its values so that pages can show it in the reader's language."""
    values = {name: str(value) for name, value in params.items()}
    return {"code": code, "status": str(status), "text": text % values, "message": text, "params": values}


@dataclass
class Finding:
    """A matcher's answer. `disputable` is the part of the deduction (in its currency) we think is wrong."""

    disputable: Decimal = Decimal(0)
    checks: list[dict] = field(default_factory=list)
    evidence: set[str] = field(default_factory=set)
    missing_documents: list[str] = field(default_factory=list)
    confidence: Decimal = Decimal("0.80")
    decided: bool = True  # False: the documents cannot say either way (the verdict asks for evidence)
    photo_only: bool = False  # only photos (labels, packing) can decide: nothing in the data does

    def add(self, code: str, status: str, text: str, **params) -> None:
        self.checks.append(check(code, status, text, **params))


class Bundle:
    """The documents matched to one deduction (rows from the loader, or None when not here yet).

    A plain class rather than a dataclass: one is built per deduction, and what several
    deductions of one PO or invoice share (the PO's view, the invoice chain) comes ready-made
    from the batch's `DocumentIndex`.
    """

    def __init__(self, chargeback, account):
        self.chargeback = chargeback
        self.account = account
        self.po = None
        self.po_items = ()
        self.shipment_lines = ()  # ASN lines of the PO (all ASINs)
        self.shipments = {}
        self.cartons = {}
        self.invoice = None  # the vendor's root invoice
        self.chain = []  # the root invoice and Amazon's derivatives of it
        self.invoice_lines = ()  # lines of the root invoice
        self.po_invoice_lines = ()  # lines of every vendor invoice of the PO
        self.chain_lines = {}  # invoice id -> lines, for the derivative chain
        self.remittance_lines = []
        self.siblings = []
        # Every PO the deduction is about, by normalised number: its own PO, or for a claim on an
        # invoice (which names no PO) the POs of the invoice's lines. `po`… above is the first.
        self.po_views = {}
        self.pods = {}  # shipment pk -> [proof of delivery rows]

    # Narrowing to the deduction's ASIN; a deduction without an ASIN is about the whole document.
    def _for_asin(self, rows):
        asin = self.chargeback.asin
        return [row for row in rows if row.asin == asin] if asin else list(rows)

    @cached_property
    def items(self):
        return self._for_asin(self.po_items)

    @cached_property
    def asn_lines(self):
        return self._for_asin(self.shipment_lines)

    @cached_property
    def claim_lines(self):
        """The root invoice's billed lines a claim on the invoice covers (all of them unless it names an ASIN)."""
        return [line for line in self._for_asin(self.invoice_lines) if line.quantity > 0]

    def po_of_line(self, line) -> str:
        return line.po_number_normalized or self.chargeback.po_number_normalized

    @cached_property
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
        return self._shipments_about

    @cached_property
    def _shipments_about(self):
        lines = self.asn_lines or self.shipment_lines
        candidates = [self.shipments[i] for i in sorted({line.shipment_id for line in lines}) if i in self.shipments]
        if not candidates:
            return candidates
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
    bundle = Bundle(chargeback, account)
    _attach_invoice(bundle, index)
    if chargeback.po_number_normalized:
        numbers = [chargeback.po_number_normalized]
    else:
        numbers = list(dict.fromkeys(line.po_number_normalized for line in bundle.invoice_lines))
    for number in numbers:
        if number:
            bundle.po_views[number] = index.po_view(chargeback.account_id, number)
    if bundle.po_views:
        first = next(iter(bundle.po_views))
        bundle.po, bundle.po_items, bundle.shipment_lines, bundle.shipments, bundle.cartons = bundle.po_views[first]
        if bundle.invoice is not None and not chargeback.po_number_normalized:
            bundle.po_invoice_lines = index.po_invoice_lines(bundle.invoice, first)
    bundle.pods = index.pods
    root = bundle.invoice.root_number if bundle.invoice else invoice_root(chargeback)
    chain_numbers = [inv.number for inv in bundle.chain]
    lines = index.remittance_lines
    for number in related_numbers(chargeback, root, chain_numbers):
        found = lines.get((chargeback.account_id, number))
        if found:
            bundle.remittance_lines.extend(found)
    seen = {line.id for line in bundle.remittance_lines}
    for line in index.settlements.get((chargeback.account_id, chargeback.amazon_id), ()):
        if line.id not in seen:
            bundle.remittance_lines.append(line)
    rows = index.siblings.get((chargeback.account_id, sibling_key(chargeback)), ())
    bundle.siblings = [row for row in rows if row.id != chargeback.id]
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
    bundle.chain, bundle.chain_lines = index.chain_of(invoice)
    bundle.invoice_lines = index.invoice_lines.get(invoice.id, ())
    if chargeback.po_number_normalized:
        bundle.po_invoice_lines = index.po_invoice_lines(invoice, chargeback.po_number_normalized)


def _bills(index, invoice, asin) -> bool:
    return not asin or asin in index.invoice_asins(invoice.id)


FULL, SHORT, NONE = "full", "short", "none"


def asn_carton_count(shipment, cartons=()) -> int:
    """Cartons the ASN declared: its carton lines when loaded, else the count in its measurements."""
    return len(cartons) if cartons else (shipment.carton_count or 0)


def delivery_proof(bundle: Bundle, shipment) -> tuple[str, object]:
    """How well a carrier's proof of delivery covers a shipment: (FULL | SHORT | NONE, the best POD).

    Full: a signed POD or BOL delivering at least the ASN's cartons; short: signed, fewer cartons;
    none: no POD, or only unsigned ones (Amazon denies a shortage dispute on those). A delivery date
    on the ASN itself proves nothing: only the carrier's document does.
    """
    expected = asn_carton_count(shipment, bundle.cartons.get(shipment.id, ()))
    pods = bundle.pods.get(shipment.id, ())
    counted = [pod for pod in pods if pod.signed and pod.cartons_delivered is not None]
    if not counted:  # absent, unsigned, or signed without a carton count: nothing proven
        return NONE, pods[0] if pods else None
    best = max(counted, key=lambda pod: pod.cartons_delivered)
    return (FULL if best.cartons_delivered >= expected else SHORT), best


_ASN_SENT = str(ProofKind.ASN_TRANSMISSION)
_DELIVERED = (str(ProofKind.PROOF_OF_DELIVERY), str(ProofKind.BILL_OF_LADING))
_APPOINTMENT = str(ProofKind.CARRIER_APPOINTMENT)
_CARTONS = str(ProofKind.CARTON_DATA)
_INVOICE = str(ProofKind.INVOICE_COPY)
_PO = str(ProofKind.PO_CONFIRMATION)
_REMITTANCE = str(ProofKind.REMITTANCE)


def document_evidence(bundle: Bundle) -> set[str]:
    """Evidence kinds the synced documents already provide for this deduction."""
    found = set()
    shipments = bundle.asn_shipments()
    if shipments:
        if any(s.asn_sent_at for s in shipments):
            found.add(_ASN_SENT)
        if any(delivery_proof(bundle, s)[0] == FULL for s in shipments):
            found.update(_DELIVERED)
        if any(s.delivered_at or bundle.pods.get(s.id) for s in shipments):
            found.add(_APPOINTMENT)
        if any(bundle.cartons.get(s.id) for s in shipments):
            found.add(_CARTONS)
    if bundle.invoice is not None:
        found.add(_INVOICE)
    if bundle.po is not None:
        found.add(_PO)
    if bundle.remittance_lines:
        found.add(_REMITTANCE)
    return found


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
