"""make run / run_portal: links in alerts lead to the port the portal really runs on."""

from acorn_portal.management.commands.run_portal import public_url


def test_public_url_follows_the_port():
    assert public_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert public_url("0.0.0.0", 9000) == "http://127.0.0.1:9000"  # noqa: S104
    assert public_url("portal.local", 8000) == "http://portal.local:8000"
