"""Data alerts: datasources tells refunds' alert service what went wrong, in plain facts.

- an account with no successful sync for 24 h (`STALE_AFTER`): one incident per account and last
  success, so it is alerted once, and again only after a success and a new staleness;
- a sync run that failed: one incident per data source and failure streak (keyed by its last
  success), so a source failing every hour alerts once until it succeeds again — with the first
  failure's errors and request ids;
- an import that was not imported (an unreadable file, or rows with errors and nothing imported):
  one incident per import.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db.models import Max, Min
from django.urls import reverse
from django.utils.translation import gettext

from acorn_portal import clock
from acorn_portal.formatting import local_date
from acorn_portal.models import VendorAccount
from datasources.models import STALE_AFTER, DataSource, FileImport, ImportStatus, SyncRun
from refunds.services.alerts.channels import absolute_link
from refunds.services.alerts.data import report_data_incident

log = logging.getLogger(__name__)


def _stamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f") if moment else "never"


def stale_accounts(now: datetime) -> list[tuple[VendorAccount, datetime | None]]:
    """Active accounts whose enabled sources have had no success for STALE_AFTER (never-synced sources
    count from their creation), with their last success."""
    rows = (
        DataSource.objects.filter(enabled=True, account__is_active=True)
        .values("account_id")
        .annotate(last_success=Max("last_success_at"), first_created=Min("created_at"))
        .order_by("account_id")
    )
    stale = {
        row["account_id"]: row["last_success"]
        for row in rows
        if (row["last_success"] or row["first_created"]) < now - STALE_AFTER
    }
    accounts = VendorAccount.objects.filter(pk__in=stale).select_related("organization")
    return [(account, stale[account.pk]) for account in accounts]


def _since(moment: datetime | None) -> str:
    """When, in the reader's language (UTC, as the sync log shows it)."""
    if moment is None:
        return gettext("never")
    return gettext("%(day)s %(time)s UTC") % {
        "day": local_date(moment.astimezone(UTC).date()),
        "time": f"{moment:%H:%M}",
    }


def report_stale_accounts(*, now: datetime | None = None) -> int:
    """Alert every stale account once per staleness; returns the number of alerts newly claimed."""
    now = now or clock.now()
    claimed = 0
    for account, last_success in stale_accounts(now):

        def compose(account=account, last_success=last_success):
            since = _since(last_success)
            title = gettext("No fresh data for %(account)s: last successful sync %(since)s") % {
                "account": account,
                "since": since,
            }
            return title, [
                gettext("Account: %(account)s") % {"account": account},
                gettext("Last successful sync: %(since)s") % {"since": since},
                gettext("Deadlines and verdicts may be based on old data until a sync succeeds."),
            ]

        claimed += report_data_incident(
            organization_id=account.organization_id,
            incident=f"stale:acct{account.pk}:{_stamp(last_success)}",
            compose=compose,
            link=absolute_link(reverse("admin:datasources_syncrun_changelist") + f"?account={account.pk}"),
            now=now,
        )
    return claimed


def report_failed_run(run: SyncRun) -> int:
    """Alert a failed sync run (once per source and failure streak)."""
    source = DataSource.objects.select_related("account").get(pk=run.data_source_id)
    account = source.account
    request_ids = [error.get("request_id", "") for error in run.errors]
    request_ids += [entry.get("request_id", "") for entry in run.request_log if entry.get("error")]
    messages = [error.get("message", "") for error in run.errors][-3:]

    def compose():
        # The errors are the source's own words (Amazon's or the connector's): shown as received.
        return gettext("Sync failed: %(source)s of %(account)s") % {"source": source.name, "account": account}, [
            gettext("Account: %(account)s") % {"account": account},
            gettext("Data source: %(source)s") % {"source": source},
            *(gettext("Error: %(error)s") % {"error": text} for text in messages),
        ]

    return report_data_incident(
        organization_id=account.organization_id,
        incident=f"sync_failed:src{source.pk}:{_stamp(source.last_success_at)}",
        compose=compose,
        request_ids=list(dict.fromkeys(rid for rid in request_ids if rid)),
        link=absolute_link(reverse("admin:datasources_syncrun_change", args=[run.pk])),
    )


def report_rejected_import(file_import: FileImport) -> int:
    """Alert an import that put nothing in (rejected file, or rows with errors in an all-or-nothing import)."""
    if file_import.status not in (ImportStatus.REJECTED, ImportStatus.FAILED):
        return 0
    account = file_import.account

    def compose():
        name = file_import.original_name or gettext("a file")
        title = gettext("Import not imported: %(file)s for %(account)s") % {"file": name, "account": account}
        return title, [
            gettext("Account: %(account)s") % {"account": account},
            gettext("File: %(file)s (%(kind)s)")
            % {"file": file_import.original_name, "kind": file_import.get_kind_display()},
            gettext("Uploaded by: %(who)s") % {"who": file_import.uploaded_by or gettext("unknown")},
            gettext("Why: %(why)s") % {"why": file_import.message[:500]},
        ]

    return report_data_incident(
        organization_id=account.organization_id,
        incident=f"import_{file_import.status}:imp{file_import.pk}",
        compose=compose,
        link=absolute_link(reverse("admin:datasources_fileimport_change", args=[file_import.pk])),
    )


def safely(report, *args) -> None:
    """Alerting must never break the sync or the import that reports: log and carry on."""
    try:
        report(*args)
    except Exception:  # noqa: BLE001
        log.exception("Could not record a data alert with %s", report.__name__)
