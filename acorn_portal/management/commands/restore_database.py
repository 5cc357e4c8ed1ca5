"""`manage.py restore_database FILE --yes`: load a backup_database dump into the configured database.

Stop the web servers and task clusters first; restore into an empty database, or this one (its
tables are replaced). One transaction: a failed restore changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from acorn_portal.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a dump made by backup_database into the configured PostgreSQL database (replaces its tables)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="Confirm: the database's tables are replaced.")

    def handle(self, *args, file, yes, **options):
        if not yes:
            raise CommandError("This replaces the database's tables with the backup's; run again with --yes.")
        try:
            restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {file}."))
