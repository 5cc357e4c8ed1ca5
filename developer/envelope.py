"""One shape for an event wherever it appears: the feed, a webhook body and the delivery log.

    {"id": 1234, "type": "chargeback.created", "created_at": "2026-11-26T09:00:00.123Z",
     "organization": "acme", "object": {"type": "refunds.chargeback", "id": "981"}, "data": {...}}

`created_at` is written here as text (milliseconds, `Z`), so the same event renders to the same
values whichever JSON encoder writes the response or the signed body.
"""

from django.core.serializers.json import DjangoJSONEncoder

# What `envelope()` reads from an OutboxEvent (.values(*EVENT_FIELDS)); `prefix` reaches it over a relation.
EVENT_FIELDS = ("id", "name", "created_at", "organization__slug", "object_type", "object_id", "payload")

_ENCODER = DjangoJSONEncoder()


def timestamp(value) -> str:
    return _ENCODER.default(value)


def fields(prefix: str = "") -> tuple[str, ...]:
    return tuple(prefix + name for name in EVENT_FIELDS)


def envelope(row: dict, prefix: str = "") -> dict:
    """The envelope of an event given as a `.values(*fields(prefix))` row."""
    return {
        "id": row[prefix + "id"],
        "type": row[prefix + "name"],
        "created_at": timestamp(row[prefix + "created_at"]),
        "organization": row[prefix + "organization__slug"],
        "object": {"type": row[prefix + "object_type"], "id": row[prefix + "object_id"]},
        "data": row[prefix + "payload"],
    }


def envelope_of(event) -> dict:
    """The envelope of an OutboxEvent instance."""
    return envelope(
        {
            "id": event.pk,
            "name": event.name,
            "created_at": event.created_at,
            "organization__slug": event.organization.slug,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "payload": event.payload,
        }
    )
