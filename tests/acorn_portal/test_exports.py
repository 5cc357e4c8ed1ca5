"""Exports of filtered changelists: formula neutralising, numbers kept, organization scope, audit."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from acorn_portal.exports import safe_cell
from acorn_portal.models import AuditAction, AuditEvent
from refunds.choices import ChargebackState
from tests.refunds.cases import make_chargeback

pytestmark = pytest.mark.django_db
EXPORT = reverse("admin:refunds_chargeback_export", args=["csv"])
EXPORT_XLSX = reverse("admin:refunds_chargeback_export", args=["xlsx"])


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        (Decimal("-12.50"), Decimal("-12.50")),
        (7, 7),
        (None, ""),
    ],
)
def test_safe_cell_neutralises_formulas_and_keeps_numbers(value, expected):
    assert safe_cell(value) == expected


def test_csv_export_neutralises_and_keeps_the_filters(client, account, ops):
    make_chargeback(account, amazon_id="SAFE1", amazon_status="=cmd|' /C calc'!A0", amount=Decimal("12.50"))
    make_chargeback(account, amazon_id="SAFE2", amazon_status="@SUM(1+1)", state=ChargebackState.IN_REVIEW)
    client.force_login(ops)
    rows = read_csv(client.get(EXPORT, {"state__exact": "new"}))
    header, body = rows[0], rows[1:]
    assert header[:7] == ["Amazon id", "account", "family", "deduction type", "state", "amount", "currency"]
    assert [row[0] for row in body] == ["SAFE1"]
    status = body[0][header.index("amazon status")]
    assert status == "'=cmd|' /C calc'!A0"
    assert body[0][header.index("amount")] == "12.5000" and body[0][header.index("state")] == "New"


def test_xlsx_export_keeps_numbers_as_numbers_and_text_inert(client, account, finance):
    make_chargeback(account, amazon_id="+X1", amount=Decimal("99.95"), po_number="-1+1")
    client.force_login(finance)
    response = client.get(EXPORT_XLSX)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    row = list(sheet[2])
    assert row[header.index("Amazon id")].value == "'+X1"
    assert row[header.index("PO number")].value == "'-1+1"
    amount = row[header.index("amount")]
    assert amount.data_type == "n" and Decimal(str(amount.value)) == Decimal("99.95")
    assert all(cell.data_type != "f" for cell in row)


def test_export_is_scoped_to_the_users_organizations(client, account, other_account, ops, outsider):
    make_chargeback(account, amazon_id="ACME-1")
    make_chargeback(other_account, amazon_id="RIVL-1")
    client.force_login(outsider)
    ids = [row[0] for row in read_csv(client.get(EXPORT))[1:]]
    assert ids == ["RIVL-1"]
    # Naming the other organization's account in the filters gives nothing of it.
    assert read_csv(client.get(EXPORT, {"account": account.pk}))[1:] == []
    assert read_csv(client.get(EXPORT, {"q": "ACME-1"}))[1:] == []
    client.force_login(ops)
    assert [row[0] for row in read_csv(client.get(EXPORT))[1:]] == ["ACME-1"]


def test_user_without_membership_or_login_gets_nothing(client, account, django_user_model):
    make_chargeback(account, amazon_id="ACME-1")
    response = client.get(EXPORT)
    assert response.status_code == 302  # to the login page
    staff = django_user_model.objects.create_user("stray", password="x-long-password", is_staff=True)
    client.force_login(staff)
    assert client.get(EXPORT).status_code == 403


def test_every_export_is_audited_in_the_organization(client, org, account, ops):
    make_chargeback(account, amazon_id="ACME-1")
    client.force_login(ops)
    read_csv(client.get(EXPORT, {"state__exact": "new"}))
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.organization == org and event.actor == ops
    assert event.detail == {"model": "refunds.chargeback", "format": "csv", "filters": {"state__exact": "new"}}


def test_other_changelists_export_too(client, org, account, org_admin):
    client.force_login(org_admin)
    response = client.get(reverse("admin:acorn_portal_vendoraccount_export", args=["csv"]))
    rows = read_csv(response)
    assert rows[0][0] == "name" and rows[1][0] == "Acme US"
    page = client.get(reverse("admin:acorn_portal_vendoraccount_changelist")).content.decode()
    assert 'id="export-csv"' in page and 'id="export-xlsx"' in page


def test_bad_filters_are_refused_not_exported(client, account, ops):
    client.force_login(ops)
    assert client.get(EXPORT, {"figure": "nonsense"}).status_code == 400
    assert client.get(reverse("admin:refunds_chargeback_export", args=["pdf"])).status_code == 400


def test_recovery_report_exports_are_audited_and_scoped(client, org, account, other_account, finance):
    make_chargeback(
        account,
        state=ChargebackState.RECOVERED,
        recovered_amount=Decimal("5.00"),
        recovered_on=account.created_at.date(),
    )
    make_chargeback(
        other_account,
        state=ChargebackState.RECOVERED,
        recovered_amount=Decimal("9.00"),
        recovered_on=account.created_at.date(),
    )
    client.force_login(finance)
    response = client.get(reverse("dashboard:recovery-report"), {"format": "csv", "period": "all"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Period of issue" and len(rows) == 2
    assert rows[1][1:4] == ["Acme Brands", "Acme US (US)", "USD"] and rows[1][-2] == "5.00"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=finance).count() == 1
    page = client.get(reverse("dashboard:recovery-report"), {"period": "all"}).content.decode()
    assert "Acme US" in page and "Rival" not in page
