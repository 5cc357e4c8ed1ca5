"""Admin registrations of the developer app (one module per feature)."""

from developer import admin_ledger, admin_webhooks  # noqa: F401 - registers the admin classes
