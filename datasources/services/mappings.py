"""An organization's report-file column mappings, written from the set-up page.

The import reads exactly these rows (`datasources.services.imports.column_mappings`: source header →
field, per organization and kind of report); this module replaces one kind's set at once, so the
page shows and saves the whole set the way the import will use it.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from acorn_portal.tenancy import perm_in_org
from datasources.models import ColumnMapping


def mappings_of(organization, kind: str) -> list[ColumnMapping]:
    return list(ColumnMapping.objects.filter(organization=organization, kind=kind).order_by("source_header"))


def replace_column_mappings(*, actor, organization, kind: str, pairs: list[tuple[str, str]]) -> list[ColumnMapping]:
    """The organization's mappings for `kind` become `pairs` (header, field); ValidationError names a bad row."""
    for perm in ("datasources.add_columnmapping", "datasources.delete_columnmapping"):
        if not perm_in_org(actor, perm, organization.pk):
            raise PermissionDenied(_("Your role in this organization does not allow this."))
    rows = [ColumnMapping(organization=organization, kind=kind, source_header=h.strip(), field=f) for h, f in pairs]
    for row in rows:
        row.full_clean(exclude=["organization"], validate_unique=False)
    with transaction.atomic():
        ColumnMapping.objects.filter(organization=organization, kind=kind).delete()
        for row in rows:
            row.save()
    return rows
