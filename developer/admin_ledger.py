"""Admin for the GL account mapping (finance and admins) and the record of ledger exports (read-only)."""

from django.contrib import admin

from acorn_portal.admin_base import TenantScopedAdmin
from developer.models import GLAccountMapping, LedgerExport


@admin.register(GLAccountMapping)
class GLAccountMappingAdmin(TenantScopedAdmin):
    list_display = (
        "organization",
        "currency",
        "accounts_receivable",
        "deductions_receivable",
        "chargeback_expense",
        "recoveries",
        "write_offs",
    )
    list_select_related = ("organization",)
    fields = (
        "organization",
        "currency",
        "accounts_receivable",
        "deductions_receivable",
        "chargeback_expense",
        "recoveries",
        "write_offs",
    )


@admin.register(LedgerExport)
class LedgerExportAdmin(TenantScopedAdmin):
    """What went to the ERP and when; the lines themselves are fetched through the API by export id."""

    list_display = ("id", "organization", "period_from", "period_to", "line_count", "complete", "created_at")
    list_select_related = ("organization",)
    list_filter = ("complete",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields if not f.primary_key]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
