"""Report-file column mappings on the set-up page: rows of header and field per kind of report, a
preview of a sample file that names the missing required columns, saved as exactly the rows the
import reads; another organization's people see and change none of it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasources.models import ColumnMapping, ImportStatus
from datasources.services.imports import column_mappings, import_report_file

pytestmark = pytest.mark.django_db

PAGE = "/setup/mappings/chargebacks/"
# A defect list someone exported with their own headers: "Ref" and "Gebühr" ACORN does not know.
SAMPLE = "Ref,Chargeback Type,Gebühr,Issue Date,PO #\n77,Prep,5.00,03/04/2025,2JK3S9VC\n"


def sample():
    return SimpleUploadedFile("defects.csv", SAMPLE.encode())


def rows(*pairs, total=None, initial=0, delete=()):
    """The formset's POST data for (header, field) rows."""
    data = {"map-TOTAL_FORMS": str(total or len(pairs)), "map-INITIAL_FORMS": str(initial)}
    for index, (header, field) in enumerate(pairs):
        data[f"map-{index}-source_header"] = header
        data[f"map-{index}-field"] = field
        if index in delete:
            data[f"map-{index}-DELETE"] = "on"
    return data


def test_preview_names_the_missing_required_columns_then_the_saved_mapping_is_what_the_import_reads(
    client, org, account, org_admin
):
    client.force_login(org_admin)
    page = client.get(PAGE)
    assert page.status_code == 200 and "amazon_id" in page.content.decode() and "{" not in page.context["formset"][0]

    response = client.post(PAGE, {**rows(("", "")), "preview": "1", "sample": sample()})
    missing = response.context["preview"].missing
    assert missing == ["Issue ID", "Amount"], missing
    assert "Required columns missing: Issue ID, Amount" in response.content.decode()
    assert not ColumnMapping.objects.exists(), "a preview saves nothing"

    mapped = rows(("Ref", "amazon_id"), ("Gebühr", "amount"))
    response = client.post(PAGE, {**mapped, "preview": "1", "sample": sample()})
    assert response.context["preview"].complete
    assert ("Gebühr", "Amount") in response.context["preview"].headers

    assert client.post(PAGE, {**mapped, "save": "1"}).status_code == 302
    assert column_mappings(org.pk, "chargebacks") == {"Ref": "amazon_id", "Gebühr": "amount"}
    done = import_report_file(account=account, kind="chargebacks", file=sample(), user=org_admin)
    assert done.status == ImportStatus.IMPORTED, done.message

    # The page shows the stored rows; removing one and saving leaves the other.
    page = client.get(PAGE)
    assert [form.initial for form in page.context["formset"].forms[:2]] == [
        {"source_header": "Gebühr", "field": "amount"},
        {"source_header": "Ref", "field": "amazon_id"},
    ]
    client.post(PAGE, {**rows(("Gebühr", "amount"), ("Ref", "amazon_id"), initial=2, delete=(0,)), "save": "1"})
    assert column_mappings(org.pk, "chargebacks") == {"Ref": "amazon_id"}


def test_bad_rows_are_refused_with_the_reason_and_nothing_changes(client, org, org_admin):
    client.force_login(org_admin)
    client.post(PAGE, {**rows(("Ref", "amazon_id")), "save": "1"})
    for data, reason in (
        (rows(("Ref", "amazon_id"), ("ref ", "amount")), "mapped twice"),
        (rows(("Ref", "")), "Pick the field"),
        (rows(("Ref", "payment_number")), "Select a valid choice"),  # a field of another kind of report
    ):
        response = client.post(PAGE, {**data, "save": "1"})
        assert response.status_code == 200 and reason in response.content.decode(), reason
    assert column_mappings(org.pk, "chargebacks") == {"Ref": "amazon_id"}
    assert client.get("/setup/mappings/nonsense/").status_code == 404


def test_operations_read_the_mappings_but_do_not_change_them(client, org, ops):
    client.force_login(ops)
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, {**rows(("Ref", "amazon_id")), "save": "1"}).status_code == 403
    assert not ColumnMapping.objects.exists()


def test_another_organizations_admin_sees_and_changes_only_their_own(client, org, other_org, org_admin, outsider):
    ColumnMapping.objects.create(organization=org, kind="chargebacks", source_header="AcmeRef", field="amazon_id")
    client.force_login(outsider)
    assert "AcmeRef" not in client.get(PAGE).content.decode()
    assert "1 mapping" not in client.get("/setup/mappings/").content.decode()
    assert (
        client.post(PAGE, {**rows(("RivalRef", "amazon_id")), "save": "1", "organization": org.pk}).status_code == 302
    )
    assert column_mappings(org.pk, "chargebacks") == {"AcmeRef": "amazon_id"}
    assert column_mappings(other_org.pk, "chargebacks") == {"RivalRef": "amazon_id"}
