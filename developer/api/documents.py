"""`/api/v1/documents/...`: Vendor Central documents, read; and bulk upserts of what an ERP owns.

Reads: purchase orders, shipments (ASNs, with items and cartons), receipts (Amazon's receiving
status per PO line), invoices, remittances. Writes: `shipments/bulk/`, `invoices/bulk/`,
`proofs-of-delivery/bulk/` and `coop-agreements/bulk/` take `{"account": id, "items": [...]}` and
answer with each item's outcome (200 when all went in, 207 when some were rejected), idempotent by
natural key.
"""

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from acorn_portal.models import VendorAccount
from acorn_portal.money import CURRENCY_CHOICES
from developer.api.base import ApiViewSet
from developer.api.money import money, money_field, page_of
from developer.api.pagination import page_size_parameter
from developer.api.parsers import OrjsonParser
from developer.api.problems import invalid_params
from developer.scopes import Scope
from developer.services import documents as bulk
from refunds.choices import CoopBase, DeliveryDocumentKind, InvoiceDateSource, InvoiceType, QuantityUnit, ShipmentType
from refunds.models import Invoice, PurchaseOrder, PurchaseOrderItem, Remittance, Shipment
from refunds.services.records import (
    CartonRecord,
    CoopAgreementRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    ProofOfDeliveryRecord,
    ShipmentItemRecord,
    ShipmentRecord,
)

# --------------------------------------------------------------------------------------------------
# Documentation of the representations (rendered from .values() rows by the viewsets' to_item)


class PurchaseOrderItemOut(serializers.Serializer):
    item_sequence_number = serializers.CharField()
    asin = serializers.CharField()
    vendor_sku = serializers.CharField()
    ordered_quantity = serializers.IntegerField()
    ordered_unit = serializers.CharField()
    unit_size = serializers.IntegerField()
    accepted_quantity = serializers.IntegerField(allow_null=True)
    net_cost = money_field()
    currency = serializers.CharField()
    receive_status = serializers.CharField()
    received_quantity = serializers.IntegerField(allow_null=True)
    last_received_at = serializers.DateTimeField(allow_null=True)


class PurchaseOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    order_type = serializers.CharField()
    ordered_at = serializers.DateTimeField()
    ship_window_start = serializers.DateTimeField(allow_null=True)
    ship_window_end = serializers.DateTimeField(allow_null=True)
    delivery_window_start = serializers.DateTimeField(allow_null=True)
    delivery_window_end = serializers.DateTimeField(allow_null=True)
    selling_party = serializers.CharField()
    ship_to_party = serializers.CharField()
    updated_at = serializers.DateTimeField()


class PurchaseOrderDetailOut(PurchaseOrderOut):
    items = PurchaseOrderItemOut(many=True)


class ReceiptOut(PurchaseOrderItemOut):
    id = serializers.IntegerField()
    account = serializers.IntegerField()
    po_number = serializers.CharField()


class ShipmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField()
    shipment_id = serializers.CharField()
    shipment_type = serializers.CharField()
    status = serializers.CharField()
    amazon_reference_number = serializers.CharField()
    bill_of_lading = serializers.CharField()
    pro_number = serializers.CharField()
    carrier_scac = serializers.CharField()
    carrier_name = serializers.CharField()
    ship_from_party = serializers.CharField()
    ship_to_party = serializers.CharField()
    asn_sent_at = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    estimated_delivery_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    carton_count = serializers.IntegerField(allow_null=True)
    pallet_count = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField()


class ShipmentItemOut(serializers.Serializer):
    item_sequence_number = serializers.CharField()
    po_number = serializers.CharField()
    asin = serializers.CharField()
    vendor_sku = serializers.CharField()
    shipped_quantity = serializers.IntegerField()
    unit = serializers.CharField()
    unit_size = serializers.IntegerField()


class CartonOut(serializers.Serializer):
    sequence_number = serializers.IntegerField()
    identifier_type = serializers.CharField()
    identifier = serializers.CharField()
    tracking_number = serializers.CharField()
    contents = serializers.ListField(child=serializers.DictField())


class ShipmentDetailOut(ShipmentOut):
    items = ShipmentItemOut(many=True)
    cartons = CartonOut(many=True)


class InvoiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField()
    number = serializers.CharField()
    root_number = serializers.CharField()
    invoice_type = serializers.CharField()
    direction = serializers.CharField()
    invoice_date = serializers.DateField()
    due_date = serializers.DateField(allow_null=True)
    po_number = serializers.CharField()
    amount = money_field()
    currency = serializers.CharField()
    status = serializers.CharField()
    updated_at = serializers.DateTimeField()


class InvoiceLineOut(serializers.Serializer):
    line_number = serializers.IntegerField()
    po_number = serializers.CharField()
    asin = serializers.CharField()
    vendor_sku = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_cost = money_field()
    amount = money_field()
    currency = serializers.CharField()


class InvoiceDetailOut(InvoiceOut):
    lines = InvoiceLineOut(many=True)


class RemittanceOut(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField()
    payment_number = serializers.CharField()
    payment_date = serializers.DateField()
    amount = money_field()
    currency = serializers.CharField()
    payment_method = serializers.CharField()
    updated_at = serializers.DateTimeField()


class RemittanceLineOut(serializers.Serializer):
    line_number = serializers.IntegerField()
    invoice_number = serializers.CharField()
    invoice_date = serializers.DateField(allow_null=True)
    description = serializers.CharField()
    amount = money_field()
    discount = money_field()
    currency = serializers.CharField()


class RemittanceDetailOut(RemittanceOut):
    lines = RemittanceLineOut(many=True)


# --------------------------------------------------------------------------------------------------
# Reading


def _page_params():
    return [
        OpenApiParameter("account", OpenApiTypes.INT, description="Vendor account id."),
        OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="Changed at or after (ISO 8601)."),
        OpenApiParameter("cursor", OpenApiTypes.STR),
        page_size_parameter(),
        OpenApiParameter("ordering", OpenApiTypes.STR, enum=["id", "-id", "updated_at", "-updated_at"]),
    ]


class DocumentListViewSet(ApiViewSet):
    """List (cursor pages of `.values()` rows) of one document model."""

    model = None
    account_path = "account_id"
    list_fields: tuple[str, ...] = ()
    # query parameter → lookup, beyond `account` and `updated_since`
    filters: dict[str, str] = {}
    ordering_fields = {"id": "id", "updated_at": "updated_at"}
    default_ordering = "-id"
    lookup_value_regex = r"[0-9]+"
    required_scopes = {"list": Scope.DOCUMENTS_READ, "retrieve": Scope.DOCUMENTS_READ}

    def get_queryset(self):
        return self.scoped(self.model.objects.all())

    def filtered(self):
        queryset = self.get_queryset()
        params = self.request.query_params
        lookups = {"account": self.account_path, "updated_since": "updated_at__gte", **self.filters}
        for param, lookup in lookups.items():
            value = params.get(param)
            if value not in (None, ""):
                queryset = queryset.filter(**{lookup: self.clean(param, value)})
        return queryset

    def clean(self, param, value):
        fields = {"account": serializers.IntegerField(), "updated_since": serializers.DateTimeField()}
        field = fields.get(param, serializers.CharField())
        try:
            return field.run_validation(value)
        except serializers.ValidationError as exc:
            raise ValidationError({param: exc.detail}) from None

    def list(self, request):
        return self.keyset_page(self.filtered().values(*self.list_fields), self.to_item)

    def to_item(self, row):
        return row


class DocumentViewSet(DocumentListViewSet):
    """List and detail (with lines) of one document model."""

    def retrieve(self, request, pk=None):
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise NotFound(f"No such {self.model._meta.verbose_name}.")
        return Response(self.represent(obj))

    def represent(self, obj):
        row = {name: getattr(obj, name) for name in self.list_fields}
        return self.to_item(row)


def _lines(queryset, fields, money_fields=()):
    items = []
    for row in queryset.values(*fields):
        for amount in money_fields:
            row[amount] = money(row[amount], row["currency"])
        items.append(row)
    return items


PO_FIELDS = ("id", "account_id", "number", "state", "order_type", "ordered_at", "ship_window_start",
             "ship_window_end", "delivery_window_start", "delivery_window_end", "selling_party", "ship_to_party",
             "updated_at")  # fmt: skip
PO_ITEM_FIELDS = ("item_sequence_number", "asin", "vendor_sku", "ordered_quantity", "ordered_unit", "unit_size",
                  "accepted_quantity", "net_cost", "currency", "receive_status", "received_quantity",
                  "last_received_at")  # fmt: skip


@extend_schema_view(
    list=extend_schema(responses=page_of(PurchaseOrderOut, "PurchaseOrder")),
    retrieve=extend_schema(responses=PurchaseOrderDetailOut),
)
class PurchaseOrderViewSet(DocumentViewSet):
    model = PurchaseOrder
    list_fields = PO_FIELDS
    filters = {"number": "number"}

    def to_item(self, row):
        return {**row, "account": row.pop("account_id")}

    @extend_schema(parameters=_page_params() + [OpenApiParameter("number", OpenApiTypes.STR)])
    def list(self, request):
        return super().list(request)

    def represent(self, obj):
        item = super().represent(obj)
        item["items"] = _lines(obj.items.all(), PO_ITEM_FIELDS, ("net_cost",))
        return item


SHIPMENT_FIELDS = ("id", "account_id", "shipment_id", "shipment_type", "status", "amazon_reference_number",
                   "bill_of_lading", "pro_number", "carrier_scac", "carrier_name", "ship_from_party", "ship_to_party",
                   "asn_sent_at", "shipped_at", "estimated_delivery_at", "delivered_at", "carton_count",
                   "pallet_count", "updated_at")  # fmt: skip


@extend_schema_view(
    list=extend_schema(responses=page_of(ShipmentOut, "Shipment")),
    retrieve=extend_schema(responses=ShipmentDetailOut),
)
class ShipmentViewSet(DocumentViewSet):
    model = Shipment
    list_fields = SHIPMENT_FIELDS
    filters = {"shipment_id": "shipment_id", "po": "items__po_number_normalized"}
    required_scopes = {**DocumentListViewSet.required_scopes, "bulk": Scope.DOCUMENTS_WRITE}

    def filtered(self):
        return super().filtered().distinct()

    def to_item(self, row):
        return {**row, "account": row.pop("account_id")}

    @extend_schema(parameters=_page_params() + [OpenApiParameter("shipment_id", OpenApiTypes.STR)])
    def list(self, request):
        return super().list(request)

    def represent(self, obj):
        item = super().represent(obj)
        item["items"] = list(
            obj.items.values(
                "item_sequence_number", "po_number", "asin", "vendor_sku", "shipped_quantity", "unit", "unit_size"
            )  # fmt: skip
        )
        item["cartons"] = list(
            obj.cartons.values("sequence_number", "identifier_type", "identifier", "tracking_number", "contents")
        )
        return item


@extend_schema_view(
    list=extend_schema(responses=page_of(ReceiptOut, "Receipt")),
)
class ReceiptViewSet(DocumentListViewSet):
    """Amazon's receiving status per purchase-order line (what it says it received)."""

    model = PurchaseOrderItem
    account_path = "purchase_order__account_id"
    list_fields = ("id", "purchase_order__number", "purchase_order__account_id", *PO_ITEM_FIELDS)
    filters = {"po": "purchase_order__number", "asin": "asin", "receive_status": "receive_status"}
    ordering_fields = {"id": "id"}
    required_scopes = {"list": Scope.DOCUMENTS_READ}

    def get_queryset(self):
        return self.scoped(PurchaseOrderItem.objects.all())

    def filtered(self):
        params = self.request.query_params
        queryset = self.get_queryset()
        # A receipt line is written with its purchase order, whose updated_at moves then.
        lookups = {"account": self.account_path, "updated_since": "purchase_order__updated_at__gte", **self.filters}
        for param, lookup in lookups.items():
            value = params.get(param)
            if value not in (None, ""):
                queryset = queryset.filter(**{lookup: self.clean(param, value)})
        return queryset

    def to_item(self, row):
        row["po_number"] = row.pop("purchase_order__number")
        row["account"] = row.pop("purchase_order__account_id")
        row["net_cost"] = money(row["net_cost"], row["currency"])
        return row

    @extend_schema(
        parameters=[
            OpenApiParameter("account", OpenApiTypes.INT),
            OpenApiParameter("po", OpenApiTypes.STR),
            OpenApiParameter("asin", OpenApiTypes.STR),
            OpenApiParameter("receive_status", OpenApiTypes.STR),
            OpenApiParameter(
                "updated_since", OpenApiTypes.DATETIME, description="Its purchase order changed at or after (ISO 8601)."
            ),
            OpenApiParameter("cursor", OpenApiTypes.STR),
            page_size_parameter(),
        ]
    )
    def list(self, request):
        return super().list(request)


INVOICE_FIELDS = ("id", "account_id", "number", "root_number", "invoice_type", "direction", "invoice_date", "due_date",
                  "po_number", "amount", "currency", "status", "updated_at")  # fmt: skip


@extend_schema_view(
    list=extend_schema(responses=page_of(InvoiceOut, "Invoice")),
    retrieve=extend_schema(responses=InvoiceDetailOut),
)
class InvoiceViewSet(DocumentViewSet):
    model = Invoice
    list_fields = INVOICE_FIELDS
    filters = {"number": "number", "po": "po_number_normalized"}
    required_scopes = {**DocumentListViewSet.required_scopes, "bulk": Scope.DOCUMENTS_WRITE}

    def to_item(self, row):
        row["account"] = row.pop("account_id")
        row["amount"] = money(row["amount"], row["currency"])
        return row

    @extend_schema(parameters=_page_params() + [OpenApiParameter("number", OpenApiTypes.STR)])
    def list(self, request):
        return super().list(request)

    def represent(self, obj):
        item = super().represent(obj)
        fields = ("line_number", "po_number", "asin", "vendor_sku", "quantity", "unit_cost", "amount", "currency")
        item["lines"] = _lines(obj.lines.all(), fields, ("unit_cost", "amount"))
        return item


@extend_schema_view(
    list=extend_schema(responses=page_of(RemittanceOut, "Remittance")),
    retrieve=extend_schema(responses=RemittanceDetailOut),
)
class RemittanceViewSet(DocumentViewSet):
    model = Remittance
    list_fields = ("id", "account_id", "payment_number", "payment_date", "amount", "currency", "payment_method",
                   "updated_at")  # fmt: skip
    filters = {"payment_number": "payment_number"}

    def to_item(self, row):
        row["account"] = row.pop("account_id")
        row["amount"] = money(row["amount"], row["currency"])
        return row

    @extend_schema(parameters=_page_params() + [OpenApiParameter("payment_number", OpenApiTypes.STR)])
    def list(self, request):
        return super().list(request)

    def represent(self, obj):
        item = super().represent(obj)
        fields = ("line_number", "invoice_number", "invoice_date", "description", "amount", "discount", "currency")
        item["lines"] = _lines(obj.lines.all(), fields, ("amount", "discount"))
        return item


# --------------------------------------------------------------------------------------------------
# Bulk upserts


class ShipmentItemIn(serializers.Serializer):
    item_sequence_number = serializers.CharField(max_length=10)
    shipped_quantity = serializers.IntegerField(min_value=0)
    po_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    asin = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="amazonProductIdentifier. May be left out when vendor_sku is the GTIN: the PO item's ASIN is used.",
    )
    vendor_sku = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="vendorProductIdentifier (SKU or GTIN)."
    )
    unit = serializers.ChoiceField(choices=QuantityUnit.choices, required=False, default=QuantityUnit.EACHES)
    unit_size = serializers.IntegerField(min_value=1, required=False, default=1)


class CartonIn(serializers.Serializer):
    sequence_number = serializers.IntegerField(min_value=1)
    identifier_type = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    identifier = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    tracking_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    contents = serializers.ListField(child=serializers.DictField(), required=False, default=list)


class ShipmentIn(serializers.Serializer):
    shipment_id = serializers.CharField(max_length=64)
    shipment_type = serializers.ChoiceField(choices=ShipmentType.choices, required=False, allow_blank=True, default="")
    status = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    amazon_reference_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    bill_of_lading = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    pro_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    carrier_scac = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    carrier_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    ship_from_party = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    ship_to_party = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    asn_sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    shipped_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    estimated_delivery_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    carton_count = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    pallet_count = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    items = ShipmentItemIn(many=True, required=False, default=list)
    cartons = CartonIn(many=True, required=False, default=list)

    def record(self) -> ShipmentRecord:
        data = dict(self.validated_data)
        items = [ShipmentItemRecord(**item) for item in data.pop("items")]
        cartons = [CartonRecord(**carton) for carton in data.pop("cartons")]
        return ShipmentRecord(**data, items=items, cartons=cartons)


class InvoiceLineIn(serializers.Serializer):
    line_number = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField()
    unit_cost = serializers.DecimalField(max_digits=18, decimal_places=4)
    amount = serializers.DecimalField(max_digits=18, decimal_places=4)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    po_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    asin = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    vendor_sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class OffsetDateTimeField(serializers.DateTimeField):
    """A timestamp that must say its offset (`Z` or `-08:00`): a bare one is ambiguous between local and UTC."""

    def to_internal_value(self, value):
        if isinstance(value, str) and parse_datetime(value) is not None and parse_datetime(value).tzinfo is None:
            self.fail("no_offset")
        return super().to_internal_value(value)

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "no_offset": "Give the time zone offset, e.g. 2026-03-01T18:55:00Z or 2026-03-01T10:55:00-08:00.",
    }


class InvoiceIn(serializers.Serializer):
    number = serializers.CharField(max_length=64)
    issued_at = OffsetDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "When the invoice was issued, with its offset (the ERP's timestamp). Its date in the vendor "
            "account's marketplace time zone becomes the invoice date. Give this or invoice_date."
        ),
    )
    invoice_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The invoice date in the marketplace's local time zone (not UTC). Give this or issued_at.",
    )
    amount = serializers.DecimalField(max_digits=18, decimal_places=4)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    invoice_type = serializers.ChoiceField(choices=InvoiceType.choices, required=False, default=InvoiceType.INVOICE)
    due_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Local date in the marketplace's time zone."
    )
    po_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    status = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    lines = InvoiceLineIn(many=True, required=False, default=list)

    def validate(self, attrs):
        if attrs.get("issued_at") is None and attrs.get("invoice_date") is None:
            raise serializers.ValidationError({"issued_at": ["Give issued_at (with its offset) or invoice_date."]})
        return attrs

    def record(self) -> InvoiceRecord:
        """The local invoice date is worked out in the account's time zone by the service (`localize_invoice`)."""
        data = dict(self.validated_data)
        lines = [InvoiceLineRecord(**line) for line in data.pop("lines")]
        issued_at = data.pop("issued_at")
        return InvoiceRecord(
            **data, lines=lines, date_source=InvoiceDateSource.PUSHED, pushed_at=issued_at, pushed_due_date=None
        )


class ProofOfDeliveryIn(serializers.Serializer):
    shipment_id = serializers.CharField(max_length=64, help_text="shipmentIdentifier of the ASN it proves.")
    kind = serializers.ChoiceField(choices=DeliveryDocumentKind.choices, required=False, default="POD")
    signed = serializers.BooleanField(help_text="Signed by the receiving site; an unsigned POD proves nothing.")
    signed_by = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    delivered_at = OffsetDateTimeField(required=False, allow_null=True, default=None)
    cartons_delivered = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    po_numbers = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list, help_text="POs the document names."
    )
    bill_of_lading = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Small parcels have none."
    )
    pro_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    carrier_scac = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")

    def record(self) -> ProofOfDeliveryRecord:
        return ProofOfDeliveryRecord(**self.validated_data)


class WaivedPeriodIn(serializers.Serializer):
    """A period the fee is waived, in the agreement's own words: `{"from", "to", "reason"}` (dates inclusive)."""

    def get_fields(self):
        # `from` is a Python keyword, so the fields are named here rather than as attributes.
        return {
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            "reason": serializers.CharField(max_length=200, required=False, allow_blank=True, default=""),
        }

    def validate(self, attrs):
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": ["The waived period ends before it starts."]})
        return attrs


class CoopAgreementIn(serializers.Serializer):
    agreement_id = serializers.CharField(max_length=64)
    vendor_code = serializers.CharField(max_length=20)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    funding_type = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    base = serializers.ChoiceField(choices=CoopBase.choices, required=False, default=CoopBase.PERCENT_OF_RECEIPTS)
    rate_percent = serializers.DecimalField(max_digits=7, decimal_places=4, required=False, allow_null=True)
    flat_amount = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)
    calculation_base = serializers.CharField(required=False, allow_blank=True, default="")
    billing = serializers.CharField(required=False, allow_blank=True, default="")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    active_from = serializers.DateField()
    active_to = serializers.DateField(required=False, allow_null=True, default=None)
    waived_periods = WaivedPeriodIn(many=True, required=False, default=list)

    def record(self) -> CoopAgreementRecord:
        data = dict(self.validated_data)
        return CoopAgreementRecord(
            agreement_id=data["agreement_id"],
            vendor_code=data["vendor_code"],
            name=data["title"],
            funding_type=data["funding_type"],
            base=data["base"],
            rate_percent=data.get("rate_percent"),
            flat_amount=data.get("flat_amount"),
            calculation_base=data["calculation_base"],
            billing=data["billing"],
            currency=data["currency"],
            starts_on=data["active_from"],
            ends_on=data["active_to"],
            waived_periods=[dict(p) for p in data["waived_periods"]],
        )


def bulk_request(item_serializer, name):
    return inline_serializer(
        name=f"{name}BulkRequest",
        fields={
            "account": serializers.IntegerField(help_text="Vendor account id."),
            "items": item_serializer(many=True, help_text=f"1 to {bulk.MAX_ITEMS} items."),
        },
    )


BULK_RESPONSE = inline_serializer(
    name="BulkResult",
    fields={
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "items": inline_serializer(
            name="BulkItemResult",
            many=True,
            fields={
                "index": serializers.IntegerField(),
                "key": serializers.CharField(),
                "status": serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"]),
                "errors": inline_serializer(
                    name="BulkItemError",
                    many=True,
                    fields={
                        "field": serializers.CharField(help_text="Dotted path inside the item, e.g. items.0.quantity."),
                        "message": serializers.CharField(),
                        "code": serializers.CharField(help_text="Machine-readable, e.g. required, min_value."),
                        "pointer": serializers.CharField(help_text="JSON pointer into the request body."),
                    },
                ),
            },
        ),
    },
)


class BulkMixin:
    """`POST .../bulk/`: parse `{"account", "items"}`, validate each item, hand the valid ones to the service."""

    @staticmethod
    def max_body_bytes() -> int:
        return settings.ACORN_API_MAX_BULK_BODY_BYTES

    def run_bulk(self, request, item_serializer, key_field, write):
        account = self._account(request.data)
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationError({"items": ["Give a non-empty list of items."]})
        if len(items) > bulk.MAX_ITEMS:
            raise ValidationError({"items": [f"At most {bulk.MAX_ITEMS} items per request."]})
        result = bulk.BulkResult()
        valid = []
        for index, item in enumerate(items):
            serializer = item_serializer(data=item)
            if serializer.is_valid():
                valid.append((index, serializer.record()))
                continue
            key = str(item.get(key_field, "")) if isinstance(item, dict) else ""
            flat = [
                {"field": param["name"], "message": param["reason"], "code": param["code"], "pointer": param["pointer"]}
                for param in invalid_params(serializer.errors, prefix=f"/items/{index}")
            ]
            result.items.append(bulk.rejected(index, key, flat))
        write(account=account, records=valid, result=result)
        bulk.reevaluate(account, result)
        result.items.sort(key=lambda item: item.index)
        counts = result.counts()
        body = {"counts": counts, "items": [item.as_dict() for item in result.items]}
        return Response(body, status=207 if counts["rejected"] else 200)

    def _account(self, data):
        raw = data.get("account") if isinstance(data, dict) else None
        if raw in (None, ""):
            raise ValidationError({"account": ["Give the vendor account id."]})
        try:
            account_id = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({"account": ["Give the vendor account id (a number)."]}) from None
        account = self.scoped(VendorAccount.objects.all()).filter(pk=account_id).first()
        if account is None:
            raise NotFound(gettext("No such vendor account."))
        return account


class ShipmentBulkViewSet(BulkMixin, ShipmentViewSet):
    @extend_schema(request=bulk_request(ShipmentIn, "Shipment"), responses={200: BULK_RESPONSE, 207: BULK_RESPONSE})
    # JSON only: a form body cannot carry a list of documents.
    @action(detail=False, methods=["post"], parser_classes=[OrjsonParser])
    def bulk(self, request):
        return self.run_bulk(request, ShipmentIn, "shipment_id", bulk.upsert_shipments)


class InvoiceBulkViewSet(BulkMixin, InvoiceViewSet):
    @extend_schema(request=bulk_request(InvoiceIn, "Invoice"), responses={200: BULK_RESPONSE, 207: BULK_RESPONSE})
    # JSON only: a form body cannot carry a list of documents.
    @action(detail=False, methods=["post"], parser_classes=[OrjsonParser])
    def bulk(self, request):
        return self.run_bulk(request, InvoiceIn, "number", bulk.upsert_invoices)


class ProofOfDeliveryViewSet(BulkMixin, ApiViewSet):
    """Carriers' proofs of delivery (POD) and bills of lading (BOL), per shipment, before or after its ASN."""

    required_scopes = {"bulk": Scope.DOCUMENTS_WRITE}

    @extend_schema(
        request=bulk_request(ProofOfDeliveryIn, "ProofOfDelivery"), responses={200: BULK_RESPONSE, 207: BULK_RESPONSE}
    )
    # JSON only: a form body cannot carry a list of documents.
    @action(detail=False, methods=["post"], parser_classes=[OrjsonParser])
    def bulk(self, request):
        return self.run_bulk(request, ProofOfDeliveryIn, "shipment_id", bulk.upsert_proofs_of_delivery)


class CoopAgreementViewSet(BulkMixin, ApiViewSet):
    """Co-op agreements the vendor signed (rate, term, waived periods), idempotent by agreement id."""

    required_scopes = {"bulk": Scope.DOCUMENTS_WRITE}

    @extend_schema(
        request=bulk_request(CoopAgreementIn, "CoopAgreement"), responses={200: BULK_RESPONSE, 207: BULK_RESPONSE}
    )
    # JSON only: a form body cannot carry a list of documents.
    @action(detail=False, methods=["post"], parser_classes=[OrjsonParser])
    def bulk(self, request):
        return self.run_bulk(request, CoopAgreementIn, "agreement_id", bulk.upsert_coop_agreements)
