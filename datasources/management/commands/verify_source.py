"""`manage.py verify_source --account X --sample N`: re-fetch N random records per kind and compare."""

from django.core.management.base import BaseCommand, CommandError

from acorn_portal.models import VendorAccount
from datasources.services.verify import verify_account


def find_account(value: str) -> VendorAccount:
    """A vendor account by id or by name."""
    accounts = (
        VendorAccount.objects.filter(pk=int(value)) if value.isdigit() else VendorAccount.objects.filter(name=value)
    )
    found = list(accounts[:2])
    if len(found) != 1:
        raise CommandError(f"No single vendor account has the id or name {value!r}.")
    return found[0]


class Command(BaseCommand):
    help = "Re-fetch a random sample of an account's stored records from its data sources and report differences."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="Vendor account id or name.")
        parser.add_argument("--sample", type=int, default=20, help="Records per document kind (default %(default)s).")

    def handle(self, *args, account, sample, **options):
        if sample < 1:
            raise CommandError("--sample must be at least 1.")
        report = verify_account(find_account(account), sample=sample)
        for problem in report.problems:
            self.stdout.write(problem)
        if not report.ok:
            raise CommandError(f"{len(report.problems)} difference(s) in {report.checked} records checked.")
        self.stdout.write(self.style.SUCCESS(f"{report.checked} records checked: stored data matches the source."))
