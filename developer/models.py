"""API keys and the idempotency records of the requests made with them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from acorn_portal.roles import Role
from acorn_portal.tenancy import TenantQuerySet


class APIKeyQuerySet(TenantQuerySet):
    def usable(self):
        """Neither revoked nor expired."""
        now = timezone.now()
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
        verbose_name = "API key"
        verbose_name_plural = "API keys"
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
