"""`manage.py create_organization "Northwind Goods" [--slug northwind]`: a new organization, no shell needed."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from acorn_portal.services.organizations import create_organization


class Command(BaseCommand):
    help = "Create an organization (a customer of ACORN)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug", default="", help="Short identifier; default: made from the name.")

    def handle(self, *args, name, slug, **options):
        try:
            organization = create_organization(name=name, slug=slug)
        except ValidationError as exc:
            raise CommandError(_sentence(exc)) from None
        self.stdout.write(f"Created organization {organization.name} (slug {organization.slug}, id {organization.pk}).")


def _sentence(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
    return " ".join(exc.messages)
