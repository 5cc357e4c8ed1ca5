"""Requests to addresses our users type in: webhook endpoints, chat alert URLs, data feeds.

A URL from a user must not become a way into our own network (SSRF). The guard sits where the
socket is opened, after DNS, so a name that resolves to 10.0.0.5 — or is re-pointed there between
a check and the request — is refused before a byte is sent. Loopback, private, link-local,
Only globally routable addresses pass: everything else (loopback, private, shared 100.64.0.0/10
with its cloud metadata addresses, link-local, site-local fec0::/10, multicast, reserved,
documentation) is refused unless `ACORN_OUTBOUND_ALLOWED_NETWORKS` lists it by network (the demo and
the tests allow 127.0.0.0/8 for the simulator and test receivers). IPv6 addresses that carry an IPv4
address (IPv4-mapped, 6to4, Teredo, NAT64) are judged by the IPv4 address too, since a relay or
translator would deliver them there.
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


# IPv6 ranges whose last 32 bits are an IPv4 address some translator delivers to.
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
# Never reachable from here on purpose: local-use NAT64 (RFC 8215), the deprecated IPv4-compatible
# form (::a.b.c.d) and site-local addresses, which ipaddress still counts as global.
_ALWAYS_REFUSED = [
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
    ipaddress.ip_network("fec0::/10"),
]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address wraps (6to4, Teredo server and client, NAT64)."""
    found = []
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64_WELL_KNOWN:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _why_not_global(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """None when `ip` may be called; else a short reason."""
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in _ALWAYS_REFUSED):
            return "not globally routable"
        for inner in _embedded_ipv4(ip):
            reason = _why_not_global(inner)
            if reason:
                return f"it wraps the IPv4 address {inner}, which is {reason}"
    if ip.is_multicast:
        return "multicast"
    if not ip.is_global:
        return "not globally routable"
    return None


def refuse_internal(address: str, host: str = "") -> None:
    """Raise OutboundRefused unless `address` is globally routable or in an explicitly allowed network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed_networks()):
        return
    reason = _why_not_global(ip)
    if reason:
        shown = f"{host} ({ip})" if host and host != str(ip) else str(ip)
        raise OutboundRefused(
            f"Refused to connect to {shown} ({reason}): only globally routable addresses are allowed; "
            "private, shared, loopback and link-local addresses are not allowed "
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
