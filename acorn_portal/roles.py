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

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATIONS: [*_READ_DOCUMENTS, *_IMPORT_FILES],
    Role.FINANCE: [*_READ_DOCUMENTS, *_IMPORT_FILES],
    Role.LEGAL: [*_READ_DOCUMENTS, *_READ_IMPORTS],
    Role.MANAGER: [*_READ_DOCUMENTS, *_IMPORT_FILES],
    Role.ADMIN: [
        *_READ_DOCUMENTS,
        *_IMPORT_FILES,
        *_MANAGE_MAPPINGS,
        "acorn_portal.change_organization",
        "acorn_portal.add_vendoraccount",
        "acorn_portal.change_vendoraccount",
        "acorn_portal.add_membership",
        "acorn_portal.change_membership",
        "acorn_portal.delete_membership",
    ],
}


def group_name(role: str) -> str:
    return f"ACORN {Role(role).label}"
