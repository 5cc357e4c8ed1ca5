"""Importing report files: all or nothing, partial on request, idempotent, safe storage, admin upload."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acorn_portal.models import VendorAccount
from acorn_portal.uploads import UploadRefused
from datasources.models import ColumnMapping, FileImport, ImportStatus
from datasources.services.imports import import_report_file
from refunds.models import Chargeback, CoopAgreement, Invoice, Remittance

pytestmark = pytest.mark.django_db

GOOD = (
    "Issue ID,Chargeback Type,Amount,Issue Date,PO #\n"
    "1001,ASN Accuracy,25.00,03/04/2025,2JK3S9VC\n"
    "1002,Prep,5.50,03/05/2025,7HQ2MX4P\n"
)
BAD = GOOD + "1003,Prep,abc,03/05/2025,X\n1004,Prep,1.005,03/05/2025,X\n"


def upload(text: str | bytes, name="defects.csv"):
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def run(account, user, text, kind="chargebacks", **options):
    return import_report_file(account=account, kind=kind, file=upload(text), user=user, **options)


def test_good_file_is_imported_with_history_naming_the_import(account, ops):
    done = run(account, ops, GOOD)

    assert (done.status, done.rows, done.created, done.error_count) == (ImportStatus.IMPORTED, 2, 2, 0)
    assert done.counts == {"chargebacks": {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}}
    chargeback = Chargeback.objects.get(amazon_id="1001")
    assert chargeback.amount == Decimal("25.00") and chargeback.account == account
    version = chargeback.history.get()
    assert (version.history_user, version.history_change_reason) == (ops, f"File import #{done.pk}")


def test_file_with_bad_rows_imports_nothing_and_reports_each_row(account, ops):
    done = run(account, ops, BAD)

    assert done.status == ImportStatus.FAILED
    assert not Chargeback.objects.exists()
    assert "2 row(s) have errors" in done.message
    assert [(e["row"], e["column"], e["value"]) for e in done.errors] == [(4, "Amount", "abc"), (5, "Amount", "1.005")]
    assert "more decimals than USD allows" in done.errors[1]["why"]  # found by ingest, put back on its row


def test_partial_import_keeps_the_good_rows_and_the_report(account, ops):
    done = run(account, ops, BAD, partial=True)

    assert (done.status, done.created, done.error_count) == (ImportStatus.PARTIAL, 2, 2)
    # Every row read is accounted for once: a row with a cell error and a row ingest refused are both rejected.
    assert (done.rows, done.rejected) == (4, 2)
    assert done.rows == done.created + done.updated + done.unchanged + done.rejected
    assert "4 rows read: 2 created, 0 updated, 0 unchanged, 2 rejected." in done.message
    assert [error["row"] for error in done.errors] == [4, 5]
    assert set(Chargeback.objects.values_list("amazon_id", flat=True)) == {"1001", "1002"}


def test_reupload_changes_nothing_and_is_recognised(account, ops):
    first = run(account, ops, GOOD)
    history = Chargeback.history.count()

    again = run(account, ops, GOOD)

    assert (again.status, again.created, again.updated, again.unchanged) == (ImportStatus.IMPORTED, 0, 0, 2)
    assert again.duplicate_of == first
    assert f"identical to import #{first.pk}" in again.message
    assert Chargeback.history.count() == history


def test_duplicate_ids_in_one_file_fail_it(account, ops):
    done = run(account, ops, GOOD + "1001,Prep,9.00,03/06/2025,X\n")

    assert done.status == ImportStatus.FAILED
    assert "appears more than once" in done.errors[0]["why"]
    assert not Chargeback.objects.exists()


def test_a_row_labelled_in_another_currency_is_kept_in_the_accounts(account, ops):
    """Vendor Central prints a few US rows with CAD; the number is dollars. The row is kept, the label too."""
    done = run(account, ops, "Issue ID,Chargeback Type,Amount,Currency,Issue Date\n1,Prep,5.00,CAD,03/04/2025\n")

    assert done.status == ImportStatus.IMPORTED, done.errors
    case = Chargeback.objects.get(amazon_id="1")
    assert (case.amount, case.currency, case.reported_currency) == (Decimal("5.00"), "USD", "CAD")
    same = run(account, ops, "Issue ID,Chargeback Type,Amount,Currency,Issue Date\n2,Prep,5.00,USD,03/04/2025\n")
    assert same.status == ImportStatus.IMPORTED
    assert Chargeback.objects.get(amazon_id="2").reported_currency == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"%PDF-1.4", "this is a PDF file"), (b"PK\x03\x04truncated", "ZIP archive .XLSX. but is not")],
)
def test_file_of_the_wrong_type_is_refused_before_it_is_stored(account, ops, data, message):
    run(account, ops, GOOD)

    with pytest.raises(UploadRefused, match=message):
        import_report_file(account=account, kind="chargebacks", file=upload(data), user=ops)

    assert Chargeback.objects.count() == 2 and FileImport.objects.count() == 1


def test_readable_file_that_is_no_report_is_rejected_on_record(account, ops):
    done = run(account, ops, "just,some,columns\n1,2,3\n")

    assert done.status == ImportStatus.REJECTED and done.message
    assert done.content_type == "text/csv" and Path(done.file.path).is_file()


def test_file_is_stored_under_a_random_name_outside_the_web_root(account, ops):
    done = import_report_file(
        account=account, kind="chargebacks", file=upload(GOOD, name="../../etc/passwd.csv"), user=ops
    )

    stored = Path(done.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "imports")
    assert "passwd" not in stored.name and stored.suffix == ".csv"
    assert done.original_name == "passwd.csv"
    assert stored.read_bytes() == GOOD.encode()
    assert len(done.sha256) == 64


def test_invoices_and_claims_go_in_together(account, ops):
    text = "Invoice Number,Invoice Date,Invoice Amount\n40000001,03/01/2025,100.00\n40000001SC,03/20/2025,-20.00\n"
    done = run(account, ops, text, kind="invoices")

    assert done.status == ImportStatus.IMPORTED
    assert Invoice.objects.get(number="40000001SC").parent == Invoice.objects.get(number="40000001")
    assert Chargeback.objects.get(amazon_id="40000001SC").family == "shortage_claim"


def test_remittance_lines_refused_by_ingest_point_at_their_row(org, ops):
    japan = VendorAccount.objects.create(organization=org, name="Acme JP", vendor_codes="ACMEJ", marketplace="JP")
    text = (
        "Payment Number,Invoice Number,Invoice Date,Net Amount Paid,Payment Date\n"
        "P1,INV1,2025/03/01,1000,2025/04/01\n"
        "P1,INV2,2025/03/02,10.5,2025/04/01\n"
    )
    done = run(japan, ops, text, kind="remittances")

    assert done.status == ImportStatus.FAILED
    assert (3, "10.5 has more decimals than JPY allows (0).") in [(e["row"], e["why"]) for e in done.errors]
    assert not Remittance.objects.exists()


def test_column_mapping_of_the_organization_is_used(account, other_account, ops):
    ColumnMapping.objects.create(
        organization=account.organization, kind="chargebacks", source_header="Ref", field="amazon_id"
    )
    text = "Ref,Chargeback Type,Amount,Issue Date\n77,Prep,5.00,03/04/2025\n"

    assert run(account, ops, text).status == ImportStatus.IMPORTED
    assert run(other_account, ops, text).status == ImportStatus.REJECTED  # another organization's mapping


# --------------------------------------------------------------------------------------------------
# The admin upload


def test_admin_upload_imports_and_shows_the_error_report(client, account, ops):
    client.force_login(ops)
    add = reverse("admin:datasources_fileimport_add")
    page = client.get(add)
    assert page.status_code == 200 and "Import a report file" in page.content.decode()

    response = client.post(add, {"account": account.pk, "kind": "chargebacks", "upload": upload(BAD)}, follow=True)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Not imported: rows with errors" in content
    assert "<td>abc</td>" in content and "is not a number" in content
    assert FileImport.objects.get().uploaded_by == ops
    assert not Chargeback.objects.exists()


def test_admin_upload_refuses_another_organizations_account(client, account, other_account, ops):
    client.force_login(ops)
    add = reverse("admin:datasources_fileimport_add")

    response = client.post(add, {"account": other_account.pk, "kind": "chargebacks", "upload": upload(GOOD)})

    assert response.status_code == 200 and "account" in response.context["adminform"].form.errors
    assert not FileImport.objects.exists()


def test_legal_may_read_imports_but_not_upload(client, legal):
    client.force_login(legal)
    assert client.get(reverse("admin:datasources_fileimport_changelist")).status_code == 200
    assert client.get(reverse("admin:datasources_fileimport_add")).status_code == 403


def test_xlsx_upload_through_the_service(account, ops):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Issue ID", "Chargeback Type", "Amount", "Issue Date"])
    workbook.active.append([1001, "Prep", 5.5, "03/04/2025"])
    out = io.BytesIO()
    workbook.save(out)

    done = import_report_file(account=account, kind="chargebacks", file=upload(out.getvalue(), name="d.xlsx"), user=ops)

    assert done.status == ImportStatus.IMPORTED
    assert Chargeback.objects.get().amazon_id == "1001"
    assert done.file.name.endswith(".xlsx")


def test_an_invoice_file_matches_the_deduction_waiting_for_it(
    account, ops, monkeypatch, django_capture_on_commit_callbacks
):
    from refunds.choices import MatchStatus, Recommendation
    from refunds.services.matching import evaluate_chargebacks
    from tests.refunds.matching_data import NOW, make_chargeback, make_po, make_shipment

    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)  # the verdicts' "today"
    make_po(account)
    make_shipment(account)  # PO and ASN came by SP-API; the invoice the claim is against did not
    claim = make_chargeback(account)  # a shortage claim on invoice INV1001 of PO 2JK3S9VC
    other = make_chargeback(account, "INV2002SC", po_number="OTHERPO", invoice_number="INV2002")
    evaluate_chargebacks([claim.id, other.id])
    claim.refresh_from_db()
    assert claim.assessment.match_status == MatchStatus.PARTIAL
    assert claim.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "waiting for documents: invoice INV1001" in claim.assessment.summary + str(claim.assessment.checks)
    untouched = other.assessment.evaluated_at

    text = "Invoice Number,Invoice Date,Invoice Amount,Due Date,PO #\nINV1001,01/10/2026,1200.00,03/11/2026,2JK3S9VC\n"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        done = run(account, ops, text, kind="invoices")

    assert done.status == ImportStatus.IMPORTED and len(callbacks) == 1
    claim.refresh_from_db()
    assert claim.assessment.match_status == MatchStatus.MATCHED
    assert claim.assessment.matched["invoice"][1] == "INV1001"
    # Matched to its invoice, the claim's window is known (Amazon's matching period after the
    # invoice's due date). Vendor Central's invoice export carries no lines, so the units and costs
    # the claim is judged on still have to come from the ERP's invoice: the verdict asks for them.
    assert claim.disputable_from > NOW.date()
    assert "waiting for documents" not in claim.assessment.summary
    assert claim.recommendation == Recommendation.NEEDS_EVIDENCE
    assert claim.history.first().history_change_reason.endswith(": documents arrived")  # the latest change
    other.assessment.refresh_from_db()
    assert other.assessment.evaluated_at == untouched, "a deduction naming other documents is left alone"


def test_a_failed_import_re_evaluates_nothing(account, ops, django_capture_on_commit_callbacks):
    bad = "Invoice Number,Invoice Date,Invoice Amount\nINV1001,01/10/2026,1200.00\nINV1002,01/10/2026,abc\n"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        done = run(account, ops, bad, kind="invoices")
    assert done.status == ImportStatus.FAILED
    assert callbacks == []


VC_INVOICES = (
    "Invoice Number,Payee,Invoice Date,Invoice Creation Date,Invoice Amount,Payment Due Date,Invoice Status,"
    "Actual Paid Amount,Any Deductions\n"
    '48824914,ACMEU,07/20/2024,07/20/2024,"5,274.36",09/18/2024,Paid,"4,140.24",Yes\n'
    '48824914SC,ACMEU,09/13/2024,09/13/2024,"-1,134.12",09/18/2024,Deducted,"-1,134.12",Yes\n'
    "48824914SCR,ACMEU,11/30/2024,11/30/2024,549.25,11/30/2024,Credited,549.25,No\n"
    "45097761,ACMEU,10/01/2025,10/01/2025,900.00,11/30/2025,Paid,748.86,Yes\n"
    "45097761PC,ACMEU,10/24/2025,10/24/2025,-151.14,12/15/2025,Deducted,-151.14,Yes\n"
)


def test_vendor_central_claims_become_deductions_on_their_root_invoice(account, ops):
    done = run(account, ops, VC_INVOICES, kind="invoices")

    assert done.status == ImportStatus.IMPORTED, done.errors
    claims = {cb.amazon_id: cb for cb in Chargeback.objects.all()}
    assert set(claims) == {"48824914SC", "45097761PC"}  # the SCR credit is a reversal, not a deduction
    shortage, price = claims["48824914SC"], claims["45097761PC"]
    assert (shortage.family, shortage.invoice_number, shortage.amount) == (
        "shortage_claim",
        "48824914",
        Decimal("1134.12"),
    )
    assert (price.family, price.deduction_type, price.invoice_number) == ("price_claim", "price_claim", "45097761")
    assert price.amount == Decimal("151.14") and price.issue_date.isoformat() == "2025-10-24"
    reversal = Invoice.objects.get(number="48824914SCR")
    assert (reversal.direction, reversal.parent.number) == ("credit", "48824914SC")
    assert Invoice.objects.get(number="48824914").date_source == "vendor_central"


def test_chargeback_settlements_in_a_payment_name_their_issue(account, ops):
    text = (
        "Payment Number,Payment Date,Invoice Number,Invoice Date,Invoice Amount,Net Amount Paid,Description\n"
        "3030331428,01/15/2026,1146255532VCBSINV,01/13/2026,-35.51,-35.51,"
        "CHARGEBACK ASN ACCURACY - ISSUE ID 1146255532\n"
        "3030331428,01/15/2026,1146255532VCBSINVR,01/14/2026,35.51,35.51,CHARGEBACK REVERSAL - ISSUE ID 1146255532\n"
        '3030331428,01/15/2026,48824914,07/20/2024,"5,274.36","5,274.36",INVOICE PAYMENT\n'
    )
    done = run(account, ops, text, kind="remittances")

    assert done.status == ImportStatus.IMPORTED, done.errors
    lines = Remittance.objects.get().lines.order_by("line_number")
    assert [(line.chargeback_id, line.amount) for line in lines] == [
        ("1146255532", Decimal("-35.51")),
        ("1146255532", Decimal("35.51")),
        ("", Decimal("5274.36")),
    ]


def test_coop_rows_keep_their_agreement_rate_and_base(account, ops):
    text = (
        "Invoice ID,Agreement ID,Agreement Title,Invoice Date,Funding Type,Rate Percent,Base Amount,Amount,Currency\n"
        "3198-06764257,96598412,Holiday Marketing Fund (Feb 2024),12/31/2024,Marketing & Promotion,"
        '3.00,"103,455.71","4,419.63",USD\n'
    )
    done = run(account, ops, text, kind="coop")

    assert done.status == ImportStatus.IMPORTED, done.errors
    case = Chargeback.objects.get(amazon_id="3198-06764257")
    assert (case.family, case.coop_agreement_id, case.coop_rate_percent, case.coop_base_amount) == (
        "coop",
        "96598412",
        Decimal("3.00"),
        Decimal("103455.71"),
    )
    assert case.amount == Decimal("4419.63")


def test_messy_po_numbers_are_normalised(account, ops):
    text = (
        "Issue ID,Vendor Code,PO Number,ASIN,Chargeback Type,Sub Type,Quantity,Amount,Currency,Chargeback Date\n"
        "1,ACMEU,po# 1a2b3c4d,B000000001,Prep,Bagging,1,2.00,USD,03/10/2026\n"
        "2,ACMEU, 1A2B3C4D ,B000000001,Prep,Bagging,1,2.00,USD,03/10/2026\n"
        "3,ACMEU,PO 1A2B3C4D,B000000001,Prep,Bagging,1,2.00,USD,03/10/2026\n"
        "4,ACMEU,#1A2B3C4D,B000000001,Prep,Bagging,1,2.00,USD,03/10/2026\n"
    )
    done = run(account, ops, text)

    assert done.status == ImportStatus.IMPORTED, done.errors
    assert set(Chargeback.objects.values_list("po_number_normalized", flat=True)) == {"1A2B3C4D"}


AGREEMENTS = (
    "Agreement ID,Vendor Code,Title,Funding Type,Rate Percent,Calculation Base,Billing,Currency,Active From,"
    "Active To,Waived Periods\n"
    "96598412,ACMEU,Holiday Marketing Fund,Marketing & Promotion,3.00,net receipts,monthly,USD,02/01/2024,"
    "05/31/2025,2024-07-01/2024-07-31: fee waived; 2024-11-01/2024-11-30\n"
)


def test_coop_agreements_import_as_a_report(account, ops):
    done = run(account, ops, AGREEMENTS, kind="coop_agreements")

    assert done.status == ImportStatus.IMPORTED, done.errors
    saved = CoopAgreement.objects.get(account=account, agreement_id="96598412")
    assert (saved.rate_percent, saved.starts_on.isoformat(), saved.ends_on.isoformat()) == (
        Decimal("3.00"),
        "2024-02-01",
        "2025-05-31",
    )
    assert saved.waived_periods == [
        {"from": "2024-07-01", "to": "2024-07-31", "reason": "fee waived"},
        {"from": "2024-11-01", "to": "2024-11-30", "reason": ""},
    ]
    assert run(account, ops, AGREEMENTS, kind="coop_agreements").unchanged == 1


def test_a_bad_coop_agreement_row_fails_the_file_with_its_reason(account, ops):
    bad = AGREEMENTS + "1,OTHER,X,Y,3.00,,,USD,02/01/2024,,\n2,ACMEU,X,Y,3.00,,,USD,02/01/2024,,July 2024\n"
    done = run(account, ops, bad, kind="coop_agreements")

    assert done.status == ImportStatus.FAILED
    assert [(e["row"], e["column"]) for e in done.errors] == [(3, "Vendor Code"), (4, "Waived Periods")]
    assert not CoopAgreement.objects.exists()


def test_admin_shows_an_imports_progress_while_the_task_writes_it(client, account, other_account, ops):
    from django.core.cache import cache

    from datasources.services.imports import _progress_key

    running = FileImport.objects.create(account=account, kind="chargebacks", sha256="a", status="processing")
    cache.set(_progress_key(running.pk), {"rows_done": 250000, "rows_total": 1000000})
    queued = FileImport.objects.create(account=account, kind="chargebacks", sha256="b", status="queued")
    theirs = FileImport.objects.create(account=other_account, kind="chargebacks", sha256="c", status="queued")
    client.force_login(ops)
    page = client.get(reverse("admin:datasources_fileimport_changelist")).content.decode()
    assert "250,000 of 1,000,000" in page and "waiting for the task cluster" in page
    assert reverse("admin:datasources_fileimport_change", args=[queued.pk]) in page
    assert reverse("admin:datasources_fileimport_change", args=[theirs.pk]) not in page
    detail = client.get(reverse("admin:datasources_fileimport_change", args=[running.pk])).content.decode()
    assert "250,000 of 1,000,000" in detail
