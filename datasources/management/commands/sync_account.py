"""`manage.py sync_account --account X`: sync an account's data sources now, in this process."""

from django.core.management.base import BaseCommand, CommandError

from datasources.management.commands.verify_source import find_account
from datasources.services.sync import AccountBusyError, summary, sync_account


class Command(BaseCommand):
    help = "Sync every enabled data source of a vendor account now (resumes from the checkpoints)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="Vendor account id or name.")

    def handle(self, *args, account, **options):
        try:
            runs = sync_account(find_account(account).pk, trigger="command")
        except AccountBusyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(summary(runs))
        if any(run.status != "succeeded" for run in runs):
            raise CommandError("A sync run did not succeed; see its errors in the admin.")
