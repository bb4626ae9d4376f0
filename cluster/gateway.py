"""ProviderGateway: the one place a provider credential's rate limit, concurrency, retries and circuit live.

A gateway owns one provider credential. Every call holds one of its concurrency slots for the whole
attempt (polls included), and every request of the attempt waits for its *lane*'s rate limiter
(aiolimiter): the endpoint's own limit where the provider documents one (Icypeas' read 30/min), else
the credential's shared one. An attempt runs through `providers.execute`; retryable outcomes are
retried with tenacity: exponential backoff with jitter, never sooner than the provider's Retry-After.
A 429 also pauses its lane for the Retry-After, so the other callers back off too. Polled actions
that can read many jobs at once share one `BatchPoller` per action. After `circuit_threshold`
consecutive provider-health failures (5xx, timeouts, lost connections, unreadable bodies) the circuit
opens for `circuit_cooldown_s` and calls fail at once; a request's own problem (bad input, a
deadline) never opens it. The gateway is plain asyncio: the API uses it in-process, and the cluster
hosts one per provider in a named Ray actor (`cluster/actors.py`), which is what makes the limit global.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    stop_after_attempt,
)

from cluster.metrics import engine_metrics
from config import ProviderSettings
from providers.base import (
    ErrorClass,
    Outcome,
    PolledAction,
    Provider,
    ProviderResult,
    RateLimit,
    RateLimits,
    Skip,
)
from providers.execute import BatchPoller, Endpoint, Sleep, execute
from providers.http import HttpClient
from providers.registry import all_providers, endpoint_for, rate_limits_for

UNPACED_INTERVAL_S = 1e-6
PACING_BURST = 2
# What says the provider itself is unwell, as opposed to one request's own problem.
HEALTH_FAILURES = frozenset(
    {ErrorClass.SERVER_ERROR, ErrorClass.TIMEOUT, ErrorClass.CONNECTION, ErrorClass.MALFORMED_BODY}
)


class _Lane:
    """One rate limit: requests admitted in arrival order, evenly paced, paused after a 429."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        # Paced nearly evenly: at most PACING_BURST requests back to back, then one per 1/rate. A
        # bucket of one would lose the time of every late timer wake-up for good (a gateway at 40/s
        # then sends 38/s); a bucket of two lets the next request make it up, and still never sends
        # more than the rate on average, so a provider's own bucket (a second's worth, typically)
        # never runs dry however the requests jitter on the wire.
        burst = PACING_BURST if limit.per_second >= PACING_BURST else 1
        self.limiter = AsyncLimiter(burst, burst / limit.per_second)
        # Spacing requests less than a microsecond apart is below the event loop's clock: a limit
        # that high means "unlimited", and pacing it would only cost a timer per request.
        self.paced = 1 / limit.per_second >= UNPACED_INTERVAL_S
        # aiolimiter lets whichever waiter wakes first through; this lock admits them strictly in
        # arrival order, so the entities that asked first finish their step first and move on —
        # which keeps every provider of a multi-step blueprint busy at once.
        self.turn = asyncio.Lock()
        self.paused_until = 0.0
        self.requests = 0

    async def admit(self) -> None:
        """Wait for this request's turn: in arrival order, after any 429 pause, at the paced rate."""
        async with self.turn:
            pause = self.paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            if self.paced:
                await self.limiter.acquire()
        self.requests += 1


@dataclass
class GatewayStats:
    """Counters a dashboard or a benchmark reads."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    circuit_opened: int = 0
    in_flight: int = 0
    waiting: int = 0
    latency_ms_total: float = 0.0
    latency_ms_max: float = 0.0
    cost_usd: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data."""
        return {
            "calls": self.calls,
            "attempts": self.attempts,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "outcomes": dict(self.outcomes),
            "errors": dict(self.errors),
            "circuit_opened": self.circuit_opened,
            "in_flight": self.in_flight,
            "waiting": self.waiting,
            "latency_ms_avg": round(self.latency_ms_total / self.attempts, 1) if self.attempts else None,
            "latency_ms_max": round(self.latency_ms_max, 1),
            "cost_usd": round(self.cost_usd, 6),
        }


def _failed(provider: str, action: str, error: ErrorClass, message: str) -> ProviderResult:
    return ProviderResult(
        provider=provider, action=action, outcome=Outcome.FAILED, error_class=error, message=message
    )


class ProviderGateway:
    """Rate-limited, retrying access to one provider credential."""

    def __init__(
        self,
        provider: Provider,
        endpoint: Endpoint,
        limit: RateLimit | RateLimits,
        *,
        client: HttpClient,
        max_attempts: int = 4,
        max_backoff_s: float = 30.0,
        circuit_threshold: int = 25,
        circuit_cooldown_s: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.provider = provider
        self.endpoint = endpoint
        self.limits = limit if isinstance(limit, RateLimits) else RateLimits(limit)
        self.limit = self.limits.shared
        self.client = client
        self.max_attempts = max_attempts
        self.max_backoff_s = max_backoff_s
        self.circuit_threshold = circuit_threshold
        self.circuit_cooldown_s = circuit_cooldown_s
        self.sleep = sleep  # how polled actions wait between polls (tests skip the wait)
        self.stats = GatewayStats()
        self._lanes: dict[str, _Lane] = {}
        self._account = _Lane(self.limits.account) if self.limits.account is not None else None
        self._pollers: dict[str, BatchPoller] = {}
        # A job read in lists is seen only while it is among the provider's latest poll_many_limit:
        # never keep more open than one list shows, whatever the configured concurrency.
        listed = [
            a.poll_many_limit
            for a in provider.actions.values()
            if isinstance(a, PolledAction) and a.build_poll_many is not None
        ]
        self.concurrency = min([self.limit.concurrency, *listed])
        self._slots = asyncio.Semaphore(self.concurrency)
        self._consecutive_failures = 0
        self._circuit_open_until = 0.0

    @property
    def name(self) -> str:
        return self.provider.name

    async def call(self, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Run provider.action for inputs: limited, retried, classified. Never raises."""
        self.stats.calls += 1
        spec = self.provider.actions.get(action)
        if spec is None:
            return _failed(self.name, action, ErrorClass.BAD_INPUT, f"{self.name} has no action {action!r}")
        try:
            planned = spec.build(inputs, self.endpoint.credentials)
        except (KeyError, TypeError, ValueError):
            planned = None  # execute() classifies it as bad input
        if isinstance(planned, Skip):
            # Nothing is sent, so no token or slot is spent on it.
            skipped = await execute(spec, inputs, endpoint=self.endpoint, client=self.client)
            self.stats.outcomes[str(skipped.outcome)] += 1
            return skipped
        lane = self._lane(planned.path if planned is not None else "")
        # Most calls succeed or fail for good at once: tenacity is only set up for the ones that will retry.
        result = await self._attempt(action, inputs, lane)
        tries = [result]
        if result.is_retryable and self.max_attempts > 1:
            self.stats.retries += 1
            await asyncio.sleep(self._backoff(1, result))
            retrying = AsyncRetrying(
                stop=stop_after_attempt(self.max_attempts - 1),
                wait=self._wait,
                retry=retry_if_result(lambda r: isinstance(r, ProviderResult) and r.is_retryable),
                retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    result = await self._attempt(action, inputs, lane)
                    tries.append(result)
                if attempt.retry_state.outcome is not None and not attempt.retry_state.outcome.failed:
                    attempt.retry_state.set_result(result)
        if len(tries) > 1:
            # The history keeps every try: what a 429 or a flapping provider cost shows up there.
            result = replace(result, retried=tuple(tries[:-1]))
        self.stats.outcomes[str(result.outcome)] += 1
        self.stats.cost_usd += result.cost_usd
        return result

    async def call_many(self, requests: Sequence[tuple[str, Mapping[str, Any]]]) -> list[ProviderResult]:
        """Run many (action, inputs) calls concurrently, in order of the answers' positions."""
        results = list(await asyncio.gather(*(self.call(action, inputs) for action, inputs in requests)))
        engine_metrics().flush()
        return results

    def _wait(self, state: RetryCallState) -> float:
        self.stats.retries += 1
        result = state.outcome.result() if state.outcome and not state.outcome.failed else None
        # The fast path already made one attempt: tenacity's attempt n is the gateway's n + 1.
        return self._backoff(state.attempt_number + 1, result if isinstance(result, ProviderResult) else None)

    def _backoff(self, attempt_number: int, result: ProviderResult | None) -> float:
        """Exponential backoff with jitter, never sooner than the provider's Retry-After."""
        backoff = min(self.max_backoff_s, 0.5 * 2 ** (attempt_number - 1)) * (0.5 + random.random() / 2)
        retry_after = result.retry_after_s if result is not None else None
        return float(max(backoff, retry_after or 0.0))

    def _lane(self, path: str) -> _Lane:
        """Return (creating on first use) the lane a request to path counts against."""
        key, limit = self.limits.lane(path)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(limit)
        return lane

    async def _admit_path(self, path: str) -> None:
        await self._lane(path).admit()
        if self._account is not None:
            await self._account.admit()

    def _poller(self, spec: PolledAction) -> BatchPoller | None:
        """Return the action's shared reader when it can read many jobs at once."""
        if spec.build_poll_many is None:
            return None
        poller = self._pollers.get(spec.name)
        if poller is None:
            # Besides each shared read, as many single reads as the read endpoint's limit leaves room
            # for between two shared reads (at least one).
            read_path = spec.build_poll_many([], self.endpoint.credentials).path
            per_interval = self.limits.lane(read_path)[1].per_second * spec.poll_interval_s
            poller = self._pollers[spec.name] = BatchPoller(
                spec,
                endpoint=self.endpoint,
                client=self.client,
                admit=self._admit_path,
                sleep=self.sleep,
                single_reads=min(spec.poll_many_limit, int(per_interval) - 1),
            )
        return poller

    async def _attempt(self, action: str, inputs: Mapping[str, Any], lane: _Lane) -> ProviderResult:
        if time.monotonic() < self._circuit_open_until:
            return _failed(
                self.name, action, ErrorClass.PROVIDER_ERROR, "circuit open after repeated failures"
            )
        stats = self.stats
        admitted = False

        async def admit(path: str) -> None:
            nonlocal admitted
            await self._admit_path(path)
            if not admitted:
                admitted = True
                stats.waiting -= 1
                stats.in_flight += 1

        spec = self.provider.actions[action]
        stats.waiting += 1
        try:
            async with self._slots:
                result = await execute(
                    spec,
                    inputs,
                    endpoint=self.endpoint,
                    client=self.client,
                    sleep=self.sleep,
                    admit=admit,
                    poller=self._poller(spec) if isinstance(spec, PolledAction) else None,
                )
        finally:
            if admitted:
                stats.in_flight -= 1
            else:
                stats.waiting -= 1
        self._record(result, lane)
        return result

    def _record(self, result: ProviderResult, lane: _Lane) -> None:
        stats = self.stats
        stats.attempts += 1
        engine_metrics().provider_attempt(
            self.name, str(result.outcome), result.duration_ms, result.error_class is ErrorClass.RATE_LIMITED
        )
        if result.duration_ms is not None:
            stats.latency_ms_total += result.duration_ms
            stats.latency_ms_max = max(stats.latency_ms_max, result.duration_ms)
        if result.error_class is not None:
            stats.errors[str(result.error_class)] += 1
        if result.error_class is ErrorClass.RATE_LIMITED:
            stats.rate_limited += 1
            # Slow every caller of this endpoint's limit, not just the one that was told.
            lane.paused_until = max(lane.paused_until, time.monotonic() + (result.retry_after_s or 1.0))
        if result.error_class in HEALTH_FAILURES:
            self._consecutive_failures += 1
            if self._consecutive_failures >= self.circuit_threshold:
                self._circuit_open_until = time.monotonic() + self.circuit_cooldown_s
                self._consecutive_failures = 0
                stats.circuit_opened += 1
        elif result.error_class is not ErrorClass.RATE_LIMITED:
            self._consecutive_failures = 0

    def health(self) -> dict[str, Any]:
        """Return the gateway's limits, circuit and counters."""
        now = time.monotonic()
        return {
            "provider": self.name,
            "base_url": self.endpoint.base_url,
            "has_key": self.endpoint.credentials.api_key is not None,
            "rate_per_second": round(self.limit.per_second, 3),
            "concurrency": self.concurrency,
            "circuit_open": now < self._circuit_open_until,
            "paused_s": round(max([0.0, *(lane.paused_until - now for lane in self._lanes.values())]), 3),
            "lanes": {
                key or "shared": {
                    "rate_per_second": round(lane.limit.per_second, 3),
                    "requests": lane.requests,
                    "paused_s": round(max(0.0, lane.paused_until - now), 3),
                }
                for key, lane in sorted(self._lanes.items())
            },
            "open_jobs": sum(poller.open_jobs for poller in self._pollers.values()),
            **self.stats.as_dict(),
        }


class GatewayPool:
    """One gateway per provider, sharing one HTTP client; the in-process ProviderCaller."""

    def __init__(
        self, settings: ProviderSettings, *, client: HttpClient | None = None, **gateway_options: Any
    ) -> None:
        self.settings = settings
        self.client = client or HttpClient(max_connections=512, default_timeout_s=60)
        self._options = gateway_options
        self._gateways: dict[str, ProviderGateway] = {}

    def gateway(self, provider: str) -> ProviderGateway:
        """Return (creating on first use) the gateway of provider."""
        existing = self._gateways.get(provider)
        if existing is not None:
            return existing
        adapter = all_providers()[provider]
        created = ProviderGateway(
            adapter,
            endpoint_for(adapter, self.settings),
            rate_limits_for(adapter, self.settings),
            client=self.client,
            **self._options,
        )
        self._gateways[provider] = created
        return created

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Run provider.action through its gateway."""
        if provider not in all_providers():
            return _failed(provider, action, ErrorClass.BAD_INPUT, f"unknown provider {provider!r}")
        return await self.gateway(provider).call(action, inputs)

    def health(self) -> dict[str, Any]:
        """Return every created gateway's health."""
        return {name: gateway.health() for name, gateway in sorted(self._gateways.items())}

    async def close(self) -> None:
        """Close the shared HTTP client."""
        await self.client.close()
