"""The scopes an API key can hold: the one list the developer center, the command and the API read."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    CHARGEBACKS_READ = "chargebacks:read", _("Read deductions, their status, timeline and evidence list")
    CHARGEBACKS_WRITE = "chargebacks:write", _("Run workflow transitions and upload evidence")
    DOCUMENTS_READ = "documents:read", _("Read purchase orders, shipments, receipts, invoices and remittances")
    DOCUMENTS_WRITE = "documents:write", _("Push shipments, invoices and proofs of delivery")
    IMPORTS_WRITE = "imports:write", _("Upload report files and poll their results")
    SYNC_RUN = "sync:run", _("Read sync runs and start one (the role must allow it)")
    EVENTS_READ = "events:read", _("Read the event feed")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage webhook subscriptions")
    LEDGER_READ = "ledger:read", _("Export ledger journal lines")


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
