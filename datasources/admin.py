"""Admin for data sources (credentials write-only), their sync runs and checkpoints.

Credentials are entered once and never shown again: the form offers "replace credentials" and the
page only says whether some are set. The history of a data source leaves them out.
Verbs (test connection, sync now) are actions that call services; no HTTP in `save_model`.
"""

import json
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_q.tasks import async_task

from acorn_portal.admin_base import (
    AccountListFilter,
    ReadOnlyFactsAdmin,
    ReadOnlyTabularInline,
    TenantScopedHistoryAdmin,
)
from datasources.models import DataSource, SyncCheckpoint, SyncRun
from datasources.services import sync


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

    def clean_replace_credentials(self):
        value = self.cleaned_data["replace_credentials"]
        if not value:
            return None
        try:
            parsed = json.loads(value)
        except ValueError:
            raise forms.ValidationError("Not valid JSON (the value is not shown again; paste it anew).") from None
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise forms.ValidationError("Give a JSON object of strings.")
        return parsed

    def save(self, commit=True):
        if self.cleaned_data.get("replace_credentials"):
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

    @admin.display(description="credentials")
    def secrets(self, obj):
        return "set (hidden)" if obj is not None and obj.has_credentials else "none"

    @admin.display(boolean=True, description="stale (24 h)")
    def stale(self, obj):
        return obj.is_stale(timezone.now())

    @admin.action(description="Test connection", permissions=["change"])
    def test_connection(self, request, queryset):
        for source in queryset.select_related("account"):
            worked, message = sync.test_connection(source)
            self.message_user(request, f"{source.name}: {message}", messages.SUCCESS if worked else messages.ERROR)

    @admin.action(description="Sync now", permissions=["change"])
    def sync_now(self, request, queryset):
        account_ids = sorted(set(queryset.values_list("account_id", flat=True)))
        for account_id in account_ids:
            transaction.on_commit(partial(async_task, "datasources.tasks.sync_account", account_id, "manual"))
        self.message_user(request, f"Sync queued for {len(account_ids)} account(s); see the sync runs.")


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

    @admin.display(description="duration")
    def took(self, obj):
        return "—" if obj.duration is None else f"{obj.duration.total_seconds():.1f}s"

    @admin.display(description="created")
    def created(self, obj):
        return obj.total("created")

    @admin.display(description="updated")
    def updated(self, obj):
        return obj.total("updated")

    @admin.display(description="unchanged")
    def unchanged(self, obj):
        return obj.total("unchanged")

    @admin.display(description="rejected")
    def rejected(self, obj):
        return obj.total("rejected")

    @admin.display(description="counts")
    def counts_by_kind(self, obj):
        return _counts_table(obj.counts) if obj.counts else "—"

    @admin.display(description="errors")
    def error_list(self, obj):
        if not obj.errors:
            return "none"
        items = ((e.get("kind", ""), e.get("message", ""), e.get("request_id") or "—") for e in obj.errors)
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {} (request id {})</li>", items))

    @admin.display(description="HTTP calls (request ids)")
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
