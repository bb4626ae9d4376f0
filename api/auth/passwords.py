"""Password hashing with argon2id.

Production hashes use argon2-cffi's defaults (RFC 9106's low-memory profile: 3 passes over 64 MiB).
Under DEX_ENV=test they are cheap (one pass over 1 MiB), because a test suite creates and logs in
hundreds of users. A hash carries its own parameters, so either kind verifies under the other.
"""

from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PRODUCTION = PasswordHasher()
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

_hasher = CHEAP if os.environ.get("DEX_ENV") == "test" else PRODUCTION

# Verified against when no user matches, so a missing account costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Return an argon2id hash of password."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Tell whether password matches password_hash (False for a missing or broken hash)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
