"""The outbound guard: internal targets refused at connect time, redirects refused, loopback only when allowed."""

import http.server
import threading

import pytest
import requests
from django.test import override_settings

from acorn_portal.outbound import OutboundRefused, OutboundSession, check_url, post, refuse_internal


class _Handler(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_POST(self):  # noqa: N802 - the stdlib's name
        length = int(self.headers.get("Content-Length", 0))
        _Handler.hits.append(self.rfile.read(length))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Handler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
        "::ffff:10.0.0.1",
        # Not private, but not global either: shared address space holds cloud metadata services.
        "100.100.100.200",
        "100.64.0.1",
        "192.0.0.170",
        "198.18.0.1",
        "192.0.2.1",
        "240.0.0.1",
        "224.0.0.251",
        "fec0::1",  # site-local (deprecated, still routed inside some networks)
        "fc00::1",
        "ff02::1",
        "2001:db8::1",
        # IPv6 addresses wrapping an internal IPv4 address.
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:0a00:0001::1",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64
        "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
        "::ffff:100.100.100.200",
    ],
)
@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_internal_addresses_are_refused(address):
    with pytest.raises(OutboundRefused, match="not allowed"):
        refuse_internal(address)


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_public_addresses_pass():
    refuse_internal("93.184.216.34")
    refuse_internal("2606:2800:220:1:248:1893:25c8:1946")
    refuse_internal("2002:5db8:d822::1")  # 6to4 of a public address
    refuse_internal("64:ff9b::5db8:d822")  # NAT64 of a public address
    refuse_internal("::ffff:93.184.216.34")


def test_the_refusal_names_the_wrapped_address():
    with pytest.raises(OutboundRefused, match=r"wraps the IPv4 address 169\.254\.169\.254"):
        refuse_internal("2002:a9fe:a9fe::1")


@override_settings(OUTBOUND_ALLOWED_NETWORKS=["100.64.0.0/10"])
def test_a_network_allowed_by_name_passes_and_nothing_else_does():
    refuse_internal("100.100.100.200")
    with pytest.raises(OutboundRefused):
        refuse_internal("10.0.0.1")
    with pytest.raises(OutboundRefused):
        refuse_internal("2002:6464:64c8::1")  # 6to4 of an allowed IPv4 address is still another route


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
@pytest.mark.parametrize("host", ["100.100.100.200", "[2002:a9fe:a9fe::1]", "[fec0::1]", "[::ffff:169.254.169.254]"])
def test_urls_with_internal_literal_hosts_are_refused_before_connecting(host):
    with pytest.raises(OutboundRefused):
        check_url(f"http://{host}/latest/meta-data/")


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost", "gopher://a"])
def test_odd_schemes_and_hostless_urls_are_refused(url):
    with pytest.raises(OutboundRefused):
        check_url(url)


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_a_name_resolving_to_loopback_is_refused_before_anything_is_sent(receiver):
    port = receiver.rsplit(":", 1)[1]
    with pytest.raises(OutboundRefused, match=r"localhost \(127\.0\.0\.1\)"):
        post(f"http://localhost:{port}/hook", json={"secret": "x"})
    assert _Handler.hits == []


def test_allowed_network_reaches_the_receiver(receiver):
    response = post(f"{receiver}/hook", data=b"hello")
    assert response.status_code == 204
    assert _Handler.hits == [b"hello"]


def test_redirects_are_refused_not_followed(receiver):
    with pytest.raises(OutboundRefused, match="redirect"):
        post(f"{receiver}/redirect", data=b"x")
    assert len(_Handler.hits) == 1  # the first request only; the metadata address was never called


def test_every_request_times_out():
    listener = __import__("socket").socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        with OutboundSession(timeout=(1, 0.3)) as session, pytest.raises(requests.Timeout):
            session.post(f"http://127.0.0.1:{listener.getsockname()[1]}/", data=b"x")
    finally:
        listener.close()
