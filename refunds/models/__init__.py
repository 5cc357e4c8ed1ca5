from refunds.models.alerts import AlertChannel, AlertLog, AlertSettings, WatchRule
from refunds.models.approvals import Approval, ApprovalThreshold, WorkflowSettings
from refunds.models.assessments import ChargebackAssessment
from refunds.models.assignment import AssignmentRule, Team
from refunds.models.chargebacks import Chargeback
from refunds.models.documents import (
    Carton,
    Invoice,
    InvoiceLine,
    ProofOfDelivery,
    PurchaseOrder,
    PurchaseOrderItem,
    Remittance,
    RemittanceLine,
    Shipment,
    ShipmentItem,
)
from refunds.models.evidence import Comment, DisputePacket, Evidence
from refunds.models.notifications import Notification, NotificationKind
from refunds.models.rules import CoopAgreement, DeductionType, PolicyRule
from refunds.models.saved_views import SavedView
from refunds.models.settlement import SettlementTerms
from refunds.models.stats import ChargebackDayStat, DueDayStat, RecoveryDayStat

__all__ = [
    "SavedView",
    "AlertChannel",
    "AlertLog",
    "AlertSettings",
    "WatchRule",
    "Approval",
    "ApprovalThreshold",
    "AssignmentRule",
    "Carton",
    "Chargeback",
    "ChargebackDayStat",
    "Comment",
    "DisputePacket",
    "DueDayStat",
    "Evidence",
    "ChargebackAssessment",
    "CoopAgreement",
    "DeductionType",
    "Invoice",
    "InvoiceLine",
    "Notification",
    "NotificationKind",
    "PolicyRule",
    "ProofOfDelivery",
    "PurchaseOrder",
    "PurchaseOrderItem",
    "RecoveryDayStat",
    "Remittance",
    "RemittanceLine",
    "Shipment",
    "SettlementTerms",
    "ShipmentItem",
    "Team",
    "WorkflowSettings",
]
