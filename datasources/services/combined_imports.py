"""A Vendor Central export that mixes several vendor accounts, split by account and imported per account.

Vendor Central's combined downloads put every vendor code of the vendor in one file, each row in
its own marketplace's locale (US `MM/DD/YYYY`, UK `DD/MM/YYYY`). Rows are routed before anything
is parsed, so each part is read with its own account's locale:

- chargebacks by `Vendor Code`, invoices by `Payee`;
- co-op invoices by `Agreement ID` (the agreement on file names the account);
- remittance lines by their invoice number (an invoice, a claim on one, or `<IssueID>VCBSINV`
  naming a chargeback already imported), a whole payment going where its lines go.

Each account's rows go through `import_report_file` as a file of their own (stored, parsed,
checked, ingested, all or nothing unless `partial`). Rows that name no known account are listed
with the reason; unless `partial`, nothing is imported then, so nothing is lost silently.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files.base import ContentFile

from datasources.connectors.report_columns import ReportKind, header_key
from datasources.connectors.report_files import RowError
from datasources.connectors.spreadsheets import ReportFileError, read_rows
from datasources.models import FileImport, ImportStatus
from datasources.services.imports import check_report_file, import_report_file
from refunds.identifiers import chargeback_issue_id, parse_invoice_number

# Which header names the account, per kind of report (compared after header_key()).
_ROUTE_HEADERS = {
    ReportKind.CHARGEBACKS: ("vendorcode", "payee"),
    ReportKind.INVOICES: ("payee", "vendorcode"),
    ReportKind.COOP: ("agreementid", "vendorcode"),
    ReportKind.REMITTANCES: ("invoicenumber",),
    ReportKind.RETURNS: ("vendorcode",),
}


@dataclass
class CombinedImport:
    """What happened to one combined file: one FileImport per account it named, and the rows it could not place."""

    imports: list[FileImport] = field(default_factory=list)
    unplaced: list[RowError] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.unplaced and all(i.status == ImportStatus.IMPORTED for i in self.imports)


def import_combined_report(*, organization, kind: str, file, user, partial: bool = False) -> CombinedImport:
    """Split a report mixing the organization's accounts by account, and import each part."""
    check_report_file(file)  # the same type and size checks as a per-account upload
    data = file if isinstance(file, bytes | bytearray) else _read(file)
    name = getattr(file, "name", "") or f"{kind}.csv"
    rows = list(read_rows(bytes(data)))
    header_at = next((i for i, (_, _, cells) in enumerate(rows) if _route_column(kind, cells) is not None), None)
    if header_at is None:
        wanted = " or ".join(_ROUTE_HEADERS[kind])
        raise ReportFileError(f"No header row naming the account ({wanted}) was found; import it per account instead.")
    header = rows[header_at][2]
    column = _route_column(kind, header)
    router = _Router(organization, kind)
    parts: dict[int, list[list]] = defaultdict(list)
    result = CombinedImport()
    placed = router.place(rows[header_at + 1 :], column, header)
    for (sheet, number, cells), account in placed:
        if not any(str(c).strip() for c in cells):
            continue
        if account is None:
            shown = str(cells[column]) if column < len(cells) else ""
            result.unplaced.append(RowError(number, str(header[column]), shown, router.why, sheet))
            continue
        parts[account.pk].append(cells)
    if result.unplaced and not partial:
        result.message = (
            f"Nothing was imported: {len(result.unplaced)} row(s) name no vendor account of "
            f"{organization.name}. Add the account (or its co-op agreement) or fix the rows, then upload again."
        )
        return result
    for account_id, cells in parts.items():
        account = router.accounts[account_id]
        upload = ContentFile(_csv_bytes(header, cells), name=f"{account.vendor_code_list[0]}-{name}")
        result.imports.append(import_report_file(account=account, kind=kind, file=upload, user=user, partial=partial))
    result.message = "; ".join(f"{i.account.name}: {i.message}" for i in result.imports)
    if result.unplaced:
        result.message += f"; {len(result.unplaced)} row(s) name no vendor account and were left out."
    return result


def _read(file) -> bytes:
    file.seek(0)
    return file.read()


def _route_column(kind: str, cells) -> int | None:
    keys = [header_key(c) if isinstance(c, str) else "" for c in cells]
    for wanted in _ROUTE_HEADERS[kind]:
        if wanted in keys:
            return keys.index(wanted)
    return None


def _csv_bytes(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


class _Router:
    """Finds the vendor account a row belongs to, by what the kind of report names."""

    def __init__(self, organization, kind: str):
        from acorn_portal.models import VendorAccount

        self.kind = kind
        self.accounts = {a.pk: a for a in VendorAccount.objects.filter(organization=organization)}
        self.by_code = {code: a for a in self.accounts.values() for code in a.vendor_code_list}
        self.why = {
            ReportKind.COOP: "no co-op agreement with this id is on file; add the agreement first",
            ReportKind.REMITTANCES: "no invoice, claim or chargeback with this number is on file; import those first",
        }.get(kind, "is not a vendor code of any account of the organization")

    def place(self, rows, column: int, header) -> list[tuple[tuple, object]]:
        if self.kind == ReportKind.COOP:
            return self._by_agreement(rows, column)
        if self.kind == ReportKind.REMITTANCES:
            return self._by_document(rows, column, header)
        return [(row, self.by_code.get(_cell(row, column).upper())) for row in rows]

    def _by_agreement(self, rows, column: int):
        from refunds.models import CoopAgreement

        agreements = CoopAgreement.objects.filter(account__in=self.accounts.values())
        by_id = {a.agreement_id: self.accounts[a.account_id] for a in agreements}
        placed = []
        for row in rows:
            account = by_id.get(_cell(row, column))
            placed.append((row, account))
        return placed

    def _by_document(self, rows, column: int, header):
        """Remittance lines by the document they settle; every line of a payment goes where its lines point."""
        from refunds.models import Chargeback, Invoice

        keys = [header_key(c) if isinstance(c, str) else "" for c in header]
        payment = keys.index("paymentnumber") if "paymentnumber" in keys else None
        description = keys.index("description") if "description" in keys else None
        roots, issues = {}, {}
        for row in rows:
            number = _cell(row, column)
            issue = chargeback_issue_id(number, _cell(row, description) if description is not None else "")
            issues[id(row)] = issue or number  # a chargeback's settlement, or a deduction's own number (co-op)
            if not issue:
                try:
                    roots[id(row)] = parse_invoice_number(number).root
                except ValueError:
                    continue
        mine = Invoice.objects.filter(account__in=self.accounts.values())
        by_root = {
            root: self.accounts[acc]
            for chunk in _chunks(set(roots.values()))
            for root, acc in mine.filter(root_number__in=chunk).values_list("root_number", "account_id")
        }
        deductions = Chargeback.objects.filter(account__in=self.accounts.values())
        by_issue = {
            number: self.accounts[acc]
            for chunk in _chunks(set(issues.values()))
            for number, acc in deductions.filter(amazon_id__in=chunk).values_list("amazon_id", "account_id")
        }
        own = {id(row): by_issue.get(issues.get(id(row))) or by_root.get(roots.get(id(row))) for row in rows}
        by_payment: dict[str, object] = {}
        if payment is not None:
            for row in rows:
                if own[id(row)] is not None:
                    by_payment.setdefault(_cell(row, payment), own[id(row)])
        return [
            (row, own[id(row)] or (by_payment.get(_cell(row, payment)) if payment is not None else None))
            for row in rows
        ]


def _chunks(values: set, size: int = 2000):
    # A payment export can name a hundred thousand documents; SQLite takes at most 32,766 parameters.
    ordered = sorted(values)
    return (ordered[start : start + size] for start in range(0, len(ordered), size))


def _cell(row, column: int) -> str:
    cells = row[2]
    value = cells[column] if column is not None and column < len(cells) else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value or "").strip()
