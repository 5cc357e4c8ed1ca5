"""Admin pages for alerts: settings, chat channels, watch rules, and the read-only alert log.

Managers and admins configure; the log is for looking (what went out, what failed and why).
Channel URLs and secrets are write-only: the form offers a replacement and never shows the value.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from acorn_portal.admin_base import TenantScopedAdmin, TenantScopedHistoryAdmin
from acorn_portal.marketplaces import MARKETPLACE_CHOICES
from acorn_portal.outbound import OutboundRefused, check_url
from refunds.choices import DeductionFamily
from refunds.models import AlertChannel, AlertLog, AlertSettings, WatchRule
from refunds.services.alerts.dispatch import retry_now


@admin.register(AlertSettings)
class AlertSettingsAdmin(TenantScopedHistoryAdmin):
    """Reminder lead times, the escalation threshold and the digest hour of an organization."""

    list_display = ["organization", "reminder_lead_days", "escalation_days", "digest_hour", "digest_time_zone"]
    list_select_related = ["organization"]
    search_fields = ["^organization__name"]


class AlertChannelForm(forms.ModelForm):
    new_url = forms.CharField(
        label=_("Webhook URL"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again; leave empty to keep the current one."),
    )
    new_secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("DingTalk / Feishu signing secret, if the bot has one. Leave empty to keep; '-' removes it."),
    )

    class Meta:
        model = AlertChannel
        fields = ["organization", "name", "kind", "for_deadlines", "for_data_alerts", "enabled"]

    def clean_new_url(self):
        url = self.cleaned_data["new_url"].strip()
        if not url and not (self.instance.pk and self.instance.url):
            raise ValidationError(_("Give the webhook URL the chat product showed you."))
        if url:
            try:
                check_url(url)
            except OutboundRefused as exc:
                raise ValidationError(str(exc)) from None
        return url

    def save(self, commit=True):
        channel = super().save(commit=False)
        if self.cleaned_data.get("new_url"):
            channel.url = self.cleaned_data["new_url"]
        secret = self.cleaned_data.get("new_secret", "").strip()
        if secret == "-":  # noqa: S105 - the "remove it" marker, not a password
            channel.secret = ""
        elif secret:
            channel.secret = secret
        if commit:
            channel.save()
        return channel


@admin.register(AlertChannel)
class AlertChannelAdmin(TenantScopedHistoryAdmin):
    """Chat webhooks (Slack, Teams, DingTalk, Feishu/Lark) alerts are posted to."""

    form = AlertChannelForm
    list_display = ["name", "organization", "kind", "for_deadlines", "for_data_alerts", "enabled", "signed"]
    list_filter = ["kind", "enabled"]
    list_select_related = ["organization"]
    search_fields = ["^name"]

    @admin.display(boolean=True, description=_("signed"))
    def signed(self, obj):
        return bool(obj.secret)


class WatchRuleForm(forms.ModelForm):
    families = forms.MultipleChoiceField(
        choices=DeductionFamily.choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=_("None: all.")
    )
    marketplaces = forms.MultipleChoiceField(
        choices=MARKETPLACE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, help_text=_("None: all.")
    )
    deduction_types = forms.CharField(
        required=False, help_text=_("Type codes, comma separated (e.g. asn_accuracy, shortage). Empty: all.")
    )

    class Meta:
        model = WatchRule
        fields = [
            "organization",
            "name",
            "enabled",
            "families",
            "deduction_types",
            "accounts",
            "marketplaces",
            "min_amount",
            "currency",
            "notify_assignee",
            "notify_team",
            "notify_managers",
            "users",
            "by_email",
            "channels",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["deduction_types"] = ", ".join(self.instance.deduction_types or [])

    def clean_deduction_types(self):
        return [code.strip() for code in self.cleaned_data["deduction_types"].split(",") if code.strip()]

    def clean(self):
        cleaned = super().clean()
        org = cleaned.get("organization")
        if org is None:
            return cleaned
        # The pickers list what the user may see, which can span organizations: each pick must be the rule's.
        for name, org_of in (
            ("accounts", lambda account: account.organization_id),
            ("channels", lambda channel: channel.organization_id),
        ):
            if any(org_of(item) != org.pk for item in cleaned.get(name) or []):
                self.add_error(
                    name,
                    _("Choose only %(what)s of %(organization)s.")
                    % {"what": self.fields[name].label, "organization": org},
                )
        users = cleaned.get("users") or []
        if any(not user.memberships.filter(organization=org).exists() for user in users):
            self.add_error("users", _("Choose members of %(organization)s only.") % {"organization": org})
        return cleaned


@admin.register(WatchRule)
class WatchRuleAdmin(TenantScopedHistoryAdmin):
    """Which cases are reminded about, to whom and how."""

    form = WatchRuleForm
    list_display = ["name", "organization", "enabled", "criteria", "by_email"]
    list_filter = ["enabled"]
    list_select_related = ["organization"]
    search_fields = ["^name"]
    filter_horizontal = ["accounts", "users", "channels"]

    @admin.display(description=_("cases"))
    def criteria(self, obj):
        parts = [", ".join(obj.families) if obj.families else "all families"]
        if obj.deduction_types:
            parts.append(", ".join(obj.deduction_types))
        if obj.marketplaces:
            parts.append(", ".join(obj.marketplaces))
        if obj.min_amount is not None:
            parts.append(f"≥ {obj.min_amount} {obj.currency}")
        elif obj.currency:
            parts.append(obj.currency)
        return "; ".join(parts)


@admin.register(AlertLog)
class AlertLogAdmin(TenantScopedAdmin):
    """Every alert claimed: to whom, over what, whether it went, and the last error."""

    list_display = ["created_at", "kind", "subject", "to", "status", "attempts", "last_error_short", "next_attempt_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["channel", "organization"]
    search_fields = ["^subject", "=key"]
    actions = ["retry_selected"]
    date_hierarchy = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("to"))
    def to(self, obj):
        return str(obj.channel) if obj.channel_id else obj.address

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:120]

    @admin.action(description=_("Retry now (pending or given-up alerts)"), permissions=["view"])
    def retry_selected(self, request, queryset):
        count = retry_now(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d alert will be sent by the next delivery run.",
                "%(count)d alerts will be sent by the next delivery run.",
                count,
            )
            % {"count": count},
        )
