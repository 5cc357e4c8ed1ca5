"""Vendor Central documents: purchase orders, shipments (ASNs), invoices and remittances.

Field names follow the SP-API models (docs/AMAZON.md, § spapi) so that a reader who knows Amazon's
payloads recognises them. Each document has a natural key unique per vendor account, which is what
makes every re-sync an upsert.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from acorn_portal.money import CURRENCY_CHOICES
from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import (
    DeliveryDocumentKind,
    Direction,
    InvoiceDateSource,
    InvoiceType,
    PurchaseOrderState,
    PurchaseOrderType,
    QuantityUnit,
    ReceiveStatus,
    ShipmentType,
)
from refunds.identifiers import direction_for_amount, normalize_po_number, parse_invoice_number
from refunds.models.base import AccountDocument, MoneyField, validate_money


class DocumentLine(models.Model):
    """A line of a document; its account and currency are its parent's."""

    parent_field = ""
    money_fields: tuple[tuple[str, str], ...] = ()
    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        parent = getattr(self, self.parent_field, None)
        validate_money(self, parent.account.currency if parent is not None else None)


class PurchaseOrder(AccountDocument):
    """An Amazon purchase order (SP-API `Order`)."""

    number = models.CharField(max_length=32, help_text=_("purchaseOrderNumber as Amazon prints it."))
    number_normalized = models.CharField(max_length=32, editable=False)
    state = models.CharField(max_length=20, choices=PurchaseOrderState.choices)
    order_type = models.CharField(max_length=30, choices=PurchaseOrderType.choices, blank=True)
    ordered_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    ship_window_start = models.DateTimeField(null=True, blank=True)
    ship_window_end = models.DateTimeField(null=True, blank=True)
    delivery_window_start = models.DateTimeField(null=True, blank=True)
    delivery_window_end = models.DateTimeField(null=True, blank=True)
    selling_party = models.CharField(max_length=20, blank=True, help_text=_("Vendor code Amazon ordered from."))
    buying_party = models.CharField(max_length=20, blank=True)
    ship_to_party = models.CharField(max_length=20, blank=True, help_text=_("Fulfilment centre code."))
    payment_method = models.CharField(max_length=20, blank=True)
    deal_code = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "number"], name="unique_po_per_account")]
        indexes = [models.Index(fields=["account", "number_normalized"]), models.Index(fields=["ordered_at"])]
        ordering = ["-ordered_at"]

    def __str__(self):
        return f"PO {self.number}"

    def save(self, *args, **kwargs):
        self.number_normalized = normalize_po_number(self.number)
        super().save(*args, **kwargs)


class PurchaseOrderItem(DocumentLine):
    """A PO line with Amazon's receiving status for it (the only goods receipt SP-API gives)."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="items")
    item_sequence_number = models.CharField(max_length=10)
    asin = models.CharField("ASIN", max_length=10, blank=True)
    vendor_sku = models.CharField("vendor SKU", max_length=64, blank=True)
    ordered_quantity = models.PositiveIntegerField()
    ordered_unit = models.CharField(max_length=10, choices=QuantityUnit.choices, default=QuantityUnit.EACHES)
    unit_size = models.PositiveIntegerField(default=1, help_text=_("Eaches per case when ordered in cases."))
    accepted_quantity = models.PositiveIntegerField(null=True, blank=True)
    net_cost = MoneyField(help_text=_("Net cost per unit of measure."))
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    list_price = MoneyField(null=True, blank=True)
    receive_status = models.CharField(max_length=20, choices=ReceiveStatus.choices, blank=True)
    received_quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Eaches received (cases converted when read); empty: Amazon has not said.")
    )
    received_unit = models.CharField(
        max_length=10, choices=QuantityUnit.choices, blank=True, help_text=_("The unit Amazon reported receipts in.")
    )
    received_unit_size = models.PositiveIntegerField(null=True, blank=True, help_text=_("Eaches per case as reported."))
    last_received_at = models.DateTimeField(null=True, blank=True)

    parent_field = "purchase_order"
    tenant_path = "purchase_order__account__organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "item_sequence_number"], name="unique_po_item")
        ]
        indexes = [models.Index(fields=["asin"])]
        ordering = ["purchase_order", "item_sequence_number"]

    def __str__(self):
        return f"{self.purchase_order.number} #{self.item_sequence_number} {self.asin}"

    @property
    def ordered_eaches(self) -> int:
        return self.ordered_quantity * (self.unit_size if self.ordered_unit == QuantityUnit.CASES else 1)


class Shipment(AccountDocument):
    """A shipment and its advance shipment notice (ASN) as sent to Amazon."""

    shipment_id = models.CharField(max_length=64, help_text=_("shipmentIdentifier / vendorShipmentIdentifier."))
    shipment_type = models.CharField(max_length=20, choices=ShipmentType.choices, blank=True)
    status = models.CharField(max_length=30, blank=True)
    amazon_reference_number = models.CharField("ARN", max_length=40, blank=True)
    bill_of_lading = models.CharField("BOL", max_length=40, blank=True)
    pro_number = models.CharField("PRO", max_length=40, blank=True)
    carrier_scac = models.CharField("SCAC", max_length=10, blank=True)
    carrier_name = models.CharField(max_length=100, blank=True)
    ship_from_party = models.CharField(max_length=40, blank=True)
    ship_to_party = models.CharField(max_length=20, blank=True, help_text=_("Fulfilment centre code."))
    asn_sent_at = models.DateTimeField(null=True, blank=True, help_text=_("shipmentConfirmationDate."))
    shipped_at = models.DateTimeField(null=True, blank=True)
    estimated_delivery_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    carton_count = models.PositiveIntegerField(null=True, blank=True)
    pallet_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "shipment_id"], name="unique_shipment_per_account")]
        indexes = [
            models.Index(fields=["amazon_reference_number"]),
            models.Index(fields=["bill_of_lading"]),
            models.Index(fields=["shipped_at"]),
        ]
        ordering = ["-shipped_at"]

    def __str__(self):
        return f"Shipment {self.shipment_id}"


class ShipmentItem(DocumentLine):
    """A line of an ASN: what was shipped against which PO line."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    item_sequence_number = models.CharField(max_length=10)
    po_number = models.CharField("PO number", max_length=32, blank=True)
    po_number_normalized = models.CharField(max_length=32, editable=False, db_index=True)
    asin = models.CharField("ASIN", max_length=10, blank=True, db_index=True)
    vendor_sku = models.CharField(
        "vendor SKU", max_length=64, blank=True, help_text=_("vendorProductIdentifier: the vendor's SKU or the GTIN.")
    )
    asin_from_po = models.BooleanField(
        "ASIN from the PO", default=False, help_text=_("The line named only a GTIN; the ASIN is the PO item's with it.")
    )
    shipped_quantity = models.PositiveIntegerField()
    unit = models.CharField(max_length=10, choices=QuantityUnit.choices, default=QuantityUnit.EACHES)
    unit_size = models.PositiveIntegerField(default=1)

    parent_field = "shipment"
    tenant_path = "shipment__account__organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shipment", "item_sequence_number"], name="unique_shipment_item")
        ]
        ordering = ["shipment", "item_sequence_number"]

    def __str__(self):
        return f"{self.shipment.shipment_id} #{self.item_sequence_number} {self.asin}"

    def save(self, *args, **kwargs):
        self.po_number_normalized = normalize_po_number(self.po_number)
        super().save(*args, **kwargs)

    @property
    def shipped_eaches(self) -> int:
        return self.shipped_quantity * (self.unit_size if self.unit == QuantityUnit.CASES else 1)


class Carton(DocumentLine):
    """A carton of a shipment with its label (SSCC or AMZNCC) and contents as declared in the ASN."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="cartons")
    sequence_number = models.PositiveIntegerField()
    identifier_type = models.CharField(max_length=10, blank=True, help_text=_("SSCC, AMZNCC, GTIN, BPS or CID."))
    identifier = models.CharField(max_length=40, blank=True, db_index=True)
    tracking_number = models.CharField(max_length=60, blank=True)
    contents = models.JSONField(
        default=list, blank=True, help_text='Declared contents: [{"item_sequence_number": "1", "quantity": 12}].'
    )

    parent_field = "shipment"
    tenant_path = "shipment__account__organization"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shipment", "sequence_number"], name="unique_carton")]
        ordering = ["shipment", "sequence_number"]

    def __str__(self):
        return f"{self.identifier_type} {self.identifier}".strip() or f"Carton {self.sequence_number}"


class Invoice(AccountDocument):
    """An invoice or one of the derivative documents Amazon builds on it (`…SC`, `…SCR`, …)."""

    number = models.CharField(max_length=64)
    root_number = models.CharField(max_length=64, editable=False, help_text=_("The vendor's original invoice."))
    suffixes = models.CharField(max_length=64, blank=True, editable=False, help_text=_("Amazon's suffix chain."))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derivatives", editable=False
    )
    invoice_type = models.CharField(max_length=20, choices=InvoiceType.choices, default=InvoiceType.INVOICE)
    direction = models.CharField(max_length=10, choices=Direction.choices, editable=False)
    invoice_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    po_number = models.CharField("PO number", max_length=32, blank=True)
    po_number_normalized = models.CharField(max_length=32, editable=False, db_index=True)
    amount = MoneyField(help_text=_("Invoice total; negative for amounts Amazon takes back."))
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=40, blank=True, help_text=_("Amazon's invoice status."))
    date_source = models.CharField(
        max_length=20, choices=InvoiceDateSource.choices, blank=True, help_text=_("Who stated invoice_date.")
    )
    pushed_at = models.DateTimeField(null=True, blank=True, help_text=_("The invoice timestamp the vendor pushed."))
    pushed_date = models.DateField(
        null=True,
        blank=True,
        help_text=_("Its date in the marketplace's time zone (kept even when VC's date differs)."),
    )
    pushed_due_date = models.DateField(null=True, blank=True, help_text=_("The due date the vendor pushed."))

    money_fields = (("amount", "currency"),)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "number"], name="unique_invoice_per_account")]
        indexes = [models.Index(fields=["account", "root_number"]), models.Index(fields=["invoice_date"])]
        ordering = ["-invoice_date", "number"]

    def __str__(self):
        return f"Invoice {self.number}"

    def save(self, *args, **kwargs):
        parsed = parse_invoice_number(self.number)
        self.number = parsed.number
        self.root_number = parsed.root
        self.suffixes = "".join(parsed.suffixes)
        self.direction = direction_for_amount(self.amount)
        self.po_number_normalized = normalize_po_number(self.po_number)
        super().save(*args, **kwargs)

    @property
    def date_conflict(self) -> str:
        """A sentence when the vendor's pushed dates disagree with Vendor Central's (VC's date counts)."""
        if self.date_source != InvoiceDateSource.VENDOR_CENTRAL:
            return ""
        said = []
        if self.pushed_date and self.pushed_date != self.invoice_date:
            said.append(f"invoice date {self.pushed_date} (Vendor Central: {self.invoice_date})")
        if self.pushed_due_date and self.due_date and self.pushed_due_date != self.due_date:
            said.append(f"due date {self.pushed_due_date} (Vendor Central: {self.due_date})")
        return f"The vendor pushed {' and '.join(said)}; Vendor Central's dates are used." if said else ""

    def chain(self):
        """The root invoice and all its derivatives, oldest first."""
        return Invoice.objects.filter(account_id=self.account_id, root_number=self.root_number).order_by(
            "suffixes", "number"
        )


class InvoiceLine(DocumentLine):
    """A line of an invoice: quantity and unit cost of one item against one PO."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    po_number = models.CharField("PO number", max_length=32, blank=True)
    po_number_normalized = models.CharField(max_length=32, editable=False, db_index=True)
    asin = models.CharField("ASIN", max_length=10, blank=True, db_index=True)
    vendor_sku = models.CharField("vendor SKU", max_length=64, blank=True)
    quantity = models.IntegerField(help_text=_("Invoiced units; negative on credit lines."))
    unit_cost = MoneyField()
    amount = MoneyField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)

    parent_field = "invoice"
    money_fields = (("amount", "currency"),)
    tenant_path = "invoice__account__organization"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "line_number"], name="unique_invoice_line")]
        ordering = ["invoice", "line_number"]

    def __str__(self):
        return f"{self.invoice.number} line {self.line_number}"

    def save(self, *args, **kwargs):
        self.po_number_normalized = normalize_po_number(self.po_number)
        super().save(*args, **kwargs)


class Remittance(AccountDocument):
    """A payment Amazon made to the vendor, net of the deductions listed in its lines."""

    payment_number = models.CharField(max_length=64)
    payment_date = models.DateField()
    amount = MoneyField(help_text=_("Net amount paid."))
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    payment_method = models.CharField(max_length=40, blank=True)

    money_fields = (("amount", "currency"),)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "payment_number"], name="unique_remittance_per_account")
        ]
        indexes = [models.Index(fields=["payment_date"])]
        ordering = ["-payment_date"]

    def __str__(self):
        return f"Payment {self.payment_number}"


class RemittanceLine(DocumentLine):
    """One invoice or deduction settled by a payment; negative amounts are deductions."""

    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    invoice_number = models.CharField(max_length=64, db_index=True)
    invoice_date = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)
    chargeback_id = models.CharField(
        "chargeback issue id",
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("The Issue ID of the chargeback a `<id>VCBSINV`/`VCBSINVR` line settles."),
    )
    amount = MoneyField(help_text=_("Amount paid against this document; negative for a deduction."))
    discount = MoneyField(default=0)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)

    parent_field = "remittance"
    money_fields = (("amount", "currency"), ("discount", "currency"))
    tenant_path = "remittance__account__organization"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["remittance", "line_number"], name="unique_remittance_line")]
        ordering = ["remittance", "line_number"]

    def __str__(self):
        return f"{self.remittance.payment_number} line {self.line_number}: {self.invoice_number}"


class ProofOfDelivery(AccountDocument):
    """A carrier's proof of delivery (POD) or bill of lading (BOL) for one shipment.

    A document of its own, keyed by the shipment identifier rather than linked to the `Shipment`, so
    it may arrive before or after the ASN. It proves delivery only when signed, and proves every
    carton only when `cartons_delivered` reaches the ASN's carton count (`covers_cartons`).
    """

    shipment_id = models.CharField(max_length=64, help_text=_("shipmentIdentifier of the ASN it proves."))
    kind = models.CharField(max_length=3, choices=DeliveryDocumentKind.choices, default=DeliveryDocumentKind.POD)
    signed = models.BooleanField(default=False, help_text=_("Signed by the receiving site."))
    signed_by = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cartons_delivered = models.PositiveIntegerField(null=True, blank=True)
    po_numbers = models.JSONField(default=list, blank=True, help_text=_("PO numbers the document names, as written."))
    bill_of_lading = models.CharField("BOL", max_length=40, blank=True, help_text=_("Small parcels have none."))
    pro_number = models.CharField("PRO", max_length=40, blank=True)
    carrier_scac = models.CharField("SCAC", max_length=10, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "shipment_id", "kind"], name="unique_proof_per_shipment_kind")
        ]
        verbose_name_plural = _("proofs of delivery")
        ordering = ["-delivered_at"]

    def __str__(self):
        return f"{self.kind} {self.shipment_id}"

    def covers_cartons(self, carton_count: int | None) -> bool:
        """Signed, and at least as many cartons delivered as the ASN declared."""
        if not self.signed or self.cartons_delivered is None or carton_count is None:
            return False
        return self.cartons_delivered >= carton_count
