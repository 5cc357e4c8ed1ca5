"""Re-encrypt every stored secret with the first key of ACORN_ENCRYPTION_KEYS (see README, "Encryption keys")."""

from django.core.management.base import BaseCommand, CommandError

from acorn_portal.models import AuditAction
from acorn_portal.services.audit import record_audit
from acorn_portal.services.keyrotation import DEFAULT_BATCH, RotationError, check, rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field of every model with the newest key (the first of "
        "ACORN_ENCRYPTION_KEYS). Idempotent and resumable; --check only reports."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Report values not yet on the newest key; change nothing."
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)

    def handle(self, *args, check: bool = False, batch_size: int = DEFAULT_BATCH, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if check:
            return self._check(batch_size)
        try:
            reports = rotate(batch_size, progress=self._print_rotated)
        except RotationError as exc:
            raise CommandError(str(exc)) from None
        rotated = sum(report.rotated for report in reports)
        record_audit(
            AuditAction.KEY_ROTATION,
            actor_label="manage.py rotate_encryption_key",
            rotated=rotated,
            fields={report.label: report.rotated for report in reports},
        )
        self.stdout.write(self.style.SUCCESS(f"Done: {rotated} value(s) re-encrypted with the newest key."))

    def _print_rotated(self, report):
        line = (
            f"{report.label}: {report.values} value(s), {report.rotated} re-encrypted, "
            f"{report.current} already on the newest key"
        )
        if report.changed_meanwhile:
            line += f", {report.changed_meanwhile} rewritten meanwhile (already on the newest key)"
        self.stdout.write(line)

    def _check(self, batch_size: int):
        reports = check(batch_size)
        for report in reports:
            line = f"{report.label}: {report.values} value(s), {report.stale} not on the newest key"
            if report.unreadable:
                line += f", {len(report.unreadable)} unreadable with every configured key"
            self.stdout.write(line)
        stale = sum(report.stale for report in reports)
        unreadable = sum(len(report.unreadable) for report in reports)
        if unreadable:
            raise CommandError(f"{unreadable} value(s) cannot be decrypted with any configured key.")
        if stale:
            raise CommandError(f"{stale} value(s) are not on the newest key yet: run rotate_encryption_key.")
        self.stdout.write(self.style.SUCCESS("Every encrypted value is on the newest key."))
