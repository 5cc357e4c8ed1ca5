"""The demo vendor's files into the demo organization, through the product's own doors.

Purchase orders and receipts: each account's SP-API data source syncs over HTTP from a simulator
serving the same world (started here on a free port; afterwards the source points at
`settings.SIMULATOR_URL`, where `make run` serves that world again). The ERP's co-op agreements,
ASNs, proofs of delivery and invoices: the push API. Vendor Central's four exports: the report
import, combined files split by account. The answers go to `SimulatedTruth`, which only tests and
benchmarks read.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from simulator.demo import DEMO_ACCOUNTS, demo_specs
from simulator.demo_sources import ensure_demo_sources
from simulator.models import SimulatedTruth
from simulator.server import serve
from simulator.vendor_files import answers, write_folder
from simulator.vendor_files.facts import VendorWorld


def load_demo_vendor(demo, world: VendorWorld, *, folder: Path | None = None):
    """Write the world's files and load them through the doors; returns the loader's record of it."""
    from simulator import folder_loader as doors  # the loader an integrator's files go through, reused as is

    folder = write_folder(world, folder or Path(tempfile.mkdtemp(prefix="acorn-demo-vendor-")))
    accounts = {vendor: demo.accounts[marketplace] for marketplace, vendor, _share in DEMO_ACCOUNTS}
    now = doors.as_of_instant(world.as_of, [a.time_zone for a in accounts.values()])
    loaded = doors.Loaded(organization=demo.organization, accounts=accounts, as_of=world.as_of, now=now)
    _forget_loader_keys(demo.organization)  # a re-seed issues a fresh key: keep one service user, not one per run
    api = doors._api_client(demo.organization)
    erp = {name: json.loads((folder / "erp" / f"{name}.json").read_text()) for name in _ERP}
    doors._push_coop_agreements(api, loaded, erp["coop_agreements"]["agreements"])
    _sync_purchase_orders(demo, world, now=now)
    shipments = erp["shipments"]["shipmentConfirmations"]
    doors._push_shipments(api, loaded, shipments)
    doors._push_proofs(api, loaded, erp["proofs_of_delivery"]["proofsOfDelivery"], shipments)
    doors._push_invoices(api, loaded, erp["invoices"]["invoices"])
    doors._import_vc(folder / "vc", loaded, per_account=True)  # the exports per vendor code, as VC gives them
    store_answers(world, accounts)
    return loaded


def _forget_loader_keys(organization) -> None:
    from developer.models import APIKey

    for key in APIKey.objects.filter(organization=organization, name="ERP loader").select_related("user"):
        user = key.user
        key.delete()
        if user is not None:
            user.delete()


_ERP = ("coop_agreements", "shipments", "proofs_of_delivery", "invoices")


def _sync_purchase_orders(demo, world: VendorWorld, *, now) -> None:
    from datasources.services.sync import sync_account

    with serve(seed=world.seed, accounts=demo_specs(), today=world.as_of, vendor_world=world) as running:
        ensure_demo_sources(demo.accounts.values(), base_url=running.base_url)
        for account in demo.accounts.values():
            for run in sync_account(account.pk, trigger="manual", now=now):  # read as of the demo's today
                if run.status != "succeeded":
                    raise RuntimeError(f"SP-API sync of {account} {run.status}: {run.errors}")
    ensure_demo_sources(demo.accounts.values(), base_url=settings.SIMULATOR_URL)


def store_answers(world: VendorWorld, accounts: dict) -> int:
    """The simulator's answer for every deduction, replacing the previous demo's."""
    rows = [
        SimulatedTruth(
            account=accounts[a.account],
            amazon_id=a.id,
            is_disputable=a.expected_action in {"dispute", "wait"},
            expected_recovery=a.recoverable_amount,
            currency=a.currency,
            reason=f"{a.family}_{a.expected_action}",
            note=a.reason,
            expected_action=a.expected_action,
            due_on=a.due_on,
            disputable_from=a.disputable_from,
        )
        for a in answers(world)
    ]
    with transaction.atomic():
        SimulatedTruth.objects.filter(account__in=list(accounts.values())).delete()
        SimulatedTruth.objects.bulk_create(rows)
    return len(rows)
