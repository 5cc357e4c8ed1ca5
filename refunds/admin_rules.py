"""Admin pages for policy: the deduction-type catalogue, each organization's rules, co-op agreements.

The verdict itself leads the case page (refunds/decision.html, refunds.services.decision).

Thin on purpose: saving a rule only saves it; the model's post_save receiver enqueues the re-timing
of the cases it governs after the transaction commits.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from acorn_portal.admin_base import LargeTableMixin, TenantScopedHistoryAdmin
from refunds.choices import ProofKind
from refunds.models import CoopAgreement, DeductionType, PolicyRule


@admin.register(DeductionType)
class DeductionTypeAdmin(LargeTableMixin, SimpleHistoryAdmin):
    """Amazon's deduction types as the research found them; every member reads, superusers edit.

    Shared reference data (like the marketplace list): it holds nothing of any organization.
    """

    list_display = ["code", "name", "family", "category", "region", "confidence", "is_disputable"]
    list_filter = ["family", "confidence", "region"]
    search_fields = ["=code", "^name"]
    readonly_fields = ["source_links"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's version page reverts on POST after checking only the view permission.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description=_("Sources"))
    def source_links(self, obj):
        return format_html_join(mark_safe("<br>"), '<a href="{}" rel="noopener">{}</a>', ((s, s) for s in obj.sources))


class PolicyRuleForm(forms.ModelForm):
    """Evidence kinds as checkboxes rather than raw JSON."""

    required_evidence = forms.MultipleChoiceField(
        choices=ProofKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = PolicyRule
        fields = [
            "organization",
            "family",
            "deduction_type",
            "marketplace",
            "region",
            "effective_from",
            "effective_to",
            "window_days",
            "window_anchor",
            "blackout_days",
            "blackout_anchor",
            "max_dispute_rounds",
            "required_evidence",
            "min_amount",
            "min_amount_currency",
            "note",
            "sources",
            "confidence",
        ]


@admin.register(PolicyRule)
class PolicyRuleAdmin(TenantScopedHistoryAdmin):
    """Dispute windows, blackouts, rounds, evidence and minimums; editing re-times the governed cases."""

    form = PolicyRuleForm

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
    search_fields = ["=deduction_type__code", "^deduction_type__name", "^note"]
    autocomplete_fields = ["deduction_type"]
    readonly_fields = ["seed_key", "updated_at", "source_links"]
    fieldsets = [
        (None, {"fields": ["organization", "family", "deduction_type", "marketplace", "region"]}),
        (_("In force"), {"fields": ["effective_from", "effective_to"]}),
        (_("Window"), {"fields": ["window_days", "window_anchor", "blackout_days", "blackout_anchor"]}),
        (_("Dispute"), {"fields": ["max_dispute_rounds", "required_evidence", "min_amount", "min_amount_currency"]}),
        (_("Source"), {"fields": ["note", "sources", "source_links", "confidence", "seed_key", "updated_at"]}),
    ]

    @admin.display(description=_("Source links"))
    def source_links(self, obj):
        return format_html_join(mark_safe("<br>"), '<a href="{}" rel="noopener">{}</a>', ((s, s) for s in obj.sources))


@admin.register(CoopAgreement)
class CoopAgreementAdmin(TenantScopedHistoryAdmin):
    """The co-op terms co-op deductions are checked against."""

    list_display = ["agreement_id", "account", "vendor_code", "base", "rate_percent", "flat_amount", "starts_on"]
    list_filter = ["base"]
    list_select_related = ["account"]
    search_fields = ["=agreement_id", "=vendor_code", "^name"]
    autocomplete_fields = ["account"]
