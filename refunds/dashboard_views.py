"""The portal's start page (the dashboard) and the recovery report: thin views over services.dashboard."""

import csv
import io
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from acorn_portal.exports import safe_cell
from acorn_portal.models import AuditAction, Organization
from acorn_portal.money import CURRENCY_DECIMALS, quantize
from acorn_portal.services.audit import record_audit
from acorn_portal.tenancy import restrict_to_organizations
from refunds.charts import grouped_bars
from refunds.services.dashboard import (
    AGING_BUCKETS,
    PERIODS,
    DashboardError,
    accounts_for,
    build_dashboard,
    parse_filters,
)
from refunds.services.reports import period_label, recovery_report

HEADLINE = ("open", "due_week", "overdue", "recovered_month", "recovered_quarter", "awaiting_credit")


def changelist_url(params: dict, base: str | None = None) -> str:
    return (base or reverse("admin:refunds_chargeback_changelist")) + "?" + urlencode(params)


def _filter_choices(request, filters):
    orgs = restrict_to_organizations(Organization.objects.order_by("name"), filters.org_ids)
    all_accounts = accounts_for(type(filters)(org_ids=filters.org_ids))
    return {
        "organizations": list(orgs) if len(all_accounts) and orgs.count() > 1 else [],
        "all_accounts": all_accounts,
        "marketplaces": sorted({account.marketplace for account in all_accounts}),
        "periods": [(key, label) for key, (label, _days) in PERIODS.items()],
        "currencies": sorted(CURRENCY_DECIMALS),
    }


def _link(obj, base):
    """Give a figure, total or rate its changelist URL (templates cannot build query strings)."""
    obj.url = changelist_url(obj.params, base)
    return obj


def _charts(dashboard):
    """(trend charts, aging charts): one chart per currency, never two currencies on one axis."""
    charts, aging = [], []
    for currency, points in dashboard.trend.items():
        places = CURRENCY_DECIMALS[currency]
        charts.append(
            grouped_bars(
                chart_id=f"trend-{currency}",
                title=gettext("Deducted vs recovered per week, %(currency)s") % {"currency": currency},
                description=(
                    gettext(
                        "For each week, the amount Amazon deducted (hatched bars, by issue date) and the amount "
                        "recovered (solid bars, by credit date), in %(currency)s. The table below has the numbers."
                    )
                    % {"currency": currency}
                ),
                categories=[formats.date_format(point["week"], "MONTH_DAY_FORMAT") for point in points],
                series=[
                    (gettext("deducted"), [point["deducted"] for point in points]),
                    (gettext("recovered"), [point["recovered"] for point in points]),
                ],
                unit=currency,
                places=places,
                label_every=max(len(points) // 9, 1),
            )
        )
    for currency in dashboard.currencies:
        values = [next((t.amount for t in f.totals if t.currency == currency), 0) for f in dashboard.aging]
        if any(values):
            aging.append(
                grouped_bars(
                    chart_id=f"aging-{currency}",
                    title=gettext("Open deductions by age, %(currency)s") % {"currency": currency},
                    description=gettext("Open amount in %(currency)s by days since Amazon issued the deduction.")
                    % {"currency": currency},
                    categories=[label for _key, label, _lo, _hi in AGING_BUCKETS],
                    series=[(gettext("open amount"), values)],
                    unit=currency,
                    places=CURRENCY_DECIMALS[currency],
                    show_values=True,
                )
            )
    return charts, aging


@require_GET
@login_required
def dashboard(request):
    """Where the money is: open, due, overdue, recovered, rates, aging and the weekly trend."""
    try:
        data = build_dashboard(request.user, request.GET)
    except DashboardError as exc:
        return HttpResponseBadRequest(str(exc))
    base = reverse("admin:refunds_chargeback_changelist")
    for figure in [*data.figures.values(), *data.aging]:
        _link(figure, base)
        for total in figure.totals:
            _link(total, base)
    for row in (*data.by_family, *data.by_type, *data.by_account):
        for total in (row.disputed, row.decided, row.won):
            _link(total, base)
    trend_charts, aging_charts = _charts(data)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Dashboard"),
        "data": data,
        "filters": data.filters,
        "charts": trend_charts,
        "aging_charts": aging_charts,
        "headline": [data.figures[key] for key in HEADLINE],
        "rate_tables": [("family", data.by_family), ("type", data.by_type), ("account", data.by_account)],
        "query": request.GET.urlencode(),
        **_filter_choices(request, data.filters),
    }
    from refunds.admin_queues import queue_links

    context["queues"] = queue_links(request)
    return render(request, "refunds/dashboard/index.html", context)


REPORT_COLUMNS = (
    ("period", _("Period of issue")),
    ("organization", _("Organization")),
    ("account", _("Vendor account")),
    ("currency", _("Currency")),
    ("deducted_n", _("Deductions")),
    ("deducted", _("Deducted")),
    ("disputed_n", _("Disputed (cases)")),
    ("disputed", _("Disputed")),
    ("won_n", _("Won (cases)")),
    ("won", _("Won (approved by Amazon)")),
    ("recovered", _("Recovered")),
    ("written_off", _("Written off")),
)


MONEY_COLUMNS = ("deducted", "disputed", "won", "recovered", "written_off")


@require_GET
@login_required
def recovery_report_view(request):
    """Deductions by month or quarter of issue and account: disputed, won, recovered, written off."""
    try:
        filters, lines = recovery_report(request.user, request.GET)
    except DashboardError as exc:
        return HttpResponseBadRequest(str(exc))
    grain = request.GET.get("grain") or "month"
    table = [
        {
            **line,
            "period": period_label(line["period"], grain),
            "organization": line["account"].organization.name,
            "account": str(line["account"]),
            **{key: quantize(line[key], line["currency"]) for key in MONEY_COLUMNS},
        }
        for line in lines
    ]
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        record_audit(
            AuditAction.EXPORT,
            request=request,
            organization=filters.organization.pk if filters.organization else None,
            report="recovery",
            format=fmt,
            filters=dict(request.GET.items()),
            rows=len(table),
        )
        rows = [[safe_cell(line[key]) for key, _label in REPORT_COLUMNS] for line in table]
        return _report_file(fmt, [str(label) for _key, label in REPORT_COLUMNS], rows)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Recovery report"),
        "filters": filters,
        "grain": grain,
        "columns": REPORT_COLUMNS,
        "lines": table,
        "query": request.GET.urlencode(),
        **_filter_choices(request, parse_filters(request.user, request.GET)),
    }
    return render(request, "refunds/dashboard/recovery_report.html", context)


def _report_file(fmt, header, rows):
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(gettext("Recovery report")[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="recovery-report.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
