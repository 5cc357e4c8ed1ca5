"""Re-fetch a random sample of stored documents from their data sources and report any difference.

A check that sync stored what the source says, for people who do not take it on trust.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datasources.connectors import ConnectorError
from datasources.connectors.base import RECORD_KEYS
from datasources.models import DataSource
from datasources.services.compare import SHAPES, differences, stored_records
from datasources.services.sync import build_connector, source_kinds


@dataclass
class VerifyReport:
    """Per data source and kind: how many records were compared, and what differed."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_account(account, *, sample: int) -> VerifyReport:
    """Compare up to `sample` random stored records of each kind each enabled source delivers."""
    report = VerifyReport()
    for source in DataSource.objects.filter(account=account, enabled=True).select_related("account"):
        try:
            connector = build_connector(source)
            for kind in source_kinds(source, connector):
                _verify_kind(report, source, connector, kind, sample)
        except ConnectorError as exc:
            report.problems.append(f"{source.name}: could not fetch: {exc}")
    return report


def _verify_kind(report: VerifyReport, source, connector, kind: str, sample: int) -> None:
    model = SHAPES[kind][0]
    key = RECORD_KEYS[kind]
    # ORDER BY RANDOM() on the account's rows of one kind: fine for a sample of a few dozen.
    chosen = list(model.objects.filter(account=source.account).order_by("?").values_list(key, flat=True)[:sample])
    if not chosen:
        return
    fetched = connector.fetch_records(kind, chosen)
    stored = stored_records(source.account, kind, chosen)
    for natural_key in chosen:
        report.checked += 1
        where = f"{source.name} {kind} {natural_key}"
        if natural_key not in fetched:
            report.problems.append(f"{where}: no longer at the source")
            continue
        report.problems += [f"{where}: {text}" for text in differences(fetched[natural_key], stored[natural_key])]
