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
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from acorn_portal.admin_base import TenantScopedAdmin, TenantScopedHistoryAdmin
from acorn_portal.formatting import local_date
from acorn_portal.models import VendorAccount
from acorn_portal.tenancy import organization_ids_for, perm_in_org
from refunds.choices import CLOSED_STATES, PRE_FILING_STATES
from refunds.forms import AssignForm, CommentAddForm, EvidenceForm, ReasonForm, RecoveryForm, transition_form_class
from refunds.models import ApprovalThreshold, AssignmentRule, Evidence, Team, WorkflowSettings
from refunds.services import workflow
from refunds.services.assignment import assign, assign_to_me, for_each, route_by_rules
from refunds.services.comments import add_comment
from refunds.services.evidence import add_evidence
from refunds.services.matching import evaluate_chargebacks, schedule_evaluation
from refunds.services.packets import PACKET_STATES, build_packet
from refunds.services.related import related_documents
from refunds.services.timeline import case_timeline
from refunds.services.workflow import CaseChanged, action_label, available_transitions
from refunds.workflow_policy import required_evidence

WORKFLOW_ERRORS = (PermissionDenied, TransitionNotAllowed, ConcurrentTransition, ValidationError)


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


class QueueFilter(admin.SimpleListFilter):
    """The queues people work from, one click from the start page."""

    title = _("queue")
    parameter_name = "queue"
    QUEUES = {
        "mine": _("My cases"),
        "approval": _("Waiting for my approval"),
        "due7": _("Due in 7 days"),
        "unassigned": _("Unassigned"),
        "decided": _("Recently decided"),
    }

    def lookups(self, request, model_admin):
        return list(self.QUEUES.items())

    def queryset(self, request, queryset):
        user = request.user
        return {
            None: lambda: queryset,
            "mine": lambda: queryset.open().assigned_to(user),
            "approval": lambda: queryset.awaiting_approval_by(user),
            "due7": lambda: queryset.due_within(7),
            "unassigned": lambda: queryset.unassigned(),
            "decided": lambda: queryset.recently_decided(),
        }.get(self.value(), lambda: queryset.none())()


# Beyond this many selected cases the admin action hands the work to a task instead of waiting on it.
EVALUATE_NOW_LIMIT = 2000


class ChargebackWorkflowAdminMixin:
    """Case page, transition buttons, evidence, comments, packets, assignment and bulk actions."""

    change_form_template = "admin/refunds/chargeback/case.html"
    workflow_list_display = ("state", "owner", "deadline")
    workflow_list_filter = (QueueFilter, "state")
    actions = (
        "assign_to_me_action",
        "assign_action",
        "route_action",
        "request_approval_action",
        "accept_action",
        "evaluate_action",
    )

    # --- list ----------------------------------------------------------------------------------------

    @admin.display(description="owner", ordering="assignee__username")
    def owner(self, obj):
        """Unassigned work shows as such."""
        if obj.assignee_id:
            return obj.assignee.get_username()
        return gettext("team %(team)s (unassigned)") % {"team": obj.team} if obj.team_id else gettext("unassigned")

    @admin.display(description="deadline", ordering="due_on")
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
            path("<path:object_id>/comment/", wrap(self.comment_view), name=f"{info}_comment"),
            path("<path:object_id>/packet/", wrap(self.packet_view), name=f"{info}_packet"),
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
        present = set(obj.evidence.values_list("kind", flat=True))
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
            "case_transitions": [dict(t, needs_input=t["form"].__name__ != "NoteForm") for t in transitions],
            "case_requirements": [
                {"label": req.label, "why": req.why, "present": bool(req.kinds & present)}
                for req in required_evidence(obj)
            ],
            "case_evidence": obj.evidence.select_related("uploaded_by"),
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
            "comment_form": CommentAddForm(),
            "assign_form": AssignForm(organization_ids=[org_id]),
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
            add_evidence(chargeback=obj, actor=request.user, upload=form.cleaned_data["file"], **_without(form, "file"))
        except WORKFLOW_ERRORS as exc:
            self.message_user(
                request, gettext("Evidence not added: %(error)s") % {"error": error_text(exc)}, messages.ERROR
            )
        else:
            self.message_user(request, _("Evidence added."), messages.SUCCESS)
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

    @admin.display(description="members")
    def member_count(self, obj):
        return obj.members.count()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "members" in form.base_fields and obj is not None:
            # Only people of the team's own organization can be members.
            form.base_fields["members"].queryset = form.base_fields["members"].queryset.filter(
                memberships__organization_id=obj.organization_id
            )
        return form


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(TenantScopedHistoryAdmin):
    list_display = (
        "priority",
        "organization",
        "account",
        "family",
        "deduction_type",
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
    list_display = ("organization", "settlement_requires_legal")
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

    @admin.display(description="case")
    def case_link(self, obj):
        url = reverse("admin:refunds_chargeback_change", args=[obj.chargeback_id])
        return format_html('<a href="{}">{}</a>', url, obj.chargeback.amazon_id)

    @admin.display(description="file")
    def file_link(self, obj):
        return format_html('<a href="{}">download</a>', reverse("refunds:evidence-download", args=[obj.uuid]))


def queue_links(request) -> list[dict]:
    """The start page's queues with capped counts (never a full COUNT over a million rows)."""
    from refunds.models import Chargeback

    if not request.user.has_perm("refunds.view_chargeback"):
        return []
    base = Chargeback.objects.all()
    if organization_ids_for(request.user) is not None:
        # By account ids rather than through the accounts table: the planner misjudges that join's
        # selectivity and reads a third of the table from the account index (refunds.admin_caselist).
        base = base.filter(
            account_id__in=list(VendorAccount.objects.visible_to(request.user).values_list("pk", flat=True))
        )
    url = reverse("admin:refunds_chargeback_changelist")
    cap = 999
    links = []
    for key, label in QueueFilter.QUEUES.items():
        queryset = QueueFilter(request, {"queue": [key]}, Chargeback, None).queryset(request, base)
        count = queryset.order_by()[: cap + 1].count()
        links.append(
            {"key": key, "label": label, "url": f"{url}?queue={key}", "count": f"{cap}+" if count > cap else count}
        )
    return links


# The start page shows the queues above the app list (template: admin/acorn_index.html).
admin.site.index_template = "admin/acorn_index.html"
