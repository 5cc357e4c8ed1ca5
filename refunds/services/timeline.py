"""A case's history as a timeline: who changed what, when, and why, for every field.

Read from django-simple-history's records of the chargeback, each compared with the one before.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from acorn_portal.formatting import local_datetime
from acorn_portal.money import Money, MoneyError, quantize
from refunds.choices import Recommendation
from refunds.models import Chargeback
from refunds.services.stored_text import translate_stored

# Bookkeeping fields that change with every workflow save and say nothing on their own.
QUIET_FIELDS = ["workflow_version", "state_changed_at", "updated_at", "po_number_normalized"]
USER_FIELDS = {"assignee", "prepared_by", "approved_by", "second_approved_by"}


@dataclass
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    when: datetime
    who: str
    why: str
    kind: str  # "created", "changed", "evidence", "settlement"
    changes: list[Change] = field(default_factory=list)


def _display(model_field, value, users: dict, currency: str) -> str:
    if value in (None, ""):
        return "—"
    if model_field.name in USER_FIELDS:
        return users.get(value, f"user #{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return local_datetime(timezone.localtime(value))
    if isinstance(value, Decimal) and model_field.name != "quantity":
        try:
            return str(quantize(value, currency))
        except MoneyError:
            return str(value)
    return str(value)


def _money(amount, currency: str) -> str:
    if amount is None:
        return "—"
    try:
        return Money(amount, currency).localized()
    except (MoneyError, TypeError):
        return f"{amount} {currency}"


def _differences(older, newer):
    """(field, old, new) for every tracked field that differs.

    Compared by hand: simple-history's diff_against goes through model_to_dict, which skips the
    workflow fields because they are editable=False (no admin form may set them).
    """
    for model_field in Chargeback._meta.concrete_fields:
        if model_field.name in QUIET_FIELDS or model_field.primary_key:
            continue
        old, new = getattr(older, model_field.attname, None), getattr(newer, model_field.attname, None)
        if old != new:
            yield model_field, old, new


def reason_text(reason: str | None) -> str:
    """A stored reason (English, as history keeps it) for the reader: our words translated, notes as written.

    "Record filing: Amazon case 17283940561, round 1" keeps the note; "Approve dispute" is translated
    whole; "due date 2026-12-01 → 2026-12-03: Photos uploaded" part by part.
    """
    if not reason:
        return ""
    label, sep, note = reason.partition(": ")
    label = gettext("; ").join(_reason_part(part) for part in label.split("; "))
    return f"{label}{gettext(': ') if sep else ''}{_reason_part(note) if note else ''}"


def _reason_part(text: str) -> str:
    return translate_stored(text, _REASONS, _part_value)


def _value(value: str) -> str:
    return str(dict(Recommendation.choices).get(value) or gettext(value))


def _part_value(key: str, value: str) -> str:
    # "what" is itself a reason ("Photos uploaded"), translated the same way.
    return _reason_part(value) if key == "what" else _value(value)


_REASONS = [
    (re.compile(r"Assigned to (?P<who>.+)"), gettext_noop("Assigned to %(who)s")),
    (re.compile(r"(?P<what>.+); approve again"), gettext_noop("%(what)s; approve again")),
    (re.compile(r"(?P<n>\d+) file\(s\) uploaded"), gettext_noop("%(n)s file(s) uploaded")),
    (re.compile(r"(?P<kind>.+) uploaded"), gettext_noop("%(kind)s uploaded")),
    (re.compile(r"(?P<file>.+) attached"), gettext_noop("%(file)s attached")),
    (re.compile(r"(?P<kind>.+) removed"), gettext_noop("%(kind)s removed")),
    (
        re.compile(r"Amazon case (?P<case>\S+), round (?P<round>\d+)"),
        gettext_noop("Amazon case %(case)s, round %(round)s"),
    ),
    (re.compile(r"round (?P<round>\d+)"), gettext_noop("round %(round)s")),
    (re.compile(r"(?P<amount>[\d.,]+ [A-Z]{3}) approved"), gettext_noop("%(amount)s approved")),
    (re.compile(r"window closed on (?P<day>\S+)"), gettext_noop("window closed on %(day)s")),
    (re.compile(r"disputable from (?P<day>\d{4}-\d\d-\d\d)"), gettext_noop("disputable from %(day)s")),
    (
        re.compile(r"(?P<field>due date|target|disputable from|recommendation) (?P<old>\S+) → (?P<new>\S+)"),
        gettext_noop("%(field)s %(old)s → %(new)s"),
    ),
]
# Words the workflow's history notes use whole, for the catalogue.
_NOTES = [gettext_noop("Amazon now accepts disputes")]
# The words writer.change_reason uses, for the catalogue.
_FIELDS = [
    gettext_noop("due date"),
    gettext_noop("target"),
    gettext_noop("disputable from"),
    gettext_noop("recommendation"),
]


def evidence_entries(case: Chargeback, *, limit: int = 200) -> list[TimelineEntry]:
    """Uploads and removals of the case's files, as timeline entries."""
    entries = []
    for item in case.evidence.select_related("uploaded_by", "removed_by").order_by("-uploaded_at")[:limit]:
        # Shown, not stored: in the reader's language; the file's name and the reason as written.
        label = f"{item.get_kind_display()} {item.original_name}".strip()
        uploaded = gettext("uploaded %(file)s") % {"file": label}
        entries.append(TimelineEntry(item.uploaded_at, item.uploaded_by.get_username(), uploaded, "evidence"))
        if item.removed_at is not None:
            who = item.removed_by.get_username() if item.removed_by else ""
            why = gettext("removed %(file)s: %(reason)s") % {"file": label, "reason": item.removal_reason}
            entries.append(TimelineEntry(item.removed_at, who, why, "evidence"))
    return entries


def settlement_entries(case: Chargeback) -> list[TimelineEntry]:
    """Settlement terms as recorded and reviewed, each version once."""
    from refunds.models import SettlementTerms

    entries = []
    records = SettlementTerms.history.filter(chargeback_id=case.pk).select_related("history_user")
    for record in records.order_by("history_date"):
        who = record.history_user.get_username() if record.history_user else ""
        if record.reviewed_at is not None:
            why = f"{gettext('settlement terms reviewed by legal')} {record.review_note}".strip()
        else:
            why = gettext("settlement terms: offered %(offered)s, accepted %(accepted)s") % {
                "offered": _money(record.amount_offered, case.currency),
                "accepted": _money(record.amount_accepted, case.currency),
            }
        entries.append(TimelineEntry(record.history_date, who, why, "settlement"))
    return entries


def case_timeline(case: Chargeback, *, limit: int = 200) -> list[TimelineEntry]:
    """Newest first: the case's own history merged with its evidence and settlement records."""
    entries = _case_entries(case, limit=limit) + evidence_entries(case, limit=limit) + settlement_entries(case)
    return sorted(entries, key=lambda entry: entry.when, reverse=True)[:limit]


def _case_entries(case: Chargeback, *, limit: int) -> list[TimelineEntry]:
    """The chargeback's history; the oldest record is the case's creation (normally by sync)."""
    records = list(case.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    user_ids = {getattr(r, f"{name}_id") for r in records for name in USER_FIELDS} - {None}
    users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    entries = []
    for index, record in enumerate(records[:limit]):
        who = record.history_user.get_username() if record.history_user else gettext("ACORN (sync or scheduler)")
        previous = records[index + 1] if index + 1 < len(records) else None
        if previous is None:
            why = reason_text(record.history_change_reason)
            entries.append(TimelineEntry(record.history_date, who, why, "created"))
            continue
        changes = [
            Change(
                model_field.name,
                str(model_field.verbose_name),
                _display(model_field, old, users, case.currency),
                _display(model_field, new, users, case.currency),
            )
            for model_field, old, new in _differences(previous, record)
        ]
        entries.append(
            TimelineEntry(record.history_date, who, reason_text(record.history_change_reason), "changed", changes)
        )
    return entries
