"""`manage.py issue_api_key --org SLUG --name NAME --scopes a,b [--expires-days N] [--role R] [--for USERNAME]`.

With --for the key is that member's delegate: its role may not exceed theirs, and it loses what they lose.

Prints the new key as the last line of its output, for automation and tests.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from acorn_portal import clock
from acorn_portal.models import Organization
from acorn_portal.roles import Role
from developer.scopes import Scope
from developer.services.keys import issue_api_key


class Command(BaseCommand):
    help = "Issue an API key for an organization and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", required=True, help=f"Comma separated: {', '.join(Scope.values)}.")
        parser.add_argument("--expires-days", type=int, default=None)
        parser.add_argument("--role", default=Role.OPERATIONS, choices=Role.values)
        parser.add_argument("--for", dest="acting_for", help="Username of the member the key acts for.")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        days = options["expires_days"]
        if days is not None and days <= 0:
            raise CommandError("--expires-days must be a positive number of days.")
        expires_at = clock.now() + timedelta(days=days) if days else None
        acting_for = None
        if options["acting_for"]:
            acting_for = get_user_model().objects.filter(username=options["acting_for"]).first()
            if acting_for is None or not acting_for.memberships.filter(organization=organization).exists():
                raise CommandError(f"{options['acting_for']!r} is not a member of {organization.slug}.")
        try:
            key, secret = issue_api_key(
                organization=organization,
                name=options["name"],
                scopes=options["scopes"],
                role=options["role"],
                expires_at=expires_at,
                acting_for=acting_for,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        expiry = f"expires {key.expiry_date:%Y-%m-%d %H:%M} UTC" if key.expiry_date else "never expires"
        self.stdout.write(
            f"API key {key.name!r} for {organization.slug}: role {key.role}, scopes {','.join(key.scopes)}, {expiry}."
        )
        self.stdout.write("Store it now: it is not shown again.")
        self.stdout.write(secret)
