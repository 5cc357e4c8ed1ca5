from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatasourcesConfig(AppConfig):
    name = "datasources"
    verbose_name = _("Data sources")

    def ready(self):
        from acorn_portal.status import register_section
        from datasources import retention
        from datasources.status import sync_section

        register_section("sync", sync_section, order=10)
        retention.register()

        from acorn_portal.navigation import DOCUMENTS, place

        # Report files people upload sit with the documents; sources, runs and checkpoints are admin-only.
        place("datasources.FileImport", DOCUMENTS)

        from acorn_portal.banners import register_banner
        from datasources.banners import first_sync_banner

        register_banner(first_sync_banner)
