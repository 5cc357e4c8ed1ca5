"""Admin registrations of the refunds app."""

from refunds import admin_rules  # noqa: F401 - policy rules, catalogue, co-op, verdict (issue #4)
