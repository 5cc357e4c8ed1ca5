"""The developer center's OAuth pages: apps the organization registered, and apps it allowed.

An admin registers an app (its client id, and for a confidential client a secret shown once) and
revokes apps and approvals here; approving happens on the consent page (/oauth/authorize/).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from acorn_portal.admin_base import TenantScopedAdmin
from developer.models import AppAuthorization, RegisteredApp
from developer.services.oauth import register_app, revoke_app, revoke_authorization


class RegisteredAppForm(forms.ModelForm):
    name = forms.CharField(max_length=255, help_text=_("Shown to admins on the consent page."))
    redirect_uris = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: where ACORN sends the browser back with the code (https; http only on 127.0.0.1)."),
    )
    confidential = forms.BooleanField(
        required=False,
        help_text=_(
            "A server-side app that can keep a client secret. Leave unticked for browser, desktop and CLI apps "
            "(they rely on PKCE alone)."
        ),
    )

    class Meta:
        model = RegisteredApp
        fields = ["organization"]


@admin.register(RegisteredApp)
class RegisteredAppAdmin(TenantScopedAdmin):
    list_display = ("app_name", "client_id", "organization", "client_type", "redirect_uris", "created_at", "status")
    list_select_related = ("application", "organization")
    actions = ["revoke_apps"]

    @admin.display(description=_("name"))
    def app_name(self, obj):
        return obj.application.name

    @admin.display(description=_("client id"))
    def client_id(self, obj):
        return obj.application.client_id

    @admin.display(description=_("client type"))
    def client_type(self, obj):
        return obj.application.client_type

    @admin.display(description=_("redirect URIs"))
    def redirect_uris(self, obj):
        return obj.application.redirect_uris

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.status

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RegisteredAppForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "name", "redirect_uris", "confidential"]
        return self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("app_name", "client_id", "organization", "client_type", "redirect_uris", "registered_by",
                "created_at", "status", "revoked_at")  # fmt: skip

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: approvals and the audit trail keep pointing at the app

    def save_model(self, request, obj, form, change):
        if change:
            return
        if not self.in_organizations(request, obj, "add"):
            raise PermissionDenied
        try:
            app, secret = register_app(
                organization=form.cleaned_data["organization"],
                name=form.cleaned_data["name"],
                redirect_uris=form.cleaned_data["redirect_uris"],
                confidential=form.cleaned_data["confidential"],
                registered_by=request.user,
                request=request,
            )
        except ValidationError as exc:
            raise PermissionDenied(exc.messages[0]) from None
        obj.pk = app.pk
        obj.application = app.application
        obj._state.adding = False
        request._acorn_client_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "OAuth app registered",
            "app": obj,
            "secret": getattr(request, "_acorn_client_secret", None),
        }
        response = TemplateResponse(request, "developer/oauth_app_registered.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke selected apps (every organization's approval ends)"), permissions=["change"])
    def revoke_apps(self, request, queryset):
        for app in queryset:
            revoke_app(app=app, actor=request.user, request=request)
        self.message_user(request, _("App(s) revoked; their tokens no longer work."), messages.SUCCESS)


@admin.register(AppAuthorization)
class AppAuthorizationAdmin(TenantScopedAdmin):
    list_display = (
        "app_name",
        "organization",
        "role",
        "scope_list",
        "approved_by",
        "approved_at",
        "last_used",
        "status",
    )
    list_select_related = ("application", "organization", "key", "approved_by")
    actions = ["revoke_authorizations"]

    @admin.display(description=_("app"))
    def app_name(self, obj):
        return obj.application.name

    @admin.display(description=_("role"))
    def role(self, obj):
        return obj.key.get_role_display()

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.key.scopes)

    @admin.display(description=_("last used"))
    def last_used(self, obj):
        return obj.key.last_used_at

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.status

    def get_readonly_fields(self, request, obj=None):
        return ("app_name", "organization", "role", "scope_list", "approved_by", "approved_at", "last_used",
                "status", "revoked_at")  # fmt: skip

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def has_add_permission(self, request):
        return False  # apps are allowed on the consent page, where the app asks

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke selected apps' access"), permissions=["change"])
    def revoke_authorizations(self, request, queryset):
        for authorization in queryset.select_related("key"):
            revoke_authorization(authorization=authorization, actor=request.user, request=request)
        self.message_user(request, _("Access revoked; the app's tokens no longer work."), messages.SUCCESS)
