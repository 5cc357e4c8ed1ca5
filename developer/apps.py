from django.apps import AppConfig


class DeveloperConfig(AppConfig):
    name = "developer"
    verbose_name = "Developer center"

    def ready(self):
        from acorn_portal.status import register_section
        from developer.api import schema  # noqa: F401 - registers the OpenAPI Bearer key scheme
        from developer.status import webhook_endpoints_section

        register_section("webhook_endpoints", webhook_endpoints_section, order=40)
