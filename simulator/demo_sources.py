"""The demo's data sources: each demo account syncs its purchase orders from the local Vendor Central simulator.

SP-API at `settings.SIMULATOR_URL` with the simulator's credentials for that account, for purchase
orders and their status (receipts); the vendor's ASNs, invoices and proofs of delivery come through
the push API and Amazon's deductions through report files, as a real vendor's do. Idempotent: run
again, the source is brought back to this configuration and nothing is duplicated; an earlier
demo's data-feed source is switched off.
"""

from django.db import transaction

from datasources.models import DataSource, DataSourceKind
from simulator.demo import DEMO_LOOKBACK_DAYS

SPAPI_NAME = "Vendor Central SP-API (simulator)"
FEED_NAME = "Vendor Central data feed (simulator)"
SCHEDULE_MINUTES = 30


def demo_source_specs(account, base_url: str) -> list[tuple[str, str, dict, dict]]:
    """(name, kind, settings, credentials) of the sources of one demo account."""
    key = account.marketplace  # the simulator tells accounts apart by this key
    spapi = {
        "endpoint": base_url,
        "token_url": f"{base_url}/auth/o2/token",
        "lookback_days": DEMO_LOOKBACK_DAYS,
        "reopen_days": 30,
        "kinds_enabled": ["purchase_orders"],  # the ASNs come from the vendor's ERP
    }
    spapi_secrets = {"client_id": "demo-client", "client_secret": "demo-secret", "refresh_token": f"sim-refresh-{key}"}
    return [(SPAPI_NAME, DataSourceKind.SPAPI_VENDOR, spapi, spapi_secrets)]


def ensure_demo_sources(accounts, *, base_url: str) -> list[DataSource]:
    """Create or reset the demo sources of each account; checkpoints and runs are kept."""
    sources = []
    with transaction.atomic():
        for account in accounts:
            for name, kind, settings, credentials in demo_source_specs(account, base_url.rstrip("/")):
                source, _ = DataSource.objects.update_or_create(
                    account=account,
                    name=name,
                    defaults={
                        "kind": kind,
                        "settings": settings,
                        "schedule_minutes": SCHEDULE_MINUTES,
                        "enabled": True,
                    },
                )
                if source.credential_values() != credentials:
                    source.set_credentials(credentials)
                    source.save(update_fields=["credentials", "updated_at"])
                sources.append(source)
            DataSource.objects.filter(account=account, name=FEED_NAME).update(enabled=False)
    return sources
