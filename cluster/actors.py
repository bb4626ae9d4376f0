"""Gateway actors: one named Ray actor per provider credential, so its rate limit holds cluster-wide.

Callers send requests in batches (`call_batch`), never one actor call per entity. `health` runs in
its own concurrency group, so it answers even while every request slot waits for tokens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import ray
from ray.actor import ActorHandle

from cluster.gateway import ProviderGateway
from cluster.runtime import NAMESPACE
from config import ProviderSettings
from providers.base import ProviderResult
from providers.http import HttpClient
from providers.registry import endpoint_for, get_provider, rate_limit_for, rate_limits_for


def actor_name(provider: str, settings: ProviderSettings) -> str:
    """Return the gateway actor's name: `provider:<name>:<credential fingerprint>`."""
    adapter = get_provider(provider)
    endpoint = endpoint_for(adapter, settings)
    fingerprint = hashlib.sha256(f"{endpoint.base_url}|{endpoint.credentials.api_key}".encode()).hexdigest()[
        :8
    ]
    return f"provider:{provider}:{fingerprint}"


@ray.remote(num_cpus=0, max_concurrency=2000, concurrency_groups={"admin": 4})  # type: ignore[call-overload]
class GatewayActor:
    """Hosts one ProviderGateway inside Ray."""

    def __init__(self, provider: str, settings: ProviderSettings, options: Mapping[str, Any]) -> None:
        self._provider = provider
        self._settings = settings
        self._options = dict(options)
        self._gateway: ProviderGateway | None = None

    def _ready(self) -> ProviderGateway:
        # Built on first use, inside the actor's event loop (the HTTP client binds to it).
        if self._gateway is None:
            adapter = get_provider(self._provider)
            self._gateway = ProviderGateway(
                adapter,
                endpoint_for(adapter, self._settings),
                rate_limits_for(adapter, self._settings),
                client=HttpClient(
                    max_connections=max(64, rate_limit_for(adapter, self._settings).concurrency * 2)
                ),
                **self._options,
            )
        return self._gateway

    async def call_batch(self, requests: Sequence[tuple[str, Mapping[str, Any]]]) -> list[ProviderResult]:
        """Run a batch of (action, inputs) calls concurrently; answers in request order."""
        return await self._ready().call_many(requests)

    @ray.method(concurrency_group="admin")
    def health(self) -> dict[str, Any]:
        """Return limits, circuit state and counters (answers even when every slot is busy)."""
        if self._gateway is None:
            return {"provider": self._provider, "calls": 0, "started": False}
        return {**self._gateway.health(), "started": True}


def gateway_handles(
    providers: Sequence[str], settings: ProviderSettings, options: Mapping[str, Any] | None = None
) -> dict[str, ActorHandle]:
    """Get or create the detached gateway actor of each provider; return handles by provider name."""
    handles: dict[str, ActorHandle] = {}
    for provider in providers:
        handles[provider] = GatewayActor.options(  # type: ignore[attr-defined]
            name=actor_name(provider, settings),
            namespace=NAMESPACE,
            lifetime="detached",
            get_if_exists=True,
        ).remote(provider, settings, options or {})
    return handles


def gateway_health(handles: Mapping[str, ActorHandle], timeout_s: float = 5.0) -> dict[str, Any]:
    """Collect every gateway's health."""
    refs: dict[str, Any] = {name: handle.health.remote() for name, handle in handles.items()}
    return {name: ray.get(ref, timeout=timeout_s) for name, ref in refs.items()}
