"""Rows out of an uploaded CSV or XLSX file, whatever encoding and delimiter it came in.

Vendor Central downloads differ by region and by how a person saved them: XLSX from the Payments
pages, CSV from the reports (UTF-8 with a BOM, or without), UTF-16 when Excel saved "Unicode
text", cp1252 when an old Excel on Windows saved "CSV", semicolons where the decimal separator is
a comma. `read_rows` hides all of that and yields `(sheet, row number, cells)`, row numbers as a
spreadsheet shows them. A file that cannot be read at all raises `ReportFileError` with a sentence
a person can act on.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls
ZIP_SIGNATURE = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t", "|")

Row = tuple[str, int, list]  # (sheet name, "" for CSV; row number from 1; cell values)


class ReportFileError(ValueError):
    """The file as a whole cannot be read (not a CSV/XLSX, damaged, empty, another report): nothing is imported."""


def read_rows(data: bytes) -> Iterator[Row]:
    """Every row of the file, sheet after sheet for XLSX."""
    if not data or not data.strip():
        raise ReportFileError("The file is empty.")
    if data.startswith(ZIP_SIGNATURE):
        return _xlsx_rows(data)
    if data.startswith(OLE_SIGNATURE):
        raise ReportFileError("This is an old Excel .xls file; open it in Excel and save it as .xlsx or .csv.")
    if data.startswith(b"%PDF"):
        raise ReportFileError("This is a PDF, not a CSV or XLSX report.")
    return _csv_rows(decode_text(data))


# --------------------------------------------------------------------------------------------------
# CSV


def decode_text(data: bytes) -> str:
    """Text of a CSV file: a byte-order mark decides first, then UTF-8, then cp1252."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _decode(data, encoding)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _decode(data, utf16)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode(data, "cp1252")
    if "\x00" in text:
        raise ReportFileError("This is not a CSV or XLSX file (it contains binary data).")
    return text


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ReportFileError(
            f"The file cannot be read as text ({encoding}); save it as CSV UTF-8 or as XLSX."
        ) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """Excel's "Unicode text" without a BOM: every other byte of ASCII text is zero."""
    sample = data[:2000]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.4 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.4 and odd < half * 0.05:
        return "utf-16-be"
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter used most on the first lines (EU exports use `;` because `,` is the decimal point)."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        for number, cells in enumerate(reader, start=1):
            yield "", number, [cell.strip() for cell in cells]
    except csv.Error as exc:
        raise ReportFileError(f"The CSV file is malformed near line {reader.line_num}: {exc}.") from None


# --------------------------------------------------------------------------------------------------
# XLSX


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    """Rows of every sheet; a damaged or truncated workbook is a ReportFileError, even half way through."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError) as exc:
        raise ReportFileError(f"The XLSX file is damaged or truncated and cannot be opened ({exc}).") from None
    except Exception as exc:  # openpyxl raises its own and lxml's errors for broken parts
        raise ReportFileError(f"The XLSX file cannot be read ({type(exc).__name__}: {exc}).") from None
    try:
        for sheet in workbook.worksheets:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield sheet.title, number, [_cell(value) for value in cells]
    except ReportFileError:
        raise
    except Exception as exc:  # parts are read lazily: a truncated sheet fails here, not at open
        raise ReportFileError(f"The XLSX file is damaged or truncated ({type(exc).__name__}: {exc}).") from None
    finally:
        workbook.close()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return value
