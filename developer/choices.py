"""Enumerations of the developer app: webhook events and delivery states, ledger account roles."""

from django.db import models


class WebhookEventType(models.TextChoices):
    """Every event the outbox carries, each one subscribable: the catalogue (names and when they happen).

    tests/developer/test_event_catalogue.py checks that every name the code emits is here and that
    developer/WEBHOOKS.md documents each one.
    """

    CHARGEBACK_CREATED = "chargeback.created", "A deduction arrived (sync or import)"
    CHARGEBACK_STATE_CHANGED = "chargeback.state_changed", "A case moved to another state"
    CHARGEBACK_ASSIGNED = "chargeback.assigned", "A case was assigned to someone (routing or by hand)"
    CHARGEBACK_EVIDENCE_ADDED = "chargeback.evidence_added", "Evidence was added to a case"
    CHARGEBACK_COMMENTED = "chargeback.commented", "Someone commented on a case"
    CHARGEBACK_SENT_BACK = "chargeback.sent_back", "An approver sent a case back to its preparer"
    CHARGEBACK_APPROVAL_RECORDED = "chargeback.approval_recorded", "One approval given; another is still needed"
    CHARGEBACK_APPROVED = "chargeback.approved", "A dispute is approved and may be filed"
    CHARGEBACK_PACKET_BUILT = "chargeback.packet_built", "The dispute packet (evidence bundle) was built"
    CHARGEBACK_DISPUTED = "chargeback.disputed", "A dispute was filed with Amazon"
    CHARGEBACK_AMAZON_APPROVED = "chargeback.amazon_approved", "Amazon approved a dispute"
    CHARGEBACK_DENIED = "chargeback.denied", "Amazon denied a dispute"
    CHARGEBACK_RECOVERED = "chargeback.recovered", "Money came back in a remittance"
    CHARGEBACK_ACCEPTED = "chargeback.accepted", "A deduction was accepted as valid"
    CHARGEBACK_WRITTEN_OFF = "chargeback.written_off", "A deduction was written off"
    CHARGEBACK_EXPIRED = "chargeback.expired", "The dispute window closed before filing"
    CHARGEBACK_DEADLINE_APPROACHING = "chargeback.deadline_approaching", "A dispute deadline is near"
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
