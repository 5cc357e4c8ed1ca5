"""Getting data out: API keys and idempotency records, webhook endpoints and their deliveries,
GL account mappings and ledger exports."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from acorn_portal import clock
from acorn_portal.crypto import EncryptedTextField
from acorn_portal.money import CURRENCY_CHOICES
from acorn_portal.outbound import OutboundRefused, check_url
from acorn_portal.roles import Role
from acorn_portal.tenancy import TenantQuerySet
from developer.choices import DeliveryStatus, WebhookEventType


class APIKeyQuerySet(TenantQuerySet):
    def usable(self):
        """Neither revoked nor expired."""
        now = clock.now()
        return self.filter(revoked=False).filter(models.Q(expiry_date__isnull=True) | models.Q(expiry_date__gt=now))


class APIKeyManager(BaseAPIKeyManager.from_queryset(APIKeyQuerySet)):
    def assign_key(self, obj) -> str:
        secret = super().assign_key(obj)
        # The library makes "prefix.hash" the primary key; ours is a plain number, so the hash never
        # shows up in URLs, logs or the audit trail.
        obj.id = None
        return secret


class APIKey(AbstractAPIKey):
    """A key an integrator sends as `Authorization: Bearer <prefix>.<secret>`.

    Only the prefix and a SHA-512 hash are stored (djangorestframework-api-key). Each key acts as its
    own service user, a member of the key's organization with the role chosen at creation, so role
    permissions, organization scoping and history attribution work exactly as for people; the scopes
    narrow further what the key may call.
    """

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="api_keys")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key", editable=False
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OPERATIONS)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    tenant_path = "organization"
    # The library's manager (key generation and hashing) with our scoped QuerySet.
    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def status(self) -> str:
        if self.revoked:
            return "revoked"
        if self.has_expired:
            return "expired"
        return "active"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`, replayed for repeats.

    The row is inserted (unique per key + idempotency key + method + path) before the request runs,
    so a concurrent repeat finds it claimed and is refused instead of running a second time.
    """

    api_key = models.ForeignKey(APIKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64)
    completed = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    tenant_path = "api_key__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key", "method", "path"], name="unique_idempotency_key"),
        ]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"


# --- Webhooks ---------------------------------------------------------------------------------------

SECRET_PREFIX = "whsec_"  # noqa: S105 - a label, not a secret


def new_webhook_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def validate_events(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Subscribe to at least one event."))
    unknown = sorted(set(value) - set(WebhookEventType.values))
    if unknown:
        raise ValidationError(
            _("Unknown events: %(unknown)s. Known: %(known)s.")
            % {"unknown": ", ".join(map(str, unknown)), "known": ", ".join(WebhookEventType.values)}
        )


def validate_webhook_url(value: str) -> None:
    try:
        check_url(value)
    except OutboundRefused as exc:
        raise ValidationError(str(exc)) from None


class WebhookEndpoint(models.Model):
    """A URL of an integrator that receives the organization's events, signed with a shared secret.

    The secret is stored encrypted and shown once, when it is made; nobody reads it back later.
    """

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField("URL", max_length=500, validators=[validate_webhook_url])
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(
        default=list, validators=[validate_events], help_text=_("Event types this endpoint receives.")
    )
    secret = EncryptedTextField(editable=False)
    # After a rotation the old secret still signs (a second v1) until it expires, so receivers can
    # switch over without losing deliveries.
    previous_secret = EncryptedTextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_enabled = models.BooleanField("enabled", default=True)
    disabled_reason = models.TextField(blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("First failure of the current streak.")
    )
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "id"]
        verbose_name = _("webhook endpoint")

    def __str__(self):
        return self.description or self.url

    def clean(self):
        super().clean()
        self.events = sorted(set(self.events or []))

    def subscribes_to(self, event_name: str) -> bool:
        return event_name in (self.events or [])

    def signing_secrets(self, now) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one while it lasts."""
        secrets_now = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            secrets_now.append(self.previous_secret)
        return secrets_now


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with its attempts so far.

    Unique per (endpoint, event), so running the fan-out twice never sends an event twice. A worker
    takes a delivery by a conditional UPDATE of `locked_until`/`locked_by`; the row count says who won.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("acorn_portal.OutboxEvent", on_delete=models.CASCADE, related_name="+")
    event_name = models.CharField(max_length=60, editable=False)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty once finished."))
    give_up_at = models.DateTimeField(help_text=_("No attempt after this: the delivery is given up."))
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text=_("The start of the receiver's answer."))
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, help_text=_("X-Request-ID of the last attempt."))
    attempt_log = models.JSONField(default=list, blank=True, help_text=_("The latest attempts, newest last."))
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    locked_by = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "endpoint__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="unique_delivery_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.event_name} → {self.endpoint} ({self.get_status_display()})"


class WebhookCursor(models.Model):
    """How far the fan-out has read the outbox: the highest event id seen, and ids not committed yet.

    Outbox ids are handed out when rows are inserted but become visible when their transaction
    commits, so id 41 can appear after 42 was read. Ids skipped that way are kept in `gaps`
    ([low, high, first seen]) and looked up again on every run until they appear or grow too old
    (a rolled-back transaction never fills its ids).
    """

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} at event {self.last_event_id}"


# --- Ledger export --------------------------------------------------------------------------------


class GLAccountMapping(models.Model):
    """The organization's general-ledger account codes for the journal lines ACORN exports.

    A row without currency is the default; a row for a currency overrides it for that currency.
    """

    organization = models.ForeignKey(
        "acorn_portal.Organization", on_delete=models.CASCADE, related_name="gl_account_mappings"
    )
    currency = models.CharField(
        max_length=3, choices=CURRENCY_CHOICES, blank=True, help_text=_("Empty: every currency.")
    )
    accounts_receivable = models.CharField(
        max_length=40, help_text=_("Trade receivable from Amazon, which a deduction reduces.")
    )
    deductions_receivable = models.CharField(
        max_length=40, help_text=_("Deductions held as a claim until recovered or written off.")
    )
    chargeback_expense = models.CharField(max_length=40, help_text=_("Valid deductions accepted as a cost."))
    recoveries = models.CharField(max_length=40, help_text=_("Money Amazon paid back (remittance clearing)."))
    write_offs = models.CharField(max_length=40, help_text=_("Disputed deductions given up."))
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "currency"]
        verbose_name = _("GL account mapping")
        constraints = [
            models.UniqueConstraint(fields=["organization", "currency"], name="unique_gl_mapping_per_currency")
        ]

    def __str__(self):
        return f"GL accounts of {self.organization} ({self.currency or 'all currencies'})"

    def code_for(self, role: str) -> str:
        return getattr(self, role)


class LedgerExport(models.Model):
    """One batch of journal lines handed to an ERP; its lines are kept so it can be fetched again."""

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    period_from = models.DateField()
    period_to = models.DateField()
    line_count = models.PositiveIntegerField(default=0)
    totals = models.JSONField(default=dict, help_text=_("Debit and credit per currency (never summed across)."))
    complete = models.BooleanField(
        default=True, help_text=_("False when lines of the period were left for the next export (size limit).")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Until the ERP acknowledges an export, every read of the same period answers with it again.
    acknowledged_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the ERP confirmed it stored these lines; empty while pending.")
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization", "id"])]

    def __str__(self):
        return f"Ledger export #{self.pk} ({self.period_from} – {self.period_to}, {self.line_count} lines)"


class LedgerExportLine(models.Model):
    """A journal line as exported: unique per organization and line key, so none goes out twice."""

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    export = models.ForeignKey(LedgerExport, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    line_key = models.CharField(max_length=120)
    data = models.JSONField()

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["export", "position"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "line_key"], name="ledger_line_exported_once"),
            models.UniqueConstraint(fields=["export", "position"], name="unique_ledger_line_position"),
        ]

    def __str__(self):
        return self.line_key


# OAuth apps and their approvals live in their own module.
from developer.models_oauth import AppAuthorization, RegisteredApp  # noqa: E402, F401
