"""Re-encrypting every stored secret under the newest key (`manage.py rotate_encryption_key`).

Fields are found by introspection (every concrete `EncryptedTextField` of every installed model,
historical tables included), so a field another app adds later is rotated without a change here.

Nothing is lost and nothing half-done: a first pass reads every value and checks it decrypts with
the configured keys, so an unknown key stops the command before a single row is written. The second
pass works in batches by primary key, one transaction per batch; each new token is decrypted with
the newest key and compared with the old plaintext before it is written, and the UPDATE is
conditional on the row still holding the old token (a concurrent save already wrote the newest key).
Values already under the newest key are skipped, so a rerun after an interruption simply carries
on, and a second run changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, TextField, Value

from acorn_portal import crypto

DEFAULT_BATCH = 500


class RotationError(Exception):
    """A stored value cannot be decrypted with any configured key; nothing was changed."""


@dataclass
class FieldReport:
    """What one pass found in one model's encrypted field."""

    label: str  # app_label.Model.field
    values: int = 0
    current: int = 0  # already under the newest key
    rotated: int = 0
    changed_meanwhile: int = 0  # rewritten by someone else between our read and our write
    unreadable: list = dataclasses.field(default_factory=list)  # primary keys of values no configured key decrypts

    @property
    def stale(self) -> int:
        return self.values - self.current - len(self.unreadable)


def encrypted_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, field) holding encrypted values, in a stable order."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        found.extend((model, f) for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedTextField))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


def _label(model, field) -> str:
    return f"{model._meta.label}.{field.name}"


def _raw(field) -> ExpressionWrapper:
    # Typed as a plain TextField, so the ORM neither decrypts on read nor encrypts on write.
    return ExpressionWrapper(F(field.attname), output_field=TextField())


def _batches(model, field, batch_size: int) -> Iterator[list[tuple[object, str]]]:
    """(pk, stored token) of non-empty values, batch by batch in primary key order."""
    manager = model._base_manager
    last = None
    while True:
        rows = manager.exclude(**{f"{field.attname}__isnull": True}).exclude(
            **{field.attname: Value("", output_field=TextField())}
        )
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.order_by("pk").annotate(_token=_raw(field)).values_list("pk", "_token")[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def check(batch_size: int = DEFAULT_BATCH) -> list[FieldReport]:
    """Read-only: per field, how many values are under the newest key, older keys, or none."""
    reports = []
    multi = crypto.fernet()
    for model, field in encrypted_fields():
        report = FieldReport(_label(model, field))
        for batch in _batches(model, field, batch_size):
            for pk, token in batch:
                report.values += 1
                if crypto.is_current(token):
                    report.current += 1
                    continue
                try:
                    multi.decrypt(token.encode())
                except InvalidToken:
                    report.unreadable.append(pk)
        reports.append(report)
    return reports


def rotate(batch_size: int = DEFAULT_BATCH, progress: Callable[[FieldReport], None] | None = None):
    """Re-encrypt every value not yet under the newest key; RotationError (and no change) if one is unreadable."""
    unreadable = [(report.label, report.unreadable) for report in check(batch_size) if report.unreadable]
    if unreadable:
        where = "; ".join(f"{label} (primary keys {', '.join(map(str, pks[:10]))})" for label, pks in unreadable)
        raise RotationError(
            f"Stored values cannot be decrypted with any key in ACORN_ENCRYPTION_KEYS: {where}. Nothing was "
            "changed. Add the key they were encrypted with to ACORN_ENCRYPTION_KEYS (after the new one) and run "
            "the command again."
        )
    reports = []
    for model, field in encrypted_fields():
        report = FieldReport(_label(model, field))
        for batch in _batches(model, field, batch_size):
            _rotate_batch(model, field, batch, report)
        reports.append(report)
        if progress:
            progress(report)
    return reports


def _rotate_batch(model, field, batch, report: FieldReport) -> None:
    report.values += len(batch)
    pending = []
    for pk, token in batch:
        if crypto.is_current(token):
            report.current += 1
            continue
        pending.append((pk, token, _verified_reencryption(model, field, pk, token)))
    with transaction.atomic():
        for pk, old, new in pending:
            updated = model._base_manager.filter(pk=pk, **{field.attname: Value(old, output_field=TextField())}).update(
                **{field.attname: Value(new, output_field=TextField())}
            )
            if updated:
                report.rotated += 1
            else:
                report.changed_meanwhile += 1


def _verified_reencryption(model, field, pk, token: str) -> str:
    """The token under the newest key, checked to decrypt with that key alone to the same plaintext."""
    try:
        plaintext = crypto.fernet().decrypt(token.encode())
        new = crypto.fernet().rotate(token.encode())
        verified = crypto.primary_fernet().decrypt(new) == plaintext
    except InvalidToken:
        verified = False
    if not verified:
        raise RotationError(f"{_label(model, field)} #{pk}: re-encryption could not be verified; batch not written.")
    return new.decode()
