"""Apply every organization's retention policy now; `--dry-run` prints what would go and changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from acorn_portal import retention
from acorn_portal.models import Organization


class Command(BaseCommand):
    help = "Remove closed cases, evidence files and sync payloads past each organization's retention policy."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be removed; remove nothing.")
        parser.add_argument("--organization", action="append", default=[], help="Slug; repeat for several.")

    def handle(self, *args, dry_run: bool, organization: list[str], **options):
        organizations = Organization.objects.order_by("pk")
        if organization:
            organizations = organizations.filter(slug__in=organization)
            unknown = set(organization) - set(organizations.values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"No organization with slug {', '.join(sorted(unknown))}.")
        results = retention.purge_expired(dry_run=dry_run, organizations=organizations, trigger="command")
        verb = "would remove" if dry_run else "removed"
        for result in results:
            windows = ", ".join(
                f"{name}={days if days is not None else 'forever'}" for name, days in result.windows.items()
            )
            counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts.items()) if n) or "nothing"
            self.stdout.write(f"{result.organization.slug}: {verb} {counts} ({windows})")
            if result.error:
                self.stderr.write(f"{result.organization.slug}: stopped: {result.error}")
        if dry_run:
            self.stdout.write("Dry run: nothing was removed.")
        if any(result.error for result in results):
            raise CommandError("The purge stopped early for some organizations; see above.")
