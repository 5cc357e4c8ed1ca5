"""The status page: sections other apps register, shown for the organizations a user belongs to.

acorn_portal imports none of the apps (docs/ARCHITECTURE.md), so each app registers what it knows in its
`AppConfig.ready()`:

    from acorn_portal.status import StatusSection, register_section

    def alert_channels(request, org_ids, now):       # org_ids: None means every organization
        failures = ...visible rows of org_ids...
        return StatusSection(
            title=_("Alert channels"), level="error" if failures else "ok",
            summary=f"{len(failures)} failed deliveries in the last 24 h",
            columns=["Channel", "Failed at", "Error"], rows=[StatusRow([...], flagged=True), ...],
        )

    register_section("alert_channels", alert_channels, order=30)

A provider must scope every row to `org_ids` itself. Two keys are expected and shown as "not
installed yet" until someone registers them: `alert_channels` (recent failures of alert channels:
email, chat webhooks) and `webhook_endpoints` (developer webhooks' health). A provider that raises
is shown as an error section; it never takes the page down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from acorn_portal import clock

logger = logging.getLogger(__name__)

LEVELS = ("ok", "warn", "error")


@dataclass
class StatusRow:
    cells: list  # text or safe HTML (format_html) per column
    flagged: bool = False  # shown as a problem (not by colour alone: the row says "⚠ stale" etc.)


@dataclass
class StatusSection:
    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[StatusRow] = field(default_factory=list)
    level: str = "ok"  # ok | warn | error
    summary: str = ""
    empty_text: str = "Nothing to show."
    key: str = ""


@dataclass(frozen=True)
class _Provider:
    key: str
    provider: Callable
    order: int


_REGISTRY: dict[str, _Provider] = {}

# Sections the page expects; until registered they show as "not installed yet".
EXPECTED_SECTIONS = {
    "alert_channels": ("Alert channels", 30),
    "webhook_endpoints": ("Webhook endpoints", 40),
}


def format_when(value, missing: str = "never") -> str:
    """A moment as every section shows it (UTC, to the minute)."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else missing


def register_section(key: str, provider: Callable, *, order: int = 100) -> None:
    """Add (or replace) the section `key`: `provider(request, org_ids, now) -> StatusSection`."""
    _REGISTRY[key] = _Provider(key, provider, order)


def unregister_section(key: str) -> None:
    _REGISTRY.pop(key, None)


def registered_keys() -> list[str]:
    return sorted(_REGISTRY)


def build_sections(request, org_ids, now=None) -> list[StatusSection]:
    """Every registered section, in order, plus placeholders for expected ones not yet registered."""
    now = now or clock.now()
    entries = [(p.order, p.key, p) for p in _REGISTRY.values()]
    entries += [(order, key, None) for key, (_title, order) in EXPECTED_SECTIONS.items() if key not in _REGISTRY]
    sections = []
    for _order, key, entry in sorted(entries, key=lambda item: (item[0], item[1])):
        if entry is None:
            title = EXPECTED_SECTIONS[key][0]
            sections.append(StatusSection(title=title, key=key, level="warn", summary="Not installed yet."))
            continue
        try:
            section = entry.provider(request, org_ids, now)
        except Exception as exc:  # noqa: BLE001 - one broken provider must not hide the others
            logger.exception("status section %s failed", key)
            section = StatusSection(
                title=key.replace("_", " ").capitalize(),
                level="error",
                summary=f"This section could not be read: {type(exc).__name__}.",
            )
        if section is not None:
            section.key = key
            sections.append(section)
    return sections


# --------------------------------------------------------------------------------------------------
# The task cluster (django-q2): a library, not an app of ours, so its section lives here.


# How recent a finished task must be to show the cluster at work (alerts are delivered every minute).
HEARTBEAT_WINDOW = timedelta(minutes=3)


def cluster_section(request, org_ids, now) -> StatusSection:
    """Alive clusters and workers (django_q's Stat), queued tasks, failed tasks of the last 24 h.

    Task arguments and errors can name any organization's data, so only superusers see the failed
    tasks themselves; everyone sees how many there are.
    """
    from django_q.models import Failure, OrmQ, Success
    from django_q.status import Stat

    clusters = Stat.get_all()
    queued = OrmQ.objects.count()
    failed = Failure.objects.filter(stopped__gte=now - timedelta(hours=24))
    failed_count = failed.count()
    rows = [
        StatusRow(
            [f"cluster {c.cluster_id}", c.status, f"{len(c.workers)} workers", f"{c.task_q_size} in its queue"],
            flagged=c.status not in ("Idle", "Working", "Starting"),
        )
        for c in clusters
    ]
    if request.user.is_superuser:
        rows += [
            StatusRow(
                [f"failed: {task.func}", f"{task.stopped:%Y-%m-%d %H:%M}", str(task.result)[:300], task.name],
                flagged=True,
            )
            for task in failed.order_by("-stopped")[:10]
        ]
    # The cluster's own heartbeat lives in the broker's cache, which a web process cannot read on the
    # ORM broker with a per-process cache: a task finished in the last few minutes (one is scheduled
    # every minute) shows a cluster at work on any broker, after any restart.
    last_done = Success.objects.order_by("-stopped").values_list("stopped", flat=True).first()
    working = bool(clusters) or (last_done is not None and last_done >= now - HEARTBEAT_WINDOW)
    level = "error" if not working else ("warn" if failed_count else "ok")
    if clusters:
        alive = f"{len(clusters)} cluster(s) alive"
    elif working:
        alive = f"A task cluster is running (last task finished {format_when(last_done)})"
    else:
        alive = "No task cluster is running: nothing scheduled will run."
    summary = f"{alive} · {queued} task(s) queued · {failed_count} failed in the last 24 h"
    return StatusSection(
        title=_("Task cluster (django-q2)"),
        columns=["Cluster / task", "Status", "Workers / when", "Queue / error", *(["Name"] if rows else [])],
        rows=rows,
        level=level,
        summary=summary,
        empty_text="No cluster reported in.",
    )


register_section("cluster", cluster_section, order=20)
