"""Files attached to a case (evidence), the dispute packets built from them, and comments.

Files live under MEDIA_ROOT (outside the web root, never served by URL) at a path made of the
organization id and a random UUID: the uploaded name is kept only as a label, never as a path.
They are served through permission-checked views in `refunds.views`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal.tenancy import TenantQuerySet
from acorn_portal.uploads import ALL_TYPES
from refunds.choices import EvidenceKind

# Detected content type → file extension used in storage and in packet names.
EXTENSIONS = {
    **{file_type.content_type: file_type.extension for file_type in ALL_TYPES},
    "application/zip": "zip",  # dispute packets (built by ACORN, never uploaded)
}


def _stored_path(prefix: str, instance, filename: str) -> str:
    # `filename` (the user's) is deliberately ignored.
    ext = EXTENSIONS.get(instance.content_type, "bin")
    return f"{prefix}/{instance.chargeback.account.organization_id}/{instance.uuid.hex}.{ext}"


def evidence_path(instance, filename):
    return _stored_path("evidence", instance, filename)


def packet_path(instance, filename):
    return _stored_path("packets", instance, filename)


class EvidenceQuerySet(TenantQuerySet):
    def current(self):
        """Files that count: a removed file stays in the record but no longer supports anything."""
        return self.filter(removed_at__isnull=True)


class Evidence(models.Model):
    """A document supporting a dispute: proof of delivery, bill of lading, photos…

    A wrong upload is removed softly before filing (`removed_at`, who and why): it leaves the
    checks, the verdict and the packet, and stays in the case's history.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chargeback = models.ForeignKey("refunds.Chargeback", on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=evidence_path, max_length=200, editable=False)
    original_name = models.CharField(max_length=255, blank=True, help_text=_("As uploaded; a label only."))
    content_type = models.CharField(max_length=100, editable=False, help_text=_("Detected from the content."))
    size = models.PositiveBigIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    note = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    removal_reason = models.CharField(max_length=500, blank=True, editable=False)

    tenant_path = "chargeback__account__organization"
    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["chargeback", "uploaded_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name or self.uuid}"

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "bin")


class DisputePacket(models.Model):
    """A dispute packet as built and handed to Amazon, kept so an auditor can see what was sent."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chargeback = models.ForeignKey("refunds.Chargeback", on_delete=models.PROTECT, related_name="packets")
    round = models.PositiveSmallIntegerField(help_text=_("The dispute round the packet was built for."))
    file = models.FileField(upload_to=packet_path, max_length=200, editable=False)
    content_type = models.CharField(max_length=100, default="application/zip", editable=False)
    filename = models.CharField(max_length=200, help_text=_("Download name."))
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    evidence_count = models.PositiveIntegerField()
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    built_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "chargeback__account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["chargeback", "-built_at", "-id"]

    def __str__(self):
        return self.filename


class Comment(models.Model):
    """A note on a case; @username mentions of colleagues of the same organization are stored."""

    chargeback = models.ForeignKey("refunds.Chargeback", on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="chargeback_mentions")
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "chargeback__account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["chargeback", "created_at", "id"]

    def __str__(self):
        return f"{self.author} on {self.chargeback_id}: {self.body[:40]}"
