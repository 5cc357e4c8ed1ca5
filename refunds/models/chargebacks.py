"""Deductions Amazon took from the vendor: one `Chargeback` row per deduction."""

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal.money import CURRENCY_CHOICES, Money
from refunds.choices import DeductionFamily, Recommendation
from refunds.identifiers import normalize_po_number
from refunds.managers import ChargebackQuerySet
from refunds.models.base import AccountDocument, MoneyField
from refunds.models.workflow import WORKFLOW_PERMISSIONS, CaseWorkflow


def stats_fields():
    from refunds.services.stats import TRACKED_FIELDS

    return TRACKED_FIELDS


def stats_snapshot(instance):
    from refunds.services.stats import snapshot

    return snapshot(instance)


class Chargeback(CaseWorkflow, AccountDocument):
    """A deduction: an operational chargeback, a shortage or price claim, co-op, a return or a provision.

    The fields here are facts written by sync (Amazon's view of the deduction). The workflow people
    drive (state, assignee, outcome) lives in `CaseWorkflow`'s fields, which sync never touches.
    """

    # No index of its own: every (account, …) index below leads with it (one fewer write per row).
    account = models.ForeignKey("acorn_portal.VendorAccount", on_delete=models.PROTECT, db_index=False)
    amazon_id = models.CharField(
        "Amazon id", max_length=64, help_text=_("Amazon's id for the deduction: issue id, claim or debit-note number.")
    )
    family = models.CharField(max_length=30, choices=DeductionFamily.choices)
    deduction_type = models.CharField(max_length=80, help_text=_("Type code, e.g. asn_accuracy or shortage."))
    sub_type = models.CharField(max_length=120, blank=True)
    amount = MoneyField(help_text=_("Amount deducted, as a positive number."))
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    quantity = models.PositiveIntegerField(null=True, blank=True, help_text=_("Units the deduction is about."))
    issue_date = models.DateField(help_text=_("The date Amazon issued the deduction."))
    po_number = models.CharField("PO number", max_length=32, blank=True)
    po_number_normalized = models.CharField(max_length=32, editable=False)
    asin = models.CharField("ASIN", max_length=10, blank=True)
    invoice_number = models.CharField(max_length=64, blank=True, help_text=_("The invoice the deduction is against."))
    amazon_status = models.CharField(max_length=40, blank=True)
    amazon_dispute_id = models.CharField(max_length=64, blank=True)
    description = models.TextField(blank=True)
    reported_currency = models.CharField(
        max_length=3,
        blank=True,
        help_text=_(
            "The currency label on Amazon's row when it is not the account's (the amount is in the account's)."
        ),
    )
    coop_agreement_id = models.CharField("co-op agreement id", max_length=64, blank=True, db_index=True)
    coop_rate_percent = models.DecimalField(
        "co-op rate %",
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Rate Amazon says it charged."),
    )
    coop_base_amount = MoneyField(null=True, blank=True, help_text=_("Base Amount Amazon applied the rate to."))

    # Derived by the rules and matching services, never by sync (times in the marketplace's zone).
    disputable_from = models.DateField(null=True, blank=True, help_text=_("First day Amazon accepts a dispute."))
    due_on = models.DateField(null=True, blank=True, help_text=_("Amazon's last day to dispute."))
    target_on = models.DateField(null=True, blank=True, help_text=_("Internal target: due date minus the buffer."))
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)

    money_fields = (("amount", "currency"),)
    objects = ChargebackQuerySet.as_manager()
    # Reasons are people's comments (a send-back, a write-off), so the field is text, not 100 chars.
    # History is read by case (`id`) and written on every synced change: the copied columns keep no
    # index of their own (each would be one more write per synced row, and nothing looks them up).
    history = HistoricalRecords(
        history_change_reason_field=models.TextField(null=True),
        no_db_index=[
            "account",
            "state",
            "assignee",
            "team",
            "prepared_by",
            "approved_by",
            "second_approved_by",
            "recovery_line",
            "coop_agreement_id",
        ],
    )

    # The fields sync owns; everything else is workflow and derived data sync must never overwrite.
    FACT_FIELDS = (
        "family",
        "deduction_type",
        "sub_type",
        "amount",
        "currency",
        "quantity",
        "issue_date",
        "po_number",
        "po_number_normalized",
        "asin",
        "invoice_number",
        "amazon_status",
        "amazon_dispute_id",
        "description",
        "reported_currency",
        "coop_agreement_id",
        "coop_rate_percent",
        "coop_base_amount",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "amazon_id"], name="unique_chargeback_per_account"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="chargeback_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["account", "issue_date"]),
            models.Index(fields=["account", "po_number_normalized"]),
            models.Index(fields=["asin"]),
            models.Index(fields=["invoice_number"]),
            models.Index(fields=["family", "deduction_type"]),
            models.Index(fields=["account", "due_on"]),
            # "My cases", and the case list sorted by owner (then state, then id) read off the index.
            models.Index(fields=["assignee", "state", "id"], name="refunds_cb_assignee_state_id"),
            models.Index(fields=["state", "due_on"]),
            # The case list's sorts (refunds.admin_caselist): each reads its first page off an index.
            # (issue_date, id) is the API's developer_cb_issue_id; Amazon id also finds a case by id alone.
            models.Index(fields=["due_on", "id"], name="refunds_cb_due_on_id"),
            models.Index(fields=["amount", "id"], name="refunds_cb_amount_id"),
            models.Index(fields=["amazon_id"], name="refunds_cb_amazon_id"),
            # The case search's dispute and case ids: partial, so the many cases without one never write to them.
            models.Index(
                fields=["amazon_dispute_id"], condition=~models.Q(amazon_dispute_id=""), name="refunds_cb_dispute_id"
            ),
            models.Index(
                fields=["filed_case_id"], condition=~models.Q(filed_case_id=""), name="refunds_cb_filed_case_id"
            ),
            models.Index(fields=["recovered_on"]),  # the dashboard's "recovered this month" list
            # Start-page queues: "recently decided", and finance's "waiting for my (second) approval".
            models.Index(fields=["decided_at"]),
            models.Index(fields=["state", "requires_second_approval", "second_approved_by"]),
            # Start-page queues (refunds.services.queues), each listed in its own order (continued by id
            # in the same direction) off a partial index of its states: sync inserts a deduction as
            # 'new' with no recommendation, which none of these holds, so ingest never writes to them.
            models.Index(fields=["filed_on", "id"], condition=models.Q(state="disputed"), name="refunds_cb_q_amazon"),
            models.Index(
                fields=["decided_at", "id"], condition=models.Q(state="amazon_approved"), name="refunds_cb_q_unpaid"
            ),
            models.Index(
                fields=["decided_at", "id"],
                condition=models.Q(state__in=["accepted", "amazon_approved", "denied", "recovered", "written_off"]),
                name="refunds_cb_q_decided",
            ),
            models.Index(
                fields=["due_on", "id"],
                condition=models.Q(state__in=["in_review", "new"], recommendation="dispute"),
                name="refunds_cb_q_ready",
            ),
            models.Index(
                fields=["due_on", "id"],
                condition=models.Q(state__in=["in_review", "new"], recommendation="needs_evidence"),
                name="refunds_cb_q_evidence",
            ),
            # Matching's "charged twice?" candidates for deductions on no PO (co-op, provisions): same
            # type and amount. Partial, so the many deductions on a PO never write to it.
            models.Index(
                fields=["account", "deduction_type", "amount"],
                condition=models.Q(po_number_normalized=""),
                name="refunds_cb_no_po_siblings",
            ),
        ]
        ordering = ["-issue_date", "-id"]
        permissions = WORKFLOW_PERMISSIONS

    def __str__(self):
        return f"{self.get_family_display()} {self.amazon_id}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # What the row contributes to the dashboard's rollups as loaded: save() applies the difference.
        deferred = instance.get_deferred_fields()
        if not deferred & {"account", *stats_fields()}:
            instance._stats_loaded = stats_snapshot(instance)
        return instance

    def save(self, *args, **kwargs):
        """Save, and move the case's contribution to the dashboard rollups in the same transaction."""
        from refunds.services.stats import TRACKED_FIELDS, apply_changes, snapshot, snapshots

        self.po_number_normalized = normalize_po_number(self.po_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not TRACKED_FIELDS & set(update_fields):
            return super().save(*args, **kwargs)
        adding = self._state.adding
        before = None if adding else getattr(self, "_stats_loaded", None)
        with transaction.atomic():
            if before is None and not adding:
                found = snapshots(type(self).objects.filter(pk=self.pk))
                before = found[0] if found else None
            super().save(*args, **kwargs)
            after = snapshot(self)
            apply_changes([before] if before else [], [after])
        self._stats_loaded = after

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)
