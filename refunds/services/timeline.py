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
from acorn_portal.money import MoneyError, quantize
from refunds.choices import Recommendation
from refunds.models import Chargeback

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
    kind: str  # "created", "changed"
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
    for english, words in _REASONS:
        if match := english.fullmatch(text):
            return gettext(words) % {key: _value(value) for key, value in match.groupdict().items()}
    return gettext(text)


def _value(value: str) -> str:
    return str(dict(Recommendation.choices).get(value) or gettext(value))


_REASONS = [
    (re.compile(r"Assigned to (?P<who>.+)"), gettext_noop("Assigned to %(who)s")),
    (re.compile(r"(?P<kind>.+) uploaded"), gettext_noop("%(kind)s uploaded")),
    (
        re.compile(r"(?P<field>due date|target|disputable from|recommendation) (?P<old>\S+) → (?P<new>\S+)"),
        gettext_noop("%(field)s %(old)s → %(new)s"),
    ),
]
# The words writer.change_reason uses, for the catalogue.
_FIELDS = [
    gettext_noop("due date"),
    gettext_noop("target"),
    gettext_noop("disputable from"),
    gettext_noop("recommendation"),
]


def case_timeline(case: Chargeback, *, limit: int = 200) -> list[TimelineEntry]:
    """Newest first; the oldest record is the case's creation (normally by sync)."""
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
