"""Models of the data sources app: report file imports, column mappings, data sources and their runs."""

import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal import clock
from acorn_portal.crypto import EncryptedTextField
from acorn_portal.tenancy import TenantQuerySet
from acorn_portal.uploads import BY_CONTENT_TYPE
from datasources.connectors.report_columns import ReportKind, header_key, mappable_fields


def import_upload_path(instance, filename: str) -> str:
    """Where an uploaded report is kept: a random name under MEDIA_ROOT/imports, never the uploaded name.

    The uploaded name is a string a stranger chose (`../../settings.py`); it is kept for display in
    `original_name` only, and the extension comes from the type detected in the content. MEDIA_ROOT
    is outside the web root and no URL serves it: `datasources.views.import_download` does, checked.
    """
    file_type = BY_CONTENT_TYPE.get(instance.content_type)
    return f"imports/{clock.now():%Y/%m}/{uuid.uuid4().hex}.{file_type.extension if file_type else 'bin'}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    IMPORTED = "imported", _("Imported")
    PARTIAL = "partial", _("Imported except rows with errors")
    FAILED = "failed", _("Not imported: rows with errors")
    REJECTED = "rejected", _("Not imported: unreadable file")


class FileImport(models.Model):
    """One uploaded Vendor Central report file and what importing it did.

    A file goes in whole or not at all unless `partial` was chosen, in which case the good rows go in
    and the bad ones are listed in `errors` (row, column, value, why) either way.
    """

    account = models.ForeignKey("acorn_portal.VendorAccount", on_delete=models.PROTECT, related_name="file_imports")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    file = models.FileField(upload_to=import_upload_path, max_length=200, editable=False)
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    content_type = models.CharField(
        max_length=100, blank=True, editable=False, help_text=_("Detected from the content.")
    )
    file_removed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the stored file was deleted under the retention policy."),
    )
    size = models.PositiveBigIntegerField(default=0, editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False, db_index=True)
    partial = models.BooleanField(
        "import good rows", default=False, help_text=_("Import the rows without errors even if others have errors.")
    )
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PROCESSING)
    message = models.TextField(blank=True, editable=False)
    rows = models.PositiveIntegerField(default=0, editable=False, help_text=_("Data rows read."))
    created = models.PositiveIntegerField(default=0, editable=False)
    updated = models.PositiveIntegerField(default=0, editable=False)
    unchanged = models.PositiveIntegerField(default=0, editable=False)
    rejected = models.PositiveIntegerField(default=0, editable=False)
    counts = models.JSONField(default=dict, blank=True, editable=False, help_text=_("Counts per document kind."))
    error_count = models.PositiveIntegerField(default=0, editable=False)
    errors = models.JSONField(default=list, blank=True, editable=False, help_text=_("Row errors (the first 1,000)."))
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "kind", "sha256"])]
        verbose_name = _("report file import")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name or 'file'} ({self.get_status_display()})"


class ColumnMapping(models.Model):
    """An organization's own name for a report column: `source_header` in its files means `field`.

    For headers ACORN does not know (a renamed export, a translated one, a spreadsheet someone
    edited); known spellings need no mapping. Compared like known headers: case, spaces and
    punctuation do not count.
    """

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    source_header = models.CharField(max_length=200, help_text=_("The column header as it appears in your files."))
    header_key = models.CharField(max_length=200, editable=False)
    field = models.CharField(max_length=40, help_text=_("The ACORN field the column holds."))
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "header_key"], name="unique_column_mapping")
        ]
        ordering = ["organization", "kind", "source_header"]

    def __str__(self):
        return f"{self.source_header} → {self.field}"

    def clean(self):
        """The header must say something and the field must belong to the kind of report."""
        self.header_key = header_key(self.source_header)
        if not self.header_key:
            raise ValidationError({"source_header": "Give the header as it appears in the file."})
        fields = dict(mappable_fields(self.kind)) if self.kind in ReportKind.values else {}
        if self.field not in fields:
            choices = ", ".join(f"{name} ({label})" for name, label in fields.items())
            raise ValidationError({"field": f"Not a field of this kind of report; one of: {choices}."})

    def save(self, *args, **kwargs):
        self.header_key = header_key(self.source_header)
        super().save(*args, **kwargs)


class DataSourceKind(models.TextChoices):
    """Connector kinds (datasources.connectors registry keys) a data source can use."""

    SPAPI_VENDOR = "spapi_vendor", _("Amazon SP-API (Vendor)")
    DATA_FEED = "data_feed", _("Third-party data feed (JSON)")


class DataSourceQuerySet(TenantQuerySet):
    def stale(self, now):
        """Enabled sources without a successful sync in the last STALE_AFTER (24 h): their data may be old."""
        cutoff = now - STALE_AFTER
        return self.filter(enabled=True).filter(
            models.Q(last_success_at__isnull=True) | models.Q(last_success_at__lt=cutoff)
        )


STALE_AFTER = timedelta(hours=24)


class DataSource(models.Model):
    """Where one vendor account's documents come from: a connector kind, its settings and credentials.

    Credentials are a JSON object encrypted at rest; the admin accepts a replacement but never shows
    them, and they are left out of the history.
    """

    account = models.ForeignKey("acorn_portal.VendorAccount", on_delete=models.CASCADE, related_name="data_sources")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=30, choices=DataSourceKind.choices)
    settings = models.JSONField(
        default=dict, blank=True, help_text=_("Connector settings (endpoint, paging, mapping).")
    )
    credentials = EncryptedTextField(blank=True, editable=False)
    schedule_minutes = models.PositiveIntegerField(default=60, help_text=_("Minutes between scheduled syncs."))
    enabled = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "account__organization"
    objects = DataSourceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["credentials"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="unique_source_name_per_account")]
        ordering = ["account", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def credential_values(self) -> dict:
        """The decrypted credentials as a dict (empty when none were entered)."""
        return json.loads(self.credentials) if self.credentials else {}

    def set_credentials(self, values: dict) -> None:
        self.credentials = json.dumps(values, sort_keys=True)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)

    def is_due(self, now) -> bool:
        """Whether the schedule wants a run now (never run, or the interval has passed)."""
        return self.enabled and (
            self.last_run_at is None or self.last_run_at <= now - timedelta(minutes=self.schedule_minutes)
        )

    def is_stale(self, now) -> bool:
        return self.enabled and (self.last_success_at is None or self.last_success_at < now - STALE_AFTER)


class SyncStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")


class SyncRun(models.Model):
    """One sync of one data source: when, how it ended, counts per document kind, errors, request ids.

    `counts` is {kind: {created, updated, unchanged, rejected}}; `errors` a list of
    {kind, message, request_id}; `request_log` every HTTP call made ({operation, status,
    request_id, attempt, elapsed_ms, error}). Written page by page, so a run killed half way shows
    what it committed.
    """

    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="runs")
    account = models.ForeignKey("acorn_portal.VendorAccount", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    trigger = models.CharField(max_length=20, default="schedule")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    request_log = models.JSONField(default=list, blank=True)
    log_removed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the request log and errors were removed under the retention policy.")
    )

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["data_source", "-started_at"]), models.Index(fields=["account", "status"])]

    def __str__(self):
        return f"{self.data_source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self):
        return None if self.finished_at is None else self.finished_at - self.started_at

    def total(self, name: str) -> int:
        return sum(kind.get(name, 0) for kind in self.counts.values())


class SyncCheckpoint(models.Model):
    """How far a data source has read one document kind; saved with each committed page."""

    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="checkpoints")
    kind = models.CharField(max_length=30)
    position = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "data_source__account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["data_source", "kind"], name="unique_checkpoint_per_kind")]
        ordering = ["data_source", "kind"]

    def __str__(self):
        return f"{self.data_source} · {self.kind}"


class SyncLease(models.Model):
    """Who is syncing an account, until when: claimed with a conditional UPDATE so no two runs overlap."""

    account = models.OneToOneField("acorn_portal.VendorAccount", on_delete=models.CASCADE, related_name="+")
    owner = models.CharField(max_length=80, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()

    def __str__(self):
        return f"{self.account_id}: {self.owner or 'free'}"
