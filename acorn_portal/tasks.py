"""django-q2 entry points of the core: a one-line summary out."""

from acorn_portal import retention


def purge_expired_data() -> str:
    """The daily retention purge of every organization (idempotent: a second run removes nothing)."""
    return retention.summary(retention.purge_expired(trigger="schedule"))
