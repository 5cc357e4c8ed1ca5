"""The workflow side of the portal: the case page, queues, bulk actions, and workflow configuration.

`ChargebackWorkflowAdminMixin` is mixed into `refunds.admin.ChargebackAdmin` (there is one
chargeback admin). Everything here is thin: each button, form and action calls a service in
`refunds.services` and reports with `message_user`; the services decide who may do what.

Django-fsm-2's FSMAdminMixin is deliberately not used: it runs transitions straight on the model
(bypassing our services) and, in 4.2.4, without a permission check on a crafted POST (docs/decisions/
0001-transitions-through-services.md). Our transition view dispatches by name to the service, which checks everything.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from acorn_portal.admin_base import TenantScopedAdmin, TenantScopedHistoryAdmin
from acorn_portal.formatting import local_date
from acorn_portal.services.people import real_people
from acorn_portal.tenancy import perm_in_org
from refunds.admin_queues import QueueFilter
from refunds.choices import CLOSED_STATES, PRE_FILING_STATES, ChargebackState
from refunds.forms import (
    AssignForm,
    AttachEvidenceForm,
    CommentAddForm,
    EvidenceForm,
    ReasonForm,
    RecoveryForm,
    RemoveEvidenceForm,
    SettlementReviewForm,
    SettlementTermsForm,
    transition_form_class,
)
from refunds.labels import type_label
from refunds.models import ApprovalThreshold, AssignmentRule, Evidence, Team, WorkflowSettings
from refunds.services import workflow
from refunds.services.assignment import assign, assign_to_me, for_each, route_by_rules
from refunds.services.comments import add_comment
from refunds.services.decision import decision
from refunds.services.evidence import add_evidence_files, attach_to_cases, remove_evidence
from refunds.services.matching import evaluate_chargebacks, schedule_evaluation
from refunds.services.packets import PACKET_STATES, build_packet
from refunds.services.related import related_documents
from refunds.services.settlement import record_settlement_terms, review_settlement
from refunds.services.timeline import case_timeline
from refunds.services.workflow import CaseChanged, action_label, available_transitions
from refunds.workflow_policy import required_evidence

WORKFLOW_ERRORS = (PermissionDenied, TransitionNotAllowed, ConcurrentTransition, ValidationError)
# Transitions decided on the case's merits: their page shows the decision panel before the button.
DECIDING_TRANSITIONS = {"approve_dispute", "send_back", "accept_deduction"}


def error_text(exc) -> str:
    # Messages kept in English (gettext_noop) are in the catalogue too: translate them for the reader.
    if isinstance(exc, ValidationError):
        return " ".join(gettext(str(m)) for m in exc.messages)
    return gettext(str(exc)) if str(exc) else gettext("Not allowed.")


def deadline_text(case) -> str:
    """ "due in 5 days", "due today", "overdue by 2 days" (in the marketplace's calendar)."""
    days = case.days_left()
    if days is None:
        return gettext("no deadline yet")
    if case.state not in PRE_FILING_STATES:
        return gettext("was due %(day)s") % {"day": local_date(case.due_on)}
    if days > 1:
        return ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}
    if days == 1:
        return gettext("due tomorrow")
    if days == 0:
        return gettext("due today")
    return ngettext("overdue by %(days)d day", "overdue by %(days)d days", -days) % {"days": -days}


# Beyond this many selected cases the admin action hands the work to a task instead of waiting on it.
EVALUATE_NOW_LIMIT = 2000


class ChargebackWorkflowAdminMixin:
    """Case page, transition buttons, evidence, comments, packets, assignment and bulk actions."""

    change_form_template = "admin/refunds/chargeback/case.html"
    workflow_list_display = ("state", "owner", "deadline")
    workflow_list_filter = (QueueFilter, "state")
    actions = (
        "attach_evidence_action",
        "assign_to_me_action",
        "assign_action",
        "route_action",
        "request_approval_action",
        "accept_action",
        "evaluate_action",
    )

    # --- list ----------------------------------------------------------------------------------------

    @admin.display(description=_("owner"), ordering="assignee__username")
    def owner(self, obj):
        """Unassigned work shows as such."""
        if obj.assignee_id:
            return obj.assignee.get_username()
        return gettext("team %(team)s (unassigned)") % {"team": obj.team} if obj.team_id else gettext("unassigned")

    @admin.display(description=_("deadline"), ordering="due_on")
    def deadline(self, obj):
        return deadline_text(obj)

    # --- urls ------------------------------------------------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/workflow/<str:name>/", wrap(self.transition_view), name=f"{info}_transition"),
            path("<path:object_id>/assign/", wrap(self.assign_view), name=f"{info}_assign"),
            path("<path:object_id>/evidence/", wrap(self.evidence_view), name=f"{info}_evidence"),
            path(
                "<path:object_id>/evidence/<uuid:evidence_uuid>/remove/",
                wrap(self.remove_evidence_view),
                name=f"{info}_remove_evidence",
            ),
            path("<path:object_id>/comment/", wrap(self.comment_view), name=f"{info}_comment"),
            path("<path:object_id>/packet/", wrap(self.packet_view), name=f"{info}_packet"),
            path("<path:object_id>/settlement/", wrap(self.settlement_view), name=f"{info}_settlement"),
            path(
                "<path:object_id>/settlement/review/",
                wrap(self.settlement_review_view),
                name=f"{info}_settlement_review",
            ),
            *super().get_urls(),
        ]

    def _url(self, name, obj, *args):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=[obj.pk, *args])

    def _case_or_404(self, request, object_id):
        """The case if this user may see it; another organization's case does not exist."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404(_("No such case."))
        return obj

    @staticmethod
    def _as_seen(obj, request):
        """Compare against the version the page showed, so a stale page gets "this case changed"."""
        seen = request.POST.get("version")
        if seen is not None:
            try:
                obj.workflow_version = int(seen)
            except ValueError:
                obj.workflow_version = -1
        return obj

    def _back(self, obj, anchor=""):
        return HttpResponseRedirect(self._url("change", obj) + anchor)

    # --- the case page ---------------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None and self.has_view_permission(request, obj):
            context.update(self.case_context(request, obj))
        return super().change_view(request, object_id, form_url, context)

    def case_context(self, request, obj) -> dict:
        user, org_id = request.user, obj.organization_id
        present = set(obj.evidence.current().values_list("kind", flat=True))
        transitions = [
            {"name": t.name, "label": gettext(t.custom.get("label", t.name)), "form": transition_form_class(t.name)}
            for t in available_transitions(obj, user)
        ]
        may_assign = perm_in_org(user, "refunds.assign_chargeback", org_id)
        return {
            "case": obj,
            "case_version": obj.workflow_version,
            "case_deadline": deadline_text(obj),
            "case_days_left": obj.days_left(),
            "case_transitions": [
                dict(t, needs_input=t["form"].__name__ != "NoteForm" or t["name"] in DECIDING_TRANSITIONS)
                for t in transitions
            ],
            "decision": decision(obj),
            "case_requirements": [
                {"label": req.label, "why": req.why, "present": bool(req.kinds & present)}
                for req in required_evidence(obj)
            ],
            "case_evidence": obj.evidence.select_related("uploaded_by", "removed_by"),
            "can_remove_evidence": perm_in_org(user, "refunds.add_evidence", org_id) and obj.state in PRE_FILING_STATES,
            "remove_form": RemoveEvidenceForm(),
            "case_approvals": obj.approvals.select_related("approver"),
            "case_comments": obj.comments.select_related("author").prefetch_related("mentions"),
            "case_packets": obj.packets.select_related("built_by")[:10],
            "case_related": related_documents(obj),
            "case_timeline": case_timeline(obj),
            "case_rounds": obj.max_dispute_rounds(),
            "can_upload": perm_in_org(user, "refunds.add_evidence", org_id) and obj.state not in CLOSED_STATES,
            "can_comment": perm_in_org(user, "refunds.add_comment", org_id),
            "can_build_packet": obj.state in PACKET_STATES
            and (
                perm_in_org(user, "refunds.prepare_dispute", org_id)
                or perm_in_org(user, "refunds.file_dispute", org_id)
            ),
            "can_take": obj.state not in CLOSED_STATES
            and obj.assignee_id != user.pk
            and (may_assign or perm_in_org(user, "refunds.review_chargeback", org_id)),
            "may_assign": may_assign and obj.state not in CLOSED_STATES,
            "evidence_form": EvidenceForm(),
            **self._settlement_context(user, obj),
            "comment_form": CommentAddForm(),
            "assign_form": AssignForm(organization_ids=[org_id]),
        }

    @staticmethod
    def _settlement_context(user, obj) -> dict:
        terms = getattr(obj, "settlement", None)
        settings = WorkflowSettings.for_organization(obj.organization_id)
        in_settlement = obj.state == ChargebackState.SETTLEMENT
        return {
            "settlement": terms,
            "settlement_shown": in_settlement or terms is not None,
            "settlement_review_required": settings.settlement_requires_legal_review,
            "can_record_terms": in_settlement and perm_in_org(user, "refunds.open_settlement", obj.organization_id),
            "can_review_terms": in_settlement
            and terms is not None
            and terms.reviewed_at is None
            and perm_in_org(user, "refunds.approve_settlement", obj.organization_id),
            "settlement_form": SettlementTermsForm(
                initial={"amount_offered": terms.amount_offered, "amount_accepted": terms.amount_accepted}
                if terms
                else None
            ),
            "settlement_review_form": SettlementReviewForm(),
        }

    # --- transitions -----------------------------------------------------------------------------------

    def transition_view(self, request, object_id, name):
        """GET: the transition's form; POST: run the service. Refusals come back as messages."""
        obj = self._case_or_404(request, object_id)
        if name not in workflow.SERVICES:
            raise Http404(_("No such transition."))
        if request.method != "POST" and name not in {t.name for t in available_transitions(obj, request.user)}:
            # No form for a step the user cannot take now; a POST still goes to the service to be refused.
            self.message_user(
                request,
                gettext("“%(action)s” is not available to you on this case now.") % {"action": action_label(name)},
                messages.WARNING,
            )
            return self._back(obj)
        form_class = transition_form_class(name)
        extra = {"chargeback": obj} if form_class is RecoveryForm else {}
        form = form_class(request.POST or None, **extra)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.SERVICES[name](chargeback=self._as_seen(obj, request), actor=request.user, **form.cleaned_data)
            except CaseChanged as exc:
                self.message_user(request, gettext(str(exc)), messages.WARNING)
                return self._back(obj)
            except ValidationError as exc:
                self._form_errors(form, exc)
            except WORKFLOW_ERRORS as exc:
                self.message_user(request, f"{action_label(name)}{gettext(': ')}{error_text(exc)}", messages.ERROR)
                return self._back(obj)
            else:
                self.message_user(
                    request, gettext("%(action)s: done.") % {"action": action_label(name)}, messages.SUCCESS
                )
                return self._back(obj)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": f"{action_label(name)} — {obj}",
            "form": form,
            "transition_label": action_label(name),
            "case_version": request.POST.get("version", obj.workflow_version),
            "decision": decision(obj) if name in DECIDING_TRANSITIONS else None,
        }
        return TemplateResponse(request, "admin/refunds/chargeback/transition.html", context)

    @staticmethod
    def _form_errors(form, exc: ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)

    # --- assignment, evidence, comments, packets -------------------------------------------------------

    def _post_only(self, request):
        if request.method != "POST":
            raise Http404(_("Use the case page."))

    def assign_view(self, request, object_id):
        obj = self._case_or_404(request, object_id)
        self._post_only(request)
        try:
            if "to_me" in request.POST:
                assign_to_me(chargeback=self._as_seen(obj, request), actor=request.user)
            else:
                form = AssignForm(request.POST, organization_ids=[obj.organization_id])
                if not form.is_valid():
                    raise ValidationError(form.non_field_errors() or "Choose a person or a team.")
                assign(chargeback=self._as_seen(obj, request), actor=request.user, **form.cleaned_data)
        except WORKFLOW_ERRORS as exc:
            self.message_user(request, gettext("Assignment: %(error)s") % {"error": error_text(exc)}, messages.ERROR)
        else:
            self.message_user(request, _("Assigned."), messages.SUCCESS)
        return self._back(obj)

    def evidence_view(self, request, object_id):
        obj = self._case_or_404(request, object_id)
        self._post_only(request)
        form = EvidenceForm(request.POST, request.FILES)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            stored = add_evidence_files(
                chargeback=obj, actor=request.user, uploads=form.cleaned_data["file"], **_without(form, "file")
            )
        except WORKFLOW_ERRORS as exc:
            self.message_user(request, _("Evidence not added: %(why)s") % {"why": error_text(exc)}, messages.ERROR)
        else:
            self.message_user(
                request,
                ngettext("Evidence added (%(n)d file).", "Evidence added (%(n)d files).", len(stored))
                % {"n": len(stored)},
                messages.SUCCESS,
            )
        return self._back(obj, "#evidence")

    def remove_evidence_view(self, request, object_id, evidence_uuid):
        obj = self._case_or_404(request, object_id)
        self._post_only(request)
        item = obj.evidence.filter(uuid=evidence_uuid).first()
        if item is None:
            raise Http404("No such file on this case.")
        form = RemoveEvidenceForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Say why the file is removed."))
            remove_evidence(evidence=item, actor=request.user, reason=form.cleaned_data["reason"])
        except WORKFLOW_ERRORS as exc:
            self.message_user(request, _("Not removed: %(why)s") % {"why": error_text(exc)}, messages.ERROR)
        else:
            self.message_user(request, _("Removed %(name)s.") % {"name": item.original_name}, messages.SUCCESS)
        return self._back(obj, "#evidence")

    def comment_view(self, request, object_id):
        obj = self._case_or_404(request, object_id)
        self._post_only(request)
        form = CommentAddForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Write something."))
            add_comment(chargeback=obj, actor=request.user, body=form.cleaned_data["body"])
        except WORKFLOW_ERRORS as exc:
            self.message_user(
                request, gettext("Comment not added: %(error)s") % {"error": error_text(exc)}, messages.ERROR
            )
        return self._back(obj, "#comments")

    def settlement_view(self, request, object_id):
        obj = self._case_or_404(request, object_id)
        self._post_only(request)
        form = SettlementTermsForm(request.POST, request.FILES)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            record_settlement_terms(chargeback=obj, actor=request.user, **form.cleaned_data)
        except WORKFLOW_ERRORS as exc:
            self.message_user(request, _("Terms not recorded: %(why)s") % {"why": error_text(exc)}, messages.ERROR)
        else:
            self.message_user(request, _("Settlement terms recorded."), messages.SUCCESS)
        return self._back(obj, "#settlement")

    def settlement_review_view(self, request, object_id):
        obj = self._case_or_404(request, object_id)
        self._post_only(request)
        form = SettlementReviewForm(request.POST)
        try:
            form.is_valid()
            review_settlement(chargeback=obj, actor=request.user, note=form.cleaned_data.get("note", ""))
        except WORKFLOW_ERRORS as exc:
            self.message_user(request, _("Not reviewed: %(why)s") % {"why": error_text(exc)}, messages.ERROR)
        else:
            self.message_user(request, _("Settlement terms reviewed."), messages.SUCCESS)
        return self._back(obj, "#settlement")

    def packet_view(self, request, object_id):
        obj = self._case_or_404(request, object_id)
        self._post_only(request)
        try:
            packet = build_packet(chargeback=obj, actor=request.user)
        except WORKFLOW_ERRORS as exc:
            self.message_user(
                request, gettext("Packet not built: %(error)s") % {"error": error_text(exc)}, messages.ERROR
            )
        else:
            link = format_html(
                gettext("Dispute packet built: %(link)s") % {"link": '<a href="{}">{}</a>'},
                reverse("refunds:packet-download", args=[packet.uuid]),
                packet.filename,
            )
            self.message_user(request, link, messages.SUCCESS)
        return self._back(obj, "#packets")

    # --- bulk actions ----------------------------------------------------------------------------------

    def _report(self, request, outcome, done_text):
        if outcome.done:
            self.message_user(request, done_text % {"count": len(outcome.done)}, messages.SUCCESS)
        for case, message in outcome.failed[:20]:
            self.message_user(request, f"{case.amazon_id}: {gettext(str(message))}", messages.ERROR)
        if len(outcome.failed) > 20:
            self.message_user(
                request, gettext("… and %(count)s more refused.") % {"count": len(outcome.failed) - 20}, messages.ERROR
            )

    @staticmethod
    def _cases(queryset):
        return queryset.select_related("account__organization").order_by("pk")

    @admin.action(description=gettext_lazy("Attach one file to the selected cases…"))
    def attach_evidence_action(self, request, queryset):
        applying = "apply" in request.POST
        form = AttachEvidenceForm(request.POST if applying else None, request.FILES if applying else None)
        if form.is_bound and form.is_valid():
            try:
                stored = attach_to_cases(
                    chargebacks=self._cases(queryset),
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    **_without(form, "file"),
                )
            except WORKFLOW_ERRORS as exc:
                self.message_user(request, _("Not attached: %(why)s") % {"why": error_text(exc)}, messages.ERROR)
                return None
            self.message_user(
                request,
                _("%(name)s attached to %(n)d case(s).") % {"name": stored[0].original_name, "n": len(stored)},
                messages.SUCCESS,
            )
            return None
        return self._bulk_page(
            request, queryset, form, "attach_evidence_action", _("Attach one file to the selected cases")
        )

    @admin.action(description=_("Assign to me"))
    def assign_to_me_action(self, request, queryset):
        self._report(
            request,
            for_each(self._cases(queryset), assign_to_me, actor=request.user),
            gettext("%(count)s case(s) assigned to you."),
        )

    @admin.action(description=_("Assign to a person or team…"))
    def assign_action(self, request, queryset):
        org_ids = sorted(set(self._cases(queryset).values_list("account__organization_id", flat=True)))
        form = AssignForm(request.POST if "apply" in request.POST else None, organization_ids=org_ids)
        if form.is_bound and form.is_valid():
            outcome = for_each(self._cases(queryset), assign, actor=request.user, **form.cleaned_data)
            return self._report(request, outcome, gettext("%(count)s case(s) assigned."))
        return self._bulk_page(request, queryset, form, "assign_action", "Assign the selected cases")

    @admin.action(description=_("Route by assignment rules"))
    def route_action(self, request, queryset):
        self._report(
            request,
            for_each(self._cases(queryset), route_by_rules, actor=request.user),
            gettext("%(count)s case(s) routed."),
        )

    @admin.action(description=_("Request approval"))
    def request_approval_action(self, request, queryset):
        outcome = for_each(self._cases(queryset), workflow.request_approval, actor=request.user)
        self._report(request, outcome, gettext("%(count)s case(s) sent for approval."))

    @admin.action(description=_("Re-evaluate (match and judge again now)"), permissions=["view"])
    def evaluate_action(self, request, queryset):
        ids = list(queryset.order_by().values_list("pk", flat=True))
        if len(ids) > EVALUATE_NOW_LIMIT:
            schedule_evaluation(ids, cause=f"re-evaluation requested by {request.user}"[:60])
            self.message_user(
                request,
                gettext("%(count)s cases will be re-evaluated in the background.") % {"count": len(ids)},
                messages.SUCCESS,
            )
            return
        run = evaluate_chargebacks(ids, cause=f"re-evaluated on request by {request.user}"[:60])
        self.message_user(
            request,
            gettext("Re-evaluated %(evaluated)s cases; %(changed)s changed.")
            % {"evaluated": run.evaluated, "changed": run.changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Accept as valid deductions…"))
    def accept_action(self, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            outcome = for_each(
                self._cases(queryset), workflow.accept_deduction, actor=request.user, **form.cleaned_data
            )
            return self._report(request, outcome, gettext("%(count)s case(s) accepted."))
        return self._bulk_page(request, queryset, form, "accept_action", "Accept the selected deductions")

    def _bulk_page(self, request, queryset, form, action, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "action": action,
            "cases": queryset[:200],
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/refunds/chargeback/bulk_form.html", context)


def _without(form, *names):
    return {key: value for key, value in form.cleaned_data.items() if key not in names}


# --- workflow configuration per organization ------------------------------------------------------


@admin.register(Team)
class TeamAdmin(TenantScopedHistoryAdmin):
    list_display = ("name", "organization", "strategy", "member_count")
    list_filter = ("strategy",)
    list_select_related = ("organization",)
    search_fields = ("^name",)
    filter_horizontal = ("members",)
    fields = ("organization", "name", "strategy", "members")

    @admin.display(description=_("members"))
    def member_count(self, obj):
        return obj.members.count()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "members" in form.base_fields and obj is not None:
            # Only people of the team's own organization can be members.
            form.base_fields["members"].queryset = real_people(
                form.base_fields["members"].queryset.filter(memberships__organization_id=obj.organization_id)
            )
        return form


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(TenantScopedHistoryAdmin):
    list_display = (
        "priority",
        "organization",
        "account",
        "family",
        "type_display",
        "band",
        "team",
        "user",
        "is_active",
    )
    list_filter = ("is_active", "family")
    list_select_related = ("organization", "account", "team", "user")
    fields = (
        "organization",
        "priority",
        "is_active",
        ("account", "family", "deduction_type"),
        ("currency", "min_amount", "max_amount"),
        ("team", "user"),
    )

    @admin.display(description=_("deduction type"))
    def type_display(self, obj):
        return type_label(obj.deduction_type) or "—"

    @admin.display(description=_("amount band"))
    def band(self, obj):
        if obj.min_amount is None and obj.max_amount is None:
            return "any"
        return f"{obj.min_amount or 0} – {obj.max_amount or '∞'} {obj.currency}"


@admin.register(ApprovalThreshold)
class ApprovalThresholdAdmin(TenantScopedHistoryAdmin):
    list_display = ("organization", "currency", "amount")
    list_select_related = ("organization",)


@admin.register(WorkflowSettings)
class WorkflowSettingsAdmin(TenantScopedHistoryAdmin):
    list_display = (
        "organization",
        "settlement_requires_legal",
        "settlement_requires_legal_review",
        "accept_limit",
        "accept_limit_currency",
    )
    list_select_related = ("organization",)


@admin.register(Evidence)
class EvidenceAdmin(TenantScopedAdmin):
    """Read-only list of uploaded evidence; uploads go through the case page (and its checks)."""

    list_display = (
        "original_name",
        "kind",
        "case_link",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "file_link",
    )
    list_filter = ("kind", "uploaded_at")
    list_select_related = ("chargeback", "uploaded_by")
    search_fields = ("=chargeback__amazon_id", "^original_name")
    fields = ("chargeback", "kind", "original_name", "content_type", "size", "sha256", "note", "uploaded_by")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # evidence sent to Amazon is part of the record

    @admin.display(description=_("case"))
    def case_link(self, obj):
        url = reverse("admin:refunds_chargeback_change", args=[obj.chargeback_id])
        return format_html('<a href="{}">{}</a>', url, obj.chargeback.amazon_id)

    @admin.display(description=_("file"))
    def file_link(self, obj):
        return format_html('<a href="{}">download</a>', reverse("refunds:evidence-download", args=[obj.uuid]))


# The start page shows the queues above the app list (template: admin/acorn_index.html).
admin.site.index_template = "admin/acorn_index.html"
