"""Shared sandbox test helpers: the session's world parameters, endpoints and temporary knobs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from providers.base import Credentials
from providers.execute import Endpoint
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import SandboxServer

SEED = 7
COMPANIES = 5_000
# Knob values that undo any test's changes.
NEUTRAL_KNOBS = {
    "latency_ms": 0,
    "latency_sigma": 0,
    "error_rate": 0,
    "error_retry_after_s": None,
    "timeout_rate": 0,
    "malformed_rate": 0,
    "unlimited_rate": True,
    "unlimited_credits": True,
}


def sandbox_endpoint(
    sandbox: SandboxServer, provider: str, *, key: str | None = DEFAULT_SANDBOX_KEY, **extra: str
) -> Endpoint:
    """Where the sandboxed provider answers, with a key (the right one unless told otherwise)."""
    return Endpoint(
        base_url=f"{sandbox.url}/{provider}",
        credentials=Credentials(api_key=key, extra=extra),
        max_timeout_s=3.0,
    )


@contextmanager
def knobs(sandbox: SandboxServer, provider: str, **changes: Any) -> Iterator[None]:
    """Change one provider's knobs for the block, then restore neutral ones."""
    sandbox.set_knobs({provider: changes})
    try:
        yield
    finally:
        sandbox.set_knobs({provider: NEUTRAL_KNOBS})
