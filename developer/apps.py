from django.apps import AppConfig


class DeveloperConfig(AppConfig):
    name = "developer"
    verbose_name = "Developer center"

    def ready(self):
        from developer.api import schema  # noqa: F401 - registers the OpenAPI Bearer key scheme
