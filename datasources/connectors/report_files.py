"""Vendor Central report files (CSV, XLSX) turned into ingest records: parsing only, no database.

    parsed = parse_report(data, kind=ReportKind.CHARGEBACKS, marketplace="DE", currency="EUR",
                          mapping={"Gebühr": "amount"})
    parsed.records   # {"chargebacks": [ChargebackRecord, ...]}, ready for refunds.services.ingest
    parsed.errors    # [RowError(row=7, column="Amount", value="abc", message="is not a number")]

Which file is which (docs/AMAZON.md, § families and § formats): the defect list (operational chargebacks), the invoice
list (invoices with Amazon's derivative `…SC`, `…SCR` documents: a derivative with a negative
amount is also a shortage or price claim), the remittance export (payments, several sections per
sheet), co-op invoices and vendor returns. Every row is read, every bad cell reported, so a
person fixes the file once; `ReportFileError` means the file itself could not be used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from datasources.connectors import report_builders
from datasources.connectors.locale_values import ValueLocale, parse_date, parse_decimal, parse_integer
from datasources.connectors.report_columns import SECTIONS, Column, ReportKind, Section, header_key
from datasources.connectors.spreadsheets import ReportFileError, Row, read_rows

__all__ = [
    "HeaderPreview",
    "ParsedReport",
    "ReportFileError",
    "ReportKind",
    "RowError",
    "parse_report",
    "preview_headers",
]

HEADER_SEARCH_ROWS = 30  # a report's first header is near the top; past this it is another file


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or row) of the file, in the words and places the person sees."""

    row: int
    column: str
    value: str
    message: str
    sheet: str = ""

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value, "why": self.message}


@dataclass
class ParsedRow:
    """A data row: its place in the file, the section it belongs to and its parsed values by field."""

    sheet: str
    number: int
    section: Section
    values: dict
    headers: dict[str, str]  # field → the header as the file spells it


@dataclass
class ParsedReport:
    """Records by ingest kind ("chargebacks", "invoices", "remittances"), with where each came from."""

    kind: str
    records: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # data rows read
    origins: dict[tuple[str, str], ParsedRow] = field(default_factory=dict)  # (ingest kind, key) → row

    def add(self, ingest_kind: str, key: str, record, row: ParsedRow) -> None:
        self.records[ingest_kind].append(record)
        self.origins.setdefault((ingest_kind, key), row)

    def error(self, row: ParsedRow, fieldname: str, message: str, value="") -> None:
        header = (row.headers.get(fieldname) or row.section.label(fieldname)) if fieldname else ""
        self.errors.append(RowError(row.number, header, _shown(value), message, row.sheet))

    @property
    def bad_rows(self) -> set[tuple[str, int]]:
        return {(e.sheet, e.row) for e in self.errors}


@dataclass(frozen=True)
class Context:
    """What parsing needs to know about the vendor account."""

    kind: str
    locale: ValueLocale
    currency: str


def parse_report(
    data: bytes, *, kind: str, marketplace: str, currency: str, mapping: Mapping[str, str] | None = None
) -> ParsedReport:
    """Read a whole report file into records and row errors; ReportFileError if the file itself is unusable."""
    if kind not in SECTIONS:
        raise ReportFileError(f"Unknown kind of report {kind!r}.")
    context = Context(kind=kind, locale=ValueLocale.for_marketplace(marketplace), currency=currency.upper())
    report = ParsedReport(kind=kind)
    rows = _data_rows(read_rows(data), SECTIONS[kind], {header_key(k): v for k, v in (mapping or {}).items()}, kind)
    parsed = [row for row in (_parse_cells(row, context, report) for row in rows) if row is not None]
    report.rows = len(parsed)
    if not parsed:
        raise ReportFileError("The report has a header row but no data rows.")
    report_builders.build(context, parsed, report)
    return report


# --------------------------------------------------------------------------------------------------
# Header rows and sections


def _data_rows(rows: Iterable[Row], sections, extra: dict[str, str], kind: str):
    """(sheet, number, cells, section, columns by index) for every data row under a recognised header."""
    current: tuple[Section, dict[int, tuple[Column, str]]] | None = None
    near_misses: list[str] = []
    seen_header, current_sheet = False, None
    for sheet, number, cells in rows:
        if sheet != current_sheet:
            current, current_sheet = None, sheet  # each sheet of a workbook has its own header row
        if not any(cell != "" for cell in cells):
            continue
        header = _match_header(cells, sections, extra, near_misses)
        if header is not None:
            current, seen_header = header, True
            continue
        if current is None:
            if number > HEADER_SEARCH_ROWS and not seen_header:
                break  # not this kind of report: no need to read the rest of a large file
            continue  # a title or note above the header, or a sheet without one
        if _is_total_row(cells):
            continue
        yield sheet, number, cells, current[0], current[1]
    if not seen_header:
        raise ReportFileError(_no_header_message(kind, sections, near_misses))


def _match_header(cells: list, sections, extra: dict[str, str], near_misses: list[str]):
    for section in sections:
        columns = _map_headers(cells, section, extra)
        fields = {column.field for column, _ in columns.values()}
        if len(fields) < 2:
            continue
        missing = [section.label(name) for name in section.required if name not in fields]
        missing += [
            " or ".join(section.label(name) for name in group)
            for group in section.one_of
            if not fields.intersection(group)
        ]
        if not missing:
            return section, columns
        near_misses.append(f"row with {', '.join(sorted(str(c) for c in cells if c))} lacks {', '.join(missing)}")
    return None


def _map_headers(cells: list, section: Section, extra: dict[str, str]) -> dict[int, tuple[Column, str]]:
    """Column index → (column, header text); the best-ranked spelling wins when two headers mean one field."""
    by_key: dict[str, tuple[Column, int]] = {}
    for column in section.columns:
        for rank, name in enumerate((column.label, column.field, *column.aliases)):
            by_key.setdefault(header_key(name), (column, rank))
    chosen: dict[str, tuple[int, int]] = {}  # field → (rank, index)
    mapped: dict[int, tuple[Column, str]] = {}
    for index, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell:
            continue
        key = header_key(cell)
        if key in extra and extra[key] in {c.field for c in section.columns}:
            column, rank = section.column(extra[key]), -1  # the organization's own mapping comes first
        elif key in by_key:
            column, rank = by_key[key]
        else:
            continue
        previous = chosen.get(column.field)
        if previous is None or rank < previous[0]:
            if previous is not None:
                mapped.pop(previous[1])
            chosen[column.field] = (rank, index)
            mapped[index] = (column, cell)
    return mapped


def _is_total_row(cells: list) -> bool:
    first = next((cell for cell in cells if cell != ""), "")
    return isinstance(first, str) and header_key(first) in {"total", "totals", "grandtotal", "sum", "gesamt"}


def _no_header_message(kind: str, sections, near_misses: list[str]) -> str:
    label = ReportKind(kind).label
    if near_misses:
        return f"This does not look like a complete {label} report: the {near_misses[0]}."
    wanted = "; ".join(", ".join(s.label(name) for name in s.required) for s in sections)
    return (
        f"This does not look like a {label} report: no header row with the columns {wanted} was found "
        f"in the first {HEADER_SEARCH_ROWS} rows. Is it another kind of report? Headers that ACORN does not "
        "know can be mapped under Column mappings."
    )


# --------------------------------------------------------------------------------------------------
# Cells


_PARSERS = {
    "decimal": parse_decimal,
    "integer": parse_integer,
    "date": parse_date,
}


def _parse_cells(row, context: Context, report: ParsedReport) -> ParsedRow | None:
    sheet, number, cells, section, columns = row
    parsed = ParsedRow(sheet, number, section, {}, {column.field: header for column, header in columns.values()})
    for index, (column, _header) in columns.items():
        raw = cells[index] if index < len(cells) else ""
        if raw == "" or raw is None:
            continue
        try:
            parsed.values[column.field] = _parse_value(column, raw, context)
        except ValueError as exc:
            report.error(parsed, column.field, str(exc), raw)
    return parsed


def _parse_value(column: Column, raw, context: Context):
    if column.parser == "text":
        return _text_of(raw)
    if column.parser == "currency":
        code = _text_of(raw).upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError("is not a three-letter currency code")
        return code
    return _PARSERS[column.parser](raw, context.locale)


def _text_of(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # an id typed as a number: 12345678.0 is 12345678
    if hasattr(raw, "isoformat"):
        return raw.isoformat()
    return str(raw).strip()


def _shown(value) -> str:
    text = _text_of(value) if value not in (None, "") else ""
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------------------------------
# A sample's headers, for the column-mapping page


@dataclass
class HeaderPreview:
    """How ACORN reads a sample file's header row: each header's field (or none) and what is missing."""

    section: str
    headers: list[tuple[str, str]]  # (header as the file spells it, label of the field it is read as, or "")
    missing: list[str]  # labels of required columns no header gives

    @property
    def complete(self) -> bool:
        return not self.missing


def preview_headers(data: bytes, *, kind: str, mapping: Mapping[str, str] | None = None) -> HeaderPreview:
    """The header row among a sample's first rows that ACORN recognises best, read with `mapping` (header → field)."""
    if kind not in SECTIONS:
        raise ReportFileError(f"Unknown kind of report {kind!r}.")
    extra = {header_key(k): v for k, v in (mapping or {}).items()}
    best = None
    for _sheet, number, cells in read_rows(data):
        if number > HEADER_SEARCH_ROWS:
            continue  # a header is near the top of each sheet
        for section in SECTIONS[kind]:
            columns = _map_headers(cells, section, extra)
            if columns and (best is None or len(columns) > len(best[2])):
                best = (section, cells, columns)
    if best is None:
        raise ReportFileError(
            f"No column of a {ReportKind(kind).label} report was found in the first {HEADER_SEARCH_ROWS} rows: "
            "map the file's headers below, then preview again."
        )
    section, cells, columns = best
    fields = {column.field for column, _ in columns.values()}
    headers = [
        (_text_of(cell), columns[index][0].label if index in columns else "")
        for index, cell in enumerate(cells)
        if cell not in ("", None)
    ]
    missing = [section.label(name) for name in section.required if name not in fields]
    missing += [" or ".join(section.label(n) for n in group) for group in section.one_of if not fields & set(group)]
    return HeaderPreview(section=section.name, headers=headers, missing=missing)
