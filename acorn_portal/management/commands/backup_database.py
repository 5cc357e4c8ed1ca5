"""`manage.py backup_database FILE`: a pg_dump (custom format) of the portal's PostgreSQL database."""

from django.core.management.base import BaseCommand, CommandError

from acorn_portal.backups import BackupError, dump


class Command(BaseCommand):
    help = "Dump the PostgreSQL database to a new file (pg_dump --format=custom); restore with restore_database."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A new file, e.g. /backups/acorn-$(date +%%F).dump")

    def handle(self, *args, file, **options):
        try:
            size = dump(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {file} ({size:,} bytes)."))
