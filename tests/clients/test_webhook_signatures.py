"""`acorn_client.webhooks.verify_signature`: valid, tampered, stale, malformed, rotated secrets.

The signatures here are computed independently with hmac (not with the client's own helper), so a
mistake in the helper cannot hide itself."""

import hashlib
import hmac
import json
import time

import pytest
from acorn_client.errors import SignatureVerificationError
from acorn_client.webhooks import signature_header, verify_signature

SECRET = "whsec_test_2b7e1516"
BODY = json.dumps({"id": "evt_1", "type": "chargeback.created", "data": {"amount": {"amount": "12.50"}}}).encode()


def sign(secret, body, timestamp):
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def test_verify_signature_accepts_a_valid_signature_and_returns_the_event():
    now = int(time.time())
    event = verify_signature(SECRET, BODY, sign(SECRET, BODY, now))
    assert event["type"] == "chargeback.created"
    assert event["data"]["amount"]["amount"] == "12.50"


def test_verify_signature_accepts_text_bodies_and_secrets_as_bytes():
    now = int(time.time())
    assert verify_signature(SECRET.encode(), BODY.decode(), sign(SECRET, BODY, now))["id"] == "evt_1"


def test_verify_signature_rejects_a_tampered_body():
    now = int(time.time())
    header = sign(SECRET, BODY, now)
    tampered = BODY.replace(b"12.50", b"99.50")
    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify_signature(SECRET, tampered, header)


def test_verify_signature_rejects_the_wrong_secret():
    now = int(time.time())
    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify_signature("whsec_other", BODY, sign(SECRET, BODY, now))


def test_verify_signature_rejects_a_stale_or_future_timestamp():
    now = int(time.time())
    with pytest.raises(SignatureVerificationError, match="tolerance 300s"):
        verify_signature(SECRET, BODY, sign(SECRET, BODY, now - 301))
    with pytest.raises(SignatureVerificationError, match="tolerance"):
        verify_signature(SECRET, BODY, sign(SECRET, BODY, now + 400))
    # Inside a wider tolerance the same old delivery is accepted.
    assert verify_signature(SECRET, BODY, sign(SECRET, BODY, now - 301), tolerance=600)["id"] == "evt_1"


def test_verify_signature_rejects_a_replayed_timestamp_with_a_recomputed_header_part():
    """Changing t= to look fresh breaks the signature, since t is inside the signed payload."""
    old = int(time.time()) - 3600
    digest = sign(SECRET, BODY, old).split("v1=")[1]
    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify_signature(SECRET, BODY, f"t={int(time.time())},v1={digest}")


@pytest.mark.parametrize(
    "header",
    ["", "garbage", "t=abc,v1=00", "v1=00", "t=1700000000", "t=1700000000;v1=00"],
)
def test_verify_signature_rejects_malformed_headers(header):
    with pytest.raises(SignatureVerificationError):
        verify_signature(SECRET, BODY, header, tolerance=0)


def test_verify_signature_accepts_any_of_several_v1_values_during_rotation():
    now = int(time.time())
    old_secret_part = sign("whsec_old", BODY, now).split(",")[1]
    header = f"{sign(SECRET, BODY, now)},{old_secret_part}"
    assert verify_signature("whsec_old", BODY, header)["id"] == "evt_1"
    assert verify_signature(SECRET, BODY, header)["id"] == "evt_1"


def test_signature_header_helper_matches_the_documented_scheme():
    assert signature_header(SECRET, BODY, timestamp=1764158400) == sign(SECRET, BODY, 1764158400)


def test_verify_signature_refuses_an_empty_secret():
    with pytest.raises(SignatureVerificationError, match="secret"):
        verify_signature("", BODY, sign(SECRET, BODY, int(time.time())))
