"""Webhook signatures: what a receiver's verify_signature accepts and refuses."""

from __future__ import annotations

import pytest

from api.services.webhook_signing import SignatureError, new_secret, sign, verify_signature

SECRET = "whsec_test-secret"
BODY = b'{"id":"evt","type":"submission.completed"}'
NOW = 1_800_000_000


def test_a_fresh_signature_of_the_body_verifies() -> None:
    header = sign(SECRET, BODY, timestamp=NOW)
    assert header.startswith(f"t={NOW},v1=")
    assert verify_signature(SECRET, header, BODY, now=NOW + 10) == NOW
    assert verify_signature(SECRET, header, BODY.decode(), now=NOW) == NOW


@pytest.mark.parametrize(
    ("secret", "body", "now", "reason"),
    [
        (SECRET, BODY.replace(b"completed", b"failed"), NOW, "no signature matches"),
        ("whsec_another-secret", BODY, NOW, "no signature matches"),
        (SECRET, BODY, NOW + 301, "away from now"),
        (SECRET, BODY, NOW - 301, "away from now"),
    ],
    ids=["tampered body", "wrong secret", "stale", "from the future"],
)
def test_tampering_other_secrets_and_stale_timestamps_are_refused(
    secret: str, body: bytes, now: int, reason: str
) -> None:
    header = sign(SECRET, BODY, timestamp=NOW)
    with pytest.raises(SignatureError, match=reason):
        verify_signature(secret, header, body, now=now)


@pytest.mark.parametrize("header", ["", "v1=abc", f"t={NOW}", "t=soon,v1=abc", f"t={NOW},v1=é"])
def test_malformed_headers_are_refused(header: str) -> None:
    with pytest.raises(SignatureError):
        verify_signature(SECRET, header, BODY, now=NOW)


def test_any_of_several_signatures_may_match_and_the_tolerance_is_the_callers() -> None:
    good = sign(SECRET, BODY, timestamp=NOW).split(",")[1]
    assert verify_signature(SECRET, f"t={NOW},v1=00ff,{good}", BODY, now=NOW) == NOW
    with pytest.raises(SignatureError):
        verify_signature(SECRET, f"t={NOW},{good}", BODY, tolerance_s=5, now=NOW + 6)


def test_secrets_are_prefixed_random_and_long() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_") and len(first) >= 6 + 43 and first != second
