"""Deadline reminders, escalations to managers and the daily digest: which alerts are due now.

Each planner looks at the open cases, works out what is due *now* in each marketplace's own
calendar, and claims (see dispatch) one log row per message; it never sends anything itself.
Running a planner twice, concurrently, or after days of downtime claims nothing new for what was
already claimed, because every message has a fixed key.

Reminders. Lead times are days before the case's internal target (`target_on`), counted in the
vendor account's time zone, so "3 days before" is the same calendar day for everyone looking at
that marketplace. At any moment a case has at most one *current* lead time: the smallest one
already reached (days left ≤ lead). Only that one is claimed. So a run after downtime that finds
a case 2 days from its target sends the 3-day reminder only — never the missed 7-day one as well —
and a case first seen 1 day before its target gets the 1-day reminder alone. Cases whose target
has passed but whose Amazon deadline has not keep the smallest lead time (sent once). Cases past
Amazon's last day are left to the expiry sweep.

Every (case, lead time) also emits the developer webhooks' `chargeback.deadline_approaching`
event once, whether or not a watch rule matches: integrators filter on their side.

Escalation: once per case, to the organization's managers (email, and the chat channels marked
for deadlines), when Amazon's last day is within `escalation_days` and the case is unassigned or
not yet approved (new, waiting, in review, pending approval).

Digest: once a day per person and organization, after the organization's digest hour in its
digest time zone, listing that person's assigned open cases within the largest lead time, with
totals per currency. A digest missed during downtime is not sent late: only today's is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from acorn_portal import clock
from acorn_portal.formatting import local_date
from acorn_portal.languages import language_for_user
from acorn_portal.money import Money, totals_by_currency
from acorn_portal.services.events import emit_event
from refunds.amazon_labels import type_label
from refunds.choices import PRE_FILING_STATES, ChargebackState
from refunds.models import Chargeback
from refunds.models.alerts import AlertKind, AlertLog, AlertSettings, AlertStatus
from refunds.services.alerts.channels import absolute_link
from refunds.services.alerts.dispatch import Intent, claim, claim_all
from refunds.services.alerts.rules import Audience, OrganizationRules
from refunds.services.deadlines import local_today
from refunds.services.notifications import notify_reminder

S = ChargebackState
NOT_YET_APPROVED = (S.NEW, S.WAITING, S.IN_REVIEW, S.PENDING_APPROVAL)
DEADLINE_EVENT = "chargeback.deadline_approaching"
_MARGIN = timedelta(days=1)  # the server's date is within a day of every marketplace's date


class _Settings:
    """AlertSettings per organization, read once per run."""

    def __init__(self):
        self._cache = {}

    def __call__(self, organization_id: int) -> AlertSettings:
        if organization_id not in self._cache:
            self._cache[organization_id] = AlertSettings.for_organization(organization_id)
        return self._cache[organization_id]

    @staticmethod
    def widest_lead() -> int:
        saved = [settings.lead_days[0] for settings in AlertSettings.objects.all()]
        return max([7, *saved])


def current_lead(days_left: int, leads: list[int]) -> int | None:
    """The smallest lead time already reached (None: further away than every lead time)."""
    reached = [lead for lead in leads if days_left <= lead]
    return min(reached) if reached else None


def _open_cases():
    return (
        Chargeback.objects.filter(state__in=PRE_FILING_STATES)
        .select_related("account__organization", "team", "assignee")
        .prefetch_related("team__members")
        .order_by("account__organization_id", "pk")
    )


def case_link(case) -> str:
    return absolute_link(reverse("admin:refunds_chargeback_change", args=[case.pk]))


def case_lines(case, today) -> list[str]:
    """The case in lines, in the active language (each recipient's: see `_intents_for`)."""
    target_left = (case.target_on - today).days if case.target_on else None
    due_left = (case.due_on - today).days if case.due_on else None
    state = gettext("State: %(state)s · assignee: %(assignee)s") % {
        "state": case.get_state_display(),
        "assignee": case.assignee or gettext("nobody"),
    }
    if case.team_id:
        state += gettext(" · team: %(team)s") % {"team": case.team}
    return [
        gettext("Account: %(account)s") % {"account": case.account},
        gettext("Type: %(family)s · %(type)s") % {"family": case.get_family_display(), "type": _type_text(case)},
        gettext("Amount: %(amount)s") % {"amount": case.money.localized()},
        gettext("Internal target: %(day)s (%(when)s)") % {"day": local_date(case.target_on), "when": _days(target_left)}
        if case.target_on
        else gettext("No target"),
        gettext("Amazon's last day: %(day)s (%(when)s)") % {"day": local_date(case.due_on), "when": _days(due_left)}
        if case.due_on
        else gettext("No deadline"),
        state,
    ]


def _type_text(case) -> str:
    """Amazon's type code as received, our label beside it when we have one."""
    label = type_label(case.deduction_type)
    if label is None:
        return case.deduction_type
    return case.deduction_type + gettext(" (%(label)s)") % {"label": label}


def _days(count: int | None) -> str:
    if count is None:
        return "?"
    if count < 0:
        return ngettext("%(count)d day ago", "%(count)d days ago", -count) % {"count": -count}
    if count == 0:
        return gettext("today")
    return ngettext("in %(count)d day", "in %(count)d days", count) % {"count": count}


def _intents_for(audience, *, case, kind, key_prefix, compose, lead=None) -> list[Intent]:
    """One intent per person and channel, each written in its reader's language.

    `compose()` returns (subject, message) in the active language: a person's own (their choice, else
    the organization's default), a chat channel the organization's default.
    """
    organization = case.account.organization
    common = {"organization_id": organization.pk, "kind": kind, "chargeback_id": case.pk, "lead_days": lead}

    def written(language):
        with translation.override(language):
            subject, message = compose()
            message = {**message, "link_text": gettext("Open in ACORN")}
        return {"subject": subject, "message": message}

    intents = [
        Intent(
            key=f"{key_prefix}:user{user.pk}:email",
            recipient_id=user.pk,
            address=user.email,
            **common,
            **written(language_for_user(user, organization)),
        )
        for user in audience.emails.values()
    ]
    if audience.channels:
        in_org_language = written(language_for_user(None, organization))
        intents += [
            Intent(key=f"{key_prefix}:chat{cid}", channel_id=cid, **common, **in_org_language)
            for cid in audience.channels
        ]
    return intents


def emit_deadline_event(case, lead: int, today, now: datetime) -> bool:
    """The developer webhooks' event, once per case and lead time (its claim and the outbox row commit together)."""
    intent = Intent(
        organization_id=case.account.organization_id,
        key=_event_key(case, lead),
        kind=AlertKind.EVENT,
        subject=f"{DEADLINE_EVENT} {case.amazon_id} ({lead} days)",
        message={},
        chargeback_id=case.pk,
        lead_days=lead,
        status=AlertStatus.SENT,
    )
    with transaction.atomic():
        if claim(intent, now=now) is None:
            return False
        emit_event(
            DEADLINE_EVENT,
            organization=case.account.organization,
            obj=case,
            payload={
                "chargeback_id": case.pk,
                "amazon_id": case.amazon_id,
                "account_id": case.account_id,
                "lead_days": lead,
                "days_left": (case.target_on - today).days,
                "target_on": case.target_on,
                "due_on": case.due_on,
                "amount": case.money.quantized().amount,
                "currency": case.currency,
                "state": case.state,
                "assignee_id": case.assignee_id,
                "team_id": case.team_id,
            },
        )
    return True


def _batched(iterable, size: int):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _event_key(case, lead: int) -> str:
    return f"event:deadline:cb{case.pk}:lead{lead}"


def plan_reminders(*, now: datetime | None = None, batch_size: int = 500) -> dict:
    """Claim this moment's reminders (and deadline events) for every open case; counts per kind.

    Cases are taken in batches; each batch asks once which of its keys are taken, so a run that
    finds nothing new (the usual case: every 15 minutes) costs one query per batch, not one per alert.
    """
    now = now or clock.now()
    server_today = now.date()
    settings_for = _Settings()
    widest = _Settings.widest_lead()
    cases = (
        _open_cases()
        .filter(target_on__isnull=False, target_on__lte=server_today + timedelta(days=widest) + _MARGIN)
        .filter(Q(due_on__isnull=True) | Q(due_on__gte=server_today - _MARGIN))
    )
    counts = {"reminders": 0, "events": 0}
    rules = None
    for batch in _batched(cases.iterator(chunk_size=batch_size), batch_size):
        planned = []
        for case in batch:
            org_id = case.account.organization_id
            today = local_today(case.account.tz, now=now)
            if case.due_on is not None and case.due_on < today:
                continue  # Amazon's window closed: the sweep expires it
            lead = current_lead((case.target_on - today).days, settings_for(org_id).lead_days)
            if lead is None:
                continue
            if rules is None or rules.organization_id != org_id:
                rules = OrganizationRules(org_id)
            prefix = f"reminder:cb{case.pk}:lead{lead}"
            audience = rules.audience(case)
            keys = [f"{prefix}:user{pk}:email" for pk in audience.emails] + [
                f"{prefix}:chat{pk}" for pk in audience.channels
            ]
            planned.append((case, today, lead, audience, keys))
        wanted = [key for *_rest, keys in planned for key in keys] + [_event_key(p[0], p[2]) for p in planned]
        taken = set(AlertLog.objects.filter(key__in=wanted).values_list("key", flat=True)) if wanted else set()
        todo = [item for item in planned if any(key not in taken for key in [*item[4], _event_key(item[0], item[2])])]
        if not todo:
            continue
        with transaction.atomic():  # one commit per batch; each claim is its own savepoint inside it
            for case, today, lead, audience, keys in todo:
                if _event_key(case, lead) not in taken:
                    counts["events"] += emit_deadline_event(case, lead, today, now)
                if all(key in taken for key in keys):
                    continue
                intents = _reminder_intents(case, today, lead, audience)
                claimed = claim_all(intents, now=now, taken=taken)
                counts["reminders"] += len(claimed)
                # The same people see it in the portal's inbox, once per claim (so never twice).
                notify_reminder(
                    chargeback=case,
                    texts={row.recipient_id: row.message["title"] for row in claimed if row.recipient_id},
                )
    return counts


def _reminder_intents(case, today, lead: int, audience) -> list[Intent]:
    left = (case.target_on - today).days

    def compose():
        title = gettext("Target %(when)s: %(family)s %(amazon_id)s, %(amount)s") % {
            "when": _days(left),
            "family": case.get_family_display(),
            "amazon_id": case.amazon_id,
            "amount": case.money.localized(),
        }
        return f"[ACORN] {title}", {"title": title, "lines": case_lines(case, today), "link": case_link(case)}

    return _intents_for(
        audience,
        case=case,
        kind=AlertKind.REMINDER,
        key_prefix=f"reminder:cb{case.pk}:lead{lead}",
        compose=compose,
        lead=lead,
    )


def plan_escalations(*, now: datetime | None = None) -> int:
    """Claim escalations to managers for cases due soon that nobody owns or nobody has approved yet."""
    now = now or clock.now()
    server_today = now.date()
    widest = max([2, *AlertSettings.objects.values_list("escalation_days", flat=True)])
    cases = (
        _open_cases()
        .filter(due_on__gte=server_today - _MARGIN, due_on__lte=server_today + timedelta(days=widest) + _MARGIN)
        .filter(Q(assignee__isnull=True) | Q(state__in=NOT_YET_APPROVED))
    )
    settings_for = _Settings()
    claimed = 0
    rules = channels = None
    for case in cases.iterator(chunk_size=500):
        org_id = case.account.organization_id
        today = local_today(case.account.tz, now=now)
        left = (case.due_on - today).days
        if not 0 <= left <= settings_for(org_id).escalation_days:
            continue
        if rules is None or rules.organization_id != org_id:
            rules = OrganizationRules(org_id)
            channels = rules.deadline_channels()

        def compose(case=case, today=today, left=left):
            if case.assignee_id is None:
                why = gettext("unassigned")
            else:
                why = gettext("not yet approved (%(state)s)") % {"state": case.get_state_display().lower()}
            title = gettext("Escalation: %(family)s %(amazon_id)s, %(amount)s, due %(when)s, %(why)s") % {
                "family": case.get_family_display(),
                "amazon_id": case.amazon_id,
                "amount": case.money.localized(),
                "when": _days(left),
                "why": why,
            }
            return f"[ACORN] {title}", {"title": title, "lines": case_lines(case, today), "link": case_link(case)}

        audience = Audience(
            emails={user.pk: user for user in rules.managers()},
            channels={channel.pk: channel for channel in channels},
        )
        intents = _intents_for(
            audience,
            case=case,
            kind=AlertKind.ESCALATION,
            key_prefix=f"escalation:cb{case.pk}",
            compose=compose,
        )
        claimed += len(claim_all(intents, now=now))
    return claimed


def plan_digests(*, now: datetime | None = None) -> int:
    """Claim today's digest for each person with assigned open cases near their target, once past the digest hour."""
    now = now or clock.now()
    widest = _Settings.widest_lead()
    cases = _open_cases().filter(
        assignee__isnull=False,
        target_on__isnull=False,
        target_on__lte=now.date() + timedelta(days=widest) + _MARGIN,
    )
    by_person = defaultdict(list)
    for case in cases.iterator(chunk_size=500):
        by_person[(case.account.organization_id, case.assignee_id)].append(case)
    settings_for = _Settings()
    claimed = 0
    rules = None
    for (org_id, user_id), person_cases in sorted(by_person.items()):
        alert_settings = settings_for(org_id)
        local_now = now.astimezone(ZoneInfo(alert_settings.digest_time_zone or "UTC"))
        if local_now.hour < alert_settings.digest_hour:
            continue
        if rules is None or rules.organization_id != org_id:
            rules = OrganizationRules(org_id)
        people = rules.users([user_id])
        if not people:
            continue
        intent = _digest_intent(people[0], org_id, person_cases, alert_settings, local_now.date(), now)
        if intent is not None:
            claimed += len(claim_all([intent], now=now))
    return claimed


def _digest_intent(user, org_id, cases, alert_settings, digest_date, now) -> Intent | None:
    widest = alert_settings.lead_days[0]
    rows = []
    for case in cases:
        today = local_today(case.account.tz, now=now)
        if case.due_on is not None and case.due_on < today:
            continue
        if (case.target_on - today).days <= widest:
            rows.append((case.target_on, case, today))
    if not rows:
        return None
    rows.sort(key=lambda row: (row[0], row[1].pk))
    totals = totals_by_currency(case.money for _target, case, _today in rows)
    organization = rows[0][1].account.organization
    with translation.override(language_for_user(user, organization)):
        lines = [
            gettext("%(target)s (due %(due)s) · %(family)s %(amazon_id)s · %(amount)s · %(account)s · %(state)s")
            % {
                "target": local_date(case.target_on),
                "due": local_date(case.due_on) if case.due_on else "?",
                "family": case.get_family_display(),
                "amazon_id": case.amazon_id,
                "amount": case.money.localized(),
                "account": case.account,
                "state": case.get_state_display(),
            }
            for _target, case, _today in rows
        ]
        totals_text = "; ".join(Money(total.amount, code).localized() for code, total in totals.items())
        lines.append(gettext("Total: %(totals)s") % {"totals": totals_text})
        title = ngettext(
            "Your deductions due soon in %(organization)s: %(count)d case",
            "Your deductions due soon in %(organization)s: %(count)d cases",
            len(rows),
        ) % {"organization": organization, "count": len(rows)}
        subject = f"[ACORN] {title} ({local_date(digest_date)})"
        open_text = gettext("Open in ACORN")
    return Intent(
        organization_id=org_id,
        key=f"digest:org{org_id}:{digest_date:%Y-%m-%d}:user{user.pk}:email",
        kind=AlertKind.DIGEST,
        subject=subject,
        message={
            "title": title,
            "lines": lines,
            "link": absolute_link(reverse("admin:refunds_chargeback_changelist")),
            "link_text": open_text,
        },
        recipient_id=user.pk,
        address=user.email,
    )
