"""Enumerations of the refunds domain."""

from django.db import models


class DeductionFamily(models.TextChoices):
    OPERATIONAL = "operational_chargeback", "Operational chargeback"
    SHORTAGE = "shortage_claim", "Shortage claim"
    PRICE = "price_claim", "Price claim"
    COOP = "coop", "Co-op"
    RETURN = "return_rtv", "Return / RTV"
    PROVISION = "provision", "Provision"


class PurchaseOrderState(models.TextChoices):
    NEW = "New", "New"
    ACKNOWLEDGED = "Acknowledged", "Acknowledged"
    CLOSED = "Closed", "Closed"


class PurchaseOrderType(models.TextChoices):
    REGULAR = "RegularOrder", "Regular order"
    CONSIGNED = "ConsignedOrder", "Consigned order"
    NEW_PRODUCT = "NewProductIntroduction", "New product introduction"
    RUSH = "RushOrder", "Rush order"


class QuantityUnit(models.TextChoices):
    EACHES = "Eaches", "Eaches"
    CASES = "Cases", "Cases"


class ReceiveStatus(models.TextChoices):
    NOT_RECEIVED = "NOT_RECEIVED", "Not received"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED", "Partially received"
    RECEIVED = "RECEIVED", "Received"


class ShipmentType(models.TextChoices):
    TRUCKLOAD = "TruckLoad", "Truckload"
    LTL = "LessThanTruckLoad", "Less than truckload"
    SMALL_PARCEL = "SmallParcel", "Small parcel"


class InvoiceType(models.TextChoices):
    INVOICE = "Invoice", "Invoice"
    CREDIT_NOTE = "CreditNote", "Credit note"


class Direction(models.TextChoices):
    DEBIT = "debit", "Debit (taken from the vendor)"
    CREDIT = "credit", "Credit (owed to the vendor)"


class Recommendation(models.TextChoices):
    DISPUTE = "dispute", "Dispute"
    ACCEPT = "accept", "Accept"
    NEEDS_EVIDENCE = "needs_evidence", "Needs evidence"
    WAIT = "wait", "Wait (not yet disputable)"


class ChargebackState(models.TextChoices):
    """The case lifecycle, mirroring Amazon's (DESIGN.md, "The chargeback workflow")."""

    NEW = "new", "New"
    WAITING = "waiting", "Waiting (not yet disputable)"
    IN_REVIEW = "in_review", "In review"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    APPROVED = "approved", "Approved for dispute"
    DISPUTED = "disputed", "Disputed with Amazon"
    AMAZON_APPROVED = "amazon_approved", "Approved by Amazon (awaiting credit)"
    DENIED = "denied", "Denied by Amazon"
    SETTLEMENT = "settlement", "In settlement"
    RECOVERED = "recovered", "Recovered"
    WRITTEN_OFF = "written_off", "Written off"
    ACCEPTED = "accepted", "Accepted (valid deduction)"
    EXPIRED = "expired", "Expired"


# States in which nobody works the case any more.
CLOSED_STATES = frozenset(
    {
        ChargebackState.RECOVERED,
        ChargebackState.WRITTEN_OFF,
        ChargebackState.ACCEPTED,
        ChargebackState.EXPIRED,
    }
)
# States from which the case can still be filed with Amazon, so an overdue deadline expires it.
PRE_FILING_STATES = (
    ChargebackState.NEW,
    ChargebackState.WAITING,
    ChargebackState.IN_REVIEW,
    ChargebackState.PENDING_APPROVAL,
    ChargebackState.APPROVED,
)
# States whose outcome is decided ("Recently decided" queue).
DECIDED_STATES = (
    ChargebackState.AMAZON_APPROVED,
    ChargebackState.DENIED,
    *CLOSED_STATES,
)


class EvidenceKind(models.TextChoices):
    PROOF_OF_DELIVERY = "pod", "Proof of delivery"
    BILL_OF_LADING = "bol", "Bill of lading"
    CARRIER_TRACKING = "tracking", "Carrier tracking"
    ASN_COPY = "asn", "ASN copy"
    PHOTOS = "photos", "Photos"
    INVOICE_COPY = "invoice", "Invoice copy"
    OTHER = "other", "Other"


class ApprovalLevel(models.TextChoices):
    MANAGER = "manager", "Manager approval"
    FINANCE = "finance", "Finance second approval"


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    SENT_BACK = "sent_back", "Sent back"


class AssignmentStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Round robin"
    LEAST_LOADED = "least_loaded", "Least loaded"
