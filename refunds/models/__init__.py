from refunds.models.assessments import ChargebackAssessment
from refunds.models.chargebacks import Chargeback
from refunds.models.documents import (
    Carton,
    Invoice,
    InvoiceLine,
    PurchaseOrder,
    PurchaseOrderItem,
    Remittance,
    RemittanceLine,
    Shipment,
    ShipmentItem,
)
from refunds.models.rules import CoopAgreement, DeductionType, PolicyRule

__all__ = [
    "Carton",
    "Chargeback",
    "ChargebackAssessment",
    "CoopAgreement",
    "DeductionType",
    "Invoice",
    "InvoiceLine",
    "PolicyRule",
    "PurchaseOrder",
    "PurchaseOrderItem",
    "Remittance",
    "RemittanceLine",
    "Shipment",
    "ShipmentItem",
]
