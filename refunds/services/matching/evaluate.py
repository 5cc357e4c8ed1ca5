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

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from django_q.tasks import async_task

from acorn_portal import clock
from acorn_portal.models import VendorAccount
from refunds.choices import DeductionFamily
from refunds.models import Chargeback
from refunds.services.deadlines import AnchorDates, Deadlines, compute_deadlines, local_today
from refunds.services.matching.bundle import build_bundle, document_evidence
from refunds.services.matching.common import apply_common
from refunds.services.matching.coop import match_coop, match_without_documents
from refunds.services.matching.fastsql import any_of, fetch
from refunds.services.matching.loader import load_documents
from refunds.services.matching.operational import CARTON_TYPES, match_operational
from refunds.services.matching.price import match_price
from refunds.services.matching.shortage import match_shortage
from refunds.services.matching.verdict import Context, Verdict, deadline_checks, decide
from refunds.services.matching.writer import DERIVED_FIELDS, write_results
from refunds.services.policy import RuleBook, TypeCatalogue

BATCH_SIZE = 2000

# What matching reads of a deduction (facts) and what it writes back (derived), fetched as tuples:
# building a model instance per deduction (with the FSM's and history's bookkeeping) cost more
# than matching it.
CHARGEBACK_FIELDS = [
    "id",
    "account_id",
    "amazon_id",
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
    "description",
    "reported_currency",
    "coop_agreement_id",
    "coop_rate_percent",
    "coop_base_amount",
    *DERIVED_FIELDS,
]


@dataclass
class EvaluationRun:
    """What one call did, for the task's one-line summary and for the benchmark."""

    evaluated: int = 0
    changed: int = 0
    expired: int = 0  # closed on arrival: past Amazon's last day before anyone could work them
    by_recommendation: dict = field(default_factory=dict)

    def __str__(self):
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.by_recommendation.items()))
        expired = f"; {self.expired} expired on arrival" if self.expired else ""
        return f"evaluated {self.evaluated} deductions ({counts}); {self.changed} changed{expired}"


class Judge:
    """What stays the same across a run's batches: accounts, rule books, the catalogue, today's
    date per account, and the answers to questions thousands of deductions ask alike."""

    def __init__(self, *, now: datetime, replay: bool):
        self.now, self.replay = now, replay
        self.catalogue = TypeCatalogue()
        self.accounts: dict[int, VendorAccount] = {}
        self.rulebooks: dict[int, RuleBook] = {}
        self.todays: dict[int, object] = {}
        self._entries: dict[str, object] = {}
        self._deadlines: dict[tuple, object] = {}

    def prepare(self, chargebacks) -> None:
        """Load the accounts and rule books a batch needs that earlier batches did not."""
        missing = {cb.account_id for cb in chargebacks} - self.accounts.keys()
        if missing:
            for account in VendorAccount.objects.filter(id__in=missing).select_related("organization"):
                self.accounts[account.id] = account
                self.todays[account.id] = local_today(account.tz, now=self.now)
        for org_id in {self.accounts[i].organization_id for i in {cb.account_id for cb in chargebacks}}:
            if org_id not in self.rulebooks:
                self.rulebooks[org_id] = RuleBook([org_id])

    def entry(self, code: str):
        """The catalogue entry of a deduction type code (None for a type the catalogue lacks)."""
        try:
            return self._entries[code]
        except KeyError:
            return self._entries.setdefault(code, self.catalogue.get(code))

    def type_code(self, cb) -> str:
        entry = self.entry(cb.deduction_type)
        return entry.code if entry else cb.deduction_type

    def deadlines(self, rule, anchors: AnchorDates, buffer: int) -> tuple[Deadlines | None, list[dict]]:
        """The rule's deadlines for these dates and the checks that explain them (None: no rule)."""
        key = (rule.pk if rule else None, anchors if rule else None, buffer)
        found = self._deadlines.get(key)
        if found is None:
            deadlines = compute_deadlines(rule, anchors, buffer_business_days=buffer) if rule else None
            found = self._deadlines[key] = (deadlines, deadline_checks(rule, deadlines))
        return found


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
    judge = Judge(now=now or clock.now(), replay=replay)
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        # Verdicts and checks are stored and sent to Amazon in English, whoever's request runs this;
        # pages translate them when they show them (refunds.services.verdict_display).
        with _collector_paused(), translation.override("en"):
            chargebacks = fetch(Chargeback.objects.filter(any_of("id", chunk)), CHARGEBACK_FIELDS)
            judge.prepare(chargebacks)
            _evaluate_batch(chargebacks, judge, run, cause=cause)
    return run


@contextmanager
def _collector_paused():
    """Matching a batch allocates a few million small objects and frees them by reference count; the
    cyclic collector's passes over them (triggered every 700 allocations) cost a third of the run.
    It is paused for one batch at a time, so whatever cycles there are wait one batch, not a run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _evaluate_batch(chargebacks, judge: Judge, run: EvaluationRun, *, cause: str) -> None:
    carton_pos = {cb.po_number_normalized for cb in chargebacks if judge.type_code(cb) in CARTON_TYPES}
    index = load_documents(chargebacks, carton_po_numbers=carton_pos)
    results = []
    counts = run.by_recommendation
    for cb in chargebacks:
        verdict, rule, deadlines, bundle = evaluate_one(cb, index, judge)
        results.append((cb, verdict, rule, deadlines, bundle))
        counts[verdict.recommendation] = counts.get(verdict.recommendation, 0) + 1
    with transaction.atomic():
        run.changed += write_results(results, cause=cause)
    run.evaluated += len(chargebacks)
    if not judge.replay:
        run.expired += expire_on_arrival(results, judge)


def expire_on_arrival(results, judge: Judge) -> int:
    """Close, as expired, the deductions that arrived after Amazon's last day to dispute them.

    Judged on a deduction's first verdict only (no deadline before): such a case was never work, so
    it is closed at the door with its reason rather than shown in the queues until the sweep.
    """
    from refunds.choices import ChargebackState
    from refunds.services import workflow

    late = [
        (cb.id, deadlines.due_on)
        for cb, _verdict, _rule, deadlines, _bundle in results
        if cb.due_on is None
        and deadlines is not None
        and deadlines.due_on is not None
        and deadlines.due_on < judge.todays[cb.account_id]
    ]
    if not late:
        return 0
    last_days = dict(late)
    expired = 0
    cases = Chargeback.objects.filter(pk__in=sorted(last_days), state=ChargebackState.NEW).select_related("account")
    for case in cases:
        note = f"arrived after Amazon's last day to dispute ({last_days[case.pk]:%Y-%m-%d})"
        try:
            workflow.expire(chargeback=case, actor=None, note=note)
        except (
            TransitionNotAllowed,
            ConcurrentTransition,
        ):  # someone acted on it meanwhile, or the window reads open today
            continue
        expired += 1
    return expired


def evaluate_one(cb, index, judge: Judge) -> tuple[Verdict, object, object, object]:
    """One deduction against the batch's documents: the family matcher, shared checks, rule, verdict."""
    account = judge.accounts[cb.account_id]
    entry = judge.entry(cb.deduction_type)
    bundle = build_bundle(cb, account, index)
    finding = _match_family(bundle, entry, index)
    finding.evidence |= document_evidence(bundle)
    finding.evidence |= index.uploaded.get(cb.id, set())
    duplicate, reversed_total = apply_common(bundle, finding)
    today = judge.todays[account.id]
    rule = judge.rulebooks[account.organization_id].rule_for(
        organization_id=account.organization_id,
        family=cb.family,
        type_id=entry.id if entry else None,
        marketplace=account.marketplace,
        region=account.region,
        day=today,
    )
    buffer = account.organization.deadline_buffer_business_days
    deadlines, timing = judge.deadlines(rule, _anchors(bundle) if rule else None, buffer)
    if judge.replay:
        today = deadlines.disputable_from if deadlines else cb.issue_date
    ctx = Context(
        rule=rule,
        deadlines=deadlines,
        today=today,
        duplicate=duplicate,
        reversed_total=reversed_total,
        deadline_checks=timing,
    )
    return decide(bundle, finding, ctx), rule, deadlines, bundle


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
    """Deductions that name any of these POs or invoices: the ones to re-evaluate when they arrive.

    A document number may also be a deduction's own (a payment line on it, or on its `…R` reversal),
    so deductions whose Amazon id is among the numbers, their roots or their `…R` stems are included.
    A claim on an invoice names no PO: a PO's documents reach it through the invoices billing the PO.
    """
    from refunds.identifiers import normalize_po_number, parse_invoice_number
    from refunds.models import InvoiceLine

    pos = {normalize_po_number(n) for n in po_numbers} - {""}
    roots = {parse_invoice_number(n).root for n in invoice_numbers if n and n.strip()}
    for chunk in _chunks(sorted(pos)):
        billing = InvoiceLine.objects.filter(invoice__account_id=account_id, po_number_normalized__in=chunk)
        roots.update(billing.values_list("invoice__root_number", flat=True).distinct())
    if not (pos or roots):
        return []
    reversals = {n[:-1] for n in invoice_numbers if n and n.upper().endswith("R")}
    claims = {f"{root}{suffix}" for root in roots for suffix in ("SC", "PC")}
    numbers = sorted(roots | claims | set(invoice_numbers) | reversals)
    conditions = [Q(po_number_normalized__in=chunk) for chunk in _chunks(sorted(pos))]
    conditions += [Q(invoice_number__in=chunk) | Q(amazon_id__in=chunk) for chunk in _chunks(numbers)]
    account = Chargeback.objects.filter(account_id=account_id)
    return sorted({pk for condition in conditions for pk in account.filter(condition).values_list("id", flat=True)})


def coop_chargeback_ids(account_ids) -> list[int]:
    """The open co-op deductions of these accounts: what an agreement's change can move."""
    from refunds.services.policy import open_chargebacks

    qs = Chargeback.objects.filter(account_id__in=sorted(set(account_ids)), family=DeductionFamily.COOP)
    return list(open_chargebacks(qs).values_list("id", flat=True))


def schedule_for_agreements(account_ids, *, cause: str = "co-op agreement changed") -> None:
    """Co-op agreements were added, changed or removed: re-evaluate the accounts' co-op deductions
    in a task after commit (the ids are read there, so a burst of saves costs one query each)."""
    ids = sorted(set(account_ids) - {None})
    if ids:
        transaction.on_commit(partial(async_task, "refunds.tasks.evaluate_for_agreements", ids, cause))


def _chunks(values: list, size: int = 2000):
    # A file import can name a hundred thousand documents; SQLite takes at most 32,766 parameters.
    return (values[start : start + size] for start in range(0, len(values), size))


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
