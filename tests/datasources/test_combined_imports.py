"""Vendor Central exports that mix the vendor's accounts: split by account, each part read in its own locale."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from acorn_portal.models import VendorAccount
from datasources.models import FileImport, ImportStatus
from datasources.services.combined_imports import import_combined_report
from refunds.models import Chargeback, CoopAgreement, Invoice, RemittanceLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def uk(org):
    return VendorAccount.objects.create(organization=org, name="Acme UK", vendor_codes="ACMEK", marketplace="UK")


def upload(text: str, name="export.csv"):
    return SimpleUploadedFile(name, text.encode())


CHARGEBACKS = (
    "Issue ID,Vendor Code,PO Number,ASIN,Chargeback Type,Sub Type,Quantity,Amount,Currency,Chargeback Date,"
    "Status,Notes\n"
    "1146255532,ACMEK,QGGQ4TV8,B02UBPPU7M,ASN Accuracy,Missing ASN,48,35.51,GBP,13/01/2026,Charged,No ASN\n"
    "1146266866,ACMEU,FXHKXL46,B0E0ZS8B4J,ASN Accuracy,Late ASN,36,138.22,CAD,11/15/2026,Charged,Late\n"
)


def test_rows_go_to_their_account_in_its_locale(org, account, uk, ops):
    result = import_combined_report(organization=org, kind="chargebacks", file=upload(CHARGEBACKS), user=ops)

    assert result.ok, result.message
    assert {i.account for i in result.imports} == {account, uk}
    ours = Chargeback.objects.get(amazon_id="1146255532")
    assert (ours.account, ours.issue_date.isoformat(), ours.currency) == (uk, "2026-01-13", "GBP")
    us = Chargeback.objects.get(amazon_id="1146266866")
    assert (us.account, us.issue_date.isoformat(), us.reported_currency) == (account, "2026-11-15", "CAD")


def test_a_row_naming_no_account_stops_the_file_unless_partial(org, account, uk, ops, other_account):
    text = CHARGEBACKS + "1146299999,RIVAL,ABCDEFGH,B0E0ZS8B4J,Prep,Bagging,1,2.00,USD,11/15/2026,Charged,\n"

    stopped = import_combined_report(organization=org, kind="chargebacks", file=upload(text), user=ops)
    assert not stopped.imports and not Chargeback.objects.exists()
    assert [(e.row, e.column, e.value) for e in stopped.unplaced] == [(4, "Vendor Code", "RIVAL")]
    assert "Nothing was imported" in stopped.message  # another organization's vendor code is not ours

    partial = import_combined_report(organization=org, kind="chargebacks", file=upload(text), user=ops, partial=True)
    assert len(partial.unplaced) == 1 and Chargeback.objects.count() == 2
    assert not Chargeback.objects.filter(account=other_account).exists()


def test_coop_rows_follow_their_agreement_and_payments_their_documents(org, account, uk, ops):
    CoopAgreement.objects.create(
        account=uk, agreement_id="12432922", vendor_code="ACMEK", currency="GBP", rate_percent=3, starts_on="2024-05-01"
    )
    coop = (
        "Invoice ID,Agreement ID,Agreement Title,Invoice Date,Funding Type,Rate Percent,Base Amount,Amount,Currency\n"
        '2392-02744734,12432922,Prime Day,31/01/2025,Marketing & Promotion,3.00,"67,003.69","2,010.11",GBP\n'
    )
    done = import_combined_report(organization=org, kind="coop", file=upload(coop), user=ops)
    assert done.ok, done.message
    assert Chargeback.objects.get(amazon_id="2392-02744734").account == uk

    invoices = (
        "Invoice Number,Payee,Invoice Date,Invoice Creation Date,Invoice Amount,Payment Due Date,Invoice Status\n"
        '48824914,ACMEU,07/20/2024,07/20/2024,"5,274.36",09/18/2024,Paid\n'
        '48824914SC,ACMEU,09/13/2024,09/13/2024,"-1,134.12",09/18/2024,Deducted\n'
    )
    assert import_combined_report(organization=org, kind="invoices", file=upload(invoices), user=ops).ok
    import_combined_report(organization=org, kind="chargebacks", file=upload(CHARGEBACKS), user=ops)
    remittance = (
        "Payment Number,Payment Date,Invoice Number,Invoice Date,Invoice Amount,Net Amount Paid,Description\n"
        '3030317926,09/24/2024,48824914,07/20/2024,"5,274.36","5,274.36",INVOICE PAYMENT\n'
        '3030317926,09/24/2024,48824914SC,09/13/2024,"-1,134.12","-1,134.12",SHORTAGE CLAIM\n'
        "3030331428,15/01/2026,1146255532VCBSINV,13/01/2026,-35.51,-35.51,CHARGEBACK - ISSUE ID 1146255532\n"
        "3030331500,15/02/2025,2392-02744734,31/01/2025,-2010.11,-2010.11,COOP\n"
    )
    paid = import_combined_report(organization=org, kind="remittances", file=upload(remittance), user=ops)
    assert paid.ok, paid.message
    placed = {line.invoice_number: line.remittance.account for line in RemittanceLine.objects.all()}
    assert placed == {"48824914": account, "48824914SC": account, "1146255532VCBSINV": uk, "2392-02744734": uk}
    assert RemittanceLine.objects.get(invoice_number="1146255532VCBSINV").amount == Decimal("-35.51")
    assert Invoice.objects.get(number="48824914").account == account


def test_a_file_with_no_account_column_is_refused_with_a_reason(org, account, ops):
    from datasources.connectors.spreadsheets import ReportFileError

    with pytest.raises(ReportFileError, match="naming the account"):
        import_combined_report(organization=org, kind="chargebacks", file=upload("Issue ID,Amount\n1,2.00\n"), user=ops)
    assert not FileImport.objects.exists()


def test_each_part_is_on_record_as_an_import_of_its_account(org, account, uk, ops):
    result = import_combined_report(organization=org, kind="chargebacks", file=upload(CHARGEBACKS), user=ops)
    records = FileImport.objects.order_by("account__name")
    assert [(r.account, r.status, r.created) for r in records] == [
        (uk, ImportStatus.IMPORTED, 1),
        (account, ImportStatus.IMPORTED, 1),
    ] or [(r.account, r.status, r.created) for r in records] == [
        (account, ImportStatus.IMPORTED, 1),
        (uk, ImportStatus.IMPORTED, 1),
    ]
    assert len(result.imports) == 2
