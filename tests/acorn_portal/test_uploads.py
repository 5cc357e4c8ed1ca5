"""Uploads: type by content (never by name), size limits, safe names, served only through checked views."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from PIL import Image

from acorn_portal.uploads import (
    CSV,
    EML,
    EVIDENCE_TYPES,
    GIF,
    JPEG,
    PDF,
    PNG,
    REPORT_TYPES,
    TEXT,
    TIFF,
    XLSX,
    UploadRefused,
    check_upload,
    display_name,
)
from datasources.models import FileImport
from datasources.services.imports import import_report_file
from refunds.choices import EvidenceKind
from tests.conftest import PASSWORD
from tests.refunds.cases import PDF_BYTES, make_chargeback, xlsx_bytes

MB = 1024 * 1024
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EMAIL = b"From: Carrier <pod@carrier.example>\r\nTo: ops@acme.example\r\nSubject: POD 1Z999\r\n\r\nDelivered.\r\n"
GOOD_CSV = b"Issue ID,Chargeback Type,Amount,Issue Date\n1001,Prep,5.00,03/04/2025\n"


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 3), "white").save(out, format=fmt)
    return out.getvalue()


def rezip(data: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, (replace or {}).get(info.filename, source.read(info)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def xlsm_bytes() -> bytes:
    data = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return rezip(data, replace={"[Content_Types].xml": types}, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})


def docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def check(data: bytes, name="file.bin", allowed=EVIDENCE_TYPES, max_bytes=20 * MB):
    return check_upload(SimpleUploadedFile(name, data), allowed=allowed, max_bytes=max_bytes)


# -- the validator ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF_BYTES, "pod.pdf", PDF),
        (image("PNG"), "label.png", PNG),
        (image("JPEG"), "carton.jpeg", JPEG),
        (image("GIF"), "scan.gif", GIF),
        (image("TIFF"), "scan.tiff", TIFF),
        (xlsx_bytes(), "asn.xlsx", XLSX),
        (GOOD_CSV, "claims.csv", CSV),
        ("Issue ID;Amount\n1;5,00\n".encode("utf-16"), "unicode.txt", CSV),  # Excel "Unicode text"
        ("Issue ID,Amount,Note\n1,5.00,Café Müller\n".encode("cp1252"), "old-excel.csv", CSV),
        ("Tracking 1Z999 – delivered and signed by R. Ortiz".encode(), "notes.txt", TEXT),
        (EMAIL, "pod.eml", EML),
        (image("PNG"), "looks-like.pdf", PNG),  # the name says PDF, the bytes say PNG
    ],
)
def test_accepted_types_are_detected_from_content(data, name, expected):
    checked = check(data, name)
    assert checked.file_type == expected
    assert checked.size == len(data) and len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (EXE, "invoice.pdf", "an executable program"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "photo.jpg", "an executable program"),
        (b"#!/bin/sh\nrm -rf /\n", "notes.txt", "an executable program"),
        (HTML, "label.png", "an HTML, XML or SVG document"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.png", "HTML, XML or SVG"),
        (xlsm_bytes(), "claims.xlsx", "Macro-enabled workbooks"),
        (docx_like(), "claims.xlsx", "an Office document other than an XLSX workbook"),
        (b"PK\x03\x04" + b"broken" * 20, "a.xlsx", "not a valid one"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "mail.msg", "Outlook .msg"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "photo.png", "damaged"),
        (b"abc\x81\x8d\x8f\x90\x9d" * 20, "x.csv", "unknown encoding"),
        (b"   \n\t ", "blank.csv", "empty"),
        (b"", "empty.pdf", "empty"),
    ],
)
def test_other_content_is_refused_whatever_its_name(data, name, message):
    with pytest.raises(UploadRefused, match=message):
        check(data, name)


def test_a_plain_zip_is_refused_and_says_what_is_accepted():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photos/1.jpg", image("JPEG"))
    with pytest.raises(UploadRefused) as refused:
        check(out.getvalue(), "photos.zip")
    assert str(refused.value) == (
        "Unsupported file type (a ZIP archive): only PDF, PNG, JPEG, GIF, TIFF, CSV, plain text, XLSX or "
        "e-mail (.eml) files are accepted; the file name does not count, only its content."
    )


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/sheet.xml", b"\x00" * (3 * MB))
    with pytest.raises(UploadRefused, match="expands to too much data"):
        check(out.getvalue(), "bomb.xlsx", max_bytes=100 * 1024)


def test_reports_take_only_csv_text_and_xlsx():
    assert check(GOOD_CSV, "a.csv", allowed=REPORT_TYPES).file_type == CSV
    assert check(EMAIL, "a.csv", allowed=REPORT_TYPES).file_type == TEXT, "no e-mails among reports: just text"
    with pytest.raises(UploadRefused, match="this is a PDF file; only CSV, plain text or XLSX files are accepted here"):
        check(PDF_BYTES, "claims.csv", allowed=REPORT_TYPES)
    with pytest.raises(UploadRefused, match="this is a PNG file"):
        check(image("PNG"), "claims.xlsx", allowed=REPORT_TYPES)


def test_size_limit_is_exact():
    assert check(PDF_BYTES, max_bytes=len(PDF_BYTES)).size == len(PDF_BYTES)
    with pytest.raises(UploadRefused, match="larger than"):
        check(PDF_BYTES, max_bytes=len(PDF_BYTES) - 1)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("/var/www/.htaccess", "htaccess"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # right-to-left override gone
        ("line\nbreak\x00.pdf", "linebreak.pdf"),
        ("", ""),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_display_names_are_labels_without_paths(raw, shown):
    assert display_name(raw) == shown


# -- where the validator is used -------------------------------------------------------------------


def stored_files(settings) -> set:
    return {str(path) for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}


@pytest.mark.django_db
def test_evidence_refusals_reach_the_case_page_and_nothing_is_stored(client, account, ops, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # a storage of its own: another suite may share var/test-media
    from tests.refunds.test_case_admin import messages_of

    case = make_chargeback(account, amazon_id="UPL-1")
    stored_before = stored_files(settings)
    client.force_login(ops)
    url = reverse("admin:refunds_chargeback_evidence", args=[case.pk])
    for data, name, message in [
        (HTML, "label.png", "HTML, XML or SVG"),
        (EXE, "pod.pdf", "executable"),
        (xlsm_bytes(), "asn.xlsx", "Macro-enabled"),
    ]:
        response = client.post(url, {"kind": EvidenceKind.OTHER, "file": SimpleUploadedFile(name, data)})
        assert any(message in text for text in messages_of(response)), messages_of(response)
    settings.ACORN_EVIDENCE_MAX_BYTES = 10
    response = client.post(url, {"kind": EvidenceKind.OTHER, "file": SimpleUploadedFile("p.pdf", PDF_BYTES)})
    assert any("larger than" in text for text in messages_of(response))
    assert not case.evidence.exists()
    assert stored_files(settings) == stored_before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (xlsm_bytes(), "claims.xlsm", "Macro-enabled workbooks"),
        (EXE, "claims.csv", "an executable program"),
        (HTML, "claims.csv", "HTML, XML or SVG"),
        (PDF_BYTES, "claims.pdf", "this is a PDF file"),
    ],
)
def test_the_import_form_refuses_on_its_field_and_stores_nothing(client, account, ops, data, name, message):
    client.force_login(ops)
    response = client.post(
        reverse("admin:datasources_fileimport_add"),
        {"account": account.pk, "kind": "chargebacks", "upload": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["upload"]
    assert any(message in error for error in errors), errors
    assert not FileImport.objects.exists()
    assert message in response.content.decode().replace("&#x27;", "'")


@pytest.mark.django_db
def test_the_import_form_refuses_a_file_over_the_limit(client, account, ops, settings):
    settings.ACORN_IMPORT_MAX_BYTES = 20
    client.force_login(ops)
    response = client.post(
        reverse("admin:datasources_fileimport_add"),
        {"account": account.pk, "kind": "chargebacks", "upload": SimpleUploadedFile("big.csv", GOOD_CSV)},
    )
    assert "larger than" in response.context["adminform"].form.errors["upload"][0]
    assert not FileImport.objects.exists()


@pytest.mark.django_db
def test_import_download_is_an_attachment_for_members_and_404_for_others(client, account, ops, outsider, legal):
    done = import_report_file(
        account=account, kind="chargebacks", file=SimpleUploadedFile("../../x/<b>claims</b>.csv", GOOD_CSV), user=ops
    )
    url = reverse("datasources:import-download", args=[done.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.login(username=legal.username, password=PASSWORD)  # may view imports, not upload
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/csv"
    assert b"".join(response.streaming_content) == GOOD_CSV
    assert "/" not in response["Content-Disposition"].split("filename", 1)[1]
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    assert client.get(reverse("datasources:import-download", args=[done.pk + 1000])).status_code == 404


@pytest.mark.django_db
def test_evidence_download_is_not_sniffable_and_404_for_other_organizations(client, account, ops, outsider):
    from tests.refunds.cases import add_pod

    evidence = add_pod(make_chargeback(account, amazon_id="UPL-2"), ops, name="pod.pdf")
    url = reverse("refunds:evidence-download", args=[evidence.uuid])
    client.force_login(ops)
    response = client.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_media_files_have_no_url(settings):
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    for path in ("/media/evidence/1/x.pdf", "/evidence/1/x.pdf", "/imports/2026/11/x.csv"):
        with pytest.raises(Resolver404):
            resolve(path)
