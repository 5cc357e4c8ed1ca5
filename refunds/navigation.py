"""Where refunds' pages and tables sit in the portal's navigation (acorn_portal.navigation).

Work: the start page, the inbox, the cases and the person's own queue, the recovery report.
Documents: the Vendor Central documents people open beside a case, and the evidence. Their line
tables (items, lines, cartons), the catalogue, verdicts and history are admin-only in the nav.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from acorn_portal.navigation import CONFIGURATION, DOCUMENTS, place, register_work_link
from acorn_portal.roles import Role

CONFIGURERS = {Role.MANAGER}


def work_links(request) -> list[dict]:
    links = [
        {"key": "startpage", "name": _("Start page"), "url": reverse("dashboard:index")},
        {"key": "inbox", "name": _("Inbox"), "url": reverse("inbox:list")},
    ]
    if request.user.has_perm("refunds.view_chargeback"):
        cases = reverse("admin:refunds_chargeback_changelist")
        links += [
            {"key": "cases", "name": _("Cases"), "url": cases},
            {"key": "queue-mine", "name": _("Needs my action"), "url": f"{cases}?queue=mine"},
            {"key": "reports", "name": _("Recovery report"), "url": reverse("dashboard:recovery-report")},
        ]
    return links


def register() -> None:
    register_work_link(work_links)
    for label in (
        "refunds.PurchaseOrder",
        "refunds.Shipment",
        "refunds.ProofOfDelivery",
        "refunds.Invoice",
        "refunds.Remittance",
        "refunds.Evidence",
    ):
        place(label, DOCUMENTS)
    for label in (
        "refunds.Team",
        "refunds.AssignmentRule",
        "refunds.ApprovalThreshold",
        "refunds.WorkflowSettings",
        "refunds.PolicyRule",
        "refunds.CoopAgreement",
        "refunds.AlertSettings",
        "refunds.AlertChannel",
        "refunds.WatchRule",
        "refunds.AlertLog",
    ):
        place(label, CONFIGURATION, roles=CONFIGURERS)
