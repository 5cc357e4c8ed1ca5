"""The chargeback case workflow: state machine, its conditions and who may take each transition.

`CaseWorkflow` is mixed into `Chargeback`. Transition bodies stay pure (no I/O, no save): the one
door in is `refunds.services.workflow`, which locks the row, checks permission and conditions,
calls the transition, saves with a history reason and writes the outbox event in one transaction.

Permissions are callables rather than plain codenames because a user's role depends on the
organization the case belongs to (see `acorn_portal.tenancy.perm_in_org`); each still names the Django
permission its role group must hold, so roles stay manageable as groups in the admin.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from acorn_portal import clock
from acorn_portal.formatting import local_date
from acorn_portal.tenancy import perm_in_org, same_person
from refunds.choices import PRE_FILING_STATES, ApprovalLevel, ChargebackState
from refunds.models.base import MoneyField
from refunds.workflow_policy import max_dispute_rounds, missing_evidence

S = ChargebackState

# Custom permissions on Chargeback: one per kind of work, granted to roles in acorn_portal.roles.
WORKFLOW_PERMISSIONS = [
    ("review_chargeback", "Start reviewing a case, park it until disputable"),
    ("prepare_dispute", "Prepare a dispute and request approval; re-dispute"),
    ("approve_dispute", "Approve a dispute (manager)"),
    ("second_approve_dispute", "Give the second approval above the threshold (finance)"),
    ("file_dispute", "Record the filing of a dispute with Amazon"),
    ("accept_deduction", "Accept a deduction as valid"),
    ("record_outcome", "Record Amazon's decision and recoveries"),
    ("write_off", "Write off a deduction"),
    ("open_settlement", "Move a denied case to settlement"),
    ("approve_settlement", "Open settlement where the organization requires legal"),
    ("expire_chargeback", "Expire a case whose window closed (normally the scheduler)"),
    ("assign_chargeback", "Assign cases to people and teams"),
]


# --- conditions: take the case only; each carries the sentence shown when it fails ---------------


def condition(message):
    """Attach the explanation a person sees when this condition blocks a transition."""

    def decorate(func):
        func.message = message
        return func

    return decorate


@condition(lambda case: _("The dispute window closed on %(day)s.") % {"day": local_date(case.due_on)})
def window_open(case) -> bool:
    return case.due_on is None or case.local_today() <= case.due_on


@condition(lambda case: _("The dispute window is still open.") if case.due_on else _("The case has no deadline yet."))
def window_closed(case) -> bool:
    return case.due_on is not None and case.local_today() > case.due_on


@condition(lambda case: _("Amazon accepts disputes only from %(day)s.") % {"day": local_date(case.disputable_from)})
def disputable_now(case) -> bool:
    return case.disputable_from is None or case.disputable_from <= case.local_today()


@condition(_("The deduction is already disputable."))
def not_yet_disputable(case) -> bool:
    return not disputable_now(case)


@condition(
    lambda case: _("Missing evidence: %(missing)s.")
    % {"missing": "; ".join(str(req.label) for req in case.missing_evidence())}
)
def evidence_complete(case) -> bool:
    return not case.missing_evidence()


@condition(
    lambda case: _("No dispute rounds left: policy allows %(rounds)s for this deduction.")
    % {"rounds": case.max_dispute_rounds()}
)
def rounds_left(case) -> bool:
    limit = case.max_dispute_rounds()
    return limit is None or case.dispute_round < limit


@condition(_("The whole deduction has already been recovered."))
def not_fully_recovered(case) -> bool:
    return case.recovered_amount is None or case.recovered_amount < case.amount


@condition(_("Legal must review the settlement terms first (the organization requires it)."))
def settlement_reviewed(case) -> bool:
    from refunds.models.approvals import WorkflowSettings

    if (
        case.state != S.SETTLEMENT
        or not WorkflowSettings.for_organization(case.organization_id).settlement_requires_legal_review
    ):
        return True
    terms = getattr(case, "settlement", None) if case.pk else None
    return terms is not None and terms.reviewed_at is not None


@condition(_("Settlement is for cases with no dispute rounds left or whose window has closed; re-dispute instead."))
def settlement_due(case) -> bool:
    return not rounds_left(case) or window_closed(case)


# --- permissions: (case, user) -> bool, always in the case's organization -------------------------


def org_perm(perm: str):
    """A transition permission: the user's roles in the case's organization include `perm`."""

    def check(case, user) -> bool:
        return perm_in_org(user, perm, case.organization_id)

    check.perm = perm
    return check


def may_approve(case, user) -> bool:
    """Four eyes: never the preparer, never twice the same person, only a level still missing."""
    return bool(case.approval_levels_open_to(user))


def may_send_back(case, user) -> bool:
    """Anyone who could approve may instead send the case back with a comment."""
    if user is None or same_person(user.pk, [case.prepared_by_id], case.organization_id):
        return False
    return any(perm_in_org(user, perm, case.organization_id) for perm in APPROVAL_PERMS.values())


def may_open_settlement(case, user) -> bool:
    """Legal only where the organization requires it, else whoever may open settlements."""
    from refunds.models.approvals import WorkflowSettings

    if WorkflowSettings.for_organization(case.organization_id).settlement_requires_legal:
        return perm_in_org(user, "refunds.approve_settlement", case.organization_id)
    return perm_in_org(user, "refunds.open_settlement", case.organization_id)


def may_accept(case, user) -> bool:
    """Whoever may accept deductions; above the organization's limit only a manager (nobody gives money up alone)."""
    from refunds.models.approvals import WorkflowSettings

    if not perm_in_org(user, "refunds.accept_deduction", case.organization_id):
        return False
    if WorkflowSettings.for_organization(case.organization_id).accept_needs_manager(case.amount, case.currency):
        return perm_in_org(user, "refunds.approve_dispute", case.organization_id)
    return True


APPROVAL_PERMS = {
    ApprovalLevel.MANAGER: "refunds.approve_dispute",
    ApprovalLevel.FINANCE: "refunds.second_approve_dispute",
}


def _user_fk(related_name: str, verbose_name: str):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # people who acted on a case stay resolvable for the audit
        related_name=related_name,
        verbose_name=verbose_name,
        editable=False,
    )


class CaseWorkflow(ConcurrentTransitionMixin, models.Model):
    """Workflow fields and transitions of a deduction case; sync never writes any of these."""

    # No index of its own: the deduction's (state, due_on) index leads with it (one fewer write per row).
    state = FSMField(choices=S.choices, default=S.NEW, protected=True, db_index=False)
    # Bumped by every workflow save: what a page showed is compared with it before a change.
    workflow_version = models.PositiveIntegerField(default=0, editable=False)
    state_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_chargebacks",
        editable=False,
        db_index=False,  # the deduction's (assignee, state, id) index leads with it
    )
    team = models.ForeignKey(
        "refunds.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="chargebacks", editable=False
    )
    assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    prepared_by = _user_fk("prepared_chargebacks", "prepared by")
    prepared_at = models.DateTimeField(null=True, blank=True, editable=False)
    requires_second_approval = models.BooleanField(default=False, editable=False)
    approved_by = _user_fk("approved_chargebacks", "approved by (manager)")
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    second_approved_by = _user_fk("second_approved_chargebacks", "second approval by (finance)")
    second_approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    dispute_round = models.PositiveSmallIntegerField(default=0, editable=False, help_text=_("Disputes filed so far."))
    filed_case_id = models.CharField(
        "Amazon dispute/case id", max_length=64, blank=True, editable=False, help_text=_("As recorded when filing.")
    )
    filed_on = models.DateField(null=True, blank=True, editable=False)

    amazon_approved_amount = MoneyField(null=True, blank=True, editable=False)
    recovered_amount = MoneyField(null=True, blank=True, editable=False)
    recovered_on = models.DateField(null=True, blank=True, editable=False)
    recovery_reference = models.CharField(max_length=100, blank=True, editable=False)
    recovery_line = models.ForeignKey(
        "refunds.RemittanceLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    written_off_amount = MoneyField(null=True, blank=True, editable=False)
    resolution_reason = models.TextField(blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    # --- helpers the conditions and permissions use -----------------------------------------------

    @property
    def organization_id(self) -> int:
        return self.account.organization_id

    def local_today(self):
        """Today in the marketplace's time zone: Amazon's deadlines are dates there."""
        return clock.today_in(self.account.tz)

    def days_left(self) -> int | None:
        return None if self.due_on is None else (self.due_on - self.local_today()).days

    def max_dispute_rounds(self) -> int | None:
        return max_dispute_rounds(self)

    def missing_evidence(self):
        return missing_evidence(self, self.evidence.current().values_list("kind", flat=True))

    def approval_levels_open_to(self, user) -> list[str]:
        """The approval levels this user could still give on this case (empty: may not approve)."""
        if user is None or not user.is_authenticated:
            return []
        # People, not accounts: a person's API key counts as that person.
        earlier = (self.prepared_by_id, self.approved_by_id, self.second_approved_by_id)
        if same_person(user.pk, earlier, self.organization_id):
            return []
        missing = []
        if self.approved_by_id is None:
            missing.append(ApprovalLevel.MANAGER)
        if self.requires_second_approval and self.second_approved_by_id is None:
            missing.append(ApprovalLevel.FINANCE)
        return [level for level in missing if perm_in_org(user, APPROVAL_PERMS[level], self.organization_id)]

    def _clear_approvals(self):
        self.approved_by = self.second_approved_by = None
        self.approved_at = self.second_approved_at = None

    # --- transitions (pure: set fields in memory only) ---------------------------------------------

    @transition(
        field="state",
        source=S.NEW,
        target=S.IN_REVIEW,
        conditions=[disputable_now, window_open],
        permission=org_perm("refunds.review_chargeback"),
        custom={"label": gettext_noop("Start review")},
    )
    def start_review(self, by=None):
        """Someone starts working the case."""

    @transition(
        field="state",
        source=S.NEW,
        target=S.WAITING,
        conditions=[not_yet_disputable],
        permission=org_perm("refunds.review_chargeback"),
        custom={"label": gettext_noop("Wait until disputable"), "system": True},
    )
    def wait_until_disputable(self, by=None):
        """Park a deduction Amazon does not let anyone dispute yet (shortage matching blackout)."""

    @transition(
        field="state",
        source=S.WAITING,
        target=S.NEW,
        conditions=[disputable_now],
        permission=org_perm("refunds.review_chargeback"),
        custom={"label": gettext_noop("Release to the queue"), "system": True},
    )
    def release(self, by=None):
        """The blackout is over: back to the queue."""

    @transition(
        field="state",
        source=[S.NEW, S.WAITING, S.IN_REVIEW],
        target=S.ACCEPTED,
        permission=may_accept,
        custom={"label": gettext_noop("Accept deduction")},
    )
    def accept_deduction(self, by=None, reason=""):
        """The deduction is valid: written off with a reason, nothing to dispute."""
        self.resolution_reason = reason
        self.written_off_amount = self.amount
        self.decided_at = clock.now()

    @transition(
        field="state",
        source=S.IN_REVIEW,
        target=S.PENDING_APPROVAL,
        conditions=[window_open, disputable_now, rounds_left, evidence_complete],
        permission=org_perm("refunds.prepare_dispute"),
        custom={"label": gettext_noop("Request approval")},
    )
    def request_approval(self, by=None, second_approval=False):
        """The preparer asks for approval; the amount decides whether finance must approve too."""
        self.prepared_by = by
        self.prepared_at = clock.now()
        self.requires_second_approval = second_approval
        self._clear_approvals()

    @transition(
        field="state",
        source=S.PENDING_APPROVAL,
        target=S.IN_REVIEW,
        permission=may_send_back,
        custom={"label": gettext_noop("Send back")},
    )
    def send_back(self, by=None, comment=""):
        """An approver returns the case to its preparer with a comment."""
        self._clear_approvals()

    @transition(
        field="state",
        source=S.PENDING_APPROVAL,
        target=RETURN_VALUE(S.APPROVED, S.PENDING_APPROVAL),
        conditions=[window_open],
        permission=may_approve,
        custom={"label": gettext_noop("Approve dispute")},
    )
    def approve_dispute(self, by=None, level=ApprovalLevel.MANAGER):
        """Record one approval; the case is approved once every required level has approved."""
        now = clock.now()
        if level == ApprovalLevel.FINANCE:
            self.second_approved_by, self.second_approved_at = by, now
        else:
            self.approved_by, self.approved_at = by, now
        complete = self.approved_by_id is not None and (
            not self.requires_second_approval or self.second_approved_by_id is not None
        )
        return S.APPROVED if complete else S.PENDING_APPROVAL

    @transition(
        field="state",
        source=[S.PENDING_APPROVAL, S.APPROVED],
        target=S.PENDING_APPROVAL,
        permission=org_perm("refunds.add_evidence"),
        custom={"label": gettext_noop("Back to approval (evidence changed)"), "system": True},
    )
    def reopen_approval(self, by=None):
        """Evidence changed after an approval: what was approved is no longer what would be filed."""
        self._clear_approvals()

    @transition(
        field="state",
        source=S.APPROVED,
        target=S.DISPUTED,
        conditions=[window_open, rounds_left],
        permission=org_perm("refunds.file_dispute"),
        custom={"label": gettext_noop("Record filing")},
    )
    def file_dispute(self, by=None, case_id="", filed_on=None):
        """The dispute went to Amazon: one more round used, with Amazon's case id and the date."""
        self.dispute_round += 1
        self.filed_case_id = case_id
        self.filed_on = filed_on or self.local_today()

    @transition(
        field="state",
        source=S.DISPUTED,
        target=S.AMAZON_APPROVED,
        permission=org_perm("refunds.record_outcome"),
        custom={"label": gettext_noop("Amazon approved")},
    )
    def record_amazon_approval(self, by=None, amount=None):
        """Amazon reversed the deduction (maybe partly); money counts only once seen in a remittance."""
        self.amazon_approved_amount = self.amount if amount is None else amount
        self.decided_at = clock.now()

    @transition(
        field="state",
        source=S.DISPUTED,
        target=S.DENIED,
        permission=org_perm("refunds.record_outcome"),
        custom={"label": gettext_noop("Amazon denied")},
    )
    def record_amazon_denial(self, by=None, reason=""):
        """Amazon refused the dispute."""
        self.resolution_reason = reason
        self.decided_at = clock.now()

    @transition(
        field="state",
        source=S.DENIED,
        target=S.IN_REVIEW,
        conditions=[rounds_left, window_open],
        permission=org_perm("refunds.prepare_dispute"),
        custom={"label": gettext_noop("Re-dispute")},
    )
    def redispute(self, by=None):
        """Prepare another round while policy allows; a new round needs new approvals."""
        self.prepared_by = None
        self.prepared_at = None
        self._clear_approvals()

    @transition(
        field="state",
        source=S.DENIED,
        target=S.SETTLEMENT,
        conditions=[settlement_due],
        permission=may_open_settlement,
        custom={"label": gettext_noop("Open settlement")},
    )
    def open_settlement(self, by=None):
        """No rounds left: pursue Amazon's open-statement / settlement path."""

    @transition(
        field="state",
        source=[S.AMAZON_APPROVED, S.SETTLEMENT, S.RECOVERED],
        target=S.RECOVERED,
        conditions=[not_fully_recovered, settlement_reviewed],
        permission=org_perm("refunds.record_outcome"),
        custom={"label": gettext_noop("Record recovery")},
    )
    def record_recovery(self, by=None, amount=None, recovered_on=None, reference="", line=None):
        """The credit showed up in a remittance; partial credits add up."""
        self.recovered_amount = (self.recovered_amount or 0) + amount
        self.recovered_on = recovered_on or self.local_today()
        self.recovery_reference = reference
        self.recovery_line = line
        self.decided_at = clock.now()

    @transition(
        field="state",
        source=[S.DENIED, S.SETTLEMENT],
        target=S.WRITTEN_OFF,
        conditions=[settlement_reviewed],
        permission=org_perm("refunds.write_off"),
        custom={"label": gettext_noop("Write off")},
    )
    def write_off(self, by=None, reason=""):
        """Give up on what was not recovered."""
        self.resolution_reason = reason
        self.written_off_amount = self.amount - (self.recovered_amount or 0)
        self.decided_at = clock.now()

    @transition(
        field="state",
        source=list(PRE_FILING_STATES),
        target=S.EXPIRED,
        conditions=[window_closed],
        permission=org_perm("refunds.expire_chargeback"),
        custom={"label": gettext_noop("Expire"), "system": True},
    )
    def expire(self, by=None):
        """The window closed before anything was filed."""
        self.decided_at = clock.now()
