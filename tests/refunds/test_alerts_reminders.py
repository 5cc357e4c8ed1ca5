"""Deadline reminders, escalations and digests: who is told, when, in which marketplace's calendar, and only once."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from acorn_portal.models import OutboxEvent, VendorAccount
from acorn_portal.roles import Role
from refunds.choices import ChargebackState, DeductionFamily
from refunds.models import AlertLog, AlertSettings, Team
from refunds.models.alerts import AlertKind, AlertStatus, WatchRule
from refunds.services.alerts.dispatch import deliver_due
from refunds.services.alerts.reminders import current_lead, plan_digests, plan_escalations, plan_reminders
from tests.conftest import make_member
from tests.refunds.alerting import NOW, TODAY_LA, case, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def jp_account(org):
    return VendorAccount.objects.create(organization=org, name="Acme JP", vendor_codes="ACMEJ", marketplace="JP")


@pytest.fixture
def team(org, ops):
    team = Team.objects.create(organization=org, name="Shortages")
    team.members.add(ops, make_member(org, "tom", Role.OPERATIONS))
    return team


def run(now=NOW, *, digests=False):
    """One scheduler pass at `now`: plan reminders and escalations (digests when asked), deliver what is due."""
    counts = plan_reminders(now=now)
    counts["escalations"] = plan_escalations(now=now)
    counts["digests"] = plan_digests(now=now) if digests else 0
    counts["delivered"] = deliver_due(now=now)
    return counts


def mails_to(address):
    return [message for message in mail.outbox if address in message.to]


def test_current_lead_is_the_smallest_lead_time_already_reached():
    leads = [7, 3, 1]
    assert [current_lead(days, leads) for days in (9, 8, 7, 5, 4, 3, 2, 1, 0, -2)] == [
        None,
        None,
        7,
        7,
        7,
        3,
        3,
        1,
        1,
        1,
    ]


def test_reminder_reaches_assignee_team_and_named_people_once(org, account, ops, finance, team):
    cb = case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops, team=team)
    rule(org, users=[finance])

    run()

    assert {address for message in mail.outbox for address in message.to} == {
        "olivia@example.com",
        "tom@example.com",
        "fred@example.com",
    }
    assert len(mail.outbox) == 3, "one email per person, even when the assignee is also in the team"
    message = mails_to("olivia@example.com")[0]
    assert cb.amazon_id in message.subject and "in 3 days" in message.subject
    assert (
        "250.00 USD" in message.body and "2026-11-29" in message.body and "/admin/refunds/chargeback/" in message.body
    )
    assert set(AlertLog.objects.filter(kind=AlertKind.REMINDER).values_list("lead_days", "status").distinct()) == {
        (3, AlertStatus.SENT)
    }

    run()  # a duplicate run of the same moment
    run(NOW + timedelta(hours=5))  # a later run on the same local day
    assert len(mail.outbox) == 3


def test_no_watch_rule_no_reminder_but_the_developer_event_still_goes_out(org, account, ops):
    cb = case(account, target_on=TODAY_LA + timedelta(days=7), assignee=ops)
    run()
    assert mail.outbox == []
    events = OutboxEvent.objects.filter(name="chargeback.deadline_approaching")
    assert [(e.object_id, e.payload["lead_days"], e.payload["days_left"]) for e in events] == [(str(cb.pk), 7, 7)]
    assert events[0].payload["amount"] == "250.00" and events[0].payload["currency"] == "USD"


def test_deadline_event_once_per_case_and_lead_time(org, account):
    cb = case(account, target_on=TODAY_LA + timedelta(days=7))
    for now in (NOW, NOW, NOW + timedelta(days=1), NOW + timedelta(days=4), NOW + timedelta(days=4, hours=3)):
        run(now)
    events = OutboxEvent.objects.filter(name="chargeback.deadline_approaching", object_id=str(cb.pk))
    assert sorted(event.payload["lead_days"] for event in events) == [3, 7]


def test_catch_up_after_three_days_of_downtime_sends_only_the_most_urgent_lead_time(org, account, ops):
    rule(org)
    seen = case(account, target_on=TODAY_LA + timedelta(days=4), assignee=ops)  # 7-day reminder due today
    run()
    assert [log.lead_days for log in AlertLog.objects.filter(chargeback=seen, kind=AlertKind.REMINDER)] == [7]

    # The scheduler was down for three days; cluster catch_up is off, so one late run happens.
    late = NOW + timedelta(days=3)
    unseen = case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)  # arrived during the downtime
    run(late)
    run(late)  # and a duplicate of it

    leads = sorted(
        AlertLog.objects.filter(chargeback=seen, kind=AlertKind.REMINDER).values_list("lead_days", flat=True)
    )
    assert leads == [1, 7], "the 3-day reminder was missed during the downtime and is not sent late"
    assert list(
        AlertLog.objects.filter(chargeback=unseen, kind=AlertKind.REMINDER).values_list("lead_days", flat=True)
    ) == [1]
    assert len(mails_to("olivia@example.com")) == 3  # seen: 7 then 1; unseen: 1
    assert sorted(m.subject.split(":")[0] for m in mail.outbox) == [
        "[ACORN] Target in 1 day",
        "[ACORN] Target in 4 days",
        "[ACORN] Target today",
    ]


def test_lead_times_are_counted_in_each_marketplaces_time_zone(org, account, jp_account, ops):
    rule(org)
    la_case = case(account, target_on=date(2026, 11, 30), assignee=ops)
    tokyo_case = case(jp_account, target_on=date(2026, 11, 30), assignee=ops, amount=Decimal("30000"))
    run()  # 16:00 UTC: 27 November in Tokyo, 26 November in Los Angeles
    lead = dict(AlertLog.objects.filter(kind=AlertKind.REMINDER).values_list("chargeback_id", "lead_days"))
    assert lead == {la_case.pk: 7, tokyo_case.pk: 3}
    tokyo_mail = next(m for m in mail.outbox if tokyo_case.amazon_id in m.subject)
    assert "30,000 JPY" in tokyo_mail.body and "in 3 days" in tokyo_mail.subject

    run(NOW + timedelta(hours=16))  # midnight in Los Angeles: its 27 November begins, 3 days left there too
    lead = sorted(AlertLog.objects.filter(kind=AlertKind.REMINDER).values_list("chargeback_id", "lead_days"))
    assert lead == sorted([(la_case.pk, 7), (la_case.pk, 3), (tokyo_case.pk, 3)])


def test_custom_lead_times_per_organization(org, account, ops):
    AlertSettings.objects.create(organization=org, reminder_lead_days="10, 5")
    rule(org)
    cb = case(account, target_on=TODAY_LA + timedelta(days=9), assignee=ops)
    run()
    assert list(
        AlertLog.objects.filter(chargeback=cb, kind=AlertKind.REMINDER).values_list("lead_days", flat=True)
    ) == [10]


def test_lead_times_are_validated():
    settings = AlertSettings(organization_id=1, reminder_lead_days="7, x")
    with pytest.raises(ValidationError, match="not a number"):
        settings.clean()
    settings.reminder_lead_days = "1,7,3,7"
    settings.digest_time_zone = "UTC"
    settings.clean()
    assert settings.reminder_lead_days == "7, 3, 1"


def test_closed_filed_and_overdue_cases_get_no_reminder(org, account, ops):
    rule(org)
    case(account, target_on=TODAY_LA + timedelta(days=1), assignee=ops, state=ChargebackState.DISPUTED)
    case(account, target_on=TODAY_LA + timedelta(days=1), assignee=ops, state=ChargebackState.RECOVERED)
    case(account, target_on=TODAY_LA - timedelta(days=6), due_on=TODAY_LA - timedelta(days=1), assignee=ops)
    run()
    assert mail.outbox == [] and not AlertLog.objects.exists()


# --- watch rule matching ----------------------------------------------------------------------------


def test_watch_rule_matching_by_family_type_account_marketplace_and_amount(org, account, jp_account):
    usd = case(account, target_on=TODAY_LA, amount=Decimal("250.00"))
    big_usd = case(account, target_on=TODAY_LA, amount=Decimal("600.00"), family=DeductionFamily.OPERATIONAL)
    yen = case(jp_account, target_on=TODAY_LA, amount=Decimal("100000"))

    def matches(**fields):
        accounts = fields.pop("accounts", ())
        watch = rule(org, name=f"r{WatchRule.objects.count()}", accounts=accounts, **fields)
        return {cb.pk for cb in (usd, big_usd, yen) if watch.matches(cb)}

    assert matches() == {usd.pk, big_usd.pk, yen.pk}
    assert matches(families=[DeductionFamily.OPERATIONAL]) == {big_usd.pk}
    assert matches(deduction_types=["shortage"]) == {usd.pk, big_usd.pk, yen.pk}
    assert matches(accounts=[jp_account]) == {yen.pk}
    assert matches(marketplaces=["US"]) == {usd.pk, big_usd.pk}
    # 500 USD is never compared with 100,000 JPY: a minimum amount only matches its own currency.
    assert matches(min_amount=Decimal("500"), currency="USD") == {big_usd.pk}
    assert matches(min_amount=Decimal("250.00"), currency="USD") == {usd.pk, big_usd.pk}
    assert matches(min_amount=Decimal("50000"), currency="JPY") == {yen.pk}
    assert matches(currency="JPY") == {yen.pk}


def test_watch_rule_refuses_a_minimum_amount_without_currency(org):
    with pytest.raises(ValidationError, match="needs its currency"):
        WatchRule(organization=org, name="x", min_amount=Decimal("10")).clean()
    with pytest.raises(ValidationError, match="Unknown families"):
        WatchRule(organization=org, name="x", families=["parking"]).clean()


def test_only_matching_rules_send_and_their_recipients_are_used(org, account, ops, finance, manager):
    rule(org, "Big USD to finance", min_amount=Decimal("500"), currency="USD", notify_assignee=False, users=[finance])
    rule(
        org,
        "Operational to managers",
        families=[DeductionFamily.OPERATIONAL],
        notify_assignee=False,
        notify_managers=True,
    )
    case(account, target_on=TODAY_LA + timedelta(days=1), amount=Decimal("499.99"), assignee=ops)
    big = case(account, target_on=TODAY_LA + timedelta(days=1), amount=Decimal("500.00"), assignee=ops)
    run()
    assert [(m.to, big.amazon_id in m.subject) for m in mail.outbox] == [(["fred@example.com"], True)]


def test_a_rule_of_one_organization_never_mails_a_case_of_another(org, other_org, account, other_account, ops):
    rival_manager = make_member(other_org, "rita", Role.MANAGER)
    # A rule row naming a person of the other organization (bad data: the admin form refuses it).
    rule(other_org, "Rival rule", notify_managers=True, users=[ops])
    rule(org, "Acme rule", notify_assignee=False, users=[rival_manager])
    mine = case(account, target_on=TODAY_LA + timedelta(days=1), assignee=ops)
    theirs = case(other_account, target_on=TODAY_LA + timedelta(days=1))
    run()
    sent = {(tuple(m.to), m.subject.split(", ")[0].split()[-1]) for m in mail.outbox}
    assert sent == {(("rita@example.com",), theirs.amazon_id)}, sent
    assert not AlertLog.objects.filter(chargeback=mine, kind=AlertKind.REMINDER).exists()
    assert not AlertLog.objects.filter(chargeback=theirs, recipient=ops).exists()


# --- escalation -------------------------------------------------------------------------------------


def test_escalation_to_managers_when_due_within_two_days_and_unassigned_or_not_approved(
    org, account, ops, manager, other_org
):
    make_member(other_org, "rita", Role.MANAGER)
    unassigned = case(account, target_on=TODAY_LA, due_on=TODAY_LA + timedelta(days=2), state=ChargebackState.NEW)
    pending = case(
        account,
        target_on=TODAY_LA,
        due_on=TODAY_LA + timedelta(days=1),
        assignee=ops,
        state=ChargebackState.PENDING_APPROVAL,
    )
    case(account, target_on=TODAY_LA, due_on=TODAY_LA + timedelta(days=1), assignee=ops, state=ChargebackState.APPROVED)
    case(account, target_on=TODAY_LA, due_on=TODAY_LA + timedelta(days=3), state=ChargebackState.NEW)
    unassigned_approved = case(account, target_on=TODAY_LA, due_on=TODAY_LA, state=ChargebackState.APPROVED)

    run()
    run(NOW + timedelta(hours=1))

    escalations = AlertLog.objects.filter(kind=AlertKind.ESCALATION)
    assert {(log.chargeback_id, log.address) for log in escalations} == {
        (unassigned.pk, "maria@example.com"),
        (pending.pk, "maria@example.com"),
        (unassigned_approved.pk, "maria@example.com"),
    }
    subjects = sorted(m.subject for m in mails_to("maria@example.com"))
    assert len(subjects) == 3
    assert any(unassigned.amazon_id in s and "unassigned" in s and "due in 2 days" in s for s in subjects)
    assert any(pending.amazon_id in s and "not yet approved (pending approval)" in s for s in subjects)
    assert not mails_to("rita@example.com")


def test_escalation_threshold_is_an_organization_setting(org, account, manager):
    AlertSettings.objects.create(organization=org, escalation_days=3)
    cb = case(account, target_on=TODAY_LA, due_on=TODAY_LA + timedelta(days=3), state=ChargebackState.NEW)
    run()
    assert list(AlertLog.objects.filter(kind=AlertKind.ESCALATION).values_list("chargeback_id", flat=True)) == [cb.pk]


# --- digest -------------------------------------------------------------------------------------------


def test_daily_digest_lists_a_persons_cases_with_totals_per_currency_once_a_day(org, account, jp_account, ops, finance):
    AlertSettings.objects.create(organization=org, digest_hour=9, digest_time_zone="Europe/Berlin")
    first = case(account, target_on=TODAY_LA + timedelta(days=2), assignee=ops, amount=Decimal("100.50"))
    second = case(account, target_on=TODAY_LA + timedelta(days=6), assignee=ops, amount=Decimal("200.00"))
    yen = case(jp_account, target_on=TODAY_LA + timedelta(days=5), assignee=ops, amount=Decimal("30000"))
    far = case(account, target_on=TODAY_LA + timedelta(days=20), assignee=ops)
    case(account, target_on=TODAY_LA + timedelta(days=1), assignee=finance)

    plan_digests(now=NOW.replace(hour=7))  # 08:00 in Berlin: before the digest hour
    deliver_due(now=NOW)
    assert mail.outbox == []

    for _ in range(2):
        plan_digests(now=NOW)
        deliver_due(now=NOW)
    digest = mails_to("olivia@example.com")
    assert len(digest) == 1 and len(mails_to("fred@example.com")) == 1
    body = digest[0].body
    assert "3 cases" in digest[0].subject and "2026-11-26" in digest[0].subject
    assert body.index(first.amazon_id) < body.index(yen.amazon_id) < body.index(second.amazon_id)
    assert far.amazon_id not in body
    assert "Total: 30,000 JPY; 300.50 USD" in body

    plan_digests(now=NOW + timedelta(days=1))
    deliver_due(now=NOW + timedelta(days=1))
    assert len(mails_to("olivia@example.com")) == 2, "a new day, a new digest"


def test_task_run_twice_sends_nothing_new(org, account, ops):
    from django.utils import timezone
    from django_q.tasks import async_task

    from refunds.services.deadlines import local_today

    rule(org)
    case(account, target_on=local_today(account.tz) + timedelta(days=3), assignee=ops)
    async_task("refunds.tasks.send_deadline_alerts", sync=True)
    async_task("refunds.tasks.send_deadline_alerts", sync=True)
    reminders = [m for m in mails_to("olivia@example.com") if "Target in 3 days" in m.subject]
    assert len(reminders) == 1
    assert AlertLog.objects.filter(kind=AlertKind.REMINDER, status=AlertStatus.SENT).count() == 1
    assert AlertLog.objects.get(kind=AlertKind.REMINDER).sent_at <= timezone.now()


def test_a_run_with_nothing_new_costs_a_few_queries_whatever_the_number_of_cases(
    org, account, ops, team, django_assert_max_num_queries
):
    rule(org, notify_managers=True)
    for days in range(30):
        case(account, target_on=TODAY_LA + timedelta(days=days % 8), assignee=ops, team=team)
    first = plan_reminders(now=NOW, batch_size=7)
    assert first == {"reminders": 60, "events": 30}  # olivia and tom for each case, no managers in this org
    with django_assert_max_num_queries(20):
        assert plan_reminders(now=NOW, batch_size=7) == {"reminders": 0, "events": 0}


def test_lead_times_saved_around_the_form_fall_back_to_the_defaults(org, account, ops):
    AlertSettings.objects.create(organization=org, reminder_lead_days="soon")
    rule(org)
    case(account, target_on=TODAY_LA + timedelta(days=7), assignee=ops)
    run()
    assert list(AlertLog.objects.filter(kind=AlertKind.REMINDER).values_list("lead_days", flat=True)) == [7]
