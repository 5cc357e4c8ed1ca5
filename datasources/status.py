"""The data sources' section of the status page: is every vendor account's data fresh?"""

from collections import defaultdict

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from acorn_portal.models import VendorAccount
from acorn_portal.status import StatusRow, StatusSection, format_when
from acorn_portal.tenancy import organizations_with_perm, restrict_to_organizations
from datasources.models import STALE_AFTER, DataSource, SyncRun, SyncStatus

RUNS_SHOWN = 5


def _run_text(run: SyncRun) -> str:
    counts = ", ".join(
        f"{kind}: +{c.get('created', 0)} ~{c.get('updated', 0)} ={c.get('unchanged', 0)} ✖{c.get('rejected', 0)}"
        for kind, c in sorted(run.counts.items())
    )
    errors = "; ".join(
        f"{e.get('kind', '')} {e.get('message', '')}"
        + (f" (request id {e['request_id']})" if e.get("request_id") else "")
        for e in run.errors[:3]
    )
    text = f"{format_when(run.started_at)} {run.get_status_display().lower()}"
    pages = f" — {run.pages} pages, {sum(run.total(name) for name in ('created', 'updated', 'unchanged'))} rows"
    return (
        text
        + (f" — {counts}" if counts else "")
        + (pages if run.pages else "")
        + (f" — errors: {errors}" if errors else "")
    )


def _last_runs(sources: list[DataSource]) -> dict[int, list[SyncRun]]:
    """The last RUNS_SHOWN runs of each source, newest first, in one query (not one per source)."""
    newest_first = [F("started_at").desc(), F("id").desc()]
    runs = (
        SyncRun.objects.filter(data_source__in=sources)
        .defer("request_log")
        .annotate(rank=Window(RowNumber(), partition_by=[F("data_source_id")], order_by=newest_first))
        .filter(rank__lte=RUNS_SHOWN)
        .order_by("data_source_id", "rank")
    )
    by_source = defaultdict(list)
    for run in runs:
        by_source[run.data_source_id].append(run)
    return by_source


def sync_section(request, org_ids, now) -> StatusSection:
    """Per data source: last run, last success, stale after 24 h without a success, the last runs."""
    allowed = organizations_with_perm(request.user, "datasources.view_datasource")
    sources = restrict_to_organizations(DataSource.objects.select_related("account__organization"), allowed)
    sources = list(sources.order_by("account__organization__name", "account__name", "name")[:200])
    last_runs = _last_runs(sources)
    rows, stale = [], 0
    for source in sources:
        runs = last_runs[source.pk]
        is_stale = source.enabled and source.is_stale(now)
        stale += is_stale
        failed = bool(runs) and runs[0].status == SyncStatus.FAILED
        label = (
            _("⚠ stale: no successful sync for 24 h") if is_stale else ("disabled" if not source.enabled else "fresh")
        )
        rows.append(
            StatusRow(
                [
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("admin:datasources_datasource_change", args=[source.pk]),
                        f"{source.account.organization} · {source.account} · {source.name}",
                    ),
                    format_when(source.last_run_at),
                    format_when(source.last_success_at),
                    label + (" · last run failed" if failed else ""),
                    format_html(
                        "<ul>{}</ul>",
                        format_html("".join("<li>{}</li>" for _ in runs), *[_run_text(run) for run in runs]),
                    )
                    if runs
                    else "no runs yet",
                ],
                flagged=is_stale or failed,
            )
        )
    # Accounts with no data source at all: their data arrives by file import or the API, if at all.
    accounts = restrict_to_organizations(VendorAccount.objects.select_related("organization"), allowed)
    for account in accounts.filter(is_active=True).exclude(data_sources__isnull=False).order_by("name")[:200]:
        rows.append(StatusRow([f"{account.organization} · {account}", "—", "—", "no data source", "—"]))
    hours = int(STALE_AFTER.total_seconds() // 3600)
    return StatusSection(
        title=_("Data sources (sync)"),
        columns=["Data source", "Last sync", "Last success", "Freshness", f"Last {RUNS_SHOWN} runs"],
        rows=rows,
        level="error" if stale else ("warn" if any(r.flagged for r in rows) else "ok"),
        summary=f"{len(sources)} data source(s); {stale} without a successful sync for {hours} h.",
        empty_text="No data sources yet.",
    )
