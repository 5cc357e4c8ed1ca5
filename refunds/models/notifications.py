"""The portal's inbox: what a person should look at (mentions, assignments, approvals, reminders)."""

from django.conf import settings
from django.db import models

from acorn_portal.tenancy import TenantQuerySet


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mentioned you"
    ASSIGNMENT = "assignment", "Assigned to you"
    APPROVAL = "approval", "Approval requested"
    REMINDER = "reminder", "Deadline approaching"


class NotificationQuerySet(TenantQuerySet):
    def for_user(self, user):
        """A person's notifications, only from organizations they still belong to."""
        return self.filter(recipient=user, organization__memberships__user=user).distinct()

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person in one organization; read once they say so."""

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    chargeback = models.ForeignKey(
        "refunds.Chargeback", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "organization"
    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self):
        return self.text
