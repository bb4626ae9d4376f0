"""The ProviderCallers of the cluster: calls made in this process under the credentials' cluster-wide leases.

`LeasedCaller` is what a chunk task (and the API, for `/api/v1/execute`) calls providers through:
one `ProviderGateway` per provider in this process, whose limits are leased from the provider's
gateway actor (`cluster/leases.py`), so the HTTP calls go straight from here to the provider and
only a few lease calls a second cross to the actor. Polled actions that read many open jobs
together (Icypeas) are the exception: they run inside the actor, sent there in batches
(`BatchingCaller`), since one credential's open jobs must be read in one place.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from ray.actor import ActorHandle

from cluster.actors import gateway_handles
from cluster.gateway import ProviderGateway
from cluster.leases import BATCH, INTERACTIVE, LeaseAsk, LeaseGrant, LeaseHolder, StopSignal
from config import ClusterSettings, ProviderSettings
from operations.runtime import CallsStopped
from providers.base import ErrorClass, Outcome, PolledAction, ProviderResult
from providers.http import HttpClient
from providers.registry import all_providers, endpoint_for, rate_limits_for


def _unavailable(provider: str, action: str, message: str) -> ProviderResult:
    return ProviderResult(
        provider=provider,
        action=action,
        outcome=Outcome.FAILED,
        error_class=ErrorClass.PROVIDER_ERROR,
        message=message,
    )


def _read_in_lists(provider: str, action: str) -> bool:
    spec = all_providers()[provider].actions.get(action)
    return isinstance(spec, PolledAction) and spec.build_poll_many is not None


def _ignore_failure(done: asyncio.Future[None]) -> None:
    # A failed listen is the calls' problem (they see the book unreachable), not the listener's.
    if not done.cancelled():
        done.exception()


class BatchingCaller:
    """Sends calls to gateway actors to run there, many in one actor call per tick."""

    def __init__(
        self, handles: Mapping[str, ActorHandle[Any]], *, tick_s: float = 0.005, max_batch: int = 200
    ) -> None:
        self._handles: dict[str, ActorHandle[Any]] = dict(handles)
        self._tick_s = tick_s
        self._max_batch = max_batch
        self._queues: dict[str, list[tuple[str, dict[str, Any], asyncio.Future[ProviderResult]]]] = (
            defaultdict(list)
        )
        self._scheduled: set[str] = set()
        self._in_flight: set[asyncio.Task[None]] = set()
        self.actor_calls = 0

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Queue the call for provider's next batch and wait for its result."""
        if provider not in self._handles:
            return _unavailable(provider, action, f"no gateway for provider {provider!r}")
        future: asyncio.Future[ProviderResult] = asyncio.get_running_loop().create_future()
        self._queues[provider].append((action, dict(inputs), future))
        if provider not in self._scheduled:
            self._scheduled.add(provider)
            asyncio.get_running_loop().call_later(self._tick_s, self._flush, provider)
        return await future

    def _flush(self, provider: str) -> None:
        self._scheduled.discard(provider)
        queue = self._queues[provider]
        while queue:
            batch, queue[:] = queue[: self._max_batch], queue[self._max_batch :]
            task = asyncio.ensure_future(self._send(provider, batch))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _send(
        self, provider: str, batch: list[tuple[str, dict[str, Any], asyncio.Future[ProviderResult]]]
    ) -> None:
        self.actor_calls += 1
        try:
            results = await self._handles[provider].call_batch.remote(
                [(action, inputs) for action, inputs, _ in batch]
            )
        except Exception as exc:  # the actor died or the call was lost: each call fails, retryably
            for action, _, future in batch:
                if not future.done():
                    future.set_result(
                        ProviderResult(
                            provider=provider,
                            action=action,
                            outcome=Outcome.RETRYABLE,
                            error_class=ErrorClass.CONNECTION,
                            message=f"gateway unavailable: {type(exc).__name__}",
                        )
                    )
            return
        for (_, _, future), outcome in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(outcome)


class _ActorLease:
    """A holder's lease function: the provider's gateway actor, found again if it was restarted."""

    def __init__(
        self,
        provider: str,
        settings: ProviderSettings,
        handle: ActorHandle[Any] | None,
        cluster: ClusterSettings,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.cluster = cluster
        self.handle = handle
        self.holder_id = f"{uuid.uuid4().hex[:12]}"

    async def __call__(self, ask: LeaseAsk) -> LeaseGrant:
        if self.handle is None:
            found = await asyncio.to_thread(
                partial(gateway_handles, [self.provider], self.settings, cluster=self.cluster)
            )
            self.handle = found[self.provider]
        try:
            grant: LeaseGrant = await self.handle.lease.remote(self.holder_id, ask)
        except Exception:
            self.handle = None  # look the actor up again next time (a node died, it was recreated)
            raise
        return grant


class LeasedCaller:
    """Calls providers from this process under leases of their gateway actors' books."""

    def __init__(
        self,
        settings: ProviderSettings,
        handles: Mapping[str, ActorHandle[Any]] | None = None,
        *,
        priority: str = BATCH,
        lookup: Callable[[list[str]], Mapping[str, ActorHandle[Any]]] | None = None,
        max_connections: int | None = None,
        cluster: ClusterSettings | None = None,
    ) -> None:
        self.settings = settings
        self.cluster = cluster if cluster is not None else ClusterSettings()
        self.priority = priority
        self._handles: dict[str, ActorHandle[Any]] = dict(handles or {})
        self._lookup = lookup
        self._client: HttpClient | None = None
        self._max_connections = max_connections or self.cluster.caller_max_connections
        self._gateways: dict[str, ProviderGateway] = {}
        self._remote = BatchingCaller(
            self._handles,
            tick_s=(
                self.cluster.gateway_interactive_batch_tick_s
                if priority == INTERACTIVE
                else self.cluster.gateway_batch_tick_s
            ),
            max_batch=self.cluster.gateway_batch_max,
        )
        self._stop = StopSignal()  # shared by this caller's holders: one hearing of a stop is enough
        self._listening: asyncio.Future[None] | None = None
        self.provider_calls = 0

    @property
    def actor_calls(self) -> int:
        """Actor round trips so far: lease calls plus batches run in actors."""
        return self._remote.actor_calls + sum(g.holder.lease_calls for g in self._gateways.values())

    @property
    def stop_deadline(self) -> float | None:
        """When the engine is stopping (as any of this caller's holders heard): when calls must end."""
        return self._stop.deadline

    def listen(self) -> None:
        """Ask a gateway's book for news (a stop) even while no call waits on any of them.

        In the background, at most one at a time: a slow book must not hold up the caller.
        """
        gateway = next(iter(self._gateways.values()), None)
        if gateway is None or self._stop.deadline is not None:
            return
        if self._listening is None or self._listening.done():
            self._listening = asyncio.ensure_future(gateway.holder.listen())
            self._listening.add_done_callback(_ignore_failure)

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Run provider.action here under the credential's leases (or in its actor, for listed jobs).

        Raises CallsStopped once the engine stops: no new call starts.
        """
        if self.stop_deadline is not None:
            raise CallsStopped("the engine is stopping")
        self.provider_calls += 1
        if provider not in all_providers():
            return _unavailable(provider, action, f"unknown provider {provider!r}")
        if provider not in self._handles:
            if self._lookup is None:
                return _unavailable(provider, action, f"no gateway for provider {provider!r}")
            self._handles.update(await asyncio.to_thread(self._lookup, [provider]))
            self._remote._handles.update(self._handles)
        if _read_in_lists(provider, action):
            return await self._remote.call(provider, action, inputs)
        return await self._gateway(provider).call(action, inputs)

    def _gateway(self, provider: str) -> ProviderGateway:
        gateway = self._gateways.get(provider)
        if gateway is None:
            if self._client is None:
                # Made on first use, inside the running event loop (the HTTP client binds to it).
                self._client = HttpClient(max_connections=self._max_connections)
            adapter = all_providers()[provider]
            limits = rate_limits_for(adapter, self.settings)
            tuning = self.cluster
            holder = LeaseHolder(
                limits,
                _ActorLease(provider, self.settings, self._handles.get(provider), tuning),
                priority=self.priority,
                tick_s=tuning.lease_tick_s,
                heartbeat_s=tuning.lease_heartbeat_s,
                report_every_s=tuning.lease_report_every_s,
                keep_s=tuning.lease_keep_s,
                unreachable_s=tuning.lease_unreachable_s,
                stop=self._stop,
            )
            gateway = self._gateways[provider] = ProviderGateway(
                adapter,
                endpoint_for(adapter, self.settings),
                limits,
                client=self._client,
                holder=holder,
                settings=tuning,
            )
        return gateway

    async def close(self) -> None:
        """Return every permit, send the last counters, close the HTTP client."""
        if self._listening is not None and not self._listening.done():
            self._listening.cancel()
        await asyncio.gather(*(g.close() for g in self._gateways.values()))
        if self._client is not None:
            await self._client.close()
            self._client = None


class ClusterGatewayCaller(LeasedCaller):
    """The API's caller: interactive calls, ahead of batch work, under the cluster's leases.

    /api/v1/execute goes under the same books as the batch engine, so one operation run from the
    API and a thousand from a batch share each provider's cluster-wide limits, and the API's go first.
    """

    def __init__(self, settings: ProviderSettings, cluster: ClusterSettings | None = None) -> None:
        tuning = cluster if cluster is not None else ClusterSettings()
        super().__init__(
            settings,
            priority=INTERACTIVE,
            lookup=lambda providers: gateway_handles(providers, settings, cluster=tuning),
            max_connections=tuning.api_caller_max_connections,
            cluster=tuning,
        )
