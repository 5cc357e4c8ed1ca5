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

__all__ = [
    "Carton",
    "Chargeback",
    "Invoice",
    "InvoiceLine",
    "PurchaseOrder",
    "PurchaseOrderItem",
    "Remittance",
    "RemittanceLine",
    "Shipment",
    "ShipmentItem",
]
