"""Admin for Vendor Central documents and deductions: read-only facts, found the way people quote them.

Everything here is written by sync, so every admin is read-only (acorn_portal.admin_base). Search uses
exact (`=`) lookups on ids and references, because admin search compiles to `UPPER(col) LIKE` and a
`%term%` over a million rows is a full scan; PO numbers are also matched on their normalised column
so "po# 2jk3s9vc" finds 2JK3S9VC.
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from acorn_portal.admin_base import (
    AccountListFilter,
    AmountRangeFilter,
    MarketplaceListFilter,
    OrganizationListFilter,
    ReadOnlyFactsAdmin,
    ReadOnlyFactsHistoryAdmin,
    ReadOnlyTabularInline,
    admin_link,
    money_column,
)
from refunds import admin_alerts, admin_rules  # noqa: F401 - registers the alert and policy admins
from refunds.admin_caselist import CaseListMixin
from refunds.admin_dashboard import FigureFilter
from refunds.admin_queues import QueueFilter
from refunds.admin_workflow import ChargebackWorkflowAdminMixin
from refunds.amazon_labels import amazon_status_html, deduction_type_html
from refunds.identifiers import normalize_po_number, parse_invoice_number
from refunds.labels import type_label
from refunds.models import (
    Carton,
    Chargeback,
    Invoice,
    InvoiceLine,
    ProofOfDelivery,
    PurchaseOrder,
    PurchaseOrderItem,
    Remittance,
    RemittanceLine,
    Shipment,
    ShipmentItem,
)


class PONumberSearchMixin:
    """Search also matches `po_number_field` (a normalised column) against the normalised search term."""

    po_number_field = ""

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        normalized = normalize_po_number(search_term) if self.po_number_field else ""
        if normalized:
            # Through super() with no term, so the extra rows are scoped like the rest.
            po_matches, _unused = super().get_search_results(
                request, queryset.filter(**{self.po_number_field: normalized}), ""
            )
            results = results | po_matches
        return results, may_have_duplicates


class DeductionTypeFilter(admin.SimpleListFilter):
    """Deduction types of the chosen family.

    Offered once a family is chosen: listing the distinct types of every deduction would scan the
    whole table on each page load. Replace with the deduction-type catalogue once it is a model.
    """

    title = _("type")
    parameter_name = "deduction_type"

    def lookups(self, request, model_admin):
        family = request.GET.get("family__exact")
        if not family:
            # A type chosen earlier (or linked to) still applies: a filter without choices is not run.
            return [(self.value(), type_label(self.value()))] if self.value() else []
        types = (
            model_admin.get_queryset(request)
            .filter(family=family)
            .order_by("deduction_type")
            .values_list("deduction_type", flat=True)
            .distinct()
        )
        return [(code, type_label(code)) for code in types]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(deduction_type=self.value())


# --------------------------------------------------------------------------------------------------
# Purchase orders


class PurchaseOrderItemInline(ReadOnlyTabularInline):
    model = PurchaseOrderItem
    fields = (
        "item_sequence_number",
        "asin",
        "vendor_sku",
        "ordered_quantity",
        "ordered_unit",
        "unit_size",
        "accepted_quantity",
        "received_quantity",
        "receive_status",
        "net_cost_display",
    )
    list_select_related = ("purchase_order",)
    net_cost_display = money_column("net_cost", description=_("net cost"))


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(PONumberSearchMixin, ReadOnlyFactsAdmin):
    list_display = ("number", "account", "state", "order_type", "ordered_at", "ship_to_party", "selling_party")
    list_filter = (AccountListFilter, MarketplaceListFilter, "state", "order_type", "ordered_at")
    list_select_related = ("account",)
    search_fields = ("=number", "=selling_party", "=ship_to_party")
    search_help_text = _("PO number (any spelling), vendor code or fulfilment centre.")
    po_number_field = "number_normalized"
    inlines = (PurchaseOrderItemInline,)


@admin.register(PurchaseOrderItem)
class PurchaseOrderItemAdmin(PONumberSearchMixin, ReadOnlyFactsAdmin):
    list_display = (
        "__str__",
        "purchase_order",
        "account",
        "asin",
        "ordered_quantity",
        "received_quantity",
        "receive_status",
        "net_cost_display",
    )
    list_filter = (AccountListFilter.for_path("purchase_order__account"), "receive_status", "ordered_unit")
    list_select_related = ("purchase_order__account",)
    search_fields = ("=asin", "=vendor_sku")
    search_help_text = _("ASIN, vendor SKU or PO number.")
    po_number_field = "purchase_order__number_normalized"
    readonly_fields = ("net_cost_display",)
    net_cost_display = money_column("net_cost", description=_("net cost"))

    @admin.display(description=_("vendor account"), ordering="purchase_order__account")
    def account(self, obj):
        return obj.purchase_order.account


# --------------------------------------------------------------------------------------------------
# Shipments (ASNs)


class ShipmentItemInline(ReadOnlyTabularInline):
    model = ShipmentItem
    fields = ("item_sequence_number", "po_number", "asin", "vendor_sku", "shipped_quantity", "unit", "unit_size")
    list_select_related = ("shipment",)


class CartonInline(ReadOnlyTabularInline):
    model = Carton
    fields = ("sequence_number", "identifier_type", "identifier", "tracking_number", "contents")


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyFactsAdmin):
    list_display = (
        "shipment_id",
        "account",
        "shipment_type",
        "status",
        "amazon_reference_number",
        "bill_of_lading",
        "ship_to_party",
        "shipped_at",
        "delivered_at",
    )
    list_filter = (AccountListFilter, MarketplaceListFilter, "shipment_type", "shipped_at", "delivered_at")
    list_select_related = ("account",)
    search_fields = ("=shipment_id", "=amazon_reference_number", "=bill_of_lading", "=pro_number")
    search_help_text = _("Shipment id, ARN, BOL or PRO number.")
    inlines = (ShipmentItemInline, CartonInline)


@admin.register(ProofOfDelivery)
class ProofOfDeliveryAdmin(ReadOnlyFactsAdmin):
    """Carriers' PODs and BOLs by shipment id (they may arrive before the ASN they prove)."""

    list_display = ("shipment_id", "account", "kind", "signed", "signed_by", "delivered_at", "cartons_delivered")
    list_filter = (AccountListFilter, MarketplaceListFilter, "kind", "signed", "delivered_at")
    list_select_related = ("account",)
    search_fields = ("=shipment_id", "=bill_of_lading", "=pro_number")
    search_help_text = _("Shipment id, BOL or PRO number.")


@admin.register(ShipmentItem)
class ShipmentItemAdmin(PONumberSearchMixin, ReadOnlyFactsAdmin):
    list_display = ("__str__", "shipment", "account", "po_number", "asin", "shipped_quantity", "unit")
    list_filter = (AccountListFilter.for_path("shipment__account"), "unit")
    list_select_related = ("shipment__account",)
    search_fields = ("=asin", "=vendor_sku", "=shipment__shipment_id")
    search_help_text = _("ASIN, vendor SKU, shipment id or PO number.")
    po_number_field = "po_number_normalized"

    @admin.display(description=_("vendor account"), ordering="shipment__account")
    def account(self, obj):
        return obj.shipment.account


@admin.register(Carton)
class CartonAdmin(ReadOnlyFactsAdmin):
    list_display = ("__str__", "shipment", "account", "sequence_number", "tracking_number")
    list_filter = (AccountListFilter.for_path("shipment__account"),)
    list_select_related = ("shipment__account",)
    search_fields = ("=identifier", "=tracking_number", "=shipment__shipment_id")
    search_help_text = _("Carton label (SSCC/AMZNCC), tracking number or shipment id.")

    @admin.display(description=_("vendor account"), ordering="shipment__account")
    def account(self, obj):
        return obj.shipment.account


# --------------------------------------------------------------------------------------------------
# Invoices


class InvoiceLineInline(ReadOnlyTabularInline):
    model = InvoiceLine
    fields = ("line_number", "po_number", "asin", "vendor_sku", "quantity", "unit_cost_display", "amount_display")
    list_select_related = ("invoice",)
    unit_cost_display = money_column("unit_cost", description=_("unit cost"))
    amount_display = money_column()


@admin.register(Invoice)
class InvoiceAdmin(PONumberSearchMixin, ReadOnlyFactsAdmin):
    list_display = (
        "number",
        "account",
        "invoice_type",
        "direction",
        "invoice_date",
        "amount_display",
        "po_number",
        "status",
    )
    list_filter = (
        AccountListFilter,
        MarketplaceListFilter,
        "invoice_type",
        "direction",
        "invoice_date",
        ("amount", AmountRangeFilter),
    )
    list_select_related = ("account",)
    search_fields = ("=number", "=root_number")
    search_help_text = _("Invoice number, root invoice number or PO number.")
    po_number_field = "po_number_normalized"
    inlines = (InvoiceLineInline,)
    readonly_fields = ("amount_display", "root_invoice", "suffix_chain", "parent_invoice", "derivative_invoices")
    fieldsets = (
        (None, {"fields": ("account", "number", "invoice_type", "direction", "amount_display", "status")}),
        (_("Dates"), {"fields": ("invoice_date", "due_date")}),
        (_("Purchase order"), {"fields": ("po_number",)}),
        (
            _("Amazon's derivative chain"),
            {"fields": ("root_invoice", "suffixes", "suffix_chain", "parent_invoice", "derivative_invoices")},
        ),
        (_("Sync"), {"fields": ("created_at", "updated_at")}),
    )
    amount_display = money_column()

    def _family(self, obj) -> dict[str, Invoice]:
        """The root and every derivative of this invoice in its account, by number (one query per page)."""
        if not hasattr(obj, "_admin_family"):
            obj._admin_family = {invoice.number: invoice for invoice in obj.chain()}
        return obj._admin_family

    @admin.display(description=_("root invoice"))
    def root_invoice(self, obj):
        if not obj.suffixes:
            return gettext("This is the vendor's original invoice.")
        root = self._family(obj).get(obj.root_number)
        return admin_link(root) if root else gettext("%(number)s (not synced)") % {"number": obj.root_number}

    @admin.display(description=_("suffix chain"))
    def suffix_chain(self, obj):
        family = self._family(obj)
        numbers = parse_invoice_number(obj.number).chain()
        return format_html_join(" → ", "{}", ((admin_link(family[n], n) if n in family else n,) for n in numbers))

    @admin.display(description=_("parent"))
    def parent_invoice(self, obj):
        if obj.parent_id and obj.parent.account_id == obj.account_id:
            return admin_link(obj.parent)
        parent_number = parse_invoice_number(obj.number).parent
        if parent_number is None:
            return "—"
        parent = self._family(obj).get(parent_number)
        return admin_link(parent) if parent else gettext("%(number)s (not synced)") % {"number": parent_number}

    @admin.display(description=_("derivatives"))
    def derivative_invoices(self, obj):
        children = [
            invoice
            for number, invoice in self._family(obj).items()
            if parse_invoice_number(number).parent == obj.number
        ]
        if not children:
            return "—"
        return format_html_join(", ", "{}", ((admin_link(child),) for child in children))


@admin.register(InvoiceLine)
class InvoiceLineAdmin(PONumberSearchMixin, ReadOnlyFactsAdmin):
    list_display = ("__str__", "invoice", "account", "po_number", "asin", "quantity", "amount_display")
    list_filter = (AccountListFilter.for_path("invoice__account"), ("amount", AmountRangeFilter))
    list_select_related = ("invoice__account",)
    search_fields = ("=asin", "=vendor_sku", "=invoice__number")
    search_help_text = _("ASIN, vendor SKU, invoice number or PO number.")
    po_number_field = "po_number_normalized"
    readonly_fields = ("amount_display", "unit_cost_display")
    amount_display = money_column()
    unit_cost_display = money_column("unit_cost", description=_("unit cost"))

    @admin.display(description=_("vendor account"), ordering="invoice__account")
    def account(self, obj):
        return obj.invoice.account


# --------------------------------------------------------------------------------------------------
# Remittances


class RemittanceLineInline(ReadOnlyTabularInline):
    model = RemittanceLine
    fields = ("line_number", "invoice_number", "invoice_date", "description", "amount_display", "discount_display")
    list_select_related = ("remittance",)
    amount_display = money_column()
    discount_display = money_column("discount")


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyFactsAdmin):
    list_display = ("payment_number", "account", "payment_date", "amount_display", "payment_method")
    list_filter = (AccountListFilter, MarketplaceListFilter, "payment_date", ("amount", AmountRangeFilter))
    list_select_related = ("account",)
    search_fields = ("=payment_number", "=lines__invoice_number")
    search_help_text = _("Payment number, or an invoice or deduction number it settled.")
    inlines = (RemittanceLineInline,)
    readonly_fields = ("amount_display",)
    amount_display = money_column()


@admin.register(RemittanceLine)
class RemittanceLineAdmin(ReadOnlyFactsAdmin):
    list_display = ("__str__", "remittance", "account", "invoice_number", "invoice_date", "amount_display")
    list_filter = (AccountListFilter.for_path("remittance__account"), "invoice_date", ("amount", AmountRangeFilter))
    list_select_related = ("remittance__account",)
    search_fields = ("=invoice_number", "=remittance__payment_number")
    search_help_text = _("Invoice or deduction number, or payment number.")
    readonly_fields = ("amount_display", "discount_display")
    amount_display = money_column()
    discount_display = money_column("discount")

    @admin.display(description=_("vendor account"), ordering="remittance__account")
    def account(self, obj):
        return obj.remittance.account


# --------------------------------------------------------------------------------------------------
# Deductions


@admin.register(Chargeback)
class ChargebackAdmin(CaseListMixin, ChargebackWorkflowAdminMixin, ReadOnlyFactsHistoryAdmin):
    """The case list and the case page (workflow: refunds.admin_workflow)."""

    # Workflow columns first, and few enough to fit a 1440 px screen beside the filters: the vendor
    # account reads under the case's id, the family under the type, the deadline column reads the
    # last day, the ASIN is searched for rather than read.
    list_display = (
        "case",
        "state",
        "owner",
        "deadline",
        "deduction",
        "amount_display",
        "po_number",
        "amazon_status",
        "recommendation",
        "issue_date",
    )
    list_filter = (
        QueueFilter,
        FigureFilter,
        "state",
        OrganizationListFilter,
        AccountListFilter,
        MarketplaceListFilter,
        "family",
        DeductionTypeFilter,
        "currency",
        "recommendation",
        "issue_date",
        "due_on",
        "recovered_on",
        ("amount", AmountRangeFilter),
    )
    list_select_related = ("account", "assignee", "team")
    # Exports (acorn_portal.exports): amounts as numbers with their currency in a column of its own.
    export_fields = (
        "amazon_id",
        "account",
        "family",
        "deduction_type",
        "state",
        "amount",
        "currency",
        "issue_date",
        "due_on",
        "po_number",
        "asin",
        "invoice_number",
        "amazon_status",
        "recommendation",
        "assignee",
        "recovered_amount",
        "recovered_on",
        "written_off_amount",
    )
    # What the search looks at; it runs as `ChargebackQuerySet.find` (refunds.admin_caselist).
    search_fields = ("=amazon_id", "=amazon_dispute_id", "=asin", "=invoice_number", "=filed_case_id")
    search_help_text = _("Amazon id, dispute id, ASIN, invoice number or PO number (any spelling).")
    readonly_fields = (
        "amount_display",
        "deduction_type_shown",
        "amazon_status_shown",
        "purchase_order",
        "invoice",
        "approved_display",
        "recovered_display",
        "written_off_display",
    )
    # The decision (recommendation, checks, deadlines, what is missing) leads the case page
    # (admin/refunds/chargeback/_decision.html); the facts below are collapsed, for checking.
    fieldsets = (
        (
            _("Deduction as Amazon issued it"),
            {
                "classes": ("collapse",),
                "fields": ("account", "amazon_id", "family", "deduction_type_shown", "sub_type", "amount_display"),
            },
        ),
        (
            _("What it is about"),
            {"classes": ("collapse",), "fields": ("issue_date", "quantity", "po_number", "purchase_order", "asin")},
        ),
        (_("Invoice"), {"classes": ("collapse",), "fields": ("invoice_number", "invoice")}),
        (
            _("Amazon's status"),
            {"classes": ("collapse",), "fields": ("amazon_status_shown", "amazon_dispute_id", "description")},
        ),
        (_("Synced"), {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
        (
            _("Workflow record"),
            {
                "classes": ("collapse",),
                "fields": (
                    ("state", "state_changed_at"),
                    ("assignee", "team", "assigned_at"),
                    ("prepared_by", "prepared_at", "requires_second_approval"),
                    ("approved_by", "approved_at"),
                    ("second_approved_by", "second_approved_at"),
                    ("dispute_round", "filed_case_id", "filed_on"),
                    ("approved_display", "recovered_display", "recovered_on", "recovery_reference"),
                    ("written_off_display", "resolution_reason", "decided_at"),
                    ("disputable_from", "due_on", "target_on", "recommendation"),
                ),
            },
        ),
    )
    amount_display = money_column()
    approved_display = money_column("amazon_approved_amount", description=_("Amazon approved"))

    @admin.display(description=_("Amazon id"), ordering="amazon_id")
    def case(self, obj):
        """The case's id, its vendor account beneath."""
        return format_html('{}<span class="case-account">{}</span>', obj.amazon_id, obj.account)

    @admin.display(description=_("deduction"))
    def deduction(self, obj):
        """The type in words, its family beneath ("Price claim (PPV)" / "Price claim")."""
        return format_html(
            '{}<span class="case-family">{}</span>', type_label(obj.deduction_type), obj.get_family_display()
        )

    recovered_display = money_column("recovered_amount", description=_("recovered"))
    written_off_display = money_column("written_off_amount", description=_("written off"))

    @admin.display(description=_("deduction type"))
    def deduction_type_shown(self, obj):
        """Amazon's code as received, our label beside it (refunds.amazon_labels)."""
        return deduction_type_html(obj.deduction_type)

    @admin.display(description=_("Amazon's status"))
    def amazon_status_shown(self, obj):
        return amazon_status_html(obj.amazon_status) or "—"

    @admin.display(description=_("purchase order in ACORN"))
    def purchase_order(self, obj):
        if not obj.po_number_normalized:
            return "—"
        match = PurchaseOrder.objects.filter(account_id=obj.account_id, number_normalized=obj.po_number_normalized)
        return admin_link(match.first(), None, missing=gettext("not synced"))

    @admin.display(description=_("invoice in ACORN"))
    def invoice(self, obj):
        if not obj.invoice_number:
            return "—"
        match = Invoice.objects.filter(account_id=obj.account_id, number=obj.invoice_number.strip().upper())
        return admin_link(match.first(), None, missing=gettext("not synced"))
