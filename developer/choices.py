"""Enumerations of the developer app: webhook events and delivery states, ledger account roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEventType(models.TextChoices):
    """Events an endpoint can subscribe to (outbox event names; others are not sent as webhooks)."""

    CHARGEBACK_CREATED = "chargeback.created", _("A deduction arrived (sync or import)")
    CHARGEBACK_STATE_CHANGED = "chargeback.state_changed", _("A case moved to another state")
    CHARGEBACK_DEADLINE_APPROACHING = "chargeback.deadline_approaching", _("A dispute deadline is near")
    CHARGEBACK_RECOVERED = "chargeback.recovered", _("Money came back in a remittance")
    SYNC_FAILED = "sync.failed", _("A sync run failed")
    IMPORT_COMPLETED = "import.completed", _("A report file import finished")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed (will retry)")
    GIVEN_UP = "given_up", _("Given up")


# Deliveries a worker may still send.
OPEN_DELIVERY_STATES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
