"""BatchingCaller: the ProviderCaller a chunk task uses — many entities' calls, few actor round trips.

Every call is queued per provider; a flusher sends what has accumulated as one `call_batch` to the
provider's gateway actor once per tick, so a chunk of hundreds of entities makes a handful of actor
calls per step rather than one per entity. Several batches of one provider may be in flight at once,
so a slow call only holds back its own batch.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ray.actor import ActorHandle

from cluster.actors import gateway_handles
from config import ProviderSettings
from providers.base import ErrorClass, Outcome, ProviderResult
from providers.registry import all_providers, rate_limit_for

BATCH_WINDOW_S = 0.25


def batch_limits(providers: Sequence[str], settings: ProviderSettings) -> dict[str, int]:
    """Return, per provider, the batch its gateway answers in about BATCH_WINDOW_S at its rate limit."""
    adapters = all_providers()
    return {
        name: max(1, int(rate_limit_for(adapters[name], settings).per_second * BATCH_WINDOW_S))
        for name in providers
        if name in adapters
    }


class BatchingCaller:
    """Routes provider calls to gateway actors in batches."""

    def __init__(
        self,
        handles: Mapping[str, ActorHandle],
        *,
        tick_s: float = 0.005,
        max_batch: int = 200,
        batch_limits: Mapping[str, int] | None = None,
    ) -> None:
        self._handles: dict[str, ActorHandle] = dict(handles)
        self._tick_s = tick_s
        self._max_batch = max_batch
        # A batch is answered when its slowest call is: a rate-limited provider gets batches it
        # serves within about BATCH_WINDOW_S, so each caller moves on soon after its own answer.
        self._batch_limits = dict(batch_limits or {})
        self._queues: dict[str, list[tuple[str, dict[str, Any], asyncio.Future[ProviderResult]]]] = (
            defaultdict(list)
        )
        self._scheduled: set[str] = set()
        self._in_flight: set[asyncio.Task[None]] = set()
        self.actor_calls = 0
        self.provider_calls = 0

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Queue the call for provider's next batch and wait for its result."""
        if provider not in self._handles:
            return ProviderResult(
                provider=provider,
                action=action,
                outcome=Outcome.FAILED,
                error_class=ErrorClass.PROVIDER_ERROR,
                message=f"no gateway for provider {provider!r}",
            )
        future: asyncio.Future[ProviderResult] = asyncio.get_running_loop().create_future()
        self._queues[provider].append((action, dict(inputs), future))
        self.provider_calls += 1
        if provider not in self._scheduled:
            self._scheduled.add(provider)
            asyncio.get_running_loop().call_later(self._tick_s, self._flush, provider)
        return await future

    def _flush(self, provider: str) -> None:
        self._scheduled.discard(provider)
        queue = self._queues[provider]
        size = max(1, min(self._max_batch, self._batch_limits.get(provider, self._max_batch)))
        while queue:
            batch, queue[:] = queue[:size], queue[size:]
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
            _settle_unanswered(provider, batch, f"gateway unavailable: {type(exc).__name__}")
            return
        for (_, _, future), outcome in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(outcome)


def _settle_unanswered(
    provider: str,
    batch: list[tuple[str, dict[str, Any], asyncio.Future[ProviderResult]]],
    message: str,
) -> None:
    """Fail, retryably, every call of the batch that has no answer yet."""
    for action, _, future in batch:
        if not future.done():
            future.set_result(
                ProviderResult(
                    provider=provider,
                    action=action,
                    outcome=Outcome.RETRYABLE,
                    error_class=ErrorClass.CONNECTION,
                    message=message,
                )
            )


class ClusterGatewayCaller:
    """A ProviderCaller for the API process: the cluster's gateway actors, looked up on first use.

    /api/v1/execute goes through the same named actors as the batch engine, so one operation run
    from the API and a thousand from a batch share each provider's cluster-wide rate limit.
    """

    def __init__(self, settings: ProviderSettings) -> None:
        self._settings = settings
        self._inner = BatchingCaller({}, tick_s=0.001)

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Route the call to the provider's gateway actor (creating it if needed)."""
        if provider not in self._inner._handles and provider in all_providers():
            handles = await asyncio.to_thread(gateway_handles, [provider], self._settings)
            self._inner._handles.update(handles)
        return await self._inner.call(provider, action, inputs)
