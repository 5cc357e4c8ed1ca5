"""`/api/v1/chargebacks/`: the deductions, their status and timeline, workflow transitions, evidence.

The list is served from one `.values()` query (no per-row queries, no COUNT(*)) and a keyset cursor;
the detail reads the stored verdict, evidence and approvals. Transitions call the same services as
the portal (refunds.services.workflow) as the key's service user, so role, four eyes and conditions
are checked exactly as for a person; a refused transition is 403 (role) or 409 (state, conditions,
someone else changed the case).
"""

import inspect
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from acorn_portal.marketplaces import MARKETPLACE_CHOICES
from acorn_portal.money import CURRENCY_CHOICES
from developer.api.base import ApiViewSet
from developer.api.filters import Param, apply_filters, filter_parameters, updated_since
from developer.api.money import money, money_field, page_of
from developer.api.pagination import page_size_parameter
from developer.api.problems import Conflict
from developer.scopes import Scope
from refunds.choices import ChargebackState, DeductionFamily, EvidenceKind, Recommendation
from refunds.identifiers import normalize_po_number
from refunds.models import Chargeback
from refunds.services import workflow
from refunds.services.evidence import add_evidence
from refunds.services.matching import evaluate_chargebacks
from refunds.services.timeline import case_timeline
from refunds.services.verdict_display import verdict_data

# --------------------------------------------------------------------------------------------------
# Filters


def _po(queryset, value):
    return queryset.filter(po_number_normalized=normalize_po_number(value))


def _asin(queryset, value):
    return queryset.filter(asin__in=sorted({value, value.upper()}))


def _search(queryset, value):
    # Identifiers only, each on an index: a free-text LIKE over a million descriptions is not a search.
    condition = (
        Q(amazon_id__startswith=value)
        | Q(po_number_normalized=normalize_po_number(value))
        | Q(asin__in=sorted({value, value.upper()}))
        | Q(invoice_number=value)
    )
    return queryset.filter(condition)


def _values(choices):
    return tuple(value for value, _label in choices)


# Every filter is an indexed equality or range on the chargeback row (or its account).
FILTERS = [
    Param("account", "account_id", int, "Vendor account id."),
    Param("marketplace", "account__marketplace", str, "Marketplace code, e.g. US.", _values(MARKETPLACE_CHOICES)),
    Param("family", "family", str, "Deduction family.", _values(DeductionFamily.choices)),
    Param("type", "deduction_type", str, "Deduction type code, e.g. shortage."),
    Param("state", "state", str, "Workflow state; repeat for several.", _values(ChargebackState.choices), many=True),
    Param("assignee", "assignee__username", str, "Username of the assignee."),
    Param("po", "", str, "PO number (normalised: case, spaces, prefixes).", method=_po),
    Param("asin", "", str, "ASIN.", method=_asin),
    Param("invoice", "invoice_number", str, "Invoice number the deduction is against."),
    Param("issue_date_from", "issue_date__gte", date, "Issued on or after (YYYY-MM-DD)."),
    Param("issue_date_to", "issue_date__lte", date, "Issued on or before."),
    Param("due_date_from", "due_on__gte", date, "Due on or after."),
    Param("due_date_to", "due_on__lte", date, "Due on or before."),
    Param("amount_min", "amount__gte", Decimal, "Amount at least."),
    Param("amount_max", "amount__lte", Decimal, "Amount at most."),
    Param("currency", "currency", str, "ISO 4217 code.", _values(CURRENCY_CHOICES)),
    Param("recommendation", "recommendation", str, "Matching's advice.", _values(Recommendation.choices)),
    Param("q", "", str, "Amazon id (exact or prefix), PO, ASIN or invoice number.", method=_search),
    updated_since(
        description="Changed at or after (ISO 8601): facts, workflow, and the verdict (recommendation, due date)."
    ),
]


# --------------------------------------------------------------------------------------------------
# Representations (plain functions over .values() rows; the serializers below document them)

LIST_FIELDS = (
    "id",
    "amazon_id",
    "account_id",
    "account__marketplace",
    "family",
    "deduction_type",
    "sub_type",
    "amount",
    "currency",
    "quantity",
    "issue_date",
    "po_number",
    "asin",
    "invoice_number",
    "amazon_status",
    "state",
    "assignee__username",
    "due_on",
    "recommendation",
    "recovered_amount",
    "updated_at",
)


def list_item(row: dict) -> dict:
    currency = row["currency"]
    return {
        "id": row["id"],
        "amazon_id": row["amazon_id"],
        "account": row["account_id"],
        "marketplace": row["account__marketplace"],
        "family": row["family"],
        "type": row["deduction_type"],
        "sub_type": row["sub_type"],
        "amount": money(row["amount"], currency),
        "quantity": row["quantity"],
        "issue_date": row["issue_date"],
        "po_number": row["po_number"],
        "asin": row["asin"],
        "invoice_number": row["invoice_number"],
        "amazon_status": row["amazon_status"],
        "state": row["state"],
        "assignee": row["assignee__username"],
        "due_date": row["due_on"],
        "recommendation": row["recommendation"],
        "recovered": money(row["recovered_amount"], currency),
        "updated_at": row["updated_at"],
    }


def detail_item(case: Chargeback, user) -> dict:
    row = {name: _value(case, name) for name in LIST_FIELDS}
    item = list_item(row)
    item.update(
        {
            "description": case.description,
            "amazon_dispute_id": case.amazon_dispute_id,
            "disputable_from": case.disputable_from,
            "target_date": case.target_on,
            "workflow_version": case.workflow_version,
            "dispute_round": case.dispute_round,
            "filed_case_id": case.filed_case_id,
            "filed_on": case.filed_on,
            "amazon_approved": money(case.amazon_approved_amount, case.currency),
            "written_off": money(case.written_off_amount, case.currency),
            "resolution_reason": case.resolution_reason,
            "verdict": verdict_data(case),
            "evidence": [evidence_item(e) for e in case.evidence.current()],
            "approvals": [
                {
                    "round": a.round,
                    "level": a.level,
                    "decision": a.decision,
                    "approver": a.approver.get_username() if a.approver_id else None,
                    "comment": a.comment,
                    "at": a.created_at,
                }
                for a in case.approvals.select_related("approver").all()
            ],
            "available_transitions": [t.name for t in workflow.available_transitions(case, user)],
        }
    )
    return item


def _value(case, name):
    if name == "account__marketplace":
        return case.account.marketplace
    if name == "assignee__username":
        return case.assignee.get_username() if case.assignee_id else None
    return getattr(case, name)


def evidence_item(evidence) -> dict:
    return {
        "id": str(evidence.uuid),
        "kind": evidence.kind,
        "name": evidence.original_name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "note": evidence.note,
        "uploaded_at": evidence.uploaded_at,
    }


class ChargebackSerializer(serializers.Serializer):
    """Documentation of a list item (the list is rendered by `list_item`; a test keeps the two equal)."""

    id = serializers.IntegerField()
    amazon_id = serializers.CharField()
    account = serializers.IntegerField()
    marketplace = serializers.CharField()
    family = serializers.ChoiceField(choices=DeductionFamily.choices)
    type = serializers.CharField()
    sub_type = serializers.CharField()
    amount = money_field()
    quantity = serializers.IntegerField(allow_null=True)
    issue_date = serializers.DateField()
    po_number = serializers.CharField()
    asin = serializers.CharField()
    invoice_number = serializers.CharField()
    amazon_status = serializers.CharField()
    state = serializers.ChoiceField(choices=ChargebackState.choices)
    assignee = serializers.CharField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    recommendation = serializers.CharField()
    recovered = money_field(allow_null=True)
    updated_at = serializers.DateTimeField()


class EvidenceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    note = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class ApprovalSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    level = serializers.CharField()
    decision = serializers.CharField()
    approver = serializers.CharField(allow_null=True)
    comment = serializers.CharField()
    at = serializers.DateTimeField()


class ChargebackDetailSerializer(ChargebackSerializer):
    description = serializers.CharField()
    amazon_dispute_id = serializers.CharField()
    disputable_from = serializers.DateField(allow_null=True)
    target_date = serializers.DateField(allow_null=True)
    workflow_version = serializers.IntegerField(help_text="Send it back with a transition to detect conflicts.")
    dispute_round = serializers.IntegerField()
    filed_case_id = serializers.CharField()
    filed_on = serializers.DateField(allow_null=True)
    amazon_approved = money_field(allow_null=True)
    written_off = money_field(allow_null=True)
    resolution_reason = serializers.CharField()
    verdict = serializers.JSONField(allow_null=True, help_text="Recommendation, checks and matched documents.")
    evidence = EvidenceSerializer(many=True)
    approvals = ApprovalSerializer(many=True)
    available_transitions = serializers.ListField(child=serializers.CharField())


class TimelineEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    who = serializers.CharField()
    why = serializers.CharField()
    kind = serializers.CharField()
    changes = inline_serializer(
        name="TimelineChange",
        many=True,
        fields={
            "field": serializers.CharField(),
            "label": serializers.CharField(),
            "old": serializers.CharField(),
            "new": serializers.CharField(),
        },
    )


class ChargebackStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=ChargebackState.choices)
    amazon_status = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    recovered = money_field(allow_null=True)
    workflow_version = serializers.IntegerField()
    timeline = TimelineEntrySerializer(many=True)


class TransitionInputSerializer(serializers.Serializer):
    """What the transitions take; each uses only its own (e.g. `reason` for accept_deduction)."""

    workflow_version = serializers.IntegerField(
        required=False, help_text="The version you read; 409 if the case changed since."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    amazon_case_id = serializers.CharField(required=False, max_length=64)
    filed_on = serializers.DateField(required=False)
    amount = serializers.DecimalField(required=False, max_digits=18, decimal_places=4, coerce_to_string=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    recovered_on = serializers.DateField(required=False)


class EvidenceUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    file = serializers.FileField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# --------------------------------------------------------------------------------------------------
# The viewset

TRANSITION_NAMES = sorted(
    name for name in workflow.SERVICES if name not in ("wait_until_disputable", "release", "expire")
)


class ChargebackViewSet(ApiViewSet):
    """Deductions of the key's organization."""

    required_scopes = {
        "list": Scope.CHARGEBACKS_READ,
        "retrieve": Scope.CHARGEBACKS_READ,
        "status": Scope.CHARGEBACKS_READ,
        "evidence": Scope.CHARGEBACKS_READ,
        "evidence.POST": Scope.CHARGEBACKS_WRITE,
        "transition": Scope.CHARGEBACKS_WRITE,
        "evaluate": Scope.CHARGEBACKS_WRITE,
    }
    ordering_fields = {
        "issue_date": "issue_date",
        "due_date": "due_on",
        "amount": "amount",
        "updated_at": "updated_at",
        "id": "id",
    }
    nullable_ordering = {"due_on": date(9999, 12, 31)}  # no deadline sorts last
    default_ordering = "-issue_date"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return self.scoped(Chargeback.objects.all())

    def get_case(self) -> Chargeback:
        try:
            pk = int(self.kwargs["pk"])
        except (KeyError, ValueError):
            raise NotFound(gettext("No such chargeback.")) from None
        case = self.get_queryset().select_related("account__organization", "assignee").filter(pk=pk).first()
        if case is None:
            raise NotFound(gettext("No such chargeback."))
        return case

    @extend_schema(
        parameters=[
            *filter_parameters(FILTERS),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next_cursor` of the previous page."),
            page_size_parameter(),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=[p + name for name in ordering_fields for p in ("", "-")],
                description="Default -issue_date; ties broken by id.",
            ),
        ],
        responses=page_of(ChargebackSerializer, "Chargeback"),
    )
    def list(self, request):
        rows = apply_filters(self.get_queryset(), request.query_params, FILTERS).values(*LIST_FIELDS)
        return self.keyset_page(rows, list_item)

    @extend_schema(responses=ChargebackDetailSerializer)
    def retrieve(self, request, pk=None):
        return Response(detail_item(self.get_case(), request.user))

    @extend_schema(responses=ChargebackStatusSerializer)
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        case = self.get_case()
        timeline = [
            {
                "when": entry.when,
                "who": entry.who,
                "why": entry.why,
                "kind": entry.kind,
                "changes": [change.__dict__ for change in entry.changes],
            }
            for entry in case_timeline(case)
        ]
        return Response(
            {
                "id": case.pk,
                "state": case.state,
                "amazon_status": case.amazon_status,
                "due_date": case.due_on,
                "recovered": money(case.recovered_amount, case.currency),
                "workflow_version": case.workflow_version,
                "timeline": timeline,
            }
        )

    @extend_schema(
        request=TransitionInputSerializer,
        responses=ChargebackDetailSerializer,
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=TRANSITION_NAMES)],
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request, pk=None, name=None):
        case = self.get_case()
        if name not in TRANSITION_NAMES:
            raise NotFound(f"No transition named {name!r}; use one of {', '.join(TRANSITION_NAMES)}.")
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        expected = values.pop("workflow_version", None)
        if expected is not None and expected != case.workflow_version:
            raise Conflict(workflow.CASE_CHANGED_MESSAGE, code="case_changed")
        service = workflow.SERVICES[name]
        accepted = set(inspect.signature(service).parameters) - {"chargeback", "actor"}
        unexpected = sorted(set(values) - accepted)
        if unexpected:
            raise ValidationError({field: [f"“{name}” does not take {field}."] for field in unexpected})
        if "amazon_case_id" in accepted and "amazon_case_id" not in values:
            values["amazon_case_id"] = ""  # let the service say it is required
        for required in ("reason", "comment"):
            if required in accepted and required not in values:
                values[required] = ""
        service(chargeback=case, actor=request.user, **values)
        return Response(detail_item(self.get_case(), request.user))

    @extend_schema(
        request=None,
        responses=ChargebackDetailSerializer,
        description="Match and judge the deduction again now, against the documents, agreements, rules and "
        "evidence on file; answers with the fresh verdict.",
    )
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        case = self.get_case()
        evaluate_chargebacks([case.pk], cause=f"re-evaluated on request by {request.user}"[:60])
        return Response(detail_item(self.get_case(), request.user))

    @extend_schema(methods=["GET"], responses=EvidenceSerializer(many=True))
    @extend_schema(
        methods=["POST"], request={"multipart/form-data": EvidenceUploadSerializer}, responses={201: EvidenceSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def evidence(self, request, pk=None):
        case = self.get_case()
        if request.method == "GET":
            return Response([evidence_item(e) for e in case.evidence.current()])
        data = EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = add_evidence(
            chargeback=case,
            actor=request.user,
            kind=data.validated_data["kind"],
            upload=data.validated_data["file"],
            note=data.validated_data.get("note", ""),
        )
        return Response(evidence_item(evidence), status=http.HTTP_201_CREATED)
