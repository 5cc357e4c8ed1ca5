from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeveloperConfig(AppConfig):
    name = "developer"
    verbose_name = _("Developer center")

    def ready(self):
        from acorn_portal.status import register_section
        from developer.api import schema  # noqa: F401 - registers the OpenAPI Bearer key scheme
        from developer.status import webhook_endpoints_section

        register_section("webhook_endpoints", webhook_endpoints_section, order=40)

        from acorn_portal.navigation import CONFIGURATION, place
        from acorn_portal.roles import Role

        # Finance keeps the ledger's account mapping and reads what was exported.
        place("developer.GLAccountMapping", CONFIGURATION, roles={Role.FINANCE})
        place("developer.LedgerExport", CONFIGURATION, roles={Role.FINANCE})
