"""Gateway actors: one named Ray actor per provider credential, keeping its LeaseBook cluster-wide.

Processes that call a provider lease send times and permits from its actor (`lease`, one call for
many requests) and make the HTTP calls themselves. The actor still runs calls of its own through
`call_batch`, for polled actions that read many open jobs together (Icypeas): those jobs must be
read in one place per credential. `health` runs in its own concurrency group, so it answers even
while every call slot waits. When the book's exhausted mark is about to run out, a lease call starts
one balance check in the background (`check_credits`, also run on demand by `dex providers`): a
positive balance clears the mark for every holder, a zero keeps it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import ray
from ray.actor import ActorHandle

from cluster.gateway import ProviderGateway, credential_concurrency, local_holder, own_book
from cluster.leases import LeaseAsk, LeaseGrant
from cluster.placement import on_head_node
from cluster.runtime import NAMESPACE
from config import ClusterSettings, ProviderSettings
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
    """Hosts one credential's LeaseBook, and a ProviderGateway for the calls it makes itself."""

    def __init__(
        self,
        provider: str,
        settings: ProviderSettings,
        options: Mapping[str, Any],
        cluster: ClusterSettings | None = None,
    ) -> None:
        self._provider = provider
        self._settings = settings
        self._cluster = cluster if cluster is not None else ClusterSettings()
        self._options = dict(options)
        adapter = get_provider(provider)
        limits = rate_limits_for(adapter, settings)
        self._book = own_book(
            limits,
            self._cluster,
            concurrency=credential_concurrency(adapter, limits),
            interactive_share=settings.gateway_interactive_share,
            horizon_s=settings.gateway_lease_horizon_s,
            exhausted_recheck_s=settings.provider_credits_recheck_s,
            circuit_threshold=self._options.get("circuit_threshold"),
            circuit_cooldown_s=self._options.get("circuit_cooldown_s"),
        )
        self._gateway: ProviderGateway | None = None
        self._credits_check: asyncio.Task[Any] | None = None
        self._has_balance = adapter.credits is not None

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
                holder=local_holder(self._book, "actor", settings=self._cluster),
                settings=self._cluster,
                **self._options,
            )
        return self._gateway

    def lease(self, holder_id: str, ask: LeaseAsk) -> LeaseGrant:
        """Grant a holder send times and permits (see cluster/leases.py)."""
        grant = self._book.lease(holder_id, ask)
        if self._credits_check is None and self._has_balance and self._book.recheck_due():
            # Runs on this (the default group's) event loop, where the gateway's HTTP client lives.
            self._credits_check = asyncio.get_running_loop().create_task(self._recheck())
        return grant

    async def _recheck(self) -> None:
        try:
            await self.check_credits()
        finally:
            self._credits_check = None

    async def check_credits(self) -> dict[str, Any]:
        """Check the balance now and settle the exhausted mark on it; return the check and the state."""
        checked = await self._ready().check_credits(self._book)
        return {"check": checked, **self._book.credits_state()}

    async def call_batch(self, requests: Sequence[tuple[str, Mapping[str, Any]]]) -> list[ProviderResult]:
        """Run a batch of (action, inputs) calls here, concurrently; answers in request order."""
        return await self._ready().call_many(requests)

    @ray.method(concurrency_group="admin")
    def stop(self, grace_s: float) -> bool:
        """Stop the credential's calls cluster-wide: nothing new starts; calls in flight get grace_s."""
        self._book.stop(grace_s)
        return True

    @ray.method(concurrency_group="admin")
    def resume(self) -> bool:
        """Let calls start again after a stop (the cluster stayed up)."""
        self._book.resume()
        if self._gateway is not None:
            self._gateway.holder.stop.clear()
        return True

    @ray.method(concurrency_group="admin")
    def health(self) -> dict[str, Any]:
        """Return limits, lanes, holders, circuit state and the counters every holder reported."""
        endpoint = endpoint_for(get_provider(self._provider), self._settings)
        own = self._gateway
        return {
            "provider": self._provider,
            "base_url": endpoint.base_url,
            "has_key": endpoint.credentials.api_key is not None,
            "open_jobs": own.health()["open_jobs"] if own is not None else 0,
            "in_flight": own.stats.in_flight if own is not None else 0,
            **self._book.health(),
            "started": True,
        }


def gateway_handles(
    providers: Sequence[str],
    settings: ProviderSettings,
    options: Mapping[str, Any] | None = None,
    *,
    cluster: ClusterSettings | None = None,
) -> dict[str, ActorHandle[Any]]:
    """Get or create the detached gateway actor of each provider; return handles by provider name.

    An actor that already runs keeps the settings it was created with.
    """
    handles: dict[str, ActorHandle[Any]] = {}
    # On the head node, hard: a gateway lost with a worker node would take its credential's book
    # (permits, pauses, circuit) with it. Computed once: it asks Ray for the nodes.
    placement = on_head_node() if providers else {}
    for provider in providers:
        handles[provider] = GatewayActor.options(  # type: ignore[attr-defined]
            name=actor_name(provider, settings),
            namespace=NAMESPACE,
            lifetime="detached",
            get_if_exists=True,
            **placement,
        ).remote(provider, settings, options or {}, cluster)
    return handles


def gateway_health(handles: Mapping[str, ActorHandle[Any]], timeout_s: float = 5.0) -> dict[str, Any]:
    """Collect every gateway's health."""
    refs: dict[str, Any] = {name: handle.health.remote() for name, handle in handles.items()}
    return {name: ray.get(ref, timeout=timeout_s) for name, ref in refs.items()}
