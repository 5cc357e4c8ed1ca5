"""Admin for organizations, memberships and vendor accounts.

Who may do what comes from the role groups (acorn_portal.roles) through Django permissions, checked
per organization by the base classes in acorn_portal.admin_base: only superusers add organizations;
an organization's admins rename it, add vendor accounts and manage its members; everyone else reads.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q

from acorn_portal.admin_base import ReadOnlyTabularInline, TenantScopedAdmin, TenantScopedHistoryAdmin
from acorn_portal.models import AuditEvent, ExchangeRate, Membership, Organization, VendorAccount


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
            raise forms.ValidationError("No active user has this username or email.")
        if len(matches) > 1:
            raise forms.ValidationError("Several users have this email; give the username instead.")
        return matches[0]


@admin.register(Membership)
class MembershipAdmin(TenantScopedHistoryAdmin):
    list_display = ("user", "user_email", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    list_select_related = ("user", "organization")
    search_fields = ("^user__username", "^user__email", "^organization__name")

    @admin.display(description="email", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

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
        fields = ("organization", "name", "vendor_codes", "marketplace", "is_active")

    def clean(self):
        cleaned = super().clean()
        # The organization is read-only after creation, so Django leaves the (organization, name)
        # constraint unchecked on change; check it here rather than fail on the database.
        organization = cleaned.get("organization") or getattr(self.instance, "organization", None)
        name = cleaned.get("name")
        if organization is not None and name:
            clash = VendorAccount.objects.filter(organization=organization, name=name).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", "This organization already has a vendor account with this name.")
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
            return ("organization", "name", "vendor_codes", "marketplace", "is_active")
        return (
            "organization",
            "name",
            "vendor_codes",
            "marketplace",
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


@admin.register(ExchangeRate)
class ExchangeRateAdmin(TenantScopedHistoryAdmin):
    """The rates the dashboard and reports may convert at (figures stay per currency beside them)."""

    list_display = ("organization", "from_currency", "to_currency", "rate", "valid_from")
    list_filter = ("from_currency", "to_currency")
    list_select_related = ("organization",)
    fields = ("organization", "from_currency", "to_currency", "rate", "valid_from")
    date_hierarchy = "valid_from"
