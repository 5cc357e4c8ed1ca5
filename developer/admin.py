"""The developer center: an organization's admins issue, list and revoke API keys in the portal.

The secret is shown once, on the page right after creation, and never again (only its hash is kept).
Keys are revoked, never deleted or edited, so the audit trail and history keep pointing at them.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from acorn_portal import clock
from acorn_portal.admin_base import TenantScopedAdmin
from developer.models import APIKey
from developer.scopes import Scope
from developer.services.keys import issue_api_key, revoke_api_key, roles_issuable_by


class APIKeyCreateForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, help_text=_("What the key may call.")
    )
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        initial=365,
        help_text=_("Leave empty for a key that never expires (not recommended)."),
    )

    class Meta:
        model = APIKey
        fields = ["organization", "name", "role"]
        help_texts = {
            "role": "The key acts as a member with this role: it may do what the role may do, within its scopes.",
        }


@admin.register(APIKey)
class APIKeyAdmin(TenantScopedAdmin):
    list_display = (
        "name",
        "prefix",
        "organization",
        "role",
        "scope_list",
        "created",
        "last_used_at",
        "expiry_date",
        "status",
    )
    list_filter = ("revoked", "role")
    list_select_related = ("organization",)
    search_fields = ("name", "=prefix")
    actions = ["revoke_keys"]
    readonly_fields = ("prefix",)

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.status

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = APIKeyCreateForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form = self._capped_to_issuer(form, request.user)
        return form

    @staticmethod
    def _capped_to_issuer(form_class, user):
        """Only roles the issuer holds every permission of, in the chosen organization (checked on save)."""

        class CappedForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if user.is_superuser:
                    return
                organizations = list(self.fields["organization"].queryset[:2])
                if len(organizations) == 1:  # with several, the choice is checked against the one picked
                    allowed = roles_issuable_by(user, organizations[0])
                    self.fields["role"].choices = [c for c in self.fields["role"].choices if c[0] in allowed]

            def clean(self):
                cleaned = super().clean()
                organization, role = cleaned.get("organization"), cleaned.get("role")
                if organization and role and role not in roles_issuable_by(user, organization):
                    self.add_error("role", _("A key may not do more than you may: choose a role within yours."))
                return cleaned

        return CappedForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "name", "role", "scopes", "expires_in_days"]
        return self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("name", "prefix", "organization", "role", "scope_list", "status", "created", "created_by",
                "last_used_at", "expiry_date", "revoked_at")  # fmt: skip

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail and history keep pointing at the key

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing about a key is edited; it is revoked or left alone
        if not self.in_organizations(request, obj, "add"):
            raise PermissionDenied
        days = form.cleaned_data.get("expires_in_days")
        try:
            key, secret = issue_api_key(
                organization=form.cleaned_data["organization"],
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                role=form.cleaned_data["role"],
                expires_at=clock.now() + timedelta(days=days) if days else None,
                created_by=request.user,
                request=request,
            )
        except ValidationError as exc:
            raise PermissionDenied(exc.messages[0]) from None
        for model_field in APIKey._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(key, model_field.attname))
        obj._state.adding = False
        request._acorn_api_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_acorn_api_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API key created",
            "key": obj,
            "secret": secret,
        }
        response = TemplateResponse(request, "developer/key_created.html", context)
        response["Cache-Control"] = "no-store"  # the secret must not linger in a cache
        return response

    @admin.action(description=_("Revoke selected API keys"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        revoked = 0
        for key in queryset:
            if not key.revoked:
                revoke_api_key(key=key, actor=request.user, request=request)
                revoked += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d key revoked; clients using it now get 401.",
                "%(count)d keys revoked; clients using them now get 401.",
                revoked,
            )
            % {"count": revoked},
            messages.SUCCESS,
        )


# Webhooks (endpoints, delivery log), the ledger export (GL mapping, exports) and OAuth apps have their own modules.
from developer import admin_ledger, admin_oauth, admin_webhooks  # noqa: E402, F401 - registers the admin classes
