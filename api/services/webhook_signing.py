"""Webhook signatures: `X-Dex-Signature: t=<unix>,v1=<hex hmac-sha256(secret, "<t>.<body>")>`.

The signed text binds the timestamp to the exact body bytes, so a receiver that checks the signature
and the timestamp's age refuses both a tampered body and a replay of an old delivery. This module
depends on nothing of ours: a receiver written in Python can copy or import it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-Dex-Signature"
EVENT_ID_HEADER = "X-Dex-Event-Id"
EVENT_TYPE_HEADER = "X-Dex-Event-Type"
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """The signature header is malformed, stale, or matches no signature of the body."""


def new_secret() -> str:
    """Return a fresh signing secret: `whsec_` and 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """Return the X-Dex-Signature value of body, signed at timestamp (now when None)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_digest(secret, t, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("malformed signature header: expected t=<unix>,v1=<hex>")
    return timestamp, signatures


def verify_signature(
    secret: str,
    header: str,
    body: bytes | str,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Check a delivery's signature header against its raw body; return its timestamp or raise SignatureError.

    The timestamp must be within tolerance_s of now (either way), and one of the header's v1
    signatures must match (several are accepted, so that a secret can be rolled over).
    """
    raw = body.encode() if isinstance(body, str) else body
    timestamp, signatures = _parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureError(f"timestamp is more than {tolerance_s} s away from now")
    expected = _digest(secret, timestamp, raw).encode()
    # compare_digest over every candidate: the time taken says nothing about how close one came.
    if not any(hmac.compare_digest(expected, candidate.encode()) for candidate in signatures):
        raise SignatureError("no signature matches the body")
    return timestamp
