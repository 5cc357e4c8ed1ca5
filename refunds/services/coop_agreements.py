"""Co-op agreements as the vendor signed them, written by the push API, a report import or the admin.

Idempotent by (account, agreement id). Each agreement is checked the way the admin form checks it
(`CoopAgreement.clean`: a percentage agreement needs its rate) plus its dates and waived periods,
and refused with the field at fault; the others of the batch go in. The account's co-op deductions
are re-evaluated afterwards: a verdict is never older than the agreement it rests on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from refunds.choices import CoopBase
from refunds.models import CoopAgreement
from refunds.services.checks import check_values
from refunds.services.records import CoopAgreementRecord, IngestError, IngestResult

_FIELDS = [f.name for f in dataclasses.fields(CoopAgreementRecord)]


def _waived(periods, errors: list[tuple[str, str]]) -> list[dict]:
    """Waived periods as stored: ISO dates and a reason; errors for anything else."""
    clean = []
    if not isinstance(periods, list):
        errors.append(("waived_periods", "must be a list of {from, to, reason}"))
        return clean
    for i, period in enumerate(periods):
        start = period.get("from") if isinstance(period, dict) else None
        end = period.get("to") if isinstance(period, dict) else None
        try:
            start = start if isinstance(start, date) else date.fromisoformat(str(start))
            end = end if isinstance(end, date) else date.fromisoformat(str(end))
        except ValueError:
            errors.append((f"waived_periods[{i}]", "needs `from` and `to` as dates (YYYY-MM-DD)"))
            continue
        if end < start:
            errors.append((f"waived_periods[{i}]", "ends before it starts"))
            continue
        clean.append({"from": start.isoformat(), "to": end.isoformat(), "reason": str(period.get("reason") or "")})
    return clean


def _values(account, record, errors: list[tuple[str, str]]) -> dict:
    if not isinstance(record, CoopAgreementRecord):
        errors.append(("", f"expected a CoopAgreementRecord, got {type(record).__name__}"))
        return {}
    values = {name: getattr(record, name) for name in _FIELDS}
    values["agreement_id"] = str(values["agreement_id"] or "").strip()
    values["vendor_code"] = str(values["vendor_code"] or "").strip().upper()
    values["waived_periods"] = _waived(values["waived_periods"], errors)
    check_values(CoopAgreement, {k: v for k, v in values.items() if k != "waived_periods"}, account, "", errors)
    if not values["agreement_id"]:
        errors.append(("agreement_id", "is required"))
    if values["vendor_code"] and values["vendor_code"] not in account.vendor_code_list:
        errors.append(("vendor_code", f"{values['vendor_code']} is not a vendor code of account {account.name}"))
    if values["ends_on"] and values["starts_on"] and values["ends_on"] < values["starts_on"]:
        errors.append(("ends_on", "is before the start"))
    if values["base"] not in CoopBase.values:
        errors.append(("base", f"must be one of {', '.join(CoopBase.values)}"))
    try:
        CoopAgreement(account=account, **values).clean()
    except ValidationError as exc:
        errors.extend((name, " ".join(messages)) for name, messages in exc.message_dict.items())
    return values


def upsert_coop_agreements(*, account, records: Iterable[CoopAgreementRecord], actor=None) -> IngestResult:
    """Create or update agreements by agreement id; the account's co-op deductions are re-evaluated after."""
    result = IngestResult(kind="coop_agreements")
    for record in records:
        errors: list[tuple[str, str]] = []
        values = _values(account, record, errors)
        key = values.get("agreement_id", "")
        if errors:
            result.rejected += 1
            result.errors.extend(IngestError(key, name, message) for name, message in errors)
            continue
        with transaction.atomic():
            old = CoopAgreement.objects.select_for_update().filter(account=account, agreement_id=key).first()
            if old is None:
                CoopAgreement.objects.create(account=account, **values)
                result.created += 1
            elif any(getattr(old, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(old, name, value)
                old.save()
                result.updated += 1
            else:
                result.unchanged += 1
    # Each saved agreement re-evaluates its account's co-op deductions after commit (refunds.signals).
    return result
