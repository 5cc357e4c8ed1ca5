"""Checking an uploaded file before anything keeps it: size, and type by content — never by name.

    checked = check_upload(upload, allowed=EVIDENCE_TYPES, max_bytes=settings.ACORN_EVIDENCE_MAX_BYTES)
    checked.file_type.content_type, checked.file_type.extension, checked.display_name, checked.sha256

The one door for evidence (refunds), report files (datasources) and the API. A refusal is an
`UploadRefused` (a ValidationError, so a form shows it on its field) with a sentence saying what was
wrong and what is accepted. The client's file name never decides anything: the type comes from the
bytes (signatures, then a real parse: Pillow for images, the OOXML content types for workbooks, a
full decode for text), the stored name is generated, and `display_name` keeps the client's name only
as a label, stripped of paths and control characters.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from email.parser import BytesHeaderParser

from defusedxml import ElementTree
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

SAMPLE = 64 * 1024
MAX_EXPANSION = 20  # an archive may inflate to this many times the upload limit, no more (zip bombs)


class UploadRefused(ValidationError):  # noqa: N818 - reads as what happened, like OutboundRefused
    """The upload is not accepted; the message says why and what would be."""

    def __init__(self, message: str):
        super().__init__(message, code="upload_refused")

    def __str__(self):
        return " ".join(self.messages)


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
PNG = FileType("image/png", "png", "PNG")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
GIF = FileType("image/gif", "gif", "GIF")
TIFF = FileType("image/tiff", "tif", "TIFF")
CSV = FileType("text/csv", "csv", "CSV")
TEXT = FileType("text/plain", "txt", gettext_noop("plain text"))
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "XLSX")
EML = FileType("message/rfc822", "eml", gettext_noop("e-mail (.eml)"))
ALL_TYPES = (PDF, PNG, JPEG, GIF, TIFF, CSV, TEXT, XLSX, EML)
BY_CONTENT_TYPE = {file_type.content_type: file_type for file_type in ALL_TYPES}

# Evidence: documents, scans and photos, spreadsheets, and carrier e-mails saved as .eml. Outlook .msg
# is refused: it is an OLE compound file like .doc/.xls (which carry macros) and we keep no parser
# that tells them apart; "save as .eml or PDF" is a small ask.
EVIDENCE_TYPES = (PDF, PNG, JPEG, GIF, TIFF, CSV, TEXT, XLSX, EML)
# Vendor Central report files.
REPORT_TYPES = (CSV, TEXT, XLSX)

_IMAGES = {
    b"\x89PNG\r\n\x1a\n": (PNG, "PNG"),
    b"\xff\xd8\xff": (JPEG, "JPEG"),
    b"GIF87a": (GIF, "GIF"),
    b"GIF89a": (GIF, "GIF"),
    b"II*\x00": (TIFF, "TIFF"),
    b"MM\x00*": (TIFF, "TIFF"),
}
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MARKUP = re.compile(rb"^\s*<(!doctype|html|\?xml|svg|script|head|body|iframe|object)\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]")


@dataclass(frozen=True)
class CheckedUpload:
    """What the checks found: the real type, the size, the content hash and a safe label."""

    file_type: FileType
    size: int
    sha256: str
    display_name: str

    @property
    def content_type(self) -> str:
        return self.file_type.content_type


def accepted(allowed) -> str:
    labels = [file_type.label for file_type in allowed]
    return ", ".join(labels[:-1]) + f" or {labels[-1]}" if len(labels) > 1 else labels[0]


def megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def check_upload(upload, *, allowed, max_bytes: int) -> CheckedUpload:
    """Refuse (UploadRefused) unless the upload is non-empty, within `max_bytes` and of an `allowed` type.

    `upload` is an uploaded file (or any binary file object with a name) or bytes; it is left at
    position 0. Nothing is written anywhere.
    """
    name = getattr(upload, "name", "") or ""
    if isinstance(upload, bytes | bytearray):
        upload = io.BytesIO(bytes(upload))
    size = _size(upload)
    if size == 0:
        raise UploadRefused("The file is empty.")
    if size > max_bytes:
        raise UploadRefused(f"The file is larger than {megabytes(max_bytes)}, the most accepted here.")
    file_type = detect(upload, allowed=allowed, max_bytes=max_bytes)
    return CheckedUpload(file_type, size, _sha256(upload), display_name(name))


def detect(upload, *, allowed, max_bytes: int) -> FileType:
    """The type of the content, if it is one of `allowed`; UploadRefused otherwise."""
    upload.seek(0)
    head = upload.read(SAMPLE)
    upload.seek(0)
    if not head.strip():
        raise UploadRefused("The file is empty.")
    try:
        found = _sniff(upload, head, allowed, max_bytes)
    finally:
        upload.seek(0)
    if found not in allowed:
        raise UploadRefused(
            f"Unsupported file type: this is a {found.label} file; only {accepted(allowed)} files are accepted here."
        )
    return found


def _unsupported(allowed, what: str = "") -> UploadRefused:
    detail = f" ({what})" if what else ""
    return UploadRefused(
        f"Unsupported file type{detail}: only {accepted(allowed)} files are accepted; the file name does not count, "
        "only its content."
    )


def _sniff(upload, head: bytes, allowed, max_bytes: int) -> FileType:
    if head.startswith(b"%PDF-"):
        return PDF
    for signature, (file_type, pillow_format) in _IMAGES.items():
        if head.startswith(signature):
            return _image(upload, file_type, pillow_format)
    if head.startswith(b"PK\x03\x04"):
        return _workbook(upload, allowed, max_bytes)
    if head.startswith(_EXECUTABLES) or head.startswith(b"#!"):
        raise _unsupported(allowed, "an executable program")
    if head.startswith(_OLE):
        raise _unsupported(allowed, "an old Office file (.xls, .doc or Outlook .msg); save it as XLSX, PDF or .eml")
    return _text(upload, head, allowed)


def _image(upload, expected: FileType, pillow_format: str) -> FileType:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
            actual = image.format
    except Image.DecompressionBombError:
        raise UploadRefused("The image is too large to open safely (too many pixels).") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRefused("The image is damaged or not really an image.") from None
    if actual != pillow_format:
        raise UploadRefused("The image content does not match its signature.")
    return expected


def _workbook(upload, allowed, max_bytes: int) -> FileType:
    """An XLSX workbook (a ZIP with the OOXML spreadsheet content types); any other ZIP is refused."""
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_EXPANSION * max_bytes:
                raise UploadRefused("The archive expands to too much data.")
            names = {info.filename for info in infos}
            types = _content_types(archive) if "[Content_Types].xml" in names else {}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise UploadRefused("The file starts like a ZIP archive (XLSX) but is not a valid one.") from None
    if any("vbaproject" in name.lower() for name in names) or any(
        "macroenabled" in value.lower() or "vbaproject" in value.lower() for value in types.values()
    ):
        raise UploadRefused("Macro-enabled workbooks (.xlsm) are not accepted: save it as .xlsx (without macros).")
    if types.get("/xl/workbook.xml") == _XLSX_MAIN:
        return XLSX
    if types:
        raise _unsupported(allowed, "an Office document other than an XLSX workbook")
    raise _unsupported(allowed, "a ZIP archive")


def _content_types(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → content type from `[Content_Types].xml` (defusedxml: no entity expansion tricks)."""
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > 1024 * 1024:
        raise UploadRefused("The workbook's content type list is implausibly large.")
    try:
        root = ElementTree.fromstring(archive.read(info))
    except Exception:  # defusedxml's refusals and expat's parse errors alike
        raise UploadRefused("The workbook's content type list cannot be read.") from None
    found = {}
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        key = element.get("PartName") if tag == "Override" else f"*.{element.get('Extension', '')}"
        found[key or ""] = element.get("ContentType", "")
    return found


def _text(upload, head: bytes, allowed) -> FileType:
    """Plain text or CSV in UTF-8, UTF-16 or Windows-1252 (decoded whole); markup and binary are refused."""
    encoding = _text_encoding(head)
    if encoding is None:
        raise _unsupported(allowed, "binary data")
    sample = _decode_all(upload, encoding, allowed)
    if _CONTROL.search(sample):
        raise _unsupported(allowed, "binary data")
    if _MARKUP.match(sample[:1024].encode("utf-8", "replace")):
        raise _unsupported(allowed, "an HTML, XML or SVG document")
    if not sample.strip():
        raise UploadRefused("The file is empty.")
    if EML in allowed and _is_email(head):
        return EML
    try:
        csv.Sniffer().sniff(sample[:8192], delimiters=",;\t|")
    except csv.Error:
        return TEXT
    return CSV


def _text_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:2000]
    if len(sample) >= 4:  # Excel's "Unicode text" without a BOM: every other byte of ASCII is zero
        odd, even, half = sample[1::2].count(0), sample[0::2].count(0), len(sample) // 2
        if odd > half * 0.4 and even < half * 0.05:
            return "utf-16-le"
        if even > half * 0.4 and odd < half * 0.05:
            return "utf-16-be"
    if b"\x00" in head:
        return None
    return "utf-8"


def _decode_all(upload, encoding: str, allowed) -> str:
    """The first 64 KiB of text, after checking the whole file decodes (UTF-8, else Windows-1252)."""
    for candidate in (encoding, "cp1252") if encoding == "utf-8" else (encoding,):
        upload.seek(0)
        decoder = codecs.getincrementaldecoder(candidate)()
        sample = []
        try:
            for chunk in iter(lambda: upload.read(1024 * 1024), b""):
                text = decoder.decode(chunk)
                if sum(map(len, sample)) < SAMPLE:
                    sample.append(text)
            sample.append(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            continue
        return "".join(sample)[:SAMPLE]
    raise _unsupported(allowed, "text in an unknown encoding; save it as UTF-8")


def _is_email(head: bytes) -> bool:
    """An RFC 5322 message: header lines from the first line, with From and a Subject or Date."""
    if not _HEADER_LINE.match(head):
        return False
    headers = BytesHeaderParser().parsebytes(head)
    return bool(headers.get("From")) and bool(headers.get("Subject") or headers.get("Date"))


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is not None:
        return int(size)
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def display_name(name: str, limit: int = 255) -> str:
    """The client's file name as a label only: last path component, no control or bidi characters.

    `../../etc/passwd` becomes `passwd`, `C:\\evil\\x.pdf` becomes `x.pdf`, and a right-to-left
    override cannot make `exe.pdf` read as something else. Never used to build a path.
    """
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = name.strip().lstrip(".").strip()
    if len(name) > limit:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem[: limit - len(suffix) - 1]}.{suffix}" if dot and len(suffix) <= 10 else name[:limit]
    return name


def file_attachment(file, name: str, content_type: str):
    """A stored file as a download no browser renders, sniffs or keeps in a shared cache.

    Only for views that have checked the user's permission in the file's organization.
    """
    from django.http import FileResponse

    response = FileResponse(file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def generated_name(prefix: str, file_type: FileType) -> str:
    """A storage path of our making: `prefix/<random hex>.<extension of the detected type>`."""
    return f"{prefix}/{uuid.uuid4().hex}.{file_type.extension}"
