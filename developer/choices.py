"""Enumerations of the developer app: webhook events and delivery states, ledger account roles."""

from django.db import models


class WebhookEventType(models.TextChoices):
    """Events an endpoint can subscribe to (outbox event names; others are not sent as webhooks)."""

    CHARGEBACK_CREATED = "chargeback.created", "A deduction arrived (sync or import)"
    CHARGEBACK_STATE_CHANGED = "chargeback.state_changed", "A case moved to another state"
    CHARGEBACK_DEADLINE_APPROACHING = "chargeback.deadline_approaching", "A dispute deadline is near"
    CHARGEBACK_RECOVERED = "chargeback.recovered", "Money came back in a remittance"
    CHARGEBACK_VERDICT_CHANGED = "chargeback.verdict_changed", "Matching changed a case's recommendation or deadline"
    SYNC_FAILED = "sync.failed", "A sync run failed"
    IMPORT_COMPLETED = "import.completed", "A report file import finished"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (will retry)"
    GIVEN_UP = "given_up", "Given up"


# Deliveries a worker may still send.
OPEN_DELIVERY_STATES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
