"""Admin for report file imports and column mappings.

"Import a report file" is the add page of File imports: pick one of your vendor accounts, the kind
of report and the file; the service does the rest and the import's page shows what happened, with
the row-by-row error report. Imports are records of what happened: nobody edits or deletes them.
"""

import json
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django_q.tasks import async_task

from acorn_portal import clock
from acorn_portal.admin_base import (
    AccountListFilter,
    ReadOnlyFactsAdmin,
    ReadOnlyTabularInline,
    TenantScopedAdmin,
    TenantScopedHistoryAdmin,
)
from acorn_portal.outbound import OutboundRefused, check_url
from acorn_portal.uploads import megabytes
from datasources.connectors.report_columns import ReportKind, mappable_fields
from datasources.models import ColumnMapping, DataSource, FileImport, ImportStatus, SyncCheckpoint, SyncRun
from datasources.services import sync
from datasources.services.credentials import record_credentials_change
from datasources.services.imports import check_report_file, import_progress, import_report_file, max_upload_bytes


class FileImportForm(forms.ModelForm):
    """Account, kind and the file; `upload` is not a model field because the service stores it."""

    upload = forms.FileField(label=_("Report file"))

    class Meta:
        model = FileImport
        fields = ["account", "kind", "upload", "partial"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "upload"
        ].help_text = f"A CSV or XLSX file downloaded from Vendor Central (up to {megabytes(max_upload_bytes())})."

    def clean_upload(self):
        """Wrong type or size: said on the field, nothing stored (the service checks again)."""
        upload = self.cleaned_data["upload"]
        check_report_file(upload)
        return upload


@admin.register(FileImport)
class FileImportAdmin(TenantScopedAdmin):
    list_display = ("__str__", "account", "kind", "status", "progress", "created", "updated", "error_count",
                    "created_at")  # fmt: skip
    list_filter = (AccountListFilter, "kind", "status", "created_at")
    list_select_related = ("account",)
    search_fields = ("=sha256", "original_name")
    search_help_text = _("File name or SHA-256.")
    readonly_fields = (
        "account",
        "kind",
        "status",
        "progress",
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
        "stored_file",
        "error_report",
    )

    @admin.display(description=_("rows done"))
    def progress(self, obj):
        done = import_progress(import_id=obj.pk, status=obj.status, rows=obj.rows)
        if done["rows_total"] is None:
            return "waiting for the task cluster" if obj.status == ImportStatus.QUEUED else "reading the file"
        return f"{done['rows_done']:,} of {done['rows_total']:,}"

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

    @admin.display(description=_("file"))
    def stored_file(self, obj):
        if obj.file_removed_at:
            return f"Removed under the retention policy on {obj.file_removed_at:%Y-%m-%d}."
        if not obj.file:
            return "—"
        return format_html('<a href="{}">download</a>', reverse("datasources:import-download", args=[obj.pk]))

    @admin.display(description=_("error report"))
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
                f"{ReportKind(kind).label}: {', '.join(name for name, _label in mappable_fields(kind))}"
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


URL_SETTINGS = ("base_url", "endpoint", "token_url")  # connector settings that name a host to call


class DataSourceForm(forms.ModelForm):
    """A data source, with credentials that can be replaced but are never displayed."""

    replace_credentials = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "size": 80}),
        help_text=(
            'A JSON object, e.g. {"client_id": "…", "client_secret": "…", "refresh_token": "…"} for SP-API or '
            '{"api_key": "…"} for a data feed. Leave empty to keep the stored credentials; they are never shown.'
        ),
    )

    class Meta:
        model = DataSource
        fields = ("account", "name", "kind", "settings", "schedule_minutes", "enabled")

    def clean_settings(self):
        """URLs a user typed are checked now (scheme, internal address); the connection is checked again on use."""
        values = self.cleaned_data.get("settings") or {}
        if not isinstance(values, dict):
            raise forms.ValidationError(_("Give a JSON object."))
        for key in URL_SETTINGS:
            if values.get(key):
                try:
                    check_url(str(values[key]))
                except OutboundRefused as exc:
                    raise forms.ValidationError(f"{key}: {exc}") from None
        return values

    @method_decorator(sensitive_variables("value", "parsed"))
    def clean_replace_credentials(self):
        value = self.cleaned_data["replace_credentials"]
        if not value:
            return None
        try:
            parsed = json.loads(value)
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON (the value is not shown again; paste it anew).")) from None
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise forms.ValidationError(_("Give a JSON object of strings."))
        return parsed

    @property
    def credentials_replaced(self) -> bool:
        return bool(self.cleaned_data.get("replace_credentials"))

    def save(self, commit=True):
        # A blank submission keeps what is stored: the field never shows the old value to resubmit.
        if self.credentials_replaced:
            self.instance.set_credentials(self.cleaned_data["replace_credentials"])
        return super().save(commit=commit)


class CheckpointInline(ReadOnlyTabularInline):
    model = SyncCheckpoint
    fields = ("kind", "position", "updated_at")


@admin.register(DataSource)
class DataSourceAdmin(TenantScopedHistoryAdmin):
    form = DataSourceForm
    list_display = ("name", "account", "kind", "enabled", "schedule_minutes", "last_success_at", "stale", "secrets")
    list_filter = (AccountListFilter, "kind", "enabled")
    list_select_related = ("account",)
    search_fields = ("name",)
    readonly_fields = ("secrets", "last_run_at", "last_success_at", "created_at")
    inlines = (CheckpointInline,)
    actions = ("test_connection", "sync_now")

    def get_fields(self, request, obj=None):
        fields = [
            "account",
            "name",
            "kind",
            "settings",
            "schedule_minutes",
            "enabled",
            "secrets",
            "replace_credentials",
        ]
        return fields + (["last_run_at", "last_success_at", "created_at"] if obj is not None else [])

    def get_readonly_fields(self, request, obj=None):
        # The account decides whose data a source writes; moving it would mix organizations' data.
        return (*self.readonly_fields, "account") if obj is not None else self.readonly_fields

    @method_decorator(sensitive_post_parameters("replace_credentials"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.credentials_replaced:
            record_credentials_change(source=obj, request=request, names=form.cleaned_data["replace_credentials"])

    @admin.display(description=_("credentials"))
    def secrets(self, obj):
        return "set" if obj is not None and obj.has_credentials else "not set"

    @admin.display(boolean=True, description=_("stale (24 h)"))
    def stale(self, obj):
        return obj.is_stale(clock.now())

    @admin.action(description=_("Test connection"), permissions=["change"])
    def test_connection(self, request, queryset):
        for source in queryset.select_related("account"):
            worked, message = sync.test_connection(source)
            self.message_user(request, f"{source.name}: {message}", messages.SUCCESS if worked else messages.ERROR)

    @admin.action(description=_("Sync now"), permissions=["change"])
    def sync_now(self, request, queryset):
        account_ids = sorted(set(queryset.values_list("account_id", flat=True)))
        for account_id in account_ids:
            transaction.on_commit(partial(async_task, "datasources.tasks.sync_account", account_id, "manual"))
        self.message_user(
            request,
            ngettext(
                "Sync queued for %(count)d account; see the sync runs.",
                "Sync queued for %(count)d accounts; see the sync runs.",
                len(account_ids),
            )
            % {"count": len(account_ids)},
        )


def _counts_table(counts: dict):
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (kind, c.get("created", 0), c.get("updated", 0), c.get("unchanged", 0), c.get("rejected", 0))
            for kind, c in counts.items()
        ),
    )
    head = mark_safe("<tr><th>kind</th><th>created</th><th>updated</th><th>unchanged</th><th>rejected</th></tr>")  # noqa: S308 - a constant
    return format_html("<table>{}{}</table>", head, rows)


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyFactsAdmin):
    list_display = (
        "data_source",
        "account",
        "status",
        "trigger",
        "started_at",
        "took",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "pages",
    )
    list_filter = (AccountListFilter, "status", "trigger")
    list_select_related = ("data_source", "account")
    fields = (
        "data_source",
        "account",
        "status",
        "trigger",
        "started_at",
        "finished_at",
        "took",
        "pages",
        "counts_by_kind",
        "error_list",
        "request_ids",
    )
    readonly_fields = ("took", "counts_by_kind", "error_list", "request_ids", "created", "updated", "unchanged")

    @admin.display(description=_("duration"))
    def took(self, obj):
        return "—" if obj.duration is None else f"{obj.duration.total_seconds():.1f}s"

    @admin.display(description=_("created"))
    def created(self, obj):
        return obj.total("created")

    @admin.display(description=_("updated"))
    def updated(self, obj):
        return obj.total("updated")

    @admin.display(description=_("unchanged"))
    def unchanged(self, obj):
        return obj.total("unchanged")

    @admin.display(description=_("rejected"))
    def rejected(self, obj):
        return obj.total("rejected")

    @admin.display(description=_("counts"))
    def counts_by_kind(self, obj):
        return _counts_table(obj.counts) if obj.counts else "—"

    @admin.display(description=_("errors"))
    def error_list(self, obj):
        if not obj.errors:
            return "none"
        items = ((e.get("kind", ""), e.get("message", ""), e.get("request_id") or "—") for e in obj.errors)
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {} (request id {})</li>", items))

    @admin.display(description=_("HTTP calls (request ids)"))
    def request_ids(self, obj):
        shown = obj.request_log[-200:]  # the end of the log is where a failure is explained
        rows = (
            (e.get("operation"), e.get("attempt"), e.get("status") or e.get("error") or "—", e.get("request_id") or "—")
            for e in shown
        )
        lead = f"{len(obj.request_log)} calls; the last {len(shown)}:" if obj.request_log else "no calls"
        return format_html("{}<ul>{}</ul>", lead, format_html_join("", "<li>{} #{}: {} · {}</li>", rows))


@admin.register(SyncCheckpoint)
class SyncCheckpointAdmin(ReadOnlyFactsAdmin):
    list_display = ("data_source", "kind", "position", "updated_at")
    list_filter = ("kind",)
    list_select_related = ("data_source", "data_source__account")
    search_fields = ("data_source__name",)
