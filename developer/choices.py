"""Enumerations of the developer app: webhook events and delivery states, ledger account roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEventType(models.TextChoices):
    """Every event the outbox carries, each one subscribable: the catalogue (names and when they happen).

    tests/developer/test_event_catalogue.py checks that every name the code emits is here and that
    developer/WEBHOOKS.md documents each one.
    """

    CHARGEBACK_CREATED = "chargeback.created", _("A deduction arrived (sync or import)")
    CHARGEBACK_STATE_CHANGED = "chargeback.state_changed", _("A case moved to another state")
    CHARGEBACK_ASSIGNED = "chargeback.assigned", _("A case was assigned to someone (routing or by hand)")
    CHARGEBACK_EVIDENCE_ADDED = "chargeback.evidence_added", _("Evidence was added to a case")
    CHARGEBACK_EVIDENCE_REMOVED = "chargeback.evidence_removed", _("Evidence was removed from a case before filing")
    CHARGEBACK_APPROVAL_REOPENED = (
        "chargeback.approval_reopened",
        _("Evidence changed after approval; the case needs approval again"),
    )
    CHARGEBACK_COMMENTED = "chargeback.commented", _("Someone commented on a case")
    CHARGEBACK_SENT_BACK = "chargeback.sent_back", _("An approver sent a case back to its preparer")
    CHARGEBACK_APPROVAL_RECORDED = "chargeback.approval_recorded", _("One approval given; another is still needed")
    CHARGEBACK_APPROVED = "chargeback.approved", _("A dispute is approved and may be filed")
    CHARGEBACK_PACKET_BUILT = "chargeback.packet_built", _("The dispute packet (evidence bundle) was built")
    CHARGEBACK_DISPUTED = "chargeback.disputed", _("A dispute was filed with Amazon")
    CHARGEBACK_AMAZON_APPROVED = "chargeback.amazon_approved", _("Amazon approved a dispute")
    CHARGEBACK_DENIED = "chargeback.denied", _("Amazon denied a dispute")
    CHARGEBACK_SETTLEMENT_TERMS = "chargeback.settlement_terms", _("Settlement terms were recorded")
    CHARGEBACK_SETTLEMENT_REVIEWED = "chargeback.settlement_reviewed", _("Legal reviewed the settlement terms")
    CHARGEBACK_RECOVERED = "chargeback.recovered", _("Money came back in a remittance")
    CHARGEBACK_ACCEPTED = "chargeback.accepted", _("A deduction was accepted as valid")
    CHARGEBACK_WRITTEN_OFF = "chargeback.written_off", _("A deduction was written off")
    CHARGEBACK_EXPIRED = "chargeback.expired", _("The dispute window closed before filing")
    CHARGEBACK_DEADLINE_APPROACHING = "chargeback.deadline_approaching", _("A dispute deadline is near")
    CHARGEBACK_VERDICT_CHANGED = "chargeback.verdict_changed", _("Matching changed a case's recommendation or deadline")
    SYNC_FAILED = "sync.failed", _("A sync run failed")
    IMPORT_COMPLETED = "import.completed", _("A report file import finished")


class TestEventType(models.TextChoices):
    """Events ACORN sends only when asked (never subscribable, never in the feed)."""

    PING = "ping", _("A signed test event sent to one endpoint on request")


# What a delivery can carry: the catalogue plus the test events.
DELIVERED_EVENT_CHOICES = WebhookEventType.choices + TestEventType.choices


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed (will retry)")
    GIVEN_UP = "given_up", _("Given up")


# Deliveries a worker may still send.
OPEN_DELIVERY_STATES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
