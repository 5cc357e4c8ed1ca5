"""Roles a membership gives, and the Django permissions each role's group holds.

Roles are Django groups so that an organization admin can see and a superuser can adjust them in
the admin; `sync_role_groups` (run after every migrate) makes the groups match this table. Later
features add their permissions here, in one place.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATIONS = "operations", _("Operations")
    FINANCE = "finance", _("Finance")
    LEGAL = "legal", _("Legal")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


# Reading every Vendor Central document is common to all roles.
_READ_DOCUMENTS = [
    "acorn_portal.view_organization",
    "acorn_portal.view_vendoraccount",
    "acorn_portal.view_membership",
    "refunds.view_purchaseorder",
    "refunds.view_purchaseorderitem",
    "refunds.view_shipment",
    "refunds.view_shipmentitem",
    "refunds.view_carton",
    "refunds.view_proofofdelivery",
    "refunds.view_invoice",
    "refunds.view_invoiceline",
    "refunds.view_remittance",
    "refunds.view_remittanceline",
    "refunds.view_chargeback",
    # Policy: the catalogue, the rules, co-op terms and verdicts are visible to everyone.
    "refunds.view_deductiontype",
    "refunds.view_policyrule",
    "refunds.view_coopagreement",
    "refunds.view_chargebackassessment",
    "datasources.view_datasource",
    "datasources.view_syncrun",
    "datasources.view_synccheckpoint",
]

# Managers own their organization's dispute rules and co-op terms (Amazon changes them; someone
# accountable must follow).
_MANAGE_POLICY = [
    "refunds.add_policyrule",
    "refunds.change_policyrule",
    "refunds.delete_policyrule",
    "refunds.add_coopagreement",
    "refunds.change_coopagreement",
]

# Working cases: every role reads a case's evidence, approvals and comments, adds evidence and comments.
_CASE_WORK = [
    "refunds.view_evidence",
    "refunds.add_evidence",
    "refunds.view_disputepacket",
    "refunds.view_approval",
    "refunds.view_comment",
    "refunds.add_comment",
    "refunds.view_team",
    "refunds.view_assignmentrule",
    "refunds.view_approvalthreshold",
    "refunds.view_workflowsettings",
]
# Operations prepare and file disputes.
_PREPARE = [
    "refunds.review_chargeback",
    "refunds.prepare_dispute",
    "refunds.file_dispute",
    "refunds.accept_deduction",
    "refunds.assign_chargeback",
]
# Who configures an organization's workflow: teams, routing rules, thresholds.
_CONFIGURE_WORKFLOW = [
    "refunds.add_team",
    "refunds.change_team",
    "refunds.add_assignmentrule",
    "refunds.change_assignmentrule",
    "refunds.delete_assignmentrule",
    "refunds.add_approvalthreshold",
    "refunds.change_approvalthreshold",
    "refunds.delete_approvalthreshold",
    "refunds.add_workflowsettings",
    "refunds.change_workflowsettings",
]

# Alerts: managers and admins decide who is reminded of what and where chat alerts go,
# and read the alert log (what went out, what failed).
_MANAGE_ALERTS = [
    "refunds.view_alertsettings",
    "refunds.add_alertsettings",
    "refunds.change_alertsettings",
    "refunds.view_alertchannel",
    "refunds.add_alertchannel",
    "refunds.change_alertchannel",
    "refunds.delete_alertchannel",
    "refunds.view_watchrule",
    "refunds.add_watchrule",
    "refunds.change_watchrule",
    "refunds.delete_watchrule",
    "refunds.view_alertlog",
]

# Report file imports: everyone sees them and the organization's column mappings; the people who
# work the data upload files; an organization's admins manage its column mappings.
_READ_IMPORTS = ["datasources.view_fileimport", "datasources.view_columnmapping"]
_IMPORT_FILES = [*_READ_IMPORTS, "datasources.add_fileimport"]
_MANAGE_MAPPINGS = [
    "datasources.add_columnmapping",
    "datasources.change_columnmapping",
    "datasources.delete_columnmapping",
]

# Retention: managers see what is kept and what each purge removed; admins set the policy.
_READ_RETENTION = ["acorn_portal.view_retentionpolicy", "acorn_portal.view_purgerecord"]
# Webhooks: an organization's admins manage endpoints and read the delivery log.
_MANAGE_WEBHOOKS = [
    "developer.view_webhookendpoint",
    "developer.add_webhookendpoint",
    "developer.change_webhookendpoint",
    "developer.delete_webhookendpoint",
    "developer.view_webhookdelivery",
]
# The ledger export: finance and admins keep the GL account mapping and see what was exported.
_LEDGER = [
    "developer.view_glaccountmapping",
    "developer.add_glaccountmapping",
    "developer.change_glaccountmapping",
    "developer.delete_glaccountmapping",
    "developer.view_ledgerexport",
]
# The rate table reports convert at (acorn_portal.ExchangeRate): kept by finance, managers and admins.
_MANAGE_RATES = [
    "acorn_portal.view_exchangerate",
    "acorn_portal.add_exchangerate",
    "acorn_portal.change_exchangerate",
    "acorn_portal.delete_exchangerate",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATIONS: [*_READ_DOCUMENTS, *_CASE_WORK, *_PREPARE, *_IMPORT_FILES],
    # Finance records outcomes and write-offs, and gives the second approval above the threshold.
    Role.FINANCE: [
        *_READ_DOCUMENTS,
        *_CASE_WORK,
        *_IMPORT_FILES,
        *_MANAGE_RATES,
        "refunds.second_approve_dispute",
        "refunds.record_outcome",
        "refunds.write_off",
        "refunds.open_settlement",
        *_LEDGER,
    ],
    # Legal can be required for settlement (WorkflowSettings.settlement_requires_legal).
    Role.LEGAL: [
        *_READ_DOCUMENTS,
        *_CASE_WORK,
        *_READ_IMPORTS,
        "refunds.open_settlement",
        "refunds.approve_settlement",
    ],
    # Managers approve; they can also prepare, which is why four eyes is checked per case.
    Role.MANAGER: [
        *_READ_DOCUMENTS,
        *_CASE_WORK,
        *_PREPARE,
        *_CONFIGURE_WORKFLOW,
        *_MANAGE_POLICY,
        *_IMPORT_FILES,
        *_MANAGE_ALERTS,
        *_MANAGE_RATES,
        "refunds.approve_dispute",
        "refunds.open_settlement",
        "acorn_portal.view_auditevent",
        *_READ_RETENTION,
    ],
    Role.ADMIN: [
        *_READ_DOCUMENTS,
        *_CASE_WORK,
        *_CONFIGURE_WORKFLOW,
        *_MANAGE_POLICY,
        *_IMPORT_FILES,
        *_MANAGE_MAPPINGS,
        *_MANAGE_ALERTS,
        *_MANAGE_RATES,
        "acorn_portal.change_organization",
        "acorn_portal.add_vendoraccount",
        "acorn_portal.change_vendoraccount",
        "acorn_portal.add_membership",
        "acorn_portal.change_membership",
        "acorn_portal.delete_membership",
        "datasources.add_datasource",
        "datasources.change_datasource",
        "datasources.delete_datasource",
        "acorn_portal.view_auditevent",
        *_READ_RETENTION,
        "acorn_portal.add_retentionpolicy",
        "acorn_portal.change_retentionpolicy",
        # The developer center: API keys are issued and revoked by the organization's admins only.
        "developer.view_apikey",
        "developer.add_apikey",
        "developer.change_apikey",
        # OAuth apps: registered and revoked in the developer center, allowed on the consent page.
        "developer.view_registeredapp",
        "developer.add_registeredapp",
        "developer.change_registeredapp",
        "developer.view_appauthorization",
        "developer.change_appauthorization",
        *_MANAGE_WEBHOOKS,
        *_LEDGER,
    ],
}


def group_name(role: str) -> str:
    # A stored name: always the English label, whatever language the request reads in.
    with translation.override(None):
        return f"ACORN {Role(role).label}"
