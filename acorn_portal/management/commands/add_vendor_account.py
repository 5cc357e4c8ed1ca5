"""`manage.py add_vendor_account --org SLUG --name "Northwind US" --vendor-codes QBQFL --marketplace US`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from acorn_portal.management.commands.create_organization import _sentence
from acorn_portal.models import Organization
from acorn_portal.services.organizations import add_vendor_account


class Command(BaseCommand):
    help = "Add a Vendor Central account (one marketplace) to an organization."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--vendor-codes", required=True, help="Comma separated, e.g. ABCDE,ABCDF.")
        parser.add_argument("--marketplace", required=True, help="Two-letter marketplace code, e.g. US, UK, DE.")
        parser.add_argument("--currency", default="", help="Default: the marketplace's.")
        parser.add_argument("--time-zone", default="", help="Default: the marketplace's.")
        parser.add_argument("--net-due-days", type=int, default=None, help="Payment terms: net due days.")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {options['org']!r}.")
        try:
            account = add_vendor_account(
                organization,
                name=options["name"],
                vendor_codes=options["vendor_codes"],
                marketplace=options["marketplace"],
                currency=options["currency"],
                time_zone=options["time_zone"],
                payment_terms_net_days=options["net_due_days"],
            )
        except ValidationError as exc:
            raise CommandError(_sentence(exc)) from None
        self.stdout.write(
            f"Added vendor account {account.name} (id {account.pk}) to {organization.name}: {account.marketplace}, "
            f"{account.currency}, {account.time_zone}, vendor codes {account.vendor_codes}."
        )
