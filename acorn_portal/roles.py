"""Roles a membership gives, and the Django permissions each role's group holds.

Roles are Django groups so that an organization admin can see and a superuser can adjust them in
the admin; `sync_role_groups` (run after every migrate) makes the groups match this table. Later
features add their permissions here, in one place.
"""

from django.db import models


class Role(models.TextChoices):
    OPERATIONS = "operations", "Operations"
    FINANCE = "finance", "Finance"
    LEGAL = "legal", "Legal"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


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
    "refunds.view_invoice",
    "refunds.view_invoiceline",
    "refunds.view_remittance",
    "refunds.view_remittanceline",
    "refunds.view_chargeback",
    "datasources.view_datasource",
    "datasources.view_syncrun",
    "datasources.view_synccheckpoint",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATIONS: [*_READ_DOCUMENTS],
    Role.FINANCE: [*_READ_DOCUMENTS],
    Role.LEGAL: [*_READ_DOCUMENTS],
    Role.MANAGER: [*_READ_DOCUMENTS],
    Role.ADMIN: [
        *_READ_DOCUMENTS,
        "acorn_portal.change_organization",
        "acorn_portal.add_vendoraccount",
        "acorn_portal.change_vendoraccount",
        "acorn_portal.add_membership",
        "acorn_portal.change_membership",
        "acorn_portal.delete_membership",
        "datasources.add_datasource",
        "datasources.change_datasource",
        "datasources.delete_datasource",
    ],
}


def group_name(role: str) -> str:
    return f"ACORN {Role(role).label}"
