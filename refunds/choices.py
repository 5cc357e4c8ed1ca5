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


class DeliveryDocumentKind(models.TextChoices):
    """What a carrier's delivery document is: a proof of delivery or a signed bill of lading."""

    POD = "POD", "Proof of delivery"
    BOL = "BOL", "Bill of lading"


class InvoiceDateSource(models.TextChoices):
    """Where an invoice's date came from; Vendor Central's date wins over a pushed one."""

    VENDOR_CENTRAL = "vendor_central", "Vendor Central"
    PUSHED = "pushed", "Pushed by the vendor"


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


# --- Policy rules, matching and deadlines (issue #4) ---------------------------------------------


class WindowAnchor(models.TextChoices):
    """The date a dispute window (or a blackout) is counted from."""

    CHARGEBACK_DATE = "chargeback_date", "Chargeback date"
    DEDUCTION_DATE = "deduction_date", "Deduction date"
    INVOICE_DATE = "invoice_date", "Invoice date"
    INVOICE_DUE_DATE = "invoice_due_date", "Invoice due date"
    COOP_INVOICE_DATE = "coop_invoice_date", "Co-op invoice date"


class ProofKind(models.TextChoices):
    """Proof a dispute can rest on. Most are read from synced documents; photos must be attached."""

    ASN_TRANSMISSION = "asn_transmission", "ASN transmission record"
    CARTON_DATA = "carton_data", "Carton (SSCC) data in the ASN"
    PROOF_OF_DELIVERY = "proof_of_delivery", "Proof of delivery"
    BILL_OF_LADING = "bill_of_lading", "Carrier-signed bill of lading"
    CARRIER_APPOINTMENT = "carrier_appointment", "Carrier appointment / delivery record"
    INVOICE_COPY = "invoice_copy", "Invoice"
    PO_CONFIRMATION = "po_confirmation", "Purchase order confirmation"
    COOP_AGREEMENT = "coop_agreement", "Co-op agreement terms"
    REMITTANCE = "remittance", "Remittance advice"
    PHOTOS = "photos", "Photos (labels, cartons, prep)"


class CoopBase(models.TextChoices):
    """What a co-op agreement's rate is applied to."""

    PERCENT_OF_RECEIPTS = "percent_of_receipts", "Percent of net receipts"
    FLAT_FEE = "flat_fee", "Flat fee per period"


class CheckStatus(models.TextChoices):
    """The outcome of one reconciliation check, as a person reads it."""

    SUPPORTS_DISPUTE = "dispute", "Supports a dispute"
    SUPPORTS_AMAZON = "valid", "Supports Amazon"
    MISSING = "missing", "Missing information"
    WARNING = "warning", "Needs a look"
    INFO = "info", "Information"


class MatchStatus(models.TextChoices):
    """How far matching got in finding the documents a deduction is about."""

    MATCHED = "matched", "Matched"
    PARTIAL = "partial", "Partly matched"
    UNMATCHED = "unmatched", "Unmatched — waiting for documents"


# --- Dashboard groupings (issue #7) ---------------------------------------------------------------

OPEN_STATES = tuple(state for state in ChargebackState if state not in CLOSED_STATES)
# Filed with Amazon at least once: what a recovery rate is measured against.
DISPUTED_STATES = (
    ChargebackState.DISPUTED,
    ChargebackState.AMAZON_APPROVED,
    ChargebackState.DENIED,
    ChargebackState.SETTLEMENT,
    ChargebackState.RECOVERED,
    ChargebackState.WRITTEN_OFF,
)
# Disputes Amazon has answered; won = Amazon reversed the deduction (credited or still to be paid).
DECIDED_DISPUTE_STATES = DISPUTED_STATES[1:]
WON_STATES = (ChargebackState.AMAZON_APPROVED, ChargebackState.RECOVERED)
