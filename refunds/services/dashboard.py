"""The dashboard's figures: where the money is, per currency, for the organizations a user may see.

Every figure comes from the exact rollups (refunds.models.stats): a few hundred to a few thousand
small rows instead of a million cases. Figures that depend on today's date (due this week, overdue,
aging, recovered this month) are judged in each marketplace's own calendar.
Every figure carries the changelist filters that list exactly the cases behind it
(`Figure.params`, turned into a link by the view); tests hold the two to the same count.

Amounts of different currencies are never added up. A converted total, at the rates the
organization keeps (acorn_portal.ExchangeRate), is offered beside them for one organization at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from acorn_portal import clock
from acorn_portal.models import ExchangeRate, Organization, VendorAccount
from acorn_portal.money import CURRENCY_DECIMALS, quantize
from acorn_portal.tenancy import organizations_with_perm, restrict_to_organizations
from refunds.choices import (
    DECIDED_DISPUTE_STATES,
    DISPUTED_STATES,
    OPEN_STATES,
    PRE_FILING_STATES,
    WON_STATES,
    ChargebackState,
    DeductionFamily,
)
from refunds.labels import type_label
from refunds.managers import period_start, week_end
from refunds.models import ChargebackDayStat, DueDayStat, RecoveryDayStat

ZERO = Decimal(0)
VIEW_PERM = "refunds.view_chargeback"

AGING_BUCKETS = (
    ("age_0_30", _("0–30 days"), 0, 30),
    ("age_31_60", _("31–60 days"), 31, 60),
    ("age_61_90", _("61–90 days"), 61, 90),
    ("age_91", _("over 90 days"), 91, None),
)

# Figure key → (label, what it means). The admin's FigureFilter lists the same cases for each key.
FIGURES = {
    "open": (_("Open amount at risk"), _("Deductions not yet closed (recovered, written off, accepted or expired).")),
    "due_week": (_("Due this week"), _("Not yet filed, Amazon's last day between today and Sunday.")),
    "overdue": (_("Overdue"), _("Not yet filed and Amazon's last day has passed.")),
    "recovered_month": (_("Recovered this month"), _("Credits recorded since the first of the month.")),
    "recovered_quarter": (_("Recovered this quarter"), _("Credits recorded since the quarter began.")),
    "awaiting_credit": (
        _("Approved by Amazon, not yet paid"),
        _("Amazon reversed these; no credit in a remittance yet."),
    ),
    "disputed": (_("Disputed"), _("Filed with Amazon at least once.")),
    "decided": (_("Decided disputes"), _("Disputes Amazon has answered.")),
    "won": (_("Won"), _("Disputes Amazon reversed (credited or awaiting credit).")),
    **{
        key: (format_lazy(_("Open, issued {} ago"), label), _("Open deductions by age."))
        for key, label, _lo, _hi in AGING_BUCKETS
    },
}

PERIODS = {
    "90d": (_("Last 90 days"), 90),
    "12m": (_("Last 12 months"), 365),
    "ytd": (_("This year"), None),
    "all": (_("All time"), None),
}
DEFAULT_PERIOD = "12m"
TREND_MAX_WEEKS = 26


class DashboardError(ValueError):
    """A filter value that cannot be used; the message says which and why."""


@dataclass
class Total:
    """A count and an amount in one currency, with the changelist filters that list those cases."""

    currency: str
    n: int = 0
    amount: Decimal = ZERO
    params: dict = field(default_factory=dict)

    @property
    def quantized(self) -> Decimal:
        return quantize(self.amount, self.currency)


@dataclass
class Converted:
    """Per-currency totals converted to one currency at the organization's rates (or why not)."""

    currency: str
    amount: Decimal | None
    rates: list  # the ExchangeRate rows used
    missing: list[str]  # currencies without a rate


@dataclass
class Figure:
    key: str
    label: str
    help: str
    totals: list[Total]
    params: dict
    converted: Converted | None = None

    @property
    def n(self) -> int:
        return sum(total.n for total in self.totals)


@dataclass
class RateRow:
    """Win and recovery rates of one family, type or account, in one currency."""

    label: str
    currency: str
    disputed: Total
    decided: Total
    won: Total
    recovered: Decimal

    @property
    def win_rate(self) -> Decimal | None:
        return None if not self.decided.n else Decimal(self.won.n * 100) / self.decided.n

    @property
    def recovery_rate(self) -> Decimal | None:
        return None if not self.disputed.amount else self.recovered * 100 / self.disputed.amount


@dataclass
class Filters:
    """What the user asked for, checked against what they may see."""

    org_ids: list[int] | None  # None: every organization (superusers)
    organization: Organization | None = None
    account: VendorAccount | None = None
    marketplace: str = ""
    period: str = DEFAULT_PERIOD
    since: date | None = None
    until: date | None = None  # exclusive
    convert_to: str = ""

    def base_params(self) -> dict:
        """The changelist filters every figure's link carries."""
        params = {}
        if self.organization is not None:
            params["organization"] = self.organization.pk
        if self.account is not None:
            params["account"] = self.account.pk
        if self.marketplace:
            params["marketplace"] = self.marketplace
        return params

    def period_params(self) -> dict:
        params = {}
        if self.since is not None:
            params["issue_date__gte"] = self.since.isoformat()
        if self.until is not None:
            params["issue_date__lt"] = self.until.isoformat()
        return params


@dataclass
class Dashboard:
    filters: Filters
    accounts: list[VendorAccount]
    figures: dict[str, Figure]
    aging: list[Figure]
    by_family: list[RateRow]
    by_type: list[RateRow]
    by_account: list[RateRow]
    trend: dict[str, list[dict]]  # currency → [{week, deducted, recovered}]
    trend_weeks: list[date]
    currencies: list[str]


# --------------------------------------------------------------------------------------------------
# Filters


def parse_filters(user, params, *, now: datetime | None = None) -> Filters:
    """The user's filters from query parameters; anything outside their organizations is refused."""
    now = now or clock.now()
    org_ids = organizations_with_perm(user, VIEW_PERM)
    filters = Filters(org_ids=None if org_ids is None else sorted(org_ids))
    visible_accounts = restrict_to_organizations(VendorAccount.objects.all(), filters.org_ids)
    if params.get("organization"):
        orgs = restrict_to_organizations(Organization.objects.all(), filters.org_ids)
        filters.organization = orgs.filter(pk=_int(params["organization"], "organization")).first()
        if filters.organization is None:
            raise DashboardError(_("No such organization."))
    if params.get("account"):
        filters.account = visible_accounts.filter(pk=_int(params["account"], "account")).first()
        if filters.account is None:
            raise DashboardError(_("No such vendor account."))
    filters.marketplace = (params.get("marketplace") or "").strip().upper()
    filters.period = params.get("period") or DEFAULT_PERIOD
    if filters.period not in PERIODS:
        raise DashboardError(f"Unknown period {filters.period!r}.")
    filters.convert_to = (params.get("convert_to") or "").strip().upper()
    if filters.convert_to and filters.convert_to not in CURRENCY_DECIMALS:
        raise DashboardError(f"Unknown currency {filters.convert_to!r}.")
    today = timezone.localdate(now)
    days = PERIODS[filters.period][1]
    if days is not None:
        filters.since, filters.until = today - timedelta(days=days - 1), today + timedelta(days=1)
    elif filters.period == "ytd":
        filters.since, filters.until = today.replace(month=1, day=1), today + timedelta(days=1)
    return filters


def _int(value, name) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DashboardError(f"Unknown {name} {value!r}.") from None


def accounts_for(filters: Filters) -> list[VendorAccount]:
    accounts = restrict_to_organizations(VendorAccount.objects.select_related("organization"), filters.org_ids)
    if filters.organization is not None:
        accounts = accounts.filter(organization=filters.organization)
    if filters.account is not None:
        accounts = accounts.filter(pk=filters.account.pk)
    if filters.marketplace:
        accounts = accounts.filter(marketplace=filters.marketplace)
    return list(accounts.order_by("organization__name", "name"))


# --------------------------------------------------------------------------------------------------
# Building the figures


def build_dashboard(user, params, *, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard for this user and these filters (about a dozen small queries)."""
    now = now or clock.now()
    filters = parse_filters(user, params, now=now)
    accounts = accounts_for(filters)
    ids = [account.pk for account in accounts]
    local_today = {account.pk: now.astimezone(ZoneInfo(account.time_zone)).date() for account in accounts}
    base = filters.base_params()

    open_total, aging = _open_and_aging(ids, local_today, base)
    figures = {"open": open_total}
    figures.update(_due(ids, local_today, base))
    figures.update(_recovered(ids, local_today, base))
    figures["awaiting_credit"] = _awaiting_credit(ids, base)
    by_family, by_type, by_account, rate_totals = _rates(ids, accounts, filters, base)
    figures.update(rate_totals)
    weeks, trend = _trend(ids, filters, now)
    if filters.convert_to:
        _convert_all(filters, accounts, [*figures.values(), *aging], timezone.localdate(now))
    currencies = sorted({total.currency for figure in figures.values() for total in figure.totals})
    return Dashboard(filters, accounts, figures, aging, by_family, by_type, by_account, trend, weeks, currencies)


def _figure(key: str, totals: dict[str, Total], params: dict) -> Figure:
    label, help_text = FIGURES[key]
    for total in totals.values():
        total.params = {**params, "figure": key, "currency__exact": total.currency}
    return Figure(key, label, help_text, [totals[c] for c in sorted(totals)], {**params, "figure": key})


def _bucketed(queryset, local_today: dict[int, date], buckets: list[tuple[str, Callable]], measure: str):
    """Per (currency, bucket) totals, each row put in the first bucket whose `build(today)` it meets.

    "Today" is each account's own (accounts are grouped by their local date, a handful of groups),
    and the bucketing happens in the database, so a few rows come back whatever the data size.
    """
    by_today: dict[date, list[int]] = defaultdict(list)
    for account_id, today in local_today.items():
        by_today[today].append(account_id)
    whens = [
        When(Q(account_id__in=account_ids) & build(today), then=Value(key))
        for key, build in buckets
        for today, account_ids in sorted(by_today.items())
    ]
    rows = (
        queryset.filter(account_id__in=list(local_today))
        .annotate(bucket=Case(*whens, default=Value(""), output_field=CharField()))
        .values("currency", "bucket")
        .annotate(n=Sum("n"), amount=Sum(measure))
        .order_by()
    )
    result: dict[str, dict[str, Total]] = defaultdict(dict)
    for row in rows:
        if row["n"]:
            _add(result[row["bucket"]], row)
    return result


def _add(totals: dict[str, Total], row) -> None:
    total = totals.setdefault(row["currency"], Total(row["currency"]))
    total.n += row["n"]
    total.amount += row["amount"]


def _due(ids, local_today, base) -> dict[str, Figure]:
    """Overdue and due this week from the due-day rollup: the cases of `.overdue_local()` / `.due_this_week_local()`."""
    latest = max((week_end(today) for today in local_today.values()), default=date.min)
    rows = DueDayStat.objects.filter(state__in=PRE_FILING_STATES, day__lte=latest)
    buckets = _bucketed(
        rows,
        local_today,
        [
            ("overdue", lambda today: Q(day__lt=today)),
            ("due_week", lambda today: Q(day__gte=today, day__lte=week_end(today))),
        ],
        "amount",
    )
    return {key: _figure(key, buckets.get(key, {}), base) for key in ("due_week", "overdue")}


def _awaiting_credit(ids, base) -> Figure:
    rows = (
        ChargebackDayStat.objects.filter(account_id__in=ids, state=ChargebackState.AMAZON_APPROVED)
        .values("currency")
        .annotate(n=Sum("n"), amount=Sum("amazon_approved_amount"))
        .order_by()
    )
    totals = {row["currency"]: Total(row["currency"], row["n"], row["amount"]) for row in rows if row["n"]}
    return _figure("awaiting_credit", totals, base)


def _recovered(ids, local_today, base) -> dict[str, Figure]:
    """Credits this month and this quarter, in each account's calendar (the month is within the quarter)."""
    earliest = min((period_start(today, "quarter") for today in local_today.values()), default=date.max)
    buckets = _bucketed(
        RecoveryDayStat.objects.filter(day__gte=earliest),
        local_today,
        [
            ("month", lambda today: Q(day__gte=period_start(today, "month"), day__lte=today)),
            ("quarter", lambda today: Q(day__gte=period_start(today, "quarter"), day__lte=today)),
        ],
        "recovered_amount",
    )
    quarter = {currency: Total(currency, t.n, t.amount) for currency, t in buckets.get("quarter", {}).items()}
    for currency, total in buckets.get("month", {}).items():
        _add(quarter, {"currency": currency, "n": total.n, "amount": total.amount})
    return {
        "recovered_month": _figure("recovered_month", buckets.get("month", {}), base),
        "recovered_quarter": _figure("recovered_quarter", quarter, base),
    }


def _open_and_aging(ids, local_today, base) -> tuple[Figure, list[Figure]]:
    """Open amount at risk, and the same cases by days since issue (each account's own today).

    A deduction dated in the future is open but in no age bucket; the aged lists agree.
    """

    def aged(low, high):
        def build(today):
            condition = Q(day__lte=today - timedelta(days=low))
            return condition & Q(day__gte=today - timedelta(days=high)) if high is not None else condition

        return build

    buckets = _bucketed(
        ChargebackDayStat.objects.filter(state__in=OPEN_STATES),
        local_today,
        [(key, aged(low, high)) for key, _label, low, high in AGING_BUCKETS],
        "amount",
    )
    open_totals: dict[str, Total] = {}
    for totals in buckets.values():
        for currency, total in totals.items():
            _add(open_totals, {"currency": currency, "n": total.n, "amount": total.amount})
    aging = [_figure(key, buckets.get(key, {}), base) for key, *_ in AGING_BUCKETS]
    return _figure("open", open_totals, base), aging


def _rates(ids, accounts, filters: Filters, base):
    period = filters.period_params()
    rows = ChargebackDayStat.objects.filter(account_id__in=ids, state__in=DISPUTED_STATES)
    if filters.since is not None:
        rows = rows.filter(day__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(day__lt=filters.until)
    rows = (
        rows.values("family", "deduction_type", "account_id", "currency", "state")
        .annotate(n=Sum("n"), amount=Sum("amount"), recovered=Sum("recovered_amount"))
        .order_by()
    )
    names = {account.pk: str(account) for account in accounts}
    families = dict(DeductionFamily.choices)
    groups = {"family": {}, "type": {}, "account": {}, "all": {}}

    def row_for(kind, key, label, currency, params):
        found = groups[kind].get((key, currency))
        if found is None:
            found = groups[kind][(key, currency)] = RateRow(
                label,
                currency,
                Total(currency, params={**params, "figure": "disputed", "currency__exact": currency}),
                Total(currency, params={**params, "figure": "decided", "currency__exact": currency}),
                Total(currency, params={**params, "figure": "won", "currency__exact": currency}),
                ZERO,
            )
        return found

    for row in rows:
        if not row["n"]:
            continue
        currency = row["currency"]
        keys = [
            ("family", row["family"], families.get(row["family"], row["family"]), {"family__exact": row["family"]}),
            (
                "type",
                (row["family"], row["deduction_type"]),
                f"{type_label(row['deduction_type'])} ({families.get(row['family'], row['family'])})",
                {"family__exact": row["family"], "deduction_type": row["deduction_type"]},
            ),
            ("account", row["account_id"], names[row["account_id"]], {"account": row["account_id"]}),
            ("all", "all", _("All"), {}),
        ]
        for kind, key, label, extra in keys:
            rate = row_for(kind, key, label, currency, {**base, **period, **extra})
            rate.disputed.n += row["n"]
            rate.disputed.amount += row["amount"]
            rate.recovered += row["recovered"]
            if row["state"] in DECIDED_DISPUTE_STATES:
                rate.decided.n += row["n"]
                rate.decided.amount += row["amount"]
            if row["state"] in WON_STATES:
                rate.won.n += row["n"]
                rate.won.amount += row["amount"]

    def ordered(kind):
        return sorted(groups[kind].values(), key=lambda r: (r.label, r.currency))

    totals = {}
    for key in ("disputed", "decided", "won"):
        per_currency = {r.currency: getattr(r, key) for r in groups["all"].values()}
        label, help_text = FIGURES[key]
        totals[key] = Figure(
            key, label, help_text, [per_currency[c] for c in sorted(per_currency)], {**base, **period, "figure": key}
        )
    return ordered("family"), ordered("type"), ordered("account"), totals


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _trend(ids, filters: Filters, now):
    """Deducted (by issue day) and recovered (by credit day) per ISO week and currency."""
    end = filters.until or timezone.localdate(now) + timedelta(days=1)
    first = week_start(end - timedelta(days=1)) - timedelta(weeks=TREND_MAX_WEEKS - 1)
    if filters.since is not None:
        first = max(first, week_start(filters.since))
    weeks = []
    week = first
    while week < end:
        weeks.append(week)
        week += timedelta(weeks=1)
    start = max(first, filters.since) if filters.since else first
    series: dict[str, dict[date, dict]] = defaultdict(dict)
    for model, measure, name in (
        (ChargebackDayStat, "amount", "deducted"),
        (RecoveryDayStat, "recovered_amount", "recovered"),
    ):
        rows = (
            model.objects.filter(account_id__in=ids, day__gte=start, day__lt=end)
            .values("currency", "day")
            .annotate(total=Sum(measure))
            .order_by()
        )
        for row in rows:
            point = series[row["currency"]].setdefault(week_start(row["day"]), {"deducted": ZERO, "recovered": ZERO})
            point[name] += row["total"]
    trend = {
        currency: [{"week": w, **points.get(w, {"deducted": ZERO, "recovered": ZERO})} for w in weeks]
        for currency, points in sorted(series.items())
    }
    return weeks, trend


# --------------------------------------------------------------------------------------------------
# Conversion


def convert(totals: list[Total], *, organization_id: int, to: str, day: date, rates=None) -> Converted:
    """The totals in currency `to` at the organization's rates valid on `day`; missing rates are named."""
    if rates is None:
        rates = ExchangeRate.objects.rates_on(organization_id, day)
    amount, used, missing = ZERO, [], []
    for total in totals:
        if total.currency == to:
            amount += total.amount
            continue
        rate = rates.get((total.currency, to))
        if rate is None:
            missing.append(total.currency)
            continue
        amount += total.amount * rate.rate
        used.append(rate)
    return Converted(to, None if missing else quantize(amount, to), used, missing)


def _convert_all(filters: Filters, accounts, figures, day) -> None:
    org_ids = {account.organization_id for account in accounts}
    if len(org_ids) != 1:
        for figure in figures:
            figure.converted = Converted(filters.convert_to, None, [], ["(choose one organization)"])
        return
    organization_id = org_ids.pop()
    rates = ExchangeRate.objects.rates_on(organization_id, day)
    for figure in figures:
        if figure.totals:
            figure.converted = convert(
                figure.totals, organization_id=organization_id, to=filters.convert_to, day=day, rates=rates
            )
