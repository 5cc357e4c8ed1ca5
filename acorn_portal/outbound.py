"""Requests to addresses our users type in: webhook endpoints, chat alert URLs, data feeds.

A URL from a user must not become a way into our own network (SSRF). The guard sits where the
socket is opened, after DNS, so a name that resolves to 10.0.0.5 — or is re-pointed there between
a check and the request — is refused before a byte is sent. Loopback, private, link-local,
multicast and reserved addresses are refused unless `ACORN_OUTBOUND_ALLOWED_NETWORKS` lists them
(the demo and the tests allow 127.0.0.0/8 for the simulator and test receivers).
Redirects are never followed and every request has a timeout.
"""

from __future__ import annotations

import contextlib
import ipaddress
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

DEFAULT_TIMEOUT = (5.0, 15.0)  # connect, read


class OutboundRefused(Exception):  # noqa: N818 - reads as what happened
    """The target is not one ACORN may call (internal address, odd scheme, or a redirect).

    Deliberately not an OSError: urllib3 would retry those and requests would hide this one inside
    a ConnectionError. Callers catch it beside `requests.RequestException`.
    """


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(net, strict=False) for net in getattr(settings, "OUTBOUND_ALLOWED_NETWORKS", [])]


def refuse_internal(address: str, host: str = "") -> None:
    """Raise OutboundRefused when `address` is internal and not explicitly allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed_networks()):
        return
    internal = (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )
    if internal:
        shown = f"{host} ({ip})" if host and host != str(ip) else str(ip)
        raise OutboundRefused(
            f"Refused to connect to {shown}: private, loopback and link-local addresses are not allowed "
            "(ACORN_OUTBOUND_ALLOWED_NETWORKS can allow a network)."
        )


def check_url(url: str) -> None:
    """Validate what can be validated without connecting: the scheme and a literal IP host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused(f"Only http and https URLs can be called, not {parts.scheme or 'a URL without scheme'}.")
    if not parts.hostname:
        raise OutboundRefused("The URL has no host.")
    with contextlib.suppress(ValueError):  # a name: checked against each address it resolves to, on connect
        refuse_internal(parts.hostname)


class _GuardedConnectionMixin:
    def _new_conn(self):
        sock = super()._new_conn()
        try:
            refuse_internal(sock.getpeername()[0], self.host)
        except BaseException:
            sock.close()
            raise
        return sock


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GuardedHTTPConnectionPool,
            "https": GuardedHTTPSConnectionPool,
        }


class OutboundSession(requests.Session):
    """A `requests.Session` that checks every target, never follows redirects and always times out."""

    def __init__(self, timeout=DEFAULT_TIMEOUT):
        super().__init__()
        self.trust_env = False  # no proxies or netrc from the environment
        self.default_timeout = timeout
        adapter = GuardedAdapter(max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method, url, **kwargs):
        check_url(url)
        kwargs["allow_redirects"] = False
        kwargs.setdefault("timeout", self.default_timeout)
        response = super().request(method, url, **kwargs)
        if response.is_redirect:
            response.close()
            raise OutboundRefused(
                f"{url} answered with a redirect ({response.status_code}) to "
                f"{response.headers.get('Location', '?')}; redirects are not followed."
            )
        return response


def post(url: str, **kwargs) -> requests.Response:
    """One guarded POST (a fresh session: callers that send many should keep an OutboundSession)."""
    with OutboundSession() as session:
        return session.post(url, **kwargs)
