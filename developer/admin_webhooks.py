"""Admin for webhook endpoints (organization admins manage them) and the read-only delivery log.

The signing secret is shown once, on the page right after creating an endpoint (or rotating its
secret), rendered straight into that response: it is never stored in a message, a log or a form.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from acorn_portal.admin_base import TenantScopedAdmin, admin_link
from acorn_portal.tenancy import organizations_with_perm, perm_in_org
from developer.choices import WebhookEventType
from developer.models import WebhookDelivery, WebhookEndpoint
from developer.services import endpoints as service


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The events this endpoint receives."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["organization", "url", "description", "events"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantScopedAdmin):
    form = WebhookEndpointForm
    list_display = ("__str__", "url", "organization", "is_enabled", "consecutive_failures", "last_success_at")
    list_filter = ("is_enabled",)
    list_select_related = ("organization",)
    search_fields = ("url", "description")
    readonly_fields = (
        "secret_status",
        "is_enabled",
        "disabled_reason",
        "disabled_at",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "created_by",
        "created_at",
        "recent_deliveries",
    )
    actions = ["enable", "disable", "rotate_secret"]

    @admin.display(description=_("signing secret"))
    def secret_status(self, obj):
        return "set (shown once when made; rotate it to get a new one)" if obj and obj.pk else "made when you save"

    @admin.display(description=_("recent deliveries"))
    def recent_deliveries(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = list(obj.deliveries.order_by("-id")[:10])
        if not rows:
            return "None yet."
        items = format_html_join(
            "", "<li>{} — {}</li>", ((admin_link(d), d.error or d.get_status_display()) for d in rows)
        )
        return format_html("<ul>{}</ul>", items)

    def save_model(self, request, obj, form, change):
        if not self.in_organizations(request, obj, "change" if change else "add"):
            raise PermissionDenied
        if change:
            service.update_endpoint(
                endpoint=obj, url=obj.url, description=obj.description, events=form.cleaned_data["events"]
            )
            return
        endpoint, secret = service.create_endpoint(
            organization=obj.organization,
            url=obj.url,
            events=form.cleaned_data["events"],
            description=obj.description,
            actor=request.user,
            request=request,
        )
        obj.pk, obj._new_secret = endpoint.pk, secret

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_secret(request, obj, obj._new_secret, "Webhook endpoint created")

    def _show_secret(self, request, endpoint, secret, title):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "endpoint": endpoint,
            "secret": secret,
            "opts": self.opts,
        }
        response = TemplateResponse(request, "admin/developer/webhook_secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def _writable(self, request, queryset):
        allowed = [e for e in queryset if self.in_organizations(request, e, "change")]
        if len(allowed) != len(queryset):
            raise PermissionDenied
        return allowed

    @admin.action(description=_("Enable selected endpoints"), permissions=["change"])
    def enable(self, request, queryset):
        for endpoint in self._writable(request, queryset):
            service.enable_endpoint(endpoint=endpoint)
        self.message_user(request, _("Enabled; deliveries still open will be sent."), messages.SUCCESS)

    @admin.action(description=_("Disable selected endpoints"), permissions=["change"])
    def disable(self, request, queryset):
        for endpoint in self._writable(request, queryset):
            service.disable_endpoint(
                endpoint=endpoint, reason=f"Disabled by {request.user.get_username()}.", request=request
            )
        self.message_user(request, _("Disabled."), messages.SUCCESS)

    @admin.action(description=_("Rotate the signing secret (shown once)"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        endpoints = self._writable(request, queryset)
        if len(endpoints) != 1:
            self.message_user(request, _("Rotate one endpoint at a time."), messages.ERROR)
            return None
        secret = service.rotate_secret(endpoint=endpoints[0], actor=request.user, request=request)
        return self._show_secret(request, endpoints[0], secret, "Webhook secret rotated")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantScopedAdmin):
    """The delivery log: read-only; a redelivery is an action."""

    list_display = (
        "id",
        "event_name",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "last_attempt_at",
        "next_attempt_at",
        "error_short",
    )
    list_filter = ("status", "event_name")
    list_select_related = ("endpoint",)
    search_fields = ("=id", "=request_id", "=event__id")
    actions = ["redeliver"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields if not f.primary_key]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("error"))
    def error_short(self, obj):
        return (obj.error[:80] + "…") if len(obj.error) > 80 else obj.error

    def has_redeliver_permission(self, request):
        return organizations_with_perm(request.user, "developer.change_webhookendpoint") != set()

    @admin.action(description=_("Redeliver selected deliveries now"), permissions=["redeliver"])
    def redeliver(self, request, queryset):
        done = 0
        for delivery in queryset.select_related("endpoint"):
            if not perm_in_org(request.user, "developer.change_webhookendpoint", delivery.endpoint.organization_id):
                raise PermissionDenied
            try:
                service.redeliver(delivery=delivery)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request,
                    _("Delivery %(id)s: %(problem)s") % {"id": delivery.pk, "problem": " ".join(exc.messages)},
                    messages.WARNING,
                )
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery will be sent again within a minute.",
                    "%(count)d deliveries will be sent again within a minute.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
