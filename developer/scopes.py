"""The scopes an API key can hold: the one list the developer center, the command and the API read."""

from django.db import models


class Scope(models.TextChoices):
    CHARGEBACKS_READ = "chargebacks:read", "Read deductions, their status, timeline and evidence list"
    CHARGEBACKS_WRITE = "chargebacks:write", "Run workflow transitions and upload evidence"
    DOCUMENTS_READ = "documents:read", "Read purchase orders, shipments, receipts, invoices and remittances"
    DOCUMENTS_WRITE = "documents:write", "Push shipments, invoices and proofs of delivery"
    IMPORTS_WRITE = "imports:write", "Upload report files and poll their results"
    SYNC_RUN = "sync:run", "Read sync runs and start one (the role must allow it)"
    EVENTS_READ = "events:read", "Read the event feed"
    WEBHOOKS_MANAGE = "webhooks:manage", "Manage webhook subscriptions"
    LEDGER_READ = "ledger:read", "Export ledger journal lines"


def parse_scopes(values) -> list[str]:
    """Scopes from a comma-separated string or a list; raises ValueError naming any unknown one."""
    if isinstance(values, str):
        values = values.split(",")
    scopes = sorted({value.strip() for value in values if value and value.strip()})
    unknown = [scope for scope in scopes if scope not in Scope.values]
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(Scope.values)}.")
    if not scopes:
        raise ValueError("Give at least one scope.")
    return scopes
