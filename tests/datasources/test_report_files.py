"""Report files: encodings, delimiters, tolerant headers, sections, builders and broken files (no database)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from datasources.connectors.report_files import ReportFileError, parse_report
from datasources.connectors.spreadsheets import decode_text

CHARGEBACKS_CSV = (
    "Issue ID,Chargeback Type,Sub Type,Amount,Issue Date,PO #,ASIN,Quantity,Status\n"
    '1001,ASN Accuracy,Late ASN,"1,234.56",03/04/2025,po 2jk3s9vc,B000000001,12,Charged\n'
    "1002,PO On-Time Accuracy,Not on time,25.00,03/05/2025,7HQ2MX4P,,,Waived\n"
)


def parse(data, kind="chargebacks", marketplace="US", currency="USD", **options):
    return parse_report(data, kind=kind, marketplace=marketplace, currency=currency, **options)


def xlsx(*sheets) -> bytes:
    """A workbook with one sheet per list of rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Sheet{index + 1}")
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_chargebacks_csv_becomes_records():
    report = parse(CHARGEBACKS_CSV.encode())

    assert report.errors == [] and report.rows == 2
    first, second = report.records["chargebacks"]
    assert (first.amazon_id, first.deduction_type, first.amount, first.issue_date) == (
        "1001",
        "asn_accuracy",
        Decimal("1234.56"),
        date(2025, 3, 4),
    )
    assert (first.family, first.currency, first.quantity, first.po_number) == (
        "operational_chargeback",
        "USD",
        12,
        "po 2jk3s9vc",
    )
    assert second.deduction_type == "po_on_time_accuracy" and second.quantity is None


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"], ids=lambda e: e or "utf-16 no BOM"
)
def test_encodings_are_detected(encoding):
    text = CHARGEBACKS_CSV.replace("Late ASN", "Späte ASN – Lieferschein")
    data = text.encode(encoding)
    if encoding == "cp1252":
        assert data.decode("utf-8", errors="replace") != text  # really not UTF-8

    report = parse(data)

    assert report.records["chargebacks"][0].sub_type == "Späte ASN – Lieferschein"


def test_semicolons_decimal_commas_and_day_first_dates_for_a_german_account():
    text = "Issue ID;Chargeback Type;Amount;Issue Date\n1001;Prep;1.234,56;03.04.2025\n"

    record = parse(text.encode("cp1252"), marketplace="DE", currency="EUR").records["chargebacks"][0]

    assert (record.amount, record.issue_date, record.currency) == (Decimal("1234.56"), date(2025, 4, 3), "EUR")


def test_header_variants_and_title_rows_are_tolerated():
    text = (
        "Operational Performance - Chargebacks\nVendor code: ACMEU\n\n"
        "  issue_id , CHARGEBACK-TYPE ,chargeback amount,Chargeback Date,Purchase Order Number\n"
        "1001,Prep,5.00,2025-03-04,2JK3S9VC\nTotal,,5.00,,\n"
    )

    report = parse(text.encode())

    assert [r.amazon_id for r in report.records["chargebacks"]] == ["1001"]
    assert report.records["chargebacks"][0].po_number == "2JK3S9VC"


def test_organization_mapping_names_unknown_headers():
    text = "Ref,Kategorie,Gebühr,Datum\n1001,Prep,5.00,2025-03-04\n"
    with pytest.raises(ReportFileError, match="does not look like"):
        parse(text.encode())

    mapping = {"Ref": "amazon_id", "KATEGORIE": "deduction_type", "gebühr": "amount", "Datum": "issue_date"}
    record = parse(text.encode(), mapping=mapping).records["chargebacks"][0]

    assert (record.amazon_id, record.amount) == ("1001", Decimal("5.00"))


def test_bad_cells_are_reported_row_by_row():
    text = (
        "Issue ID,Chargeback Type,Amount,Issue Date,Quantity\n"
        "1001,Prep,5.00,2025-03-04,1\n"
        "1002,Prep,abc,2025-02-31,1.5\n"
        ",Prep,5.00,2025-03-04,\n"
    )

    report = parse(text.encode())

    assert [r.amazon_id for r in report.records["chargebacks"]] == ["1001"]
    assert [e.as_dict() for e in report.errors] == [
        {"sheet": "", "row": 3, "column": "Amount", "value": "abc", "why": "is not a number"},
        {"sheet": "", "row": 3, "column": "Issue Date", "value": "2025-02-31", "why": "is not a valid date"},
        {"sheet": "", "row": 3, "column": "Quantity", "value": "1.5", "why": "is not a whole number"},
        {"sheet": "", "row": 4, "column": "Issue ID", "value": "", "why": "is required"},
    ]


def test_invoices_with_shortage_and_price_claims_and_the_chain():
    text = (
        "Invoice Number,Invoice Date,Payment Due Date,Invoice Amount,Invoice Status,PO Number\n"
        "40000001,03/01/2025,04/30/2025,1000.00,Paid,2JK3S9VC\n"
        "40000001SC,03/25/2025,,-120.00,Shortage claim,2JK3S9VC\n"
        "40000001SCR,04/20/2025,,120.00,Reversal,2JK3S9VC\n"
        '40000002SC,03/25/2025,,-30.00,"Paid,Price discrepancy dispute closed",7HQ2MX4P\n'
    )

    report = parse(text.encode(), kind="invoices")

    assert [r.number for r in report.records["invoices"]] == ["40000001", "40000001SC", "40000001SCR", "40000002SC"]
    claims = {r.amazon_id: r for r in report.records["chargebacks"]}
    assert set(claims) == {"40000001SC", "40000002SC"}  # the reversal is a credit, not a deduction
    assert (claims["40000001SC"].family, claims["40000001SC"].amount) == ("shortage_claim", Decimal("120.00"))
    assert claims["40000001SC"].invoice_number == "40000001"
    assert claims["40000002SC"].family == "price_claim"


def test_remittance_xlsx_with_summary_and_detail_sections():
    data = xlsx(
        [
            ["Remittance advice"],
            [],
            ["Payment Number", "Payment Date", "Payment Status", "Invoice Amount"],
            ["P1001", "15.04.2025", "Paid", 870.5],
            [],
            ["Payment Number", "Invoice Number", "Invoice Date", "Invoice Amount", "Net Amount Paid", "Description"],
            ["P1001", "VBE20240200365", "01.03.2025", 1000, 1000, "Invoice"],
            ["P1001", "1234VCBSINV", "02.03.2025", -129.5, -129.5, "Chargeback"],
        ]
    )

    report = parse(data, kind="remittances", marketplace="DE", currency="EUR")

    assert report.errors == []
    (payment,) = report.records["remittances"]
    assert (payment.payment_number, payment.payment_date, payment.amount) == (
        "P1001",
        date(2025, 4, 15),
        Decimal("870.5"),
    )
    assert [(line.line_number, line.invoice_number, line.amount) for line in payment.lines] == [
        (1, "VBE20240200365", Decimal("1000")),
        (2, "1234VCBSINV", Decimal("-129.5")),
    ]


def test_each_sheet_has_its_own_header_and_sheets_without_one_are_skipped():
    header = ["Issue ID", "Chargeback Type", "Amount", "Issue Date"]
    data = xlsx(
        [header, ["1", "Prep", 5, "2025-03-04"]],
        [["Notes"], ["exported by someone"]],
        [header, ["2", "Prep", 6, "2025-03-05"]],
    )

    report = parse(data)

    assert report.errors == []
    assert [r.amazon_id for r in report.records["chargebacks"]] == ["1", "2"]


def test_coop_and_returns():
    coop = "Invoice ID,Agreement ID,Agreement Title,Activity Type,Invoice Date,Original Balance\n"
    coop += "1234-56789012,A-77,Spring promo,Marketing & Promotion,2025-03-04,-450.00\n"
    record = parse(coop.encode(), kind="coop").records["chargebacks"][0]
    assert (record.family, record.deduction_type, record.amount) == ("coop", "marketing_promotion", Decimal("450.00"))
    assert "A-77" in record.description

    returns = "Request ID,Vendor code,Condition,Status,Requested quantity,Approved quantity,Requested refund,"
    returns += "Approved refund,Warehouse,Authorization ID,Request Date\n"
    returns += "R-1,ACMEU,Damaged,Approved,10,8,100.00,80.00,ABE8,AUTH9,2025-03-04\n"
    record = parse(returns.encode(), kind="returns").records["chargebacks"][0]
    assert (record.family, record.amount, record.quantity, record.sub_type) == (
        "return_rtv",
        Decimal("80.00"),
        8,
        "Damaged",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"%PDF-1.7 binary", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel"),
        (b"\x00\x01\x02binary\x00garbage\x00", "not a CSV or XLSX"),
        (b"Issue ID,Chargeback Type,Amount,Issue Date\n", "no data rows"),
        (b"Payment Number,Payment Date,Payment Status\nP1,2025-03-04,Paid\n", "does not look like"),
    ],
)
def test_broken_files_are_refused_with_a_reason(data, message):
    with pytest.raises(ReportFileError, match=message):
        parse(data)


def test_truncated_xlsx_is_refused():
    data = xlsx([["Issue ID", "Chargeback Type", "Amount", "Issue Date"], ["1", "Prep", 5, "2025-03-04"]])
    with pytest.raises(ReportFileError, match="XLSX"):
        parse(data[: len(data) // 2])


def test_wrong_kind_of_report_names_the_missing_columns():
    with pytest.raises(ReportFileError, match="Invoice Date"):
        parse(CHARGEBACKS_CSV.replace("Issue Date", "Invoice Date").encode(), kind="invoices")


def test_decode_text_prefers_bom_then_utf8_then_cp1252():
    assert decode_text("\ufeffé".encode()) == "é"
    assert decode_text("é".encode("utf-16")) == "é"
    assert decode_text("é".encode()) == "é"
    assert decode_text("é".encode("cp1252")) == "é"
