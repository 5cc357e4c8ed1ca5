"""Recording a data source's credential change: who, when, from where, which names — never a value."""

from acorn_portal.models import AuditAction
from acorn_portal.services.audit import record_audit


def record_credentials_change(*, source, request=None, actor=None, names=()) -> None:
    """One CREDENTIALS_CHANGED audit row for `source`; `names` are the credential keys (values are never read)."""
    record_audit(
        AuditAction.CREDENTIALS_CHANGED,
        request=request,
        actor=actor,
        target=source,
        data_source=source.name,
        kind=source.kind,
        names=sorted(names),
    )
