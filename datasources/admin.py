"""Admin for report file imports and column mappings.

"Import a report file" is the add page of File imports: pick one of your vendor accounts, the kind
of report and the file; the service does the rest and the import's page shows what happened, with
the row-by-row error report. Imports are records of what happened: nobody edits or deletes them.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from acorn_portal.admin_base import AccountListFilter, TenantScopedAdmin
from datasources.connectors.report_columns import ReportKind, mappable_fields
from datasources.models import ColumnMapping, FileImport
from datasources.services.imports import MAX_BYTES, import_report_file


class FileImportForm(forms.ModelForm):
    """Account, kind and the file; `upload` is not a model field because the service stores it."""

    upload = forms.FileField(
        label="Report file",
        help_text=f"A CSV or XLSX file downloaded from Vendor Central (up to {MAX_BYTES // (1024 * 1024)} MB).",
    )

    class Meta:
        model = FileImport
        fields = ["account", "kind", "upload", "partial"]


@admin.register(FileImport)
class FileImportAdmin(TenantScopedAdmin):
    list_display = ("__str__", "account", "kind", "status", "rows", "created", "updated", "error_count", "created_at")
    list_filter = (AccountListFilter, "kind", "status", "created_at")
    list_select_related = ("account",)
    search_fields = ("=sha256", "original_name")
    search_help_text = "File name or SHA-256."
    readonly_fields = (
        "account",
        "kind",
        "status",
        "message",
        "original_name",
        "size",
        "sha256",
        "partial",
        "rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "counts",
        "duplicate_of",
        "uploaded_by",
        "created_at",
        "finished_at",
        "error_report",
    )

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "title": "Import a report file"}
        return super().add_view(request, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FileImportForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["account", "kind", "upload", "partial"]
        return list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Hand the upload to the import service instead of saving the form's object."""
        if change or not self.in_organizations(request, obj, "add"):
            raise PermissionDenied
        done = import_report_file(
            account=form.cleaned_data["account"],
            kind=form.cleaned_data["kind"],
            file=form.cleaned_data["upload"],
            user=request.user,
            partial=form.cleaned_data["partial"],
        )
        obj.__dict__.update(done.__dict__)  # the admin logs and redirects with the object the service wrote

    def save_related(self, request, form, formsets, change):
        """Nothing related to save: the service wrote everything."""

    def response_add(self, request, obj, post_url_continue=None):
        level = {"imported": "success", "partial": "warning"}.get(obj.status, "error")
        self.message_user(request, f"{obj.get_status_display()}. {obj.message}", level=level)
        return HttpResponseRedirect(reverse("admin:datasources_fileimport_change", args=[obj.pk]))

    @admin.display(description="error report")
    def error_report(self, obj):
        """The row-by-row report as a table: sheet, row, column, value, why."""
        if not obj.errors:
            return "No errors."
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.get("sheet", ""), e["row"], e["column"], e["value"], e["why"]) for e in obj.errors),
        )
        more = obj.error_count - len(obj.errors)
        tail = format_html("<p>… and {} more.</p>", more) if more > 0 else ""
        return format_html(
            '<table class="acorn-error-report"><tr><th>Sheet</th><th>Row</th><th>Column</th><th>Value</th>'
            "<th>Why</th></tr>{}</table>{}",
            body,
            tail,
        )


class ColumnMappingForm(forms.ModelForm):
    class Meta:
        model = ColumnMapping
        fields = ["organization", "kind", "source_header", "field"]
        help_texts = {
            "field": "; ".join(
                f"{ReportKind(kind).label}: {', '.join(name for name, _ in mappable_fields(kind))}"
                for kind in ReportKind.values
            )
        }


@admin.register(ColumnMapping)
class ColumnMappingAdmin(TenantScopedAdmin):
    form = ColumnMappingForm
    list_display = ("source_header", "field", "kind", "organization", "created_at")
    list_filter = ("kind",)
    list_select_related = ("organization",)
    search_fields = ("source_header", "field")
