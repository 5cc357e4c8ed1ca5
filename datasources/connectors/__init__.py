"""Connector registry: `register_connector` / `get_connector(kind)`.

A data source's `kind` names its connector class. Connector modules register themselves on import;
`get_connector` imports the built-in ones first, so callers never depend on import order.
"""

from __future__ import annotations

from importlib import import_module

from datasources.connectors.base import AccountInfo, Connector, ConnectorError, DocumentKind, Page, RequestLog

__all__ = [
    "AccountInfo",
    "Connector",
    "ConnectorError",
    "DocumentKind",
    "Page",
    "RequestLog",
    "connector_choices",
    "get_connector",
    "register_connector",
]

_REGISTRY: dict[str, type[Connector]] = {}
_BUILT_IN = ("datasources.connectors.spapi", "datasources.connectors.data_feed")


def register_connector(kind: str):
    """Class decorator: make a connector available to data sources of `kind`."""

    def register(cls: type[Connector]) -> type[Connector]:
        if _REGISTRY.get(kind, cls) is not cls:
            raise ValueError(f"A connector is already registered for {kind!r}: {_REGISTRY[kind].__name__}.")
        _REGISTRY[kind] = cls
        return cls

    return register


def _load_built_in() -> None:
    for module in _BUILT_IN:
        import_module(module)


def get_connector(kind: str) -> type[Connector]:
    """The connector class for a data source kind; ConnectorError(permanent) for an unknown one."""
    _load_built_in()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ConnectorError(f"No connector for data source kind {kind!r}.", permanent=True) from None


def connector_choices() -> list[tuple[str, str]]:
    """(kind, label) of every registered connector, for model choices."""
    _load_built_in()
    return [(kind, cls.label or kind) for kind, cls in sorted(_REGISTRY.items())]
