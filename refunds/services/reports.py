"""The recovery report: deductions by month (or quarter) of issue and account, from the rollups.

Per period and account, in the account's currency: deducted, disputed, won (approved by Amazon),
recovered and written off. Grouped in the database, so a year of a million deductions is a few
hundred rows.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth, TruncQuarter

from refunds.choices import DISPUTED_STATES, WON_STATES
from refunds.models import ChargebackDayStat
from refunds.services.dashboard import DashboardError, Filters, accounts_for, parse_filters

ZERO = Decimal(0)


def recovery_report(user, params, *, now=None) -> tuple[Filters, list[dict]]:
    """Per period of issue and account: disputed, won, recovered and written off, in the account's currency."""
    filters = parse_filters(user, params, now=now)
    grain = params.get("grain") or "month"
    if grain not in ("month", "quarter"):
        raise DashboardError(f"Unknown grain {grain!r}.")
    accounts = {account.pk: account for account in accounts_for(filters)}
    rows = ChargebackDayStat.objects.filter(account_id__in=list(accounts))
    if filters.since is not None:
        rows = rows.filter(day__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(day__lt=filters.until)
    trunc = TruncMonth("day") if grain == "month" else TruncQuarter("day")
    rows = (
        rows.annotate(period=trunc)
        .values("account_id", "currency", "state", "period")
        .annotate(
            n=Sum("n"),
            amount=Sum("amount"),
            approved=Sum("amazon_approved_amount"),
            recovered=Sum("recovered_amount"),
            written_off=Sum("written_off_amount"),
        )
        .order_by()
    )
    report: dict[tuple, dict] = {}
    for row in rows:
        if not row["n"]:
            continue
        start = row["period"]
        line = report.setdefault(
            (start, row["account_id"], row["currency"]),
            {
                "period": start,
                "account": accounts[row["account_id"]],
                "currency": row["currency"],
                "deducted_n": 0,
                "deducted": ZERO,
                "disputed_n": 0,
                "disputed": ZERO,
                "won_n": 0,
                "won": ZERO,
                "recovered": ZERO,
                "written_off": ZERO,
            },
        )
        line["deducted_n"] += row["n"]
        line["deducted"] += row["amount"]
        if row["state"] in DISPUTED_STATES:
            line["disputed_n"] += row["n"]
            line["disputed"] += row["amount"]
        if row["state"] in WON_STATES:
            line["won_n"] += row["n"]
            line["won"] += row["approved"]
        line["recovered"] += row["recovered"]
        line["written_off"] += row["written_off"]
    lines = sorted(report.values(), key=lambda line: (line["period"], str(line["account"]), line["currency"]))
    return filters, lines


def period_label(start: date, grain: str) -> str:
    return f"{start:%Y-%m}" if grain == "month" else f"{start.year} Q{(start.month - 1) // 3 + 1}"
