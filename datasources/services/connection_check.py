""" "Test connection" in one sentence: what worked, and what did not (credentials, role, reachability).

Connectors raise `ConnectorError("<operation>: HTTP <status>: ...")`; this turns the operation and
status into words a person setting up a source can act on. Nothing is stored.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from datasources.connectors import ConnectorError
from datasources.models import DataSource, DataSourceKind
from datasources.services.sync import build_connector


@dataclass
class ConnectionReport:
    ok: bool
    sentence: str
    request_id: str = ""


def check_connection(source: DataSource) -> ConnectionReport:
    """One cheap authenticated call through the source's connector, explained."""
    try:
        connector = build_connector(source)
        said = connector.test_connection()
    except ConnectorError as exc:
        return ConnectionReport(ok=False, sentence=explain(source, exc), request_id=exc.request_id)
    return ConnectionReport(ok=True, sentence=f"Connected. {said}")


def _host(source: DataSource) -> str:
    settings = source.settings or {}
    url = settings.get("endpoint") or settings.get("base_url") or ""
    return urlsplit(url).netloc or "Amazon's regional endpoint"


def explain(source: DataSource, exc: ConnectorError) -> str:
    text = str(exc)
    operation = text.split(":", 1)[0]
    status = exc.status
    suffix = f" (request id {exc.request_id})" if exc.request_id else ""
    if source.kind == DataSourceKind.SPAPI_VENDOR:
        if "credentials lack" in text:
            return f"Not tested: {text}"
        if operation == "lwa_token" and status in (400, 401):
            return (
                "Login with Amazon refused the credentials: check the LWA client id, client secret and refresh "
                f"token (HTTP {status}). Nothing else was tried{suffix}."
            )
        if status in (401, 403):
            return (
                f"Login with Amazon accepted the credentials, but SP-API refused {operation} (HTTP {status}): the "
                "app lacks the Vendor role (Brand Analytics / Vendor Retail Procurement) or this Vendor Central "
                f"account has not authorized it{suffix}."
            )
    elif status in (401, 403):
        return f"The feed at {_host(source)} refused the API key (HTTP {status}): check the key and its header{suffix}."
    if status is None and ("gave up" in text or "refused" in text.lower()):
        return (
            f"Could not reach {_host(source)}: {text.split(': ', 1)[-1]}. Check the address and that it is reachable."
        )
    if status == 404:
        return f"{_host(source)} answered 404 for {operation}: the address is probably wrong{suffix}."
    return f"The connection failed: {text}{suffix}."
