"""`/api/v1/events/`: the outbox as a feed, for clients that poll instead of receiving webhooks.

Ordered by feed position, which only grows and is given to an event only once no event committing
later can precede it (acorn_portal.services.events.publish); `?after=<last_id>` resumes exactly where
the client stopped and never skips an event whose transaction committed late. An event shows up
once its transaction and every transaction older than it are over (usually within a second).
Each item is the event's envelope (developer/envelope.py), as webhooks send it, plus `position`.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from acorn_portal.models import OutboxEvent
from acorn_portal.services.events import publish
from developer.api.base import ApiViewSet
from developer.choices import TestEventType
from developer.envelope import envelope, fields
from developer.scopes import Scope

MAX_LIMIT = 500
TEST_EVENTS = set(TestEventType.values)


class EventObjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="What the event is about, e.g. refunds.chargeback.")
    id = serializers.CharField(help_text="Its id (as text).")


class EventEnvelopeSerializer(serializers.Serializer):
    """The event's envelope: the same in the feed, in a webhook's body and in the delivery log."""

    id = serializers.IntegerField(help_text="The event's id; only grows.")
    type = serializers.CharField(help_text="The event type, e.g. chargeback.created (developer/WEBHOOKS.md).")
    created_at = serializers.CharField(help_text="When it happened: ISO 8601, milliseconds, UTC (Z).")
    organization = serializers.CharField(help_text="The organization's slug.")
    object = EventObjectSerializer()
    data = serializers.JSONField(help_text="What the event says, written with the change.")


@extend_schema_serializer(deprecate_fields=["name", "object_type", "object_id", "payload"])
class EventSerializer(EventEnvelopeSerializer):
    position = serializers.IntegerField(help_text="The event's place in the feed (what `after` and `last_id` count).")
    name = serializers.CharField(help_text="Deprecated: `type`. Removed in v2.")
    object_type = serializers.CharField(help_text="Deprecated: `object.type`. Removed in v2.")
    object_id = serializers.CharField(help_text="Deprecated: `object.id`. Removed in v2.")
    payload = serializers.JSONField(help_text="Deprecated: `data`. Removed in v2.")


def feed_item(row: dict) -> dict:
    item = envelope(row)
    item["position"] = row["position"]
    # Deprecated aliases of the envelope's members (until v2).
    item.update(name=item["type"], object_type=row["object_type"], object_id=row["object_id"], payload=item["data"])
    return item


@extend_schema_serializer(many=False)  # the list action answers with one feed object, not an array
class EventFeedSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    last_id = serializers.IntegerField(
        allow_null=True, help_text="The last event's feed position: pass as ?after= to read on."
    )
    has_more = serializers.BooleanField()


class EventViewSet(ApiViewSet):
    required_scopes = {"list": Scope.EVENTS_READ}

    @extend_schema(
        parameters=[
            OpenApiParameter("after", OpenApiTypes.INT, description="Only events at a later feed position (last_id)."),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100},
                description=f"Events per page: 1 to {MAX_LIMIT}, default 100.",
            ),
        ],
        responses=EventFeedSerializer,
    )
    def list(self, request):
        after, limit = self._int("after", 0, 0, None), self._int("limit", 100, 1, MAX_LIMIT)
        publish()
        events = self.scoped(OutboxEvent.objects.all()).filter(position__gt=after).order_by("position")
        rows = list(events.values(*fields(), "position")[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        last_id = rows[-1]["position"] if rows else after
        # Test events (ping) go to their endpoint only; they still count in the positions they use up.
        results = [feed_item(row) for row in rows if row["name"] not in TEST_EVENTS]
        return Response({"results": results, "last_id": last_id, "has_more": has_more})

    def _int(self, name, default, low, high):
        raw = self.request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({name: ["Give a whole number."]}) from None
        if value < low or (high is not None and value > high):
            raise ValidationError({name: [f"Give a number from {low}" + (f" to {high}." if high else " up.")]})
        return value
