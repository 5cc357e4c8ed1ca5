"""Print (or --write) acorn_portal/model_labels_catalogue.py: our model and field names for the catalogue."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from acorn_portal.model_labels import CATALOGUE, catalogue_source


class Command(BaseCommand):
    help = "Regenerate the list of model and field names that the translation catalogue extracts."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"Write {CATALOGUE} instead of printing it.")

    def handle(self, *args, write=False, **options):
        source = catalogue_source()
        if write:
            Path(settings.BASE_DIR, CATALOGUE).write_text(source)
            self.stdout.write(f"wrote {CATALOGUE}")
        else:
            self.stdout.write(source, ending="")
