from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    name = "refunds"
    verbose_name = _("Deductions and documents")

    def ready(self):
        from refunds import retention, signals  # noqa: F401 - signals connects receivers
        from refunds.services.policy_seed import seed_all

        # After refunds' own migrations: the catalogue and every organization's default rules.
        post_migrate.connect(seed_all, sender=self, dispatch_uid="refunds_seed_policy")
        retention.register()

        from acorn_portal.status import register_section
        from refunds.status import alert_channels_section

        register_section("alert_channels", alert_channels_section, order=30)

        from acorn_portal.header import register_header_link
        from refunds.inbox import inbox_header_link

        register_header_link(inbox_header_link)

        from refunds import navigation

        navigation.register()
