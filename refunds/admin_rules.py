"""Admin pages for policy: the deduction-type catalogue, each organization's rules, co-op agreements,
and the verdict shown on a deduction (an inline and a read-only field any chargeback admin can use).

Thin on purpose: saving a rule only saves it; the model's post_save receiver enqueues the re-timing
of the cases it governs after the transaction commits.
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from acorn_portal.models import Organization, VendorAccount
from refunds.models import ChargebackAssessment, CoopAgreement, DeductionType, PolicyRule
from refunds.services.verdict_display import render_verdict


class OrganizationScopedMixin:
    """Rows and foreign-key choices limited to the user's organizations (superusers see all)."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model in (Organization, VendorAccount):
            kwargs["queryset"] = db_field.related_model.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(DeductionType)
class DeductionTypeAdmin(SimpleHistoryAdmin):
    """Amazon's deduction types as the research found them; members read, superusers edit."""

    list_display = ["code", "name", "family", "category", "region", "confidence", "is_disputable"]
    list_filter = ["family", "confidence", "region"]
    search_fields = ["=code", "name", "aliases"]
    readonly_fields = ["source_links"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="Sources")
    def source_links(self, obj):
        return format_html_join(mark_safe("<br>"), '<a href="{}" rel="noopener">{}</a>', ((s, s) for s in obj.sources))


@admin.register(PolicyRule)
class PolicyRuleAdmin(OrganizationScopedMixin, SimpleHistoryAdmin):
    """Dispute windows, blackouts, rounds, evidence and minimums; editing re-times the governed cases."""

    list_display = [
        "id",
        "organization",
        "family",
        "deduction_type",
        "marketplace",
        "region",
        "window_days",
        "window_anchor",
        "blackout_days",
        "effective_from",
        "effective_to",
        "confidence",
    ]
    list_filter = ["family", "window_anchor", "marketplace", "region", "confidence"]
    list_select_related = ["organization", "deduction_type"]
    search_fields = ["note", "deduction_type__code", "deduction_type__name"]
    autocomplete_fields = ["deduction_type"]
    readonly_fields = ["seed_key", "updated_at", "source_links"]
    fieldsets = [
        (None, {"fields": ["organization", "family", "deduction_type", "marketplace", "region"]}),
        ("In force", {"fields": ["effective_from", "effective_to"]}),
        ("Window", {"fields": ["window_days", "window_anchor", "blackout_days", "blackout_anchor"]}),
        ("Dispute", {"fields": ["max_dispute_rounds", "required_evidence", "min_amount", "min_amount_currency"]}),
        ("Source", {"fields": ["note", "sources", "source_links", "confidence", "seed_key", "updated_at"]}),
    ]

    @admin.display(description="Source links")
    def source_links(self, obj):
        return format_html_join(mark_safe("<br>"), '<a href="{}" rel="noopener">{}</a>', ((s, s) for s in obj.sources))


@admin.register(CoopAgreement)
class CoopAgreementAdmin(OrganizationScopedMixin, SimpleHistoryAdmin):
    """The co-op terms co-op deductions are checked against."""

    list_display = ["agreement_id", "account", "vendor_code", "base", "rate_percent", "flat_amount", "starts_on"]
    list_filter = ["base"]
    list_select_related = ["account"]
    search_fields = ["=agreement_id", "vendor_code", "name"]


class VerdictInline(admin.StackedInline):
    """The stored assessment on a chargeback's page, read-only; add it to the chargeback admin's inlines."""

    model = ChargebackAssessment
    can_delete = False
    extra = 0
    max_num = 0
    fields = ["verdict"]
    readonly_fields = ["verdict"]
    verbose_name = verbose_name_plural = "Verdict"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Recommendation and checks")
    def verdict(self, obj):
        return render_verdict(obj.chargeback)


class VerdictFieldMixin:
    """`verdict` as a read-only field for a chargeback admin (`readonly_fields = [..., "verdict"]`)."""

    @admin.display(description="Verdict")
    def verdict(self, obj):
        # render_to_string returns a SafeString: the template escapes every value.
        return render_verdict(obj) if obj and obj.pk else format_html("<p>{}</p>", "Not saved yet.")
