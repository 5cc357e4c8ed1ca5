"""`/api/v1/ledger/`: journal lines for ERPs, by period; reading never consumes, acknowledging does.

    GET  ledger/?from=2026-11-01&to=2026-11-30           the period's pending export, else a new one
    POST ledger/ack/  {"export_ids": [12]}                the ERP stored export 12: the next GET moves on
    GET  ledger/exports/?acknowledged=false               exports not acknowledged yet (newest first)
    GET  ledger/exports/{id}/                             one export again, exactly as it was sent

Until it is acknowledged, every GET of the same period answers with the same export (a proxy retry
or a second reader sees the same lines); acknowledging is idempotent.

JSON pages through an export's lines with a cursor (`next`); CSV (`Accept: text/csv` or
`?format=csv`) streams the whole export. The export id is in the body and in `X-Ledger-Export-Id`.
A call that finds no new line makes no export (`id` null). `complete` false means lines of the
period were left for the next call (the size limit); call again.
"""

from datetime import date

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from acorn_portal.models import Organization
from developer.api.base import ApiViewSet
from developer.api.filters import Param, apply_filters, filter_parameters, updated_since
from developer.api.money import page_of
from developer.api.pagination import KeysetPagination, page_size_parameter
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
    complete = serializers.BooleanField(
        help_text="False: more lines of the period wait; acknowledge this export, then call ledger/ again."
    )
    totals = TotalsField
    acknowledged_at = serializers.DateTimeField(
        allow_null=True, help_text="When the export was acknowledged (POST ledger/ack/); null while pending."
    )


@extend_schema_serializer(many=False)  # the ledger/ list action answers with one export, not an array
class LedgerExportPageSerializer(LedgerExportSerializer):
    results = JournalLineSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page of this export's lines.")
    next_cursor = serializers.CharField(allow_null=True)


EXPORT_FIELDS = ("id", "period_from", "period_to", "created_at", "line_count", "complete", "totals", "acknowledged_at")
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


class LedgerAckSerializer(serializers.Serializer):
    export_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=100,
        help_text="The exports whose lines the ERP has stored (1 to 100 ids).",
    )


class LedgerAckResultSerializer(serializers.Serializer):
    acknowledged = LedgerExportSerializer(many=True, help_text="The exports, each with its first `acknowledged_at`.")


# Deprecated: the behaviour before acknowledgements (a read consumed the lines); removed in v2.
CONSUME_PARAM = OpenApiParameter(
    "acknowledge",
    OpenApiTypes.BOOL,
    deprecated=True,
    description="true: acknowledge the export as it is sent (the old behaviour: a lost response loses the lines "
    "until you fetch the export by id). Use POST ledger/ack/ instead; removed in v2.",
)
# RFC 9745: when reading-with-acknowledge was deprecated (2026-12-08T00:00:00Z).
CONSUME_DEPRECATED_AT = "@1796688000"


class LedgerViewSet(_LedgerBase):
    """The period's pending export (not acknowledged yet) again, else a new export of lines never exported."""

    required_scopes = {"list": Scope.LEDGER_READ, "ack": Scope.LEDGER_READ}

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First posting date."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last posting date (inclusive)."),
            FORMAT_PARAM,
            page_size_parameter(LineCursor.max_page_size, LineCursor.page_size),
            CONSUME_PARAM,
        ],
        responses={(200, "application/json"): LedgerExportPageSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def list(self, request):
        start, end = _date(request, "from"), _date(request, "to")
        consume = _flag(request, "acknowledge")
        organization = Organization.objects.get(pk=self.organization_id)
        try:
            export = service.next_export(
                organization=organization, start=start, end=end, actor=request.user, request=request
            )
        except service.LedgerBusyError as exc:
            raise Conflict(str(exc)) from None
        except service.LedgerError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        if export is not None:
            if consume:
                service.acknowledge(organization_id=self.organization_id, export_ids=[export.pk], actor=request.user)
            response = self.render_export(export)
        elif self.wants_csv():
            response = StreamingHttpResponse(service.csv_lines("", []), content_type="text/csv; charset=utf-8")
        else:
            empty = {"id": None, "period_from": start, "period_to": end, "created_at": None, "line_count": 0}
            response = Response(
                {
                    **empty,
                    "complete": True,
                    "totals": {},
                    "acknowledged_at": None,
                    "results": [],
                    "next": None,
                    "next_cursor": None,
                }
            )
        if consume:
            response["Deprecation"] = CONSUME_DEPRECATED_AT
        return response

    @extend_schema(
        request=LedgerAckSerializer,
        responses={200: LedgerAckResultSerializer},
        description="Acknowledge exports: their lines are stored on your side, so the next GET ledger/ of the "
        "period makes a new export. Idempotent: acknowledging again changes nothing and answers the same. "
        "All or nothing: an id that is not your organization's export answers 404 and acknowledges none.",
    )
    @action(detail=False, methods=["post"], url_path="ack")
    def ack(self, request):
        serializer = LedgerAckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            exports = service.acknowledge(
                organization_id=self.organization_id,
                export_ids=serializer.validated_data["export_ids"],
                actor=request.user,
            )
        except service.UnknownExportError as exc:
            raise NotFound(
                _("No such ledger export: %(ids)s. Nothing was acknowledged.")
                % {"ids": ", ".join(str(pk) for pk in exc.missing)}
            ) from None
        rows = LedgerExport.objects.filter(pk__in=[export.pk for export in exports]).order_by("id")
        return Response({"acknowledged": [export_item(row) for row in rows.values(*EXPORT_FIELDS)]})


def _acknowledged(queryset, value: str):
    return queryset.filter(acknowledged_at__isnull=value == "false")


# An export's lines never change once made: "updated" is when it was made.
EXPORT_FILTERS = [
    updated_since("created_at__gte", "Made at or after (ISO 8601); exports never change."),
    Param(
        "acknowledged",
        "acknowledged_at__isnull",
        description="false: only pending exports (not acknowledged yet); true: only acknowledged ones.",
        choices=("true", "false"),
        method=_acknowledged,
    ),
]


class LedgerExportViewSet(_LedgerBase):
    """Past exports, and one export fetched again by id."""

    required_scopes = {"list": Scope.LEDGER_READ, "retrieve": Scope.LEDGER_READ}
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"id": "id"}
    default_ordering = "-id"

    @extend_schema(
        parameters=[
            *filter_parameters(EXPORT_FILTERS),
            OpenApiParameter("cursor", OpenApiTypes.STR),
            page_size_parameter(),
        ],
        responses=page_of(LedgerExportSerializer, "LedgerExportList"),
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


def _flag(request, name: str) -> bool:
    raw = request.query_params.get(name, "").strip().lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise ValidationError({name: [gettext_lazy("Give true or false.")]})


def _date(request, name: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        raise ValidationError({name: ["Give a date (YYYY-MM-DD)."]})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: [f"{raw!r} is not a date (YYYY-MM-DD)."]}) from None
