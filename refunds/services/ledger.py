"""Journal lines for an ERP, derived from the facts of the deductions: pure rules, no bookkeeping.

Three things happen to a deduction that a general ledger records, each as one balanced entry of
two lines (a debit and a credit of the same amount in the deduction's currency):

- deduction booked (on Amazon's issue date): Amazon paid less than invoiced, so the trade
  receivable goes down and the deduction is held as a claim —
  Dr deductions receivable / Cr accounts receivable;
- recovery received (on the date the credit showed up in a remittance; partial credits are one
  entry each) — Dr recoveries / Cr deductions receivable;
- write-off (on the decision date, in the marketplace's time zone): a valid deduction accepted —
  Dr chargeback expense / Cr deductions receivable; a disputed one given up —
  Dr write-offs / Cr deductions receivable.

Lines carry an account *role* (`LedgerAccount`); the organization's GL codes are applied by the
exporter (developer.services.ledger), which also remembers what it has exported. Keys are stable
(derived from ids and amounts, never from the export), so the exporter can tell a line it has
already sent. Currencies are never mixed: an entry has one currency and totals are per currency.

Recoveries are read from the case history (each "Record recovery" raises `recovered_amount`), the
only place partial credits are kept one by one; the key carries the running total after the credit,
which only grows, so it identifies the credit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

from acorn_portal.money import quantize
from refunds.choices import ChargebackState
from refunds.models import Chargeback


class LedgerAccount(models.TextChoices):
    """The accounts journal lines post to; each organization maps them to its own GL codes."""

    ACCOUNTS_RECEIVABLE = "accounts_receivable", _("Accounts receivable (Amazon)")
    DEDUCTIONS_RECEIVABLE = "deductions_receivable", _("Deductions receivable")
    CHARGEBACK_EXPENSE = "chargeback_expense", _("Chargeback expense")
    RECOVERIES = "recoveries", _("Recoveries")
    WRITE_OFFS = "write_offs", _("Write-offs")


class EntryKind(models.TextChoices):
    DEDUCTION_BOOKED = "deduction_booked", _("Deduction booked")
    RECOVERY_RECEIVED = "recovery_received", _("Recovery received")
    WRITE_OFF = "write_off", _("Write-off")


A = LedgerAccount
# kind (and for write-offs the closing state) → (debit account, credit account)
POSTINGS = {
    EntryKind.DEDUCTION_BOOKED: (A.DEDUCTIONS_RECEIVABLE, A.ACCOUNTS_RECEIVABLE),
    EntryKind.RECOVERY_RECEIVED: (A.RECOVERIES, A.DEDUCTIONS_RECEIVABLE),
    (EntryKind.WRITE_OFF, ChargebackState.ACCEPTED): (A.CHARGEBACK_EXPENSE, A.DEDUCTIONS_RECEIVABLE),
    (EntryKind.WRITE_OFF, ChargebackState.WRITTEN_OFF): (A.WRITE_OFFS, A.DEDUCTIONS_RECEIVABLE),
}
ZERO = Decimal(0)


@dataclass(frozen=True)
class JournalLine:
    """One side of a journal entry. `debit` or `credit` is zero; amounts are at the currency's precision."""

    key: str
    entry: str
    kind: str
    posting_date: date
    account_role: str
    debit: Decimal
    credit: Decimal
    currency: str
    chargeback_id: int
    amazon_id: str
    vendor_account_id: int
    memo: str

    def as_dict(self) -> dict:
        return asdict(self)


def _entry(key: str, kind: str, accounts, *, posting_date: date, amount: Decimal, row: dict, memo: str):
    """The two lines of a balanced entry."""
    amount = quantize(amount, row["currency"])
    common = {
        "entry": key,
        "kind": kind,
        "posting_date": posting_date,
        "currency": row["currency"],
        "chargeback_id": row["id"],
        "amazon_id": row["amazon_id"],
        "vendor_account_id": row["account_id"],
        "memo": memo,
    }
    debit_account, credit_account = accounts
    return [
        JournalLine(key=f"{key}.dr", account_role=debit_account, debit=amount, credit=ZERO, **common),
        JournalLine(key=f"{key}.cr", account_role=credit_account, debit=ZERO, credit=amount, **common),
    ]


_FIELDS = ("id", "amazon_id", "currency", "account_id", "deduction_type")


def _deductions(organization_id: int, start: date, end: date) -> Iterator[JournalLine]:
    rows = Chargeback.objects.filter(
        account__organization_id=organization_id, issue_date__range=(start, end), amount__gt=0
    ).values(*_FIELDS, "amount", "issue_date")
    for row in rows.iterator(chunk_size=2000):
        yield from _entry(
            f"cb{row['id']}.deduction",
            EntryKind.DEDUCTION_BOOKED,
            POSTINGS[EntryKind.DEDUCTION_BOOKED],
            posting_date=row["issue_date"],
            amount=row["amount"],
            row=row,
            memo=f"Deduction {row['amazon_id']} ({row['deduction_type']})",
        )


def _write_offs(organization_id: int, start: date, end: date) -> Iterator[JournalLine]:
    # Decision dates are local to the marketplace: a day's margin on each side, then the exact local date.
    low = datetime.combine(start - timedelta(days=1), time.min, tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=2), time.min, tzinfo=UTC)
    rows = Chargeback.objects.filter(
        account__organization_id=organization_id,
        state__in=[ChargebackState.ACCEPTED, ChargebackState.WRITTEN_OFF],
        written_off_amount__gt=0,
        decided_at__gte=low,
        decided_at__lt=high,
    ).values(*_FIELDS, "state", "written_off_amount", "decided_at", "account__time_zone", "resolution_reason")
    for row in rows.iterator(chunk_size=2000):
        posted = row["decided_at"].astimezone(ZoneInfo(row["account__time_zone"] or "UTC")).date()
        if not start <= posted <= end:
            continue
        what = "Accepted" if row["state"] == ChargebackState.ACCEPTED else "Written off"
        yield from _entry(
            f"cb{row['id']}.writeoff",
            EntryKind.WRITE_OFF,
            POSTINGS[(EntryKind.WRITE_OFF, row["state"])],
            posting_date=posted,
            amount=row["written_off_amount"],
            row=row,
            memo=f"{what}: deduction {row['amazon_id']}",
        )


def _recoveries(organization_id: int, start: date, end: date) -> Iterator[JournalLine]:
    history = Chargeback.history.model
    touched = (
        history.objects.filter(account__organization_id=organization_id, recovered_on__range=(start, end))
        .values("id")
        .distinct()
    )
    rows = (
        history.objects.filter(id__in=touched, recovered_amount__isnull=False)
        .order_by("id", "history_date", "history_id")
        .values(*_FIELDS, "recovered_amount", "recovered_on", "recovery_reference")
    )
    previous: dict[int, Decimal] = {}
    for row in rows.iterator(chunk_size=2000):
        before = previous.get(row["id"], ZERO)
        total = row["recovered_amount"]
        previous[row["id"]] = max(before, total)
        if total <= before or not (row["recovered_on"] and start <= row["recovered_on"] <= end):
            continue
        yield from _entry(
            f"cb{row['id']}.recovery.{quantize(total, row['currency'])}",
            EntryKind.RECOVERY_RECEIVED,
            POSTINGS[EntryKind.RECOVERY_RECEIVED],
            posting_date=row["recovered_on"],
            amount=total - before,
            row=row,
            memo=f"Recovery of deduction {row['amazon_id']}"
            + (f" ({row['recovery_reference']})" if row["recovery_reference"] else ""),
        )


def journal_lines(*, organization_id: int, start: date, end: date) -> list[JournalLine]:
    """Every journal line of the organization posted between `start` and `end` (inclusive), in a stable order.

    Ordered by posting date, then entry, debit before credit, so two calls list the same lines alike.
    """
    if start > end:
        raise ValueError("The period starts after it ends.")
    lines = [
        *_deductions(organization_id, start, end),
        *_recoveries(organization_id, start, end),
        *_write_offs(organization_id, start, end),
    ]
    lines.sort(key=lambda line: (line.posting_date, line.chargeback_id, line.entry, line.credit > 0))
    return lines


def totals(lines) -> dict[str, dict[str, Decimal]]:
    """Debit and credit totals per currency (never across currencies); balanced when they match."""
    sums: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        entry = sums.setdefault(line.currency, {"debit": ZERO, "credit": ZERO})
        entry["debit"] += line.debit
        entry["credit"] += line.credit
    return dict(sorted(sums.items()))
