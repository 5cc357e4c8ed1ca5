"""Admin for organizations, memberships and vendor accounts.

Who may do what comes from the role groups (acorn_portal.roles) through Django permissions, checked
per organization by the base classes in acorn_portal.admin_base: only superusers add organizations;
an organization's admins rename it, add vendor accounts and manage its members; everyone else reads.
"""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from acorn_portal.admin_base import ReadOnlyTabularInline, TenantScopedAdmin, TenantScopedHistoryAdmin
from acorn_portal.models import (
    AuditEvent,
    ExchangeRate,
    Membership,
    Organization,
    PurgeRecord,
    RetentionPolicy,
    VendorAccount,
)
from acorn_portal.services import lockout, two_factor


class MembershipInline(ReadOnlyTabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    list_select_related = ("user", "organization")


class VendorAccountInline(ReadOnlyTabularInline):
    model = VendorAccount
    fields = ("name", "marketplace", "currency", "vendor_codes", "is_active")


@admin.register(Organization)
class OrganizationAdmin(TenantScopedHistoryAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "^slug")
    inlines = (MembershipInline, VendorAccountInline)

    def get_readonly_fields(self, request, obj=None):
        # The slug is an identifier other systems may hold on to.
        return ("slug", "created_at") if obj is not None else ()


class UserIdentifierField(forms.CharField):
    """An existing user picked by username or email.

    A dropdown would list every user of every organization; an organization admin names the person
    instead, the way an invitation works.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "User")
        kwargs.setdefault(
            "help_text",
            "Username or email of an existing ACORN user (a superuser creates accounts for new people).",
        )
        super().__init__(**kwargs)

    def clean(self, value):
        identifier = super().clean(value).strip()
        matches = list(
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))[:2]
        )
        if not matches:
            raise forms.ValidationError(_("No active user has this username or email."))
        if len(matches) > 1:
            raise forms.ValidationError(_("Several users have this email; give the username instead."))
        return matches[0]


def _reset_two_factor_of(model_admin, request, users):
    done = []
    for user in users:
        try:
            two_factor.reset_two_factor(request=request, user=user)
        except PermissionDenied as error:
            model_admin.message_user(request, str(error), messages.ERROR)
        else:
            done.append(user.get_username())
    if done:
        model_admin.message_user(
            request,
            _("Two-factor authentication reset for %(people)s: they set it up again at their next sign-in.")
            % {"people": ", ".join(done)},
            messages.SUCCESS,
        )


def _clear_lockout_of(model_admin, request, users):
    done = []
    for user in users:
        try:
            lockout.clear_lockout(request=request, username=user.get_username())
        except PermissionDenied as error:
            model_admin.message_user(request, str(error), messages.ERROR)
        else:
            done.append(user.get_username())
    if done:
        model_admin.message_user(
            request, _("Sign-in lock cleared for %(people)s.") % {"people": ", ".join(done)}, messages.SUCCESS
        )


@admin.register(Membership)
class MembershipAdmin(TenantScopedHistoryAdmin):
    list_display = ("user", "user_email", "organization", "role", "two_factor", "created_at")
    list_filter = ("role", "organization")
    list_select_related = ("user", "organization")
    search_fields = ("^user__username", "^user__email", "^organization__name")
    actions = ("reset_two_factor", "clear_lockout")

    def get_queryset(self, request):
        enrolled = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(enrolled))

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description=_("2FA"), boolean=True, ordering="has_two_factor")
    def two_factor(self, obj):
        return obj.has_two_factor

    # The two verbs an organization's admin has over its people's accounts; each checks that the
    # actor administers every organization the person belongs to, and writes the audit trail.
    @admin.action(description=_("Reset two-factor authentication of the selected members"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        _reset_two_factor_of(self, request, {m.user for m in queryset.select_related("user")})

    @admin.action(description=_("Clear the sign-in lock of the selected members"), permissions=["change"])
    def clear_lockout(self, request, queryset):
        _clear_lockout_of(self, request, {m.user for m in queryset.select_related("user")})

    def get_fields(self, request, obj=None):
        return ("user", "organization", "role") if obj is None else ("user", "organization", "role", "created_at")

    def get_readonly_fields(self, request, obj=None):
        # To move someone, remove the membership and add another: the history then says so.
        return ("user", "organization", "created_at") if obj is not None else ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "user":
            return UserIdentifierField()
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class VendorAccountForm(forms.ModelForm):
    class Meta:
        model = VendorAccount
        fields = ("organization", "name", "vendor_codes", "marketplace", "payment_terms_net_days", "is_active")

    def clean(self):
        cleaned = super().clean()
        # The organization is read-only after creation, so Django leaves the (organization, name)
        # constraint unchecked on change; check it here rather than fail on the database.
        organization = cleaned.get("organization") or getattr(self.instance, "organization", None)
        name = cleaned.get("name")
        if organization is not None and name:
            clash = VendorAccount.objects.filter(organization=organization, name=name).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", _("This organization already has a vendor account with this name."))
        return cleaned


@admin.register(VendorAccount)
class VendorAccountAdmin(TenantScopedHistoryAdmin):
    form = VendorAccountForm
    list_display = ("name", "organization", "marketplace", "region", "currency", "time_zone", "is_active")
    list_filter = ("organization", "marketplace", "region", "is_active")
    list_select_related = ("organization",)
    search_fields = ("name", "^vendor_codes")

    def get_fields(self, request, obj=None):
        if obj is None:
            # Region, marketplace id, currency and time zone follow from the marketplace on save.
            return ("organization", "name", "vendor_codes", "marketplace", "payment_terms_net_days", "is_active")
        return (
            "organization",
            "name",
            "vendor_codes",
            "marketplace",
            "payment_terms_net_days",
            "region",
            "marketplace_id",
            "currency",
            "time_zone",
            "is_active",
            "created_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # Documents synced for the account are in its marketplace's currency; changing it would
        # make them wrong, so a different marketplace is a different account.
        return ("organization", "marketplace", "region", "marketplace_id", "currency", "time_zone", "created_at")


@admin.register(AuditEvent)
class AuditEventAdmin(TenantScopedAdmin):
    """The audit trail, read-only for everyone: superusers included (the model refuses edits too)."""

    list_display = ("at", "action", "actor_label", "organization", "address", "object_type", "object_id")
    list_filter = ("action",)
    list_select_related = ("organization",)
    search_fields = ("^actor_label", "=object_id", "=address")
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(TenantScopedHistoryAdmin):
    """How long an organization keeps closed cases, evidence and sync payloads; its admins edit it, with history.

    An organization without a row here keeps the defaults (3 years, 3 years, 1 year).
    """

    list_display = ("organization", "closed_cases_days", "evidence_days", "sync_payload_days", "updated_at")
    list_select_related = ("organization",)
    fields = ("organization", "closed_cases_days", "evidence_days", "sync_payload_days")

    def get_readonly_fields(self, request, obj=None):
        return ("organization",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # an empty field means "keep forever"; deleting would silently bring back the defaults


@admin.register(PurgeRecord)
class PurgeRecordAdmin(TenantScopedAdmin):
    """What each retention purge removed, per organization; a record, so nobody edits or deletes it."""

    list_display = ("started_at", "organization", "trigger", "removed", "error")
    list_filter = ("trigger",)
    list_select_related = ("organization",)
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields]

    @admin.display(description=_("removed"))
    def removed(self, obj):
        return ", ".join(f"{number} {kind}" for kind, number in sorted(obj.counts.items()) if number) or "nothing"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --------------------------------------------------------------------------------------------------
# Accounts: superusers reset anyone's second factor and clear any sign-in lock, always through the
# audited services. django-otp's own device admins are taken away: they would show the secrets and
# delete devices without an audit row.

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    actions = ("reset_two_factor", "clear_lockout")

    @admin.action(description=_("Reset two-factor authentication of the selected users"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        _reset_two_factor_of(self, request, list(queryset))

    @admin.action(description=_("Clear the sign-in lock of the selected users"), permissions=["change"])
    def clear_lockout(self, request, queryset):
        _clear_lockout_of(self, request, list(queryset))


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Failed sign-ins counted by django-axes (superusers). Deleting a row clears that lock, audited."""

    actions = ("clear_selected",)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # unaudited; "clear_selected" replaces it
        return actions

    @admin.action(description=_("Clear the sign-in lock of the selected attempts"), permissions=["delete"])
    def clear_selected(self, request, queryset):
        cleared = 0
        for attempt in queryset:
            cleared += lockout.clear_lockout(
                request=request, username=attempt.username or None, address=attempt.ip_address or None
            )
        self.message_user(
            request,
            ngettext("%(count)d failed sign-in record cleared.", "%(count)d failed sign-in records cleared.", cleared)
            % {"count": cleared},
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        lockout.clear_lockout(request=request, username=obj.username or None, address=obj.ip_address or None)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(TenantScopedHistoryAdmin):
    """The rates the dashboard and reports may convert at (figures stay per currency beside them)."""

    list_display = ("organization", "from_currency", "to_currency", "rate", "valid_from")
    list_filter = ("from_currency", "to_currency")
    list_select_related = ("organization",)
    fields = ("organization", "from_currency", "to_currency", "rate", "valid_from")
    date_hierarchy = "valid_from"
