from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """The fake Vendor Central, the demo's seeding and the answer key: installed only with DEBUG, the demo or tests."""

    name = "simulator"
    verbose_name = "Vendor Central simulator"
