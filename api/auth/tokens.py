"""Session JWTs (HS256 only) and opaque API tokens (random, stored as sha256)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

ALGORITHM = "HS256"
TENANT_TOKEN_TYPE = "session"
SUPER_ADMIN_TOKEN_TYPE = "super_admin"
API_TOKEN_PREFIX = "dex_"


class TokenError(Exception):
    """The token is malformed, expired, badly signed or of the wrong type."""


def issue_jwt(claims: dict[str, Any], *, secret: str, ttl: timedelta) -> tuple[str, datetime]:
    """Sign claims with an iat and exp; return the token and its expiry."""
    now = datetime.now(UTC)
    expires_at = now + ttl
    payload = {**claims, "iat": int(now.timestamp()), "exp": int(expires_at.timestamp())}
    return jwt.encode(payload, secret, algorithm=ALGORITHM), expires_at


def decode_jwt(token: str, *, secret: str, token_type: str) -> dict[str, Any]:
    """Verify signature, expiry and type; only HS256 is accepted, so `alg: none` never passes."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub"]}
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    if claims.get("type", TENANT_TOKEN_TYPE) != token_type:
        raise TokenError("wrong token type")
    return claims


def claim_uuid(claims: dict[str, Any], *names: str) -> UUID:
    """Return the first of names present in claims, as a UUID."""
    for name in names:
        value = claims.get(name)
        if value:
            try:
                return UUID(str(value))
            except ValueError as exc:
                raise TokenError(f"claim {name} is not a UUID") from exc
    raise TokenError(f"claim {names[0]} missing")


def looks_like_jwt(token: str) -> bool:
    """Tell whether token has the three dot-separated parts of a JWT."""
    return token.count(".") == 2


def new_api_token() -> str:
    """Return a fresh API token: a prefix and 40 random bytes, url-safe."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(40)


def hash_api_token(token: str) -> str:
    """Return the sha256 hex digest stored for token (tokens carry 320 bits, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
