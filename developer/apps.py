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
