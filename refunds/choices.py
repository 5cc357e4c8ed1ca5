"""Enumerations of the refunds domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeductionFamily(models.TextChoices):
    OPERATIONAL = "operational_chargeback", _("Operational chargeback")
    SHORTAGE = "shortage_claim", _("Shortage claim")
    PRICE = "price_claim", _("Price claim")
    COOP = "coop", _("Co-op")
    RETURN = "return_rtv", _("Return / RTV")
    PROVISION = "provision", _("Provision")


class PurchaseOrderState(models.TextChoices):
    NEW = "New", _("New")
    ACKNOWLEDGED = "Acknowledged", _("Acknowledged")
    CLOSED = "Closed", _("Closed")


class PurchaseOrderType(models.TextChoices):
    REGULAR = "RegularOrder", _("Regular order")
    CONSIGNED = "ConsignedOrder", _("Consigned order")
    NEW_PRODUCT = "NewProductIntroduction", _("New product introduction")
    RUSH = "RushOrder", _("Rush order")


class QuantityUnit(models.TextChoices):
    EACHES = "Eaches", _("Eaches")
    CASES = "Cases", _("Cases")


class DeliveryDocumentKind(models.TextChoices):
    """What a carrier's delivery document is: a proof of delivery or a signed bill of lading."""

    POD = "POD", _("Proof of delivery")
    BOL = "BOL", _("Bill of lading")


class InvoiceDateSource(models.TextChoices):
    """Where an invoice's date came from; Vendor Central's date wins over a pushed one."""

    VENDOR_CENTRAL = "vendor_central", _("Vendor Central")
    PUSHED = "pushed", _("Pushed by the vendor")


class ReceiveStatus(models.TextChoices):
    NOT_RECEIVED = "NOT_RECEIVED", _("Not received")
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED", _("Partially received")
    RECEIVED = "RECEIVED", _("Received")


class ShipmentType(models.TextChoices):
    TRUCKLOAD = "TruckLoad", _("Truckload")
    LTL = "LessThanTruckLoad", _("Less than truckload")
    SMALL_PARCEL = "SmallParcel", _("Small parcel")


class InvoiceType(models.TextChoices):
    INVOICE = "Invoice", _("Invoice")
    CREDIT_NOTE = "CreditNote", _("Credit note")


class Direction(models.TextChoices):
    DEBIT = "debit", _("Debit (taken from the vendor)")
    CREDIT = "credit", _("Credit (owed to the vendor)")


class Recommendation(models.TextChoices):
    DISPUTE = "dispute", _("Dispute")
    ACCEPT = "accept", _("Accept")
    NEEDS_EVIDENCE = "needs_evidence", _("Needs evidence")
    WAIT = "wait", _("Wait (not yet disputable)")


class ChargebackState(models.TextChoices):
    """The case lifecycle, mirroring Amazon's (docs/GLOSSARY.md, docs/ARCHITECTURE.md)."""

    NEW = "new", _("New")
    WAITING = "waiting", _("Waiting (not yet disputable)")
    IN_REVIEW = "in_review", _("In review")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved for dispute")
    DISPUTED = "disputed", _("Disputed with Amazon")
    AMAZON_APPROVED = "amazon_approved", _("Approved by Amazon (awaiting credit)")
    DENIED = "denied", _("Denied by Amazon")
    SETTLEMENT = "settlement", _("In settlement")
    RECOVERED = "recovered", _("Recovered")
    WRITTEN_OFF = "written_off", _("Written off")
    ACCEPTED = "accepted", _("Accepted (valid deduction)")
    EXPIRED = "expired", _("Expired")


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
    PROOF_OF_DELIVERY = "pod", _("Proof of delivery")
    BILL_OF_LADING = "bol", _("Bill of lading")
    CARRIER_TRACKING = "tracking", _("Carrier tracking")
    ASN_COPY = "asn", _("ASN copy")
    PHOTOS = "photos", _("Photos")
    INVOICE_COPY = "invoice", _("Invoice copy")
    OTHER = "other", _("Other")


class ApprovalLevel(models.TextChoices):
    MANAGER = "manager", _("Manager approval")
    FINANCE = "finance", _("Finance second approval")


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    SENT_BACK = "sent_back", _("Sent back")


class AssignmentStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


# --- Policy rules, matching and deadlines -------------------------------------------------------------------


class WindowAnchor(models.TextChoices):
    """The date a dispute window (or a blackout) is counted from."""

    CHARGEBACK_DATE = "chargeback_date", _("Chargeback date")
    DEDUCTION_DATE = "deduction_date", _("Deduction date")
    INVOICE_DATE = "invoice_date", _("Invoice date")
    INVOICE_DUE_DATE = "invoice_due_date", _("Invoice due date")
    COOP_INVOICE_DATE = "coop_invoice_date", _("Co-op invoice date")


class ProofKind(models.TextChoices):
    """Proof a dispute can rest on. Most are read from synced documents; photos must be attached."""

    ASN_TRANSMISSION = "asn_transmission", _("ASN transmission record")
    CARTON_DATA = "carton_data", _("Carton (SSCC) data in the ASN")
    PROOF_OF_DELIVERY = "proof_of_delivery", _("Proof of delivery")
    BILL_OF_LADING = "bill_of_lading", _("Carrier-signed bill of lading")
    CARRIER_APPOINTMENT = "carrier_appointment", _("Carrier appointment / delivery record")
    INVOICE_COPY = "invoice_copy", _("Invoice")
    PO_CONFIRMATION = "po_confirmation", _("Purchase order confirmation")
    COOP_AGREEMENT = "coop_agreement", _("Co-op agreement terms")
    REMITTANCE = "remittance", _("Remittance advice")
    PHOTOS = "photos", _("Photos (labels, cartons, prep)")


class CoopBase(models.TextChoices):
    """What a co-op agreement's rate is applied to."""

    PERCENT_OF_RECEIPTS = "percent_of_receipts", _("Percent of net receipts")
    FLAT_FEE = "flat_fee", _("Flat fee per period")


class CheckStatus(models.TextChoices):
    """The outcome of one reconciliation check, as a person reads it."""

    SUPPORTS_DISPUTE = "dispute", _("Supports a dispute")
    SUPPORTS_AMAZON = "valid", _("Supports Amazon")
    MISSING = "missing", _("Missing information")
    WARNING = "warning", _("Needs a look")
    INFO = "info", _("Information")


class MatchStatus(models.TextChoices):
    """How far matching got in finding the documents a deduction is about."""

    MATCHED = "matched", _("Matched")
    PARTIAL = "partial", _("Partly matched")
    UNMATCHED = "unmatched", _("Unmatched — waiting for documents")


# --- Dashboard groupings ---------------------------------------------------------------------------------

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
