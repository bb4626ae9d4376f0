"""Operation test fixtures: gateways to the session's sandbox, and a helper to run one operation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pytest

from cluster.gateway import GatewayPool
from config import ProviderSettings
from operations.registry import get_operation
from operations.runtime import OpResult, ProviderCaller, run_operation
from providers.sandbox.server import SandboxServer


async def no_wait(_: float) -> None:
    """Skip the wait between polls: the sandbox counts polls, not seconds."""


@pytest.fixture
async def pool(sandbox: SandboxServer) -> AsyncIterator[GatewayPool]:
    """Rate-limited, retrying gateways to every sandboxed provider (short backoffs, no poll waits)."""
    gateways = GatewayPool(
        ProviderSettings.for_sandbox(sandbox.url, sandbox.api_key), max_backoff_s=0.5, sleep=no_wait
    )
    yield gateways
    await gateways.close()


async def run_op(
    caller: ProviderCaller,
    operation_id: str,
    context: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    order: Sequence[str] | None = None,
) -> OpResult:
    """Run a registered operation for one context."""
    spec = get_operation(operation_id)
    assert spec is not None, f"{operation_id} is not registered"
    return await run_operation(spec, context, caller=caller, params=params, provider_order=order)
