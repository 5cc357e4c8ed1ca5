"""Journal lines from deductions, recoveries and write-offs; exports that never repeat a line."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from acorn_portal.models import AuditAction, AuditEvent, VendorAccount
from developer.models import GLAccountMapping, LedgerExport, LedgerExportLine
from developer.services import ledger as exporter
from refunds.choices import ChargebackState
from refunds.services import workflow
from refunds.services.ledger import EntryKind, LedgerAccount, journal_lines, totals
from tests.refunds.cases import make_chargeback, reload, walk

START, END = date(2026, 11, 1), date(2026, 11, 30)

# Write-offs and acceptances are stamped when they happen: the clock stands inside the period.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(datetime(2026, 11, 27, 15, 0, tzinfo=UTC), tick=False)]


@pytest.fixture
def eu_account(org):
    return VendorAccount.objects.create(organization=org, name="Acme DE", vendor_codes="ACMED", marketplace="DE")


@pytest.fixture
def mapping(org):
    GLAccountMapping.objects.create(
        organization=org,
        accounts_receivable="1200",
        deductions_receivable="1290",
        chargeback_expense="6100",
        recoveries="1010",
        write_offs="6190",
    )
    return GLAccountMapping.objects.create(
        organization=org,
        currency="EUR",
        accounts_receivable="E1200",
        deductions_receivable="E1290",
        chargeback_expense="E6100",
        recoveries="E1010",
        write_offs="E6190",
    )


@pytest.fixture
def book(account, eu_account, ops, manager, finance):
    """A month of deductions: booked (USD, EUR), accepted, recovered in two parts, written off."""
    booked = make_chargeback(account, amount=Decimal("250.00"), issue_date=date(2026, 11, 5))
    euro = make_chargeback(eu_account, amount=Decimal("100.00"), currency="EUR", issue_date=date(2026, 11, 6))
    accepted = make_chargeback(account, amount=Decimal("40.00"), issue_date=date(2026, 11, 7))
    workflow.accept_deduction(chargeback=accepted, actor=ops, reason="valid: late ASN")
    recovered = make_chargeback(account, amount=Decimal("250.00"), issue_date=date(2026, 11, 8))
    recovered = walk(recovered, ChargebackState.DISPUTED, ops=ops, manager=manager)
    recovered = workflow.record_amazon_approval(chargeback=recovered, actor=finance)
    recovered = workflow.record_recovery(
        chargeback=reload(recovered), actor=finance, amount="100.00", reference="PAY-1", recovered_on=date(2026, 11, 20)
    )
    workflow.record_recovery(
        chargeback=reload(recovered), actor=finance, amount="150.00", reference="PAY-2", recovered_on=date(2026, 11, 24)
    )
    lost = make_chargeback(account, amount=Decimal("60.00"), issue_date=date(2026, 11, 9))
    lost = walk(lost, ChargebackState.DENIED, ops=ops, manager=manager, finance=finance)
    workflow.write_off(chargeback=reload(lost), actor=finance, reason="no rounds left")
    return {"booked": booked, "euro": euro, "accepted": accepted, "recovered": recovered, "lost": lost}


def entries(lines):
    by_entry = {}
    for line in lines:
        by_entry.setdefault(line.entry, []).append(line)
    return by_entry


def test_every_entry_is_balanced_and_posts_to_the_right_accounts(org, book):
    lines = journal_lines(organization_id=org.pk, start=START, end=END)
    by_entry = entries(lines)
    for entry, pair in by_entry.items():
        debit, credit = pair
        assert debit.debit == credit.credit > 0 and debit.credit == credit.debit == 0, entry
        assert debit.currency == credit.currency
    cb = {name: case.pk for name, case in book.items()}
    shape = {
        entry: (pair[0].kind, pair[0].account_role, pair[1].account_role, pair[0].debit)
        for entry, pair in by_entry.items()
    }
    A = LedgerAccount  # noqa: N806 - short alias for the table below
    assert shape == {
        **{
            f"cb{pk}.deduction": (EntryKind.DEDUCTION_BOOKED, A.DEDUCTIONS_RECEIVABLE, A.ACCOUNTS_RECEIVABLE, amount)
            for pk, amount in [
                (cb["booked"], Decimal("250.00")),
                (cb["euro"], Decimal("100.00")),
                (cb["accepted"], Decimal("40.00")),
                (cb["recovered"], Decimal("250.00")),
                (cb["lost"], Decimal("60.00")),
            ]
        },
        f"cb{cb['accepted']}.writeoff": (
            EntryKind.WRITE_OFF,
            A.CHARGEBACK_EXPENSE,
            A.DEDUCTIONS_RECEIVABLE,
            Decimal("40.00"),
        ),
        f"cb{cb['lost']}.writeoff": (EntryKind.WRITE_OFF, A.WRITE_OFFS, A.DEDUCTIONS_RECEIVABLE, Decimal("60.00")),
        # Two partial credits, two entries, keyed by the running total.
        f"cb{cb['recovered']}.recovery.100.00": (
            EntryKind.RECOVERY_RECEIVED,
            A.RECOVERIES,
            A.DEDUCTIONS_RECEIVABLE,
            Decimal("100.00"),
        ),
        f"cb{cb['recovered']}.recovery.250.00": (
            EntryKind.RECOVERY_RECEIVED,
            A.RECOVERIES,
            A.DEDUCTIONS_RECEIVABLE,
            Decimal("150.00"),
        ),
    }
    recovery_dates = sorted(line.posting_date for line in lines if line.kind == EntryKind.RECOVERY_RECEIVED)
    assert recovery_dates == [date(2026, 11, 20)] * 2 + [date(2026, 11, 24)] * 2


def test_currencies_are_kept_apart(org, book):
    lines = journal_lines(organization_id=org.pk, start=START, end=END)
    # USD: booked 250 + 40 + 250 + 60, written off 40 + 60, recovered 100 + 150; EUR: booked 100.
    assert totals(lines) == {
        "EUR": {"debit": Decimal("100.00"), "credit": Decimal("100.00")},
        "USD": {"debit": Decimal("950.00"), "credit": Decimal("950.00")},
    }


def test_period_limits_the_lines(org, book):
    early = journal_lines(organization_id=org.pk, start=date(2026, 11, 5), end=date(2026, 11, 6))
    assert {line.entry for line in early} == {f"cb{book['booked'].pk}.deduction", f"cb{book['euro'].pk}.deduction"}
    late = journal_lines(organization_id=org.pk, start=date(2026, 11, 21), end=date(2026, 11, 24))
    assert {line.entry for line in late} == {f"cb{book['recovered'].pk}.recovery.250.00"}
    with pytest.raises(ValueError):
        journal_lines(organization_id=org.pk, start=END, end=START)


def test_export_applies_gl_codes_and_never_exports_a_line_twice(org, account, book, mapping, finance):
    export = exporter.create_export(organization=org, start=START, end=END, actor=finance)
    rows = [line.data for line in export.lines.order_by("position")]
    assert export.line_count == len(rows) == 18 and export.complete
    assert export.totals == {
        "EUR": {"debit": "100.00", "credit": "100.00"},
        "USD": {"debit": "950.00", "credit": "950.00"},
    }
    euro = [row for row in rows if row["currency"] == "EUR"]
    assert {row["account"] for row in euro} == {"E1290", "E1200"}
    usd_accounts = {(row["account_role"], row["account"]) for row in rows if row["currency"] == "USD"}
    assert ("write_offs", "6190") in usd_accounts and ("recoveries", "1010") in usd_accounts
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(export.pk)).exists()

    assert exporter.create_export(organization=org, start=START, end=END) is None  # nothing new
    newer = make_chargeback(account, amount=Decimal("9.99"), issue_date=date(2026, 11, 28))
    again = exporter.create_export(organization=org, start=START, end=END)
    assert [line.line_key for line in again.lines.all()] == [f"cb{newer.pk}.deduction.dr", f"cb{newer.pk}.deduction.cr"]
    assert LedgerExportLine.objects.filter(organization=org).count() == 20


def test_export_size_limit_keeps_entries_whole(org, book, mapping):
    first = exporter.create_export(organization=org, start=START, end=END, max_lines=5)
    assert first.line_count == 4 and not first.complete  # 5 would split an entry
    keys = list(first.lines.values_list("data__entry", flat=True))
    assert keys[0] == keys[1] and keys[2] == keys[3]
    rest = []
    while (export := exporter.create_export(organization=org, start=START, end=END, max_lines=6)) is not None:
        rest.append(export)
    assert sum(e.line_count for e in rest) == 14 and rest[-1].complete


def test_missing_mapping_is_a_clear_error_and_exports_nothing(org, book):
    GLAccountMapping.objects.create(
        organization=org, currency="USD", accounts_receivable="1", deductions_receivable="2",
        chargeback_expense="3", recoveries="4", write_offs="5",
    )  # fmt: skip
    with pytest.raises(exporter.LedgerError, match="No GL account mapping for EUR"):
        exporter.create_export(organization=org, start=START, end=END)
    assert not LedgerExport.objects.exists() and not LedgerExportLine.objects.exists()


def test_concurrent_export_of_the_same_lines_keeps_only_one(org, book, mapping, monkeypatch):
    exporter.create_export(organization=org, start=date(2026, 11, 5), end=date(2026, 11, 5))
    # The other export read the same lines as unexported a moment before ours committed.
    monkeypatch.setattr(exporter, "unexported", lambda organization_id, lines: lines)
    with pytest.raises(exporter.LedgerBusyError):
        exporter.create_export(organization=org, start=date(2026, 11, 5), end=date(2026, 11, 5))
    assert LedgerExport.objects.count() == 1 and LedgerExportLine.objects.count() == 2


def test_organizations_are_kept_apart(org, other_org, other_account, book, mapping):
    make_chargeback(other_account, amount=Decimal("5.00"), issue_date=date(2026, 11, 5))
    ours = journal_lines(organization_id=org.pk, start=START, end=END)
    theirs = journal_lines(organization_id=other_org.pk, start=START, end=END)
    assert len(theirs) == 2 and not {line.chargeback_id for line in ours} & {line.chargeback_id for line in theirs}


@pytest.mark.parametrize(
    "value, safe",
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1+2", "'+1+2"),
        ("-3", "'-3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("Deduction 12", "Deduction 12"),
        ("12.50", "12.50"),
        (None, ""),
    ],
)
def test_csv_cells_cannot_become_formulas(value, safe):
    assert exporter.safe_cell(value) == safe


def test_csv_of_an_export_neutralises_hostile_ids(org, account, mapping):
    make_chargeback(account, amazon_id='=HYPERLINK("http://x")', amount=Decimal("5.00"), issue_date=date(2026, 11, 3))
    export = exporter.create_export(organization=org, start=START, end=END)
    text = "".join(exporter.csv_lines(export.pk, export.lines.order_by("position").values_list("data", flat=True)))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 and {row["amazon_id"] for row in rows} == {'\'=HYPERLINK("http://x")'}
    assert [row["debit"] for row in rows] == ["5.00", "0.00"] and rows[0]["export_id"] == str(export.pk)
