"""Evaluate deductions in batches: load documents, match, decide, write — a few queries per batch.

`evaluate_chargebacks(ids)` is the one entry point: ingest calls it (through the task) for the
deductions it created or changed, the document side calls it through
`chargebacks_for_documents(...)`, and a rule change calls it for the open cases the rule governs.
Writes are bulk: one upsert of assessments and one update of the chargebacks whose derived fields
moved. A change to a deadline or recommendation that was already set is written to the
chargeback's history with the cause ("due date 2026-03-01 → 2026-02-20: rule #12 changed"); the
first evaluation is recorded by the assessment's `evaluated_at` instead, so that ingesting a
million deductions does not also write a million history rows.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from acorn_portal.models import VendorAccount
from refunds.choices import DeductionFamily
from refunds.models import Chargeback
from refunds.services.deadlines import AnchorDates, compute_deadlines, local_today
from refunds.services.matching.bundle import build_bundle, document_evidence
from refunds.services.matching.common import apply_common
from refunds.services.matching.coop import match_coop, match_without_documents
from refunds.services.matching.loader import load_documents
from refunds.services.matching.operational import CARTON_TYPES, match_operational
from refunds.services.matching.price import match_price
from refunds.services.matching.shortage import match_shortage
from refunds.services.matching.verdict import Context, Verdict, decide
from refunds.services.matching.writer import write_results
from refunds.services.policy import RuleBook, TypeCatalogue

BATCH_SIZE = 2000


@dataclass
class EvaluationRun:
    """What one call did, for the task's one-line summary and for the benchmark."""

    evaluated: int = 0
    changed: int = 0
    by_recommendation: dict = field(default_factory=dict)

    def __str__(self):
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.by_recommendation.items()))
        return f"evaluated {self.evaluated} deductions ({counts}); {self.changed} changed"


def evaluate_chargebacks(
    ids, *, cause: str = "re-evaluated", now: datetime | None = None, replay: bool = False
) -> EvaluationRun:
    """Match and judge the given deductions; idempotent, safe to run twice or late.

    `now` is the instant "today" is taken from (in each account's zone). `replay=True` is for
    back-testing only (the benchmark): each deduction is judged as on the first day it could be
    disputed, as a team working every deduction on time would have seen it.
    """
    run = EvaluationRun()
    ids = sorted(set(ids))
    if not ids:
        return run
    catalogue = TypeCatalogue()
    accounts: dict[int, VendorAccount] = {}
    rulebooks: dict[int, RuleBook] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        chargebacks = list(Chargeback.objects.filter(id__in=chunk).order_by())
        _attach_accounts(chargebacks, accounts)
        orgs = {cb.account.organization_id for cb in chargebacks}
        for org_id in orgs - rulebooks.keys():
            rulebooks[org_id] = RuleBook([org_id])
        _evaluate_batch(chargebacks, catalogue, rulebooks, run, cause=cause, now=now or timezone.now(), replay=replay)
    return run


def _attach_accounts(chargebacks, accounts) -> None:
    missing = {cb.account_id for cb in chargebacks} - accounts.keys()
    if missing:
        accounts.update({a.id: a for a in VendorAccount.objects.filter(id__in=missing).select_related("organization")})
    for cb in chargebacks:
        cb.account = accounts[cb.account_id]


def _evaluate_batch(chargebacks, catalogue, rulebooks, run, *, cause, now, replay=False) -> None:
    carton_pos = {cb.po_number_normalized for cb in chargebacks if _code(catalogue, cb) in CARTON_TYPES}
    index = load_documents(chargebacks, carton_po_numbers=carton_pos)
    todays = {}
    results = []
    for cb in chargebacks:
        account = cb.account
        today = todays.get(account.id) or todays.setdefault(account.id, local_today(account.tz, now=now))
        rulebook = rulebooks[account.organization_id]
        verdict, rule, deadlines, bundle = evaluate_one(cb, index, catalogue, rulebook, today, replay=replay)
        results.append((cb, verdict, rule, deadlines, bundle))
        run.by_recommendation[verdict.recommendation] = run.by_recommendation.get(verdict.recommendation, 0) + 1
    with transaction.atomic():
        run.changed += write_results(results, cause=cause)
    run.evaluated += len(chargebacks)


def evaluate_one(cb, index, catalogue, rulebook, today, *, replay=False) -> tuple[Verdict, object, object, object]:
    """One deduction against the batch's documents: the family matcher, shared checks, rule, verdict."""
    account = cb.account
    entry = catalogue.get(cb.deduction_type)
    bundle = build_bundle(cb, account, index)
    finding = _match_family(bundle, entry, index)
    finding.evidence |= document_evidence(bundle)
    duplicate, reversed_total = apply_common(bundle, finding)
    rule = rulebook.rule_for(
        organization_id=account.organization_id,
        family=cb.family,
        type_id=entry.id if entry else None,
        marketplace=account.marketplace,
        region=account.region,
        day=today,
    )
    deadlines = None
    if rule is not None:
        buffer = account.organization.deadline_buffer_business_days
        deadlines = compute_deadlines(rule, _anchors(bundle), buffer_business_days=buffer)
    if replay:
        today = deadlines.disputable_from if deadlines else cb.issue_date
    ctx = Context(rule=rule, deadlines=deadlines, today=today, duplicate=duplicate, reversed_total=reversed_total)
    return decide(bundle, finding, ctx), rule, deadlines, bundle


def _code(catalogue, cb) -> str:
    entry = catalogue.get(cb.deduction_type)
    return entry.code if entry else cb.deduction_type


def _match_family(bundle, entry, index):
    family = bundle.chargeback.family
    code = entry.code if entry else bundle.chargeback.deduction_type
    if family == DeductionFamily.SHORTAGE:
        return match_shortage(bundle)
    if family == DeductionFamily.PRICE:
        return match_price(bundle)
    if family == DeductionFamily.OPERATIONAL:
        return match_operational(bundle, code)
    if family == DeductionFamily.RETURN:
        return match_operational(bundle, "rtv")  # returns are charged per unit, like prep
    if family == DeductionFamily.COOP:
        return match_coop(bundle, index.coop_agreements.get(bundle.chargeback.account_id, []))
    return match_without_documents(
        bundle, DeductionFamily(family).label if family in DeductionFamily.values else family
    )


def _anchors(bundle) -> AnchorDates:
    invoice = bundle.invoice
    coop_invoice = invoice if bundle.chargeback.family == DeductionFamily.COOP else None
    return AnchorDates(
        chargeback_date=bundle.chargeback.issue_date,
        invoice_date=invoice.invoice_date if invoice else None,
        invoice_due_date=invoice.due_date if invoice else None,
        coop_invoice_date=coop_invoice.invoice_date if coop_invoice else None,
    )


def chargebacks_for_documents(account_id: int, *, po_numbers=(), invoice_numbers=()) -> list[int]:
    """Deductions that name any of these POs or invoices: the ones to re-evaluate when they arrive."""
    from refunds.identifiers import normalize_po_number, parse_invoice_number

    pos = {normalize_po_number(n) for n in po_numbers} - {""}
    roots = {parse_invoice_number(n).root for n in invoice_numbers if n}
    if not (pos or roots):
        return []
    numbers = roots | {f"{root}SC" for root in roots} | set(invoice_numbers)
    condition = Q(po_number_normalized__in=pos) | Q(invoice_number__in=numbers)
    return list(Chargeback.objects.filter(condition, account_id=account_id).values_list("id", flat=True))


def schedule_evaluation(chargeback_ids, *, cause: str = "synced") -> None:
    """Evaluate in a task once the caller's transaction commits (ingest callers pass
    `result.created_ids + result.changed_ids`)."""
    ids = sorted(set(chargeback_ids))
    if ids:
        transaction.on_commit(partial(async_task, "refunds.tasks.evaluate_chargebacks_task", ids, cause))


def schedule_for_documents(account_id: int, *, po_numbers=(), invoice_numbers=()) -> None:
    """Documents were synced: re-evaluate the deductions that name them, in a task after commit."""
    pos, invoices = sorted(set(po_numbers) - {""}), sorted(set(invoice_numbers) - {""})
    if pos or invoices:
        task = "refunds.tasks.evaluate_for_documents"
        transaction.on_commit(partial(async_task, task, account_id, pos, invoices))
