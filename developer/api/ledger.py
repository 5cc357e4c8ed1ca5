"""`/api/v1/ledger/`: journal lines for ERPs, by period, never the same line twice.

    GET ledger/?from=2026-11-01&to=2026-11-30            a new export of the lines not exported yet
    GET ledger/exports/                                   past exports (newest first)
    GET ledger/exports/{id}/                              one export again, exactly as it was sent

JSON pages through an export's lines with a cursor (`next`); CSV (`Accept: text/csv` or
`?format=csv`) streams the whole export. The export id is in the body and in `X-Ledger-Export-Id`.
A call that finds no new line makes no export (`id` null). `complete` false means lines of the
period were left for the next call (the size limit); call again.
"""

from datetime import date

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from acorn_portal.models import Organization
from developer.api.base import ApiViewSet
from developer.api.filters import apply_filters, filter_parameters, updated_since
from developer.api.money import page_of
from developer.api.pagination import KeysetPagination
from developer.api.problems import Conflict
from developer.api.renderers import OrjsonRenderer, dumps
from developer.models import LedgerExport, LedgerExportLine
from developer.scopes import Scope
from developer.services import ledger as service
from refunds.services.ledger import EntryKind, LedgerAccount


class CSVRenderer(BaseRenderer):
    """Lets `Accept: text/csv` and `?format=csv` through negotiation; the view streams the CSV itself.

    Anything else that reaches it (an error body) is written as JSON, as problem details are.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else dumps(data)


class JournalLineSerializer(serializers.Serializer):
    line_key = serializers.CharField(help_text="Unique per organization and stable: never exported twice.")
    entry = serializers.CharField(help_text="The entry both lines of a balanced pair share.")
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    posting_date = serializers.DateField()
    account = serializers.CharField(help_text="Your GL account code (from the GL account mapping).")
    account_role = serializers.ChoiceField(choices=LedgerAccount.choices)
    debit = serializers.CharField(help_text="Decimal string at the currency's precision; '0.00' on credit lines.")
    credit = serializers.CharField(help_text="Decimal string at the currency's precision; '0.00' on debit lines.")
    currency = serializers.CharField(help_text="ISO 4217; amounts of different currencies are never combined.")
    chargeback_id = serializers.IntegerField()
    amazon_id = serializers.CharField()
    vendor_account_id = serializers.IntegerField()
    memo = serializers.CharField()


TotalsField = serializers.DictField(
    child=inline_serializer(
        name="LedgerTotals", fields={"debit": serializers.CharField(), "credit": serializers.CharField()}
    ),
    help_text="Per currency; debit equals credit in each.",
)


class LedgerExportSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null when there was no new line to export.")
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    created_at = serializers.DateTimeField(allow_null=True)
    line_count = serializers.IntegerField()
    complete = serializers.BooleanField(help_text="False: more lines of the period wait; call ledger/ again.")
    totals = TotalsField


@extend_schema_serializer(many=False)  # the ledger/ list action answers with one export, not an array
class LedgerExportPageSerializer(LedgerExportSerializer):
    results = JournalLineSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page of this export's lines.")
    next_cursor = serializers.CharField(allow_null=True)


EXPORT_FIELDS = ("id", "period_from", "period_to", "created_at", "line_count", "complete", "totals")
FORMAT_PARAM = OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="Or Accept: text/csv.")


def export_item(row: dict) -> dict:
    return {name: row[name] for name in EXPORT_FIELDS}


class LineCursor(KeysetPagination):
    """An export's lines in their order, a page at a time."""

    page_size = 500
    max_page_size = 5000


class _LedgerBase(ApiViewSet):
    renderer_classes = [OrjsonRenderer, CSVRenderer]
    # The role as well as the scope: ledger exports are for finance and admins, as in the portal.
    required_perms = {"GET": "developer.view_ledgerexport", "POST": "developer.view_ledgerexport"}

    def wants_csv(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer is not None and renderer.format == "csv"

    def render_export(self, export: LedgerExport):
        lines = self.scoped(LedgerExportLine.objects.filter(export=export))
        if self.wants_csv():
            rows = (line for line in lines.order_by("position").values_list("data", flat=True).iterator(2000))
            response = StreamingHttpResponse(service.csv_lines(export.pk, rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="acorn-ledger-{export.pk}.csv"'
            response["X-Ledger-Export-Id"] = str(export.pk)
            response["X-Ledger-Complete"] = "true" if export.complete else "false"
            return response
        self.ordering_fields, self.default_ordering = {"position": "position"}, "position"
        paginator = LineCursor(self)
        rows, next_cursor = paginator.paginate(lines.values("id", "position", "data"), self.request)
        url = self.request.build_absolute_uri(reverse("api:ledger-export-detail", args=[export.pk]))
        body = export_item(LedgerExport.objects.filter(pk=export.pk).values(*EXPORT_FIELDS).get())
        body["results"] = [row["data"] for row in rows]
        body["next"] = replace_query_param(url, "cursor", next_cursor) if next_cursor else None
        body["next_cursor"] = next_cursor
        return Response(body, headers={"X-Ledger-Export-Id": str(export.pk)})


class LedgerViewSet(_LedgerBase):
    """A new export of the period's journal lines not exported before."""

    required_scopes = {"list": Scope.LEDGER_READ}

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First posting date."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last posting date (inclusive)."),
            FORMAT_PARAM,
        ],
        responses={(200, "application/json"): LedgerExportPageSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def list(self, request):
        start, end = _date(request, "from"), _date(request, "to")
        organization = Organization.objects.get(pk=self.organization_id)
        try:
            export = service.create_export(
                organization=organization, start=start, end=end, actor=request.user, request=request
            )
        except service.LedgerBusyError as exc:
            raise Conflict(str(exc)) from None
        except service.LedgerError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        if export is not None:
            return self.render_export(export)
        if self.wants_csv():
            return StreamingHttpResponse(service.csv_lines("", []), content_type="text/csv; charset=utf-8")
        empty = {"id": None, "period_from": start, "period_to": end, "created_at": None, "line_count": 0}
        return Response({**empty, "complete": True, "totals": {}, "results": [], "next": None, "next_cursor": None})


# An export never changes once made: "updated" is when it was made.
EXPORT_FILTERS = [updated_since("created_at__gte", "Made at or after (ISO 8601); exports never change.")]


class LedgerExportViewSet(_LedgerBase):
    """Past exports, and one export fetched again by id."""

    required_scopes = {"list": Scope.LEDGER_READ, "retrieve": Scope.LEDGER_READ}
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"id": "id"}
    default_ordering = "-id"

    @extend_schema(
        parameters=filter_parameters(EXPORT_FILTERS), responses=page_of(LedgerExportSerializer, "LedgerExportList")
    )
    def list(self, request):
        exports = apply_filters(self.scoped(LedgerExport.objects.all()), request.query_params, EXPORT_FILTERS)
        return self.keyset_page(exports.values(*EXPORT_FIELDS), export_item)

    @extend_schema(
        parameters=[FORMAT_PARAM],
        responses={(200, "application/json"): LedgerExportPageSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def retrieve(self, request, pk=None):
        try:
            export = self.scoped(LedgerExport.objects.all()).filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            export = None
        if export is None:
            raise NotFound(gettext("No such ledger export."))
        return self.render_export(export)


def _date(request, name: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        raise ValidationError({name: ["Give a date (YYYY-MM-DD)."]})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: [f"{raw!r} is not a date (YYYY-MM-DD)."]}) from None
