"""`/api/v1/webhooks/`: subscriptions (CRUD), their delivery log, redelivery, secret rotation, ping.

A delivery in the log carries the event's envelope (`body`), the same object the receiver got and
the feed shows (developer/envelope.py).

The signing secret is in the create (and rotate) response only; it is never read back. Writes go
through developer.services.endpoints; rows are read through `scoped()`, so an endpoint or delivery
of another organization is 404.
"""

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from acorn_portal.models import Organization
from developer.api.base import ApiViewSet
from developer.api.events import EventEnvelopeSerializer
from developer.api.filters import Param, apply_filters, filter_parameters, updated_since
from developer.api.pagination import page_size_parameter
from developer.api.problems import Conflict
from developer.choices import DELIVERED_EVENT_CHOICES, DeliveryStatus, WebhookEventType
from developer.envelope import envelope
from developer.envelope import fields as event_fields
from developer.models import WebhookDelivery, WebhookEndpoint
from developer.scopes import Scope
from developer.services import endpoints as service

ENDPOINT_FIELDS = (
    "id",
    "url",
    "description",
    "events",
    "is_enabled",
    "disabled_reason",
    "disabled_at",
    "consecutive_failures",
    "last_success_at",
    "created_at",
)
DELIVERY_FIELDS = (
    "id",
    "event_id",
    "event_name",
    "status",
    "attempts",
    "next_attempt_at",
    "give_up_at",
    "last_attempt_at",
    "response_status",
    "response_body",
    "error",
    "duration_ms",
    "request_id",
    "created_at",
    "delivered_at",
    *event_fields("event__"),
)


ENDPOINT_FILTERS = [updated_since()]


def _delivery_changed_since(queryset, when):
    # A delivery changes when it is made and at each attempt.
    return queryset.filter(Q(created_at__gte=when) | Q(last_attempt_at__gte=when))


DELIVERY_FILTERS = [
    Param("updated_since", "", datetime, "Made or attempted at or after (ISO 8601).", method=_delivery_changed_since)
]


PAGE_PARAMS = [OpenApiParameter("cursor", OpenApiTypes.STR), page_size_parameter()]


def endpoint_item(row: dict) -> dict:
    return {name: row[name] for name in ENDPOINT_FIELDS}


def delivery_item(row: dict) -> dict:
    item = {name: row[name] for name in DELIVERY_FIELDS if not name.startswith("event__")}
    item["event"] = item.pop("event_id")
    item["event_type"] = item["event_name"]  # `event_name` is its deprecated alias (until v2)
    item["body"] = envelope(row, prefix="event__")
    return item


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEventType.choices), min_length=1)
    is_enabled = serializers.BooleanField(read_only=True)
    disabled_reason = serializers.CharField(read_only=True)
    disabled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    consecutive_failures = serializers.IntegerField(read_only=True)
    last_success_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret: shown in this response only.")


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), min_length=1, required=False
    )
    is_enabled = serializers.BooleanField(required=False, help_text="false disables, true enables again.")


@extend_schema_serializer(deprecate_fields=["event_name"])
class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Sent as the ACORN-Delivery header; the same on every retry.")
    event = serializers.IntegerField(help_text="The event's id (also in the body).")
    event_type = serializers.ChoiceField(choices=DELIVERED_EVENT_CHOICES, help_text="The event's type (`body.type`).")
    event_name = serializers.ChoiceField(choices=DELIVERED_EVENT_CHOICES, help_text="Deprecated: `event_type`.")
    body = EventEnvelopeSerializer(help_text="The event as sent: the envelope the feed shows too.")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    give_up_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    response_status = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField(help_text="The start of the receiver's answer.")
    error = serializers.CharField()
    duration_ms = serializers.IntegerField(allow_null=True)
    request_id = serializers.CharField(help_text="X-Request-ID of the last attempt.")
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)


def _page_of(item_serializer, name):
    page = inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True),
            "next_cursor": serializers.CharField(allow_null=True),
            "results": item_serializer(many=True),
        },
    )
    extend_schema_serializer(many=False)(type(page))  # a list action answers with one page, not an array
    return page


SecretSerializer = inline_serializer(name="WebhookSecret", fields={"secret": serializers.CharField()})


class WebhookEndpointViewSet(ApiViewSet):
    """Webhook subscriptions of the key's organization."""

    required_scopes = {
        "list": Scope.WEBHOOKS_MANAGE,
        "create": Scope.WEBHOOKS_MANAGE,
        "retrieve": Scope.WEBHOOKS_MANAGE,
        "partial_update": Scope.WEBHOOKS_MANAGE,
        "destroy": Scope.WEBHOOKS_MANAGE,
        "deliveries": Scope.WEBHOOKS_MANAGE,
        "delivery": Scope.WEBHOOKS_MANAGE,
        "redeliver": Scope.WEBHOOKS_MANAGE,
        "rotate_secret": Scope.WEBHOOKS_MANAGE,
        "ping": Scope.WEBHOOKS_MANAGE,
    }
    strict_query_actions = ("list", "deliveries")
    # The role as well: only who may manage endpoints in the portal (admins), whatever the scopes.
    required_perms = {
        "GET": "developer.view_webhookendpoint",
        "POST": "developer.change_webhookendpoint",
        "PATCH": "developer.change_webhookendpoint",
        "DELETE": "developer.delete_webhookendpoint",
    }
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"id": "id"}
    default_ordering = "-id"
    serializer_class = WebhookEndpointSerializer

    def get_endpoint(self) -> WebhookEndpoint:
        endpoint = self.scoped(WebhookEndpoint.objects.all()).filter(pk=_int_or_none(self.kwargs.get("pk"))).first()
        if endpoint is None:
            raise NotFound(gettext("No such webhook endpoint."))
        return endpoint

    def _one(self, endpoint_id: int) -> dict:
        return endpoint_item(WebhookEndpoint.objects.filter(pk=endpoint_id).values(*ENDPOINT_FIELDS).get())

    @extend_schema(
        parameters=[*filter_parameters(ENDPOINT_FILTERS), *PAGE_PARAMS],
        responses=_page_of(WebhookEndpointSerializer, "WebhookEndpointPage"),
    )
    def list(self, request):
        endpoints = apply_filters(self.scoped(WebhookEndpoint.objects.all()), request.query_params, ENDPOINT_FILTERS)
        return self.keyset_page(endpoints.values(*ENDPOINT_FIELDS), endpoint_item)

    @extend_schema(request=WebhookEndpointSerializer, responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request):
        data = WebhookEndpointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = service.create_endpoint(
            organization=Organization.objects.get(pk=self.organization_id),
            actor=request.user,
            request=request,
            **data.validated_data,
        )
        return Response({**self._one(endpoint.pk), "secret": secret}, status=http.HTTP_201_CREATED)

    @extend_schema(responses=WebhookEndpointSerializer)
    def retrieve(self, request, pk=None):
        return Response(self._one(self.get_endpoint().pk))

    @extend_schema(request=WebhookEndpointUpdateSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request, pk=None):
        endpoint = self.get_endpoint()
        data = WebhookEndpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        enabled = changes.pop("is_enabled", None)
        if changes:
            service.update_endpoint(endpoint=endpoint, **changes)
        if enabled is True and not endpoint.is_enabled:
            service.enable_endpoint(endpoint=endpoint)
        elif enabled is False:
            service.disable_endpoint(endpoint=endpoint, reason="Disabled through the API.", request=request)
        return Response(self._one(endpoint.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        self.get_endpoint().delete()
        return Response(status=http.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        secret = service.rotate_secret(endpoint=self.get_endpoint(), actor=request.user, request=request)
        return Response({"secret": secret})

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer},
        description="Send the endpoint a signed test event (`type` ping) now: the delivery is queued at once, "
        "retried like any other and shown in the delivery log. Pings are never in the feed and cannot be "
        "subscribed to. A disabled endpoint answers 409.",
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        endpoint = self.get_endpoint()
        if not endpoint.is_enabled:
            raise Conflict(_("The endpoint is disabled; enable it before sending a ping."))
        delivery = service.ping(endpoint=endpoint)
        row = WebhookDelivery.objects.filter(pk=delivery.pk).values(*DELIVERY_FIELDS).get()
        return Response(delivery_item(row), status=http.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=[*filter_parameters(DELIVERY_FILTERS), *PAGE_PARAMS],
        responses=_page_of(WebhookDeliverySerializer, "WebhookDeliveryPage"),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_endpoint()
        deliveries = self.scoped(WebhookDelivery.objects.filter(endpoint=endpoint))
        rows = apply_filters(deliveries, request.query_params, DELIVERY_FILTERS).values(*DELIVERY_FIELDS)
        return self.keyset_page(rows, delivery_item)

    def get_delivery(self, endpoint, delivery_id) -> WebhookDelivery:
        delivery = (
            self.scoped(WebhookDelivery.objects.filter(endpoint=endpoint))
            .filter(pk=_int_or_none(delivery_id))
            .select_related("endpoint")
            .first()
        )
        if delivery is None:
            raise NotFound(gettext("No such delivery of this endpoint."))
        return delivery

    @extend_schema(operation_id="webhooks_delivery_retrieve", responses=WebhookDeliverySerializer)
    @action(detail=True, methods=["get"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)")
    def delivery(self, request, pk=None, delivery_id=None):
        delivery = self.get_delivery(self.get_endpoint(), delivery_id)
        return Response(delivery_item(WebhookDelivery.objects.filter(pk=delivery.pk).values(*DELIVERY_FIELDS).get()))

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        delivery = service.redeliver(delivery=self.get_delivery(self.get_endpoint(), delivery_id))
        row = WebhookDelivery.objects.filter(pk=delivery.pk).values(*DELIVERY_FIELDS).get()
        return Response(delivery_item(row), status=http.HTTP_202_ACCEPTED)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
