"""Evidence uploads (type by content, limits, storage path), downloads, packets and comments."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from acorn_portal.models import OutboxEvent
from refunds.choices import ChargebackState, EvidenceKind
from refunds.models import DisputePacket, Remittance, RemittanceLine
from refunds.services import workflow
from refunds.services.comments import add_comment
from refunds.services.evidence import add_evidence
from refunds.services.packets import build_packet
from refunds.services.related import related_documents
from tests.conftest import PASSWORD
from tests.refunds.cases import (
    PDF_BYTES,
    add_pod,
    jpeg_bytes,
    make_chargeback,
    png_bytes,
    today,
    upload,
    walk,
    xlsx_bytes,
    zip_bytes,
)


@pytest.fixture
def case(account):
    return make_chargeback(account, amazon_id="SC/2024 77")


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF_BYTES, "pod.pdf", "application/pdf"),
        (png_bytes(), "label.png", "image/png"),
        (jpeg_bytes(), "carton.jpg", "image/jpeg"),
        (b"po,units\n2JK3S9VC,10\n2JK3S9VD,4\n", "units.csv", "text/csv"),
        ("Tracking 1Z999 delivered to ABE2 – signed".encode(), "notes.txt", "text/plain"),
        (xlsx_bytes(), "asn.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (png_bytes(), "looks-like.pdf", "image/png"),  # the name says PDF, the bytes say PNG
    ],
)
def test_accepted_types_are_detected_from_content(case, ops, data, name, content_type):
    evidence = add_evidence(chargeback=case, actor=ops, kind=EvidenceKind.OTHER, upload=upload(data, name))
    assert evidence.content_type == content_type
    assert evidence.original_name == name and evidence.size == len(data)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "invoice.pdf", "Unsupported file type"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "photo.png", "damaged"),
        (b"PK\x03\x04" + b"not a zip" * 5, "asn.xlsx", "not a valid one"),
        (zip_bytes(), "photos.zip", "a ZIP archive"),  # only XLSX of all ZIP-based files
        (b"", "empty.pdf", "empty"),
    ],
)
def test_other_content_is_refused_whatever_its_name(case, ops, data, name, message):
    with pytest.raises(ValidationError, match=message):
        add_evidence(chargeback=case, actor=ops, kind=EvidenceKind.OTHER, upload=upload(data, name))
    assert not case.evidence.exists()


def test_size_limit(case, ops, settings):
    settings.ACORN_EVIDENCE_MAX_BYTES = 50
    with pytest.raises(ValidationError, match="larger than"):
        add_evidence(chargeback=case, actor=ops, kind=EvidenceKind.OTHER, upload=upload(PDF_BYTES + b" " * 60))


def test_stored_under_a_random_path_never_the_uploaded_name(case, ops):
    evidence = add_evidence(
        chargeback=case, actor=ops, kind=EvidenceKind.PROOF_OF_DELIVERY, upload=upload(PDF_BYTES, "../../etc/passwd")
    )
    org_id = case.account.organization_id
    assert evidence.file.name == f"evidence/{org_id}/{evidence.uuid.hex}.pdf"
    path = Path(evidence.file.path)
    assert path.is_file() and Path(settings.MEDIA_ROOT) in path.parents
    assert "passwd" not in evidence.file.name
    assert evidence.history.first().history_user == ops
    assert OutboxEvent.objects.filter(name="chargeback.evidence_added").count() == 1


def test_outsider_and_closed_cases_cannot_take_evidence(case, ops, outsider):
    with pytest.raises(PermissionDenied):
        add_pod(case, outsider)
    case = workflow.accept_deduction(chargeback=case, actor=ops, reason="valid")
    with pytest.raises(ValidationError, match="closed case"):
        add_pod(case, ops)


def test_download_is_an_attachment_for_members_and_404_for_others(client, case, ops, finance, outsider):
    evidence = add_pod(case, ops, name="POD ABE2.pdf")
    url = reverse("refunds:evidence-download", args=[evidence.uuid])
    assert client.get(url).status_code == 302  # to the login page
    client.login(username=finance.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="POD ABE2.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(url).status_code == 404


def test_packet_has_a_summary_and_files_named_for_vendor_central(case, ops, manager, account):
    from refunds.models import Invoice, PurchaseOrder

    PurchaseOrder.objects.create(account=account, number="2JK3S9VC", state="Closed", ordered_at="2026-01-05T00:00Z")
    Invoice.objects.create(
        account=account, number="INV1001", invoice_date=today(), po_number="2JK3S9VC", amount=2500, currency="USD"
    )
    add_pod(case, ops)
    add_pod(case, ops)
    add_evidence(chargeback=case, actor=ops, kind=EvidenceKind.PHOTOS, upload=upload(png_bytes(), "x.png"))
    case = walk(case, ChargebackState.APPROVED, ops=ops, manager=manager)
    docs = related_documents(case)
    assert [po.number for po in docs.purchase_orders] == ["2JK3S9VC"]
    assert [i.number for i in docs.invoices] == ["INV1001"]
    packet = build_packet(chargeback=case, actor=ops)
    with packet.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        names = archive.namelist()
        summary = archive.read("SC-2024-77_SUMMARY.pdf")
    assert names == ["SC-2024-77_SUMMARY.pdf", "SC-2024-77_POD_1.pdf", "SC-2024-77_POD_2.pdf", "SC-2024-77_PHOTO_1.png"]
    assert summary.startswith(b"%PDF-")
    from refunds.services.packets import summary_lines

    rows = dict(summary_lines(case, docs, ["x"]))
    assert rows["Amount"] == "250.00 USD, 10 units"
    assert rows["Dispute deadline"] == f"{case.due_on:%Y-%m-%d}"
    assert rows["Purchase order"].startswith("2JK3S9VC") and rows["Invoice"].startswith("INV1001")
    assert (packet.round, packet.evidence_count, packet.filename) == (1, 3, "SC-2024-77_dispute_round1.zip")
    assert len(packet.sha256) == 64
    assert OutboxEvent.objects.filter(name="chargeback.packet_built").exists()


def test_packet_permissions_and_download_scoping(client, case, ops, manager, finance, outsider):
    case = walk(case, ChargebackState.IN_REVIEW, ops=ops, manager=manager)
    with pytest.raises(PermissionDenied):
        build_packet(chargeback=case, actor=finance)
    with pytest.raises(PermissionDenied):
        build_packet(chargeback=case, actor=outsider)
    packet = build_packet(chargeback=case, actor=ops)
    url = reverse("refunds:packet-download", args=[packet.uuid])
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    client.login(username=finance.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert DisputePacket.objects.visible_to(outsider).count() == 0


def test_packets_only_for_cases_being_disputed(account, ops):
    with pytest.raises(ValidationError):
        build_packet(chargeback=make_chargeback(account), actor=ops)


def test_comment_mentions_only_colleagues_of_the_organization(case, ops, manager, outsider):
    comment = add_comment(chargeback=case, actor=ops, body="@maria can you check? cc @oscar and mail x@maria.com")
    assert list(comment.mentions.all()) == [manager]
    event = OutboxEvent.objects.get(name="chargeback.commented")
    assert event.payload["mentions"] == ["maria"]
    with pytest.raises(PermissionDenied):
        add_comment(chargeback=case, actor=outsider, body="hello")
    with pytest.raises(ValidationError):
        add_comment(chargeback=case, actor=ops, body="   ")


def test_recovery_candidates_come_from_remittances_naming_the_case(case, account):
    from refunds.services.related import recovery_candidates

    remittance = Remittance.objects.create(
        account=account, payment_number="P1", payment_date=today(), amount=100, currency="USD"
    )
    credit = RemittanceLine.objects.create(
        remittance=remittance, line_number=1, invoice_number=case.amazon_id, amount=100, currency="USD"
    )
    RemittanceLine.objects.create(
        remittance=remittance, line_number=2, invoice_number=case.amazon_id, amount=-250, currency="USD"
    )
    assert recovery_candidates(case) == [credit]
