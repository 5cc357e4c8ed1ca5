"""The Vendor Central documents a case refers to, found by PO and invoice number.

This is the plain lookup the case page and the dispute packet show; the matching service of the
rules engine reconciles quantities and amounts on top of it.
"""

from dataclasses import dataclass, field

from refunds.identifiers import parse_invoice_number
from refunds.models import Chargeback, Invoice, PurchaseOrder, RemittanceLine, Shipment


@dataclass
class RelatedDocuments:
    purchase_orders: list = field(default_factory=list)
    shipments: list = field(default_factory=list)
    invoices: list = field(default_factory=list)
    remittance_lines: list = field(default_factory=list)

    def __bool__(self):
        return any((self.purchase_orders, self.shipments, self.invoices, self.remittance_lines))


def related_documents(case: Chargeback, *, limit: int = 20) -> RelatedDocuments:
    """POs, shipments (ASNs), invoices and remittance lines of the case's account that it names."""
    found = RelatedDocuments()
    account = case.account_id
    po = case.po_number_normalized
    if po:
        found.purchase_orders = list(PurchaseOrder.objects.filter(account_id=account, number_normalized=po)[:limit])
        found.shipments = list(
            Shipment.objects.filter(account_id=account, items__po_number_normalized=po).distinct()[:limit]
        )
    invoice_filter = None
    if case.invoice_number:
        root = parse_invoice_number(case.invoice_number).root
        invoice_filter = Invoice.objects.filter(account_id=account, root_number=root)
    if po:
        by_po = Invoice.objects.filter(account_id=account, po_number_normalized=po)
        invoice_filter = by_po if invoice_filter is None else invoice_filter | by_po
    if invoice_filter is not None:
        found.invoices = list(invoice_filter.distinct().order_by("invoice_date", "number")[:limit])
    numbers = {n for n in (case.amazon_id, case.invoice_number) if n}
    numbers |= {invoice.number for invoice in found.invoices}
    found.remittance_lines = list(
        RemittanceLine.objects.filter(remittance__account_id=account, invoice_number__in=numbers)
        .select_related("remittance")
        .order_by("remittance__payment_date")[:limit]
    )
    return found


def recovery_candidates(case: Chargeback, *, recent: int = 50):
    """Remittance credit lines that could carry this case's recovery (same account and currency).

    Lines that name the deduction or its invoices come first; then the account's latest credits,
    because Amazon often pays a dispute under a reference of its own that names neither.
    """
    named = [
        line for line in related_documents(case).remittance_lines if line.amount > 0 and line.currency == case.currency
    ]
    seen = {line.pk for line in named}
    latest = (
        RemittanceLine.objects.filter(remittance__account_id=case.account_id, currency=case.currency, amount__gt=0)
        .exclude(pk__in=seen)
        .select_related("remittance")
        .order_by("-remittance__payment_date", "-pk")[:recent]
    )
    return named + list(latest)
