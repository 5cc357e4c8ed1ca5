"""Checklist step of alerts: somewhere to send deadline reminders (a chat channel)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from acorn_portal.checklist import register_step
from refunds.models import AlertChannel


@register_step("alert_channel", _("Add an alert channel"), order=70)
def alert_channel(organization, user):
    return AlertChannel.objects.filter(organization=organization).exists(), reverse("admin:refunds_alertchannel_add")
