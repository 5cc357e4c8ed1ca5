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
