"""Evidence uploads: checked by content (never by name), stored under a random path, audited.

What a dispute needs is decided in `refunds.workflow_policy.required_evidence`; this module only
takes files in.
"""

import codecs
import csv
import hashlib
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import perm_in_org
from refunds.choices import CLOSED_STATES, EvidenceKind
from refunds.models import Chargeback, Evidence

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED = "PDF, PNG, JPEG, CSV/TXT, XLSX or ZIP"


def max_upload_bytes() -> int:
    return settings.ACORN_EVIDENCE_MAX_BYTES


def _refuse(message: str):
    raise ValidationError({"file": message})


def _zip_type(upload) -> str:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        _refuse("The file starts like a ZIP archive but is not a valid one.")
    # A small archive that inflates to gigabytes (a zip bomb) is refused before anyone opens it.
    if sum(info.file_size for info in infos) > 20 * max_upload_bytes():
        _refuse("The archive expands to too much data.")
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names):
        return XLSX
    return "application/zip"


def _image_type(upload, expected: str) -> str:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.verify()
            actual = Image.MIME.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError):
        _refuse("The image is damaged or not really an image.")
    if actual != expected:
        _refuse("The image content does not match its signature.")
    return expected


def _text_type(head: bytes) -> str:
    if b"\x00" in head:
        _refuse(f"Unsupported file type: only {ACCEPTED} files are accepted.")
    try:
        # Incremental: the 64 KiB sample may end in the middle of a multi-byte character.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1252")  # what Excel on Windows writes for "CSV"
        except UnicodeDecodeError:
            _refuse(f"Unsupported file type: only {ACCEPTED} files are accepted.")
    if not text.strip():
        _refuse("The file is empty.")
    try:
        csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        return "text/plain"
    return "text/csv"


def detect_content_type(upload) -> str:
    """The content type of an upload, from its bytes; refuses anything outside the accepted list."""
    upload.seek(0)
    head = upload.read(65536)
    if head.startswith(b"%PDF-"):
        content_type = "application/pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = _image_type(upload, "image/png")
    elif head.startswith(b"\xff\xd8\xff"):
        content_type = _image_type(upload, "image/jpeg")
    elif head.startswith(b"PK\x03\x04"):
        content_type = _zip_type(upload)
    else:
        content_type = _text_type(head)
    upload.seek(0)
    return content_type


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def add_evidence(*, chargeback: Chargeback, actor, kind: str, upload, note: str = "") -> Evidence:
    """Attach a file to an open case after checking who uploads, its size and its real type."""
    if not perm_in_org(actor, "refunds.add_evidence", chargeback.organization_id):
        raise PermissionDenied("You may not add evidence to this case.")
    if chargeback.state in CLOSED_STATES:
        raise ValidationError("Evidence cannot be added to a closed case.")
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": f"Unknown evidence kind {kind!r}."})
    if upload.size is None or upload.size == 0:
        _refuse("The file is empty.")
    if upload.size > max_upload_bytes():
        _refuse(f"The file is larger than {max_upload_bytes() // (1024 * 1024)} MB.")
    evidence = Evidence(
        chargeback=chargeback,
        kind=kind,
        original_name=(getattr(upload, "name", "") or "")[-255:],
        content_type=detect_content_type(upload),
        size=upload.size,
        sha256=_sha256(upload),
        note=note,
        uploaded_by=actor,
    )
    evidence.file.save("ignored", upload, save=False)  # the path comes from evidence_path(), not the name
    try:
        with transaction.atomic():
            evidence._history_user = actor
            evidence._change_reason = f"{evidence.get_kind_display()} uploaded"
            evidence.save()
            emit_event(
                "chargeback.evidence_added",
                organization=chargeback.account.organization,
                obj=chargeback,
                payload={"amazon_id": chargeback.amazon_id, "evidence": str(evidence.uuid), "kind": kind},
            )
    except Exception:
        evidence.file.delete(save=False)  # no orphan file when the database refused the row
        raise
    return evidence


def upload_from_bytes(data: bytes, name: str = "upload"):
    """A file-like upload from bytes (scripts and tests)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
