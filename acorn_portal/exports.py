"""Export any changelist to CSV or XLSX: the rows the user sees, with their filters and search.

`ExportMixin` is part of every `TenantScopedAdmin`, so each tenant-scoped list has "Export CSV" and
"Export XLSX" buttons. The export runs the changelist's own queryset (organization scope, list
filters, search, ordering), streams CSV row by row, writes XLSX with openpyxl's write-only workbook,
and records who exported what (`AuditAction.EXPORT`) in each organization concerned.

Spreadsheet formula injection: a text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage
return would be run as a formula by Excel or LibreOffice; such text is prefixed with a quote.
Numbers, dates and booleans stay what they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from decimal import Decimal

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from acorn_portal import clock

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMATS = {"csv": "Export CSV", "xlsx": "Export XLSX"}


def safe_cell(value):
    """A value fit for a spreadsheet cell: numbers, dates and booleans as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, Decimal, float)):
        return value
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value
    text = _ILLEGAL_XML.sub("", strip_tags(str(value)))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_value(value):
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Echo:
    def write(self, value):
        return value


class ExportMixin:
    """Adds CSV and XLSX exports of the filtered changelist (see the module docstring)."""

    export_fields: tuple[str, ...] | None = None  # default: the list's columns
    export_chunk_size = 2000

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("export/<str:fmt>/", self.admin_site.admin_view(self.export_view), name=f"{info}_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = dict(extra_context or {})
        if self.has_view_or_change_permission(request):
            query = request.GET.urlencode()
            context["acorn_exports"] = [
                {
                    "format": fmt,
                    "label": label,
                    "url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_export", args=[fmt])
                    + (f"?{query}" if query else ""),
                }
                for fmt, label in FORMATS.items()
            ]
        return super().changelist_view(request, context)

    # -- what is exported ------------------------------------------------------------------------------

    def get_export_fields(self, request) -> list[str]:
        names = self.export_fields or self.get_list_display(request)
        return [name for name in names if name not in ("action_checkbox", "__str__")] or ["__str__"]

    def export_header(self, request, names) -> list[str]:
        return [str(label_for_field(name, self.model, self)) for name in names]

    def export_row(self, obj, names) -> list:
        row = []
        for name in names:
            try:
                field, _attr, value = lookup_field(name, obj, self)
            except (AttributeError, FieldDoesNotExist, models.ObjectDoesNotExist):
                value, field = None, None
            if field is not None and getattr(field, "flatchoices", None) and not field.is_relation:
                value = dict(field.flatchoices).get(value, value)
            elif isinstance(value, models.Model):
                value = str(value)
            row.append(safe_cell(value))
        return row

    # -- the view --------------------------------------------------------------------------------------

    def export_view(self, request, fmt):
        if fmt not in FORMATS:
            return HttpResponseBadRequest("Unknown export format.")
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters as exc:
            return HttpResponseBadRequest(f"These filters cannot be exported: {exc}")
        queryset = changelist.queryset
        names = self.get_export_fields(request)
        self._audit_export(request, fmt)
        filename = f"{slugify(self.opts.verbose_name_plural)}-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.{fmt}"
        rows = (self.export_row(obj, names) for obj in queryset.iterator(chunk_size=self.export_chunk_size))
        header = self.export_header(request, names)
        if fmt == "csv":
            response = StreamingHttpResponse(self._csv_lines(header, rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        else:
            response = FileResponse(self._xlsx_file(header, rows), as_attachment=True, filename=filename)
            response["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _csv_lines(header, rows):
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow([safe_cell(label) for label in header])  # BOM: Excel reads UTF-8
        for row in rows:
            yield writer.writerow([_csv_value(value) for value in row])

    def _xlsx_file(self, header, rows):
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=str(self.opts.verbose_name_plural)[:31])
        sheet.append([safe_cell(label) for label in header])
        for row in rows:
            sheet.append(row)
        spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
        book.save(spool)
        spool.seek(0)
        return spool

    def _audit_export(self, request, fmt) -> None:
        from acorn_portal.models import AuditAction
        from acorn_portal.services.audit import record_audit

        filters = dict(request.GET.items())
        detail = {"model": self.opts.label_lower, "format": fmt, "filters": filters}
        org_ids = self.organizations_for(request, "view", "change")
        for organization_id in sorted(org_ids) if org_ids is not None else [None]:
            record_audit(AuditAction.EXPORT, request=request, organization=organization_id, **detail)
