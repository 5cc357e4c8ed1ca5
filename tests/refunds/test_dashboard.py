"""The dashboard's numbers against hand-made data, and every figure's link against the list it opens."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from acorn_portal.models import ExchangeRate, VendorAccount
from refunds.choices import ChargebackState, DeductionFamily
from refunds.models import Chargeback
from refunds.services import stats
from refunds.services.dashboard import DashboardError, build_dashboard
from tests.refunds.cases import make_chargeback, today

pytestmark = pytest.mark.django_db
S = ChargebackState
D = Decimal

# 05:00 UTC on Monday 30 November: still Sunday the 29th in Los Angeles, already Monday in Berlin.
MONDAY_EARLY = dt.datetime(2026, 11, 30, 5, 0, tzinfo=dt.UTC)
# 05:00 UTC on 1 December: still 30 November in Los Angeles, already December in Berlin.
DECEMBER_EARLY = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)


@pytest.fixture
def de_account(org):
    return VendorAccount.objects.create(organization=org, name="Acme DE", vendor_codes="ACMED", marketplace="DE")


def totals(figure):
    return {t.currency: (t.n, t.amount) for t in figure.totals}


def case(account, amount, **fields):
    return make_chargeback(
        account, amount=D(amount), issue_date=fields.pop("issue_date", dt.date(2026, 11, 1)), **fields
    )


def test_due_this_week_and_overdue_follow_each_marketplace_calendar(account, de_account, other_account, ops):
    case(account, "10.00", due_on=dt.date(2026, 11, 29))  # US: due today (Sunday): this week
    case(account, "20.00", due_on=dt.date(2026, 11, 30))  # US: next week
    case(account, "40.00", due_on=dt.date(2026, 11, 28), state=S.IN_REVIEW)  # US: overdue
    case(de_account, "1.00", due_on=dt.date(2026, 11, 29))  # DE: overdue (it is Monday there)
    case(de_account, "2.00", due_on=dt.date(2026, 12, 6))  # DE: Sunday of this week
    case(de_account, "4.00", due_on=dt.date(2026, 11, 30), state=S.DISPUTED)  # filed: neither
    case(other_account, "999.00", due_on=dt.date(2026, 11, 29))  # another organization: never

    data = build_dashboard(ops, {}, now=MONDAY_EARLY)

    assert totals(data.figures["due_week"]) == {"USD": (1, D("10.00")), "EUR": (1, D("2.00"))}
    assert totals(data.figures["overdue"]) == {"USD": (1, D("40.00")), "EUR": (1, D("1.00"))}
    assert totals(data.figures["open"]) == {"USD": (3, D("70.00")), "EUR": (3, D("7.00"))}
    # The lists the figures link to use the same calendars at the same instant.
    ours = Chargeback.objects.filter(account__in=[account, de_account])
    assert sorted(ours.due_this_week_local(MONDAY_EARLY).values_list("amount", flat=True)) == [D("2"), D("10")]
    assert sorted(ours.overdue_local(MONDAY_EARLY).values_list("amount", flat=True)) == [D("1"), D("40")]


def test_recovered_this_month_and_quarter_at_the_month_boundary(account, de_account, ops):
    def recovered(account, amount, on):
        return case(account, amount, state=S.RECOVERED, recovered_amount=D(amount), recovered_on=on)

    recovered(account, "100.00", dt.date(2026, 11, 30))  # US: this month (still November there)
    recovered(account, "200.00", dt.date(2026, 10, 15))  # US: this quarter only
    recovered(account, "400.00", dt.date(2026, 9, 30))  # US: last quarter
    recovered(de_account, "1.00", dt.date(2026, 11, 30))  # DE: already December: this quarter only
    recovered(de_account, "2.00", dt.date(2026, 12, 1))  # DE: this month

    data = build_dashboard(ops, {}, now=DECEMBER_EARLY)

    assert totals(data.figures["recovered_month"]) == {"USD": (1, D("100.00")), "EUR": (1, D("2.00"))}
    assert totals(data.figures["recovered_quarter"]) == {"USD": (2, D("300.00")), "EUR": (2, D("3.00"))}
    assert totals(data.figures["open"]) == {}


def test_aging_buckets_use_each_accounts_today(account, de_account, ops):
    issued = dt.date(2026, 10, 30)  # 30 days before Los Angeles' 29 November, 31 before Berlin's 30th
    case(account, "5.00", issue_date=issued)
    case(de_account, "7.00", issue_date=issued)
    case(account, "9.00", issue_date=dt.date(2026, 7, 1))
    case(account, "11.00", issue_date=dt.date(2026, 7, 1), state=S.WRITTEN_OFF)  # closed: not aged

    data = build_dashboard(ops, {}, now=MONDAY_EARLY)
    aging = {figure.key: totals(figure) for figure in data.aging}

    assert aging == {
        "age_0_30": {"USD": (1, D("5.00"))},
        "age_31_60": {"EUR": (1, D("7.00"))},
        "age_61_90": {},
        "age_91": {"USD": (1, D("9.00"))},
    }


def test_rates_by_family_type_and_account(account, de_account, ops):
    shortage = {"family": DeductionFamily.SHORTAGE, "deduction_type": "shortage"}
    label = {"family": DeductionFamily.OPERATIONAL, "deduction_type": "label_defect"}
    case(
        account,
        "100.00",
        state=S.RECOVERED,
        recovered_amount=D("80.00"),
        recovered_on=dt.date(2026, 11, 20),
        **shortage,
    )
    case(account, "50.00", state=S.AMAZON_APPROVED, amazon_approved_amount=D("50.00"), **shortage)
    case(account, "30.00", state=S.DENIED, **shortage)
    case(account, "20.00", state=S.DISPUTED, **shortage)  # not decided yet
    case(account, "10.00", state=S.WRITTEN_OFF, written_off_amount=D("10.00"), **label)
    case(account, "99.00", state=S.ACCEPTED, **label)  # never disputed
    case(de_account, "40.00", state=S.DENIED, **label)

    data = build_dashboard(ops, {"period": "all"}, now=MONDAY_EARLY)
    families = {(r.label, r.currency): r for r in data.by_family}

    short = families[("Shortage claim", "USD")]
    assert (short.disputed.n, short.decided.n, short.won.n) == (4, 3, 2)
    assert short.win_rate.quantize(D("0.1")) == D("66.7")
    assert short.recovery_rate == D(80) * 100 / D(200)
    ops_usd = families[("Operational chargeback", "USD")]
    assert (ops_usd.disputed.n, ops_usd.won.n, ops_usd.win_rate) == (1, 0, 0)
    assert families[("Operational chargeback", "EUR")].decided.n == 1  # never added to the USD row
    types = {(r.label, r.currency) for r in data.by_type}
    assert ("Label defect (Operational chargeback)", "USD") in types
    accounts = {r.label: r.disputed.n for r in data.by_account}
    assert accounts == {"Acme DE (DE)": 1, "Acme US (US)": 5}
    assert totals(data.figures["awaiting_credit"]) == {"USD": (1, D("50.00"))}


def test_period_limits_rates_and_trend_not_the_open_figures(account, ops):
    case(account, "10.00", state=S.DENIED, issue_date=dt.date(2025, 1, 10))
    case(account, "20.00", state=S.DENIED, issue_date=dt.date(2026, 11, 20))
    case(account, "5.00", issue_date=dt.date(2025, 1, 10))
    data = build_dashboard(ops, {"period": "90d"}, now=MONDAY_EARLY)
    assert data.figures["decided"].n == 1
    assert totals(data.figures["open"]) == {"USD": (3, D("35.00"))}  # denied cases are still open
    week = {p["week"]: p for p in data.trend["USD"]}
    assert week[dt.date(2026, 11, 16)]["deducted"] == D("20.00")
    assert sum(p["deducted"] for p in data.trend["USD"]) == D("20.00")


def test_trend_counts_recoveries_by_the_week_the_credit_arrived(account, ops):
    case(
        account,
        "70.00",
        issue_date=dt.date(2026, 9, 1),
        state=S.RECOVERED,
        recovered_amount=D("60.00"),
        recovered_on=dt.date(2026, 11, 25),
    )
    data = build_dashboard(ops, {"period": "12m"}, now=MONDAY_EARLY)
    by_week = {p["week"]: p for p in data.trend["USD"]}
    assert by_week[dt.date(2026, 11, 23)]["recovered"] == D("60.00")
    assert by_week[dt.date(2026, 8, 31)]["deducted"] == D("70.00")


def test_conversion_is_a_separate_total_at_the_latest_valid_rate(org, account, de_account, ops):
    case(account, "100.00")
    case(de_account, "10.00")
    ExchangeRate.objects.create(
        organization=org, from_currency="EUR", to_currency="USD", rate=D("1.05"), valid_from=dt.date(2025, 1, 1)
    )
    ExchangeRate.objects.create(
        organization=org, from_currency="EUR", to_currency="USD", rate=D("1.10"), valid_from=dt.date(2026, 1, 1)
    )
    ExchangeRate.objects.create(
        organization=org, from_currency="EUR", to_currency="USD", rate=D("2.00"), valid_from=dt.date(2027, 1, 1)
    )
    data = build_dashboard(ops, {"convert_to": "USD"}, now=MONDAY_EARLY)
    figure = data.figures["open"]
    assert totals(figure) == {"USD": (1, D("100.00")), "EUR": (1, D("10.00"))}  # still per currency
    assert figure.converted.amount == D("111.00")
    assert [r.rate for r in figure.converted.rates] == [D("1.10")]

    missing = build_dashboard(ops, {"convert_to": "GBP"}, now=MONDAY_EARLY).figures["open"].converted
    assert missing.amount is None and missing.missing == ["EUR", "USD"]


def test_the_page_shows_the_converted_total_labelled(client, org, account, de_account, finance):
    case(account, "100.00")
    case(de_account, "10.00")
    ExchangeRate.objects.create(
        organization=org, from_currency="EUR", to_currency="USD", rate=D("1.10"), valid_from=dt.date(2026, 1, 1)
    )
    client.force_login(finance)
    page = client.get(reverse("dashboard:index"), {"convert_to": "USD"}).content.decode()
    assert "Converted total" in page and "111.00 USD" in page and "1 EUR = 1.1 USD" in page
    assert "100.00 USD" in page and "10.00 EUR" in page


def test_rollup_figures_equal_a_recount(account, de_account, ops):
    for n in range(12):
        case(
            account if n % 2 else de_account,
            f"{n + 1}.25",
            state=[S.NEW, S.IN_REVIEW, S.DENIED][n % 3],
            issue_date=dt.date(2026, 11, 1) - dt.timedelta(days=n * 9),
        )
    assert stats.differences() == []
    before = build_dashboard(ops, {}, now=MONDAY_EARLY)
    stats.rebuild_stats()
    after = build_dashboard(ops, {}, now=MONDAY_EARLY)
    assert totals(before.figures["open"]) == totals(after.figures["open"])
    assert [totals(f) for f in before.aging] == [totals(f) for f in after.aging]


# --------------------------------------------------------------------------------------------------
# Scoping


def test_outsider_sees_nothing_of_another_organization(account, other_account, outsider, ops):
    case(account, "123.45")
    case(other_account, "7.00")
    data = build_dashboard(outsider, {}, now=MONDAY_EARLY)
    assert totals(data.figures["open"]) == {"USD": (1, D("7.00"))}
    with pytest.raises(DashboardError):
        build_dashboard(outsider, {"account": account.pk})


def test_another_organizations_account_in_the_url_is_refused(client, account, outsider):
    client.force_login(outsider)
    response = client.get(reverse("dashboard:index"), {"account": account.pk})
    assert response.status_code == 400
    assert "Acme" not in response.content.decode()


def test_start_page_and_admin_index_lead_to_the_dashboard(client, ops):
    client.force_login(ops)
    for url in ("/", reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("dashboard:index")
    apps = client.get(reverse("admin-apps"))
    # The list of sections, arranged for the role (acorn_portal.navigation): the work first.
    assert apps.status_code == 200 and "Start page" in apps.content.decode()
    client.logout()
    assert reverse("admin:login") in client.get(reverse("dashboard:index"))["Location"]


# --------------------------------------------------------------------------------------------------
# Every figure links to the list of exactly its cases


def _list_count(client, url) -> int:
    parts = urlsplit(url)
    assert parts.path == reverse("admin:refunds_chargeback_changelist")
    response = client.get(url)
    assert response.status_code == 200, url
    assert "?e=1" not in response.get("Location", ""), f"the list refused the filters of {url}"
    return response.context["cl"].result_count


def _mixed_cases(account, de_account, other_account):
    t = today()
    for n, (state, due, issued, recovered_on) in enumerate(
        [
            (S.NEW, t + dt.timedelta(days=1), t - dt.timedelta(days=5), None),
            (S.IN_REVIEW, t - dt.timedelta(days=2), t - dt.timedelta(days=40), None),
            (S.PENDING_APPROVAL, t, t - dt.timedelta(days=70), None),
            (S.DISPUTED, t + dt.timedelta(days=3), t - dt.timedelta(days=100), None),
            (S.AMAZON_APPROVED, None, t - dt.timedelta(days=20), None),
            (S.DENIED, None, t - dt.timedelta(days=50), None),
            (S.RECOVERED, None, t - dt.timedelta(days=80), t - dt.timedelta(days=1)),
            (S.RECOVERED, None, t - dt.timedelta(days=200), t - dt.timedelta(days=60)),
            (S.WRITTEN_OFF, None, t - dt.timedelta(days=30), None),
        ]
    ):
        for target in (account, de_account, other_account):
            extra = {"recovered_amount": D("3.00"), "recovered_on": recovered_on} if recovered_on else {}
            if state == S.AMAZON_APPROVED:
                extra["amazon_approved_amount"] = D("9.00")
            family = DeductionFamily.SHORTAGE if n % 2 else DeductionFamily.OPERATIONAL
            case(
                target,
                f"{n + 10}.00",
                state=state,
                due_on=due,
                issue_date=issued,
                family=family,
                deduction_type="shortage" if n % 2 else "asn_accuracy",
                **extra,
            )


@pytest.mark.parametrize("params", [{}, {"account": "us"}, {"marketplace": "DE", "period": "90d"}])
def test_every_figure_links_to_a_list_with_the_same_count(client, account, de_account, other_account, ops, params):
    _mixed_cases(account, de_account, other_account)
    if params.get("account") == "us":
        params = {"account": account.pk}
    client.force_login(ops)
    response = client.get(reverse("dashboard:index"), params)
    assert response.status_code == 200
    data = response.context["data"]
    checked = 0
    for figure in [*data.figures.values(), *data.aging]:
        for total in figure.totals:
            assert _list_count(client, total.url) == total.n, f"{figure.label} {total.currency}: {total.url}"
            checked += 1
        assert _list_count(client, figure.url) == figure.n, f"{figure.label}: {figure.url}"
    for row in (*data.by_family, *data.by_type, *data.by_account):
        for total in (row.disputed, row.decided, row.won):
            assert _list_count(client, total.url) == total.n, f"{row.label}: {total.url}"
            checked += 1
    assert checked >= 10
    assert data.figures["open"].n > 0 and data.figures["recovered_quarter"].n > 0


def test_pages_have_no_inline_script_style_or_handlers(client, account, de_account, finance):
    _mixed_cases(account, de_account, account)
    client.force_login(finance)
    for url in (reverse("dashboard:index"), reverse("dashboard:recovery-report"), reverse("status")):
        html = client.get(url, {"period": "all"} if "status" not in url else {}).content.decode()
        content = html[html.index('<div id="content"') :]
        assert "<script" not in content, url
        assert " style=" not in content and "onclick" not in content and "onload" not in content, url
    html = client.get(reverse("dashboard:index"), {"period": "all"}).content.decode()
    assert html.count('role="img"') >= 2 and "<desc id=" in html and "hatched" in html
    assert 'id="trend-table-USD"' in html and 'id="trend-table-EUR"' in html  # the data behind the charts


def test_a_user_without_organizations_gets_an_empty_dashboard(client, account, django_user_model):
    case(account, "10.00")
    stray = django_user_model.objects.create_user("stray", password="x-long-password", is_staff=True)
    client.force_login(stray)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data.accounts == [] and all(not figure.totals for figure in data.figures.values())
    assert "Acme" not in response.content.decode()


def test_recovery_report_by_quarter_against_hand_made_data(account, de_account, finance):
    from refunds.services.reports import recovery_report

    case(
        account,
        "100.00",
        issue_date=dt.date(2026, 7, 3),
        state=S.RECOVERED,
        recovered_amount=D("60.00"),
        amazon_approved_amount=D("80.00"),
        recovered_on=dt.date(2026, 9, 1),
    )
    case(account, "50.00", issue_date=dt.date(2026, 9, 30), state=S.WRITTEN_OFF, written_off_amount=D("50.00"))
    case(account, "30.00", issue_date=dt.date(2026, 10, 1), state=S.DENIED)
    case(de_account, "9.00", issue_date=dt.date(2026, 8, 1), state=S.NEW)
    _filters, lines = recovery_report(finance, {"grain": "quarter", "period": "all"}, now=MONDAY_EARLY)
    got = {
        (line["period"], line["account"].name): (
            line["deducted_n"],
            line["disputed"],
            line["won"],
            line["recovered"],
            line["written_off"],
        )
        for line in lines
    }
    assert got == {
        (dt.date(2026, 7, 1), "Acme US"): (2, D("150.00"), D("80.00"), D("60.00"), D("50.00")),
        (dt.date(2026, 7, 1), "Acme DE"): (1, D("0"), D("0"), D("0"), D("0")),
        (dt.date(2026, 10, 1), "Acme US"): (1, D("30.00"), D("0"), D("0"), D("0")),
    }


def test_exchange_rates_are_kept_by_finance_managers_and_admins(client, org, ops, finance, manager):
    add = reverse("admin:acorn_portal_exchangerate_add")
    client.force_login(ops)
    assert client.get(add).status_code == 403
    for user in (finance, manager):
        client.force_login(user)
        assert client.get(add).status_code == 200
    client.force_login(finance)
    data = {
        "organization": org.pk,
        "from_currency": "EUR",
        "to_currency": "EUR",
        "rate": "1",
        "valid_from": "2026-11-01",
    }
    response = client.post(add, data)
    assert response.status_code == 200 and "Pick a different currency" in response.content.decode()
    client.post(add, {**data, "to_currency": "USD", "rate": "1.0825"})
    assert ExchangeRate.objects.get(organization=org).rate == D("1.0825")
