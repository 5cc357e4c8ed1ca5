"""`manage.py evaluate --org SLUG`: match and judge an organization's deductions again, now."""

from django.core.management.base import BaseCommand, CommandError

from acorn_portal.models import Organization
from refunds.models import Chargeback
from refunds.services.matching import evaluate_chargebacks
from refunds.services.policy import open_chargebacks


class Command(BaseCommand):
    help = (
        "Re-evaluate an organization's deductions against the documents, agreements, rules and evidence on file "
        "(open cases only unless --all)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--account", type=int, help="Only this vendor account (id).")
        parser.add_argument("--all", action="store_true", help="Closed cases too.")

    def handle(self, *args, org, account=None, all=False, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            known = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none"
            raise CommandError(f"No organization with slug {org!r} (known: {known}).")
        qs = Chargeback.objects.filter(account__organization=organization)
        if account is not None:
            if not organization.vendor_accounts.filter(pk=account).exists():
                raise CommandError(f"Vendor account {account} is not one of {organization.slug}'s.")
            qs = qs.filter(account_id=account)
        if not all:
            qs = open_chargebacks(qs)
        run = evaluate_chargebacks(list(qs.values_list("id", flat=True)), cause="re-evaluated by manage.py evaluate")
        self.stdout.write(f"{organization.slug}: {run}")
