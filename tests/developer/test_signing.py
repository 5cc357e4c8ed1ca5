"""Webhook signatures: what ACORN signs, a receiver verifies, and every tampering is caught."""

import time

import pytest

from developer.signing import SignatureError, compute, parse, sign, verify

SECRET = "whsec_test-secret"
BODY = b'{"id":1,"type":"chargeback.created"}'


def test_sign_then_verify_round_trip():
    header = sign(SECRET, BODY, 1_764_158_400)
    assert header.startswith("t=1764158400,v1=")
    assert verify(SECRET, BODY, header, now=1_764_158_400 + 10) == 1_764_158_400


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1764158400." + BODY, hashlib.sha256).hexdigest()
    assert compute(SECRET, BODY, 1_764_158_400) == expected
    assert sign(SECRET, BODY, 1_764_158_400) == f"t=1764158400,v1={expected}"


@pytest.mark.parametrize(
    "body, secret",
    [
        (BODY.replace(b"1", b"2"), SECRET),  # body changed
        (BODY + b" ", SECRET),  # even whitespace
        (BODY, "whsec_other"),  # wrong secret
    ],
)
def test_tampering_is_detected(body, secret):
    header = sign(SECRET, BODY, int(time.time()))
    with pytest.raises(SignatureError, match="does not match"):
        verify(secret, body, header)


def test_changed_timestamp_is_detected():
    header = sign(SECRET, BODY, 1_764_158_400)
    forged = header.replace("t=1764158400", "t=1764158999")
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, BODY, forged, now=1_764_158_999)


def test_old_signature_is_refused_as_replay():
    header = sign(SECRET, BODY, 1_764_158_400)
    with pytest.raises(SignatureError, match="away from now"):
        verify(SECRET, BODY, header, tolerance=300, now=1_764_158_400 + 301)
    assert verify(SECRET, BODY, header, tolerance=0, now=1_764_158_400 + 10_000) == 1_764_158_400


@pytest.mark.parametrize("header", ["", "garbage", "t=abc,v1=00", "t=123", "v1=abc"])
def test_malformed_header_is_refused(header):
    with pytest.raises(SignatureError):
        verify(SECRET, BODY, header)


def test_any_of_several_v1_signatures_may_match_during_rotation():
    good = compute(SECRET, BODY, 100)
    header = f"t=100,v1={'0' * 64},v1={good}"
    assert parse(header) == (100, ["0" * 64, good])
    assert verify(SECRET, BODY, header, tolerance=0) == 100


def test_str_and_bytes_bodies_sign_alike():
    assert sign(SECRET, BODY.decode(), 5) == sign(SECRET.encode(), BODY, 5)


def test_the_snippet_in_the_webhook_guide_verifies_our_signatures():
    """The verification code receivers copy from developer/WEBHOOKS.md works against what we send."""
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "developer" / "WEBHOOKS.md").read_text()
    [snippet] = [
        block for block in re.findall(r"```python\n(.*?)```", guide, re.S) if "def verify_acorn_webhook" in block
    ]
    namespace: dict = {}
    exec(compile(snippet, "WEBHOOKS.md", "exec"), namespace)  # noqa: S102 - our own documentation
    check = namespace["verify_acorn_webhook"]
    header = sign(SECRET, BODY, int(time.time()))
    check(SECRET, BODY, header)
    with pytest.raises(ValueError, match="mismatch"):
        check(SECRET, BODY + b"x", header)
    with pytest.raises(ValueError, match="tolerance"):
        check(SECRET, BODY, sign(SECRET, BODY, int(time.time()) - 3600))
