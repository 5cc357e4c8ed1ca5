"""`/api/v1/events/`: the outbox as a feed, for clients that poll instead of receiving webhooks.

Ordered by feed position, which only grows and is given to an event only once no event committing
later can precede it (acorn_portal.services.events.publish); `?after=<last_id>` resumes exactly where
the client stopped and never skips an event whose transaction committed late. An event shows up
once its transaction and every transaction older than it are over (usually within a second).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from acorn_portal.models import OutboxEvent
from acorn_portal.services.events import publish
from developer.api.base import ApiViewSet
from developer.scopes import Scope

MAX_LIMIT = 500


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text="The event's place in the feed (what `after` and `last_id` count).")
    name = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()


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
        fields = ("id", "position", "name", "object_type", "object_id", "payload", "created_at")
        events = self.scoped(OutboxEvent.objects.all()).filter(position__gt=after).order_by("position")
        rows = list(events.values(*fields)[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        return Response({"results": rows, "last_id": rows[-1]["position"] if rows else after, "has_more": has_more})

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
