"""ProviderGateway: one provider credential's calls — leased limits, retries, the circuit — in this process.

A gateway makes its provider's HTTP calls itself, in whatever process it lives (a chunk worker, the
API, the gateway actor); the limits it obeys are the credential's `LeaseBook`, reached through a
`LeaseHolder` (`cluster/leases.py`): every call holds one concurrency permit for its whole attempt
(polls included), and every request of the attempt waits for a send time on its *lane* (the
endpoint's own limit where the provider documents one, else the credential's shared one). The book
lives in the credential's gateway actor (`cluster/actors.py`), which is what makes the limits hold
across the cluster; a gateway built without a holder keeps a book of its own (an API without Ray,
tests). An attempt runs through `providers.execute`; retryable outcomes are retried by one loop
(`cluster/retry.py`): exponential backoff with jitter, never sooner than the provider's Retry-After.
A 429 also pauses its lane for every holder (`cluster/pacing.py`). Polled actions that can read many
jobs at once share one `BatchPoller` per action. After `circuit_threshold` consecutive
provider-health failures (5xx, timeouts, lost connections, unreadable bodies) across the cluster,
the book opens the circuit (`cluster/circuit.py`) for `circuit_cooldown_s` and calls fail at once;
then a single trial call decides whether it closes. A request's own problem (bad input, a deadline) never
opens it. `check_credits` reads the credential's balance (a free call, outside the limits) and
settles the book's exhausted mark on it; a gateway keeping its own book does so by itself when the
mark is about to run out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cluster.circuit import Gate, TrialEnd
from cluster.leases import BookUnreachable, Counters, LeaseAsk, LeaseBook, LeaseGrant, LeaseHolder
from cluster.metrics import engine_metrics
from cluster.retry import RetryPolicy, retry
from config import ClusterSettings, ProviderSettings
from operations.runtime import IN_FLIGHT, ON_RETRIED_TRY, CallsStopped
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

# What says the provider itself is unwell, as opposed to one request's own problem.
HEALTH_FAILURES = frozenset(
    {ErrorClass.SERVER_ERROR, ErrorClass.TIMEOUT, ErrorClass.CONNECTION, ErrorClass.MALFORMED_BODY}
)


def credential_concurrency(provider: Provider, limits: RateLimits) -> int:
    """Return how many calls of one credential may be open at once.

    A job read in lists is seen only while it is among the provider's latest poll_many_limit:
    never keep more open than one list shows, whatever the configured concurrency.
    """
    listed = [
        a.poll_many_limit
        for a in provider.actions.values()
        if isinstance(a, PolledAction) and a.build_poll_many is not None
    ]
    return min([limits.shared.concurrency, *listed])


def credits_remaining(result: ProviderResult | None) -> float | None:
    """Return the credits a balance check found, None when it found none (failed, or no endpoint)."""
    if result is None or result.outcome is not Outcome.FOUND or not result.data:
        return None
    remaining = result.data.get("credits_remaining")
    return float(remaining) if isinstance(remaining, int | float) else None


def local_holder(
    book: LeaseBook, name: str = "local", settings: ClusterSettings | None = None
) -> LeaseHolder:
    """Return a holder of a book in this same process (no ticks, reports applied at once)."""

    async def lease(ask: LeaseAsk) -> LeaseGrant:
        return book.lease(name, ask)

    if settings is None:
        return LeaseHolder(book.limits, lease, tick_s=0.0, eager_reports=True, clock=book.clock)
    return LeaseHolder(
        book.limits,
        lease,
        tick_s=0.0,
        heartbeat_s=settings.lease_heartbeat_s,
        report_every_s=settings.lease_report_every_s,
        keep_s=settings.lease_keep_s,
        eager_reports=True,
        clock=book.clock,
    )


def own_book(
    limits: RateLimits,
    settings: ClusterSettings,
    *,
    concurrency: int,
    horizon_s: float = 0.25,
    interactive_share: float = 0.1,
    exhausted_recheck_s: float = 600.0,
    circuit_threshold: int | None = None,
    circuit_cooldown_s: float | None = None,
) -> LeaseBook:
    """Return a credential's book tuned by the cluster settings (explicit circuit values win)."""
    return LeaseBook(
        limits,
        concurrency=concurrency,
        horizon_s=horizon_s,
        interactive_share=interactive_share,
        interactive_linger_s=settings.lease_interactive_linger_s,
        holder_ttl_s=settings.lease_holder_ttl_s,
        share_retry_s=settings.lease_share_retry_s,
        exhausted_recheck_s=exhausted_recheck_s,
        circuit_threshold=settings.gateway_circuit_threshold
        if circuit_threshold is None
        else circuit_threshold,
        circuit_cooldown_s=settings.gateway_circuit_cooldown_s
        if circuit_cooldown_s is None
        else circuit_cooldown_s,
        circuit_trial_timeout_s=settings.gateway_circuit_trial_timeout_s,
        circuit_recheck_s=settings.gateway_circuit_recheck_s,
    )


@dataclass
class GatewayStats(Counters):
    """This process's counters of one gateway (the book adds up every process's)."""

    in_flight: int = 0
    waiting: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data."""
        return {**super().as_dict(), "in_flight": self.in_flight, "waiting": self.waiting}


def _failed(provider: str, action: str, error: ErrorClass, message: str) -> ProviderResult:
    return ProviderResult(
        provider=provider, action=action, outcome=Outcome.FAILED, error_class=error, message=message
    )


class _NoCredits(Exception):
    """The credential was marked out of credits before this attempt's first request was sent."""


class ProviderGateway:
    """Rate-limited, retrying access to one provider credential.

    Its tunables come from `settings` (read from the environment when not given), once, here; an
    explicit `max_attempts`, `max_backoff_s` or circuit value wins (tests, the in-process pool).
    """

    def __init__(
        self,
        provider: Provider,
        endpoint: Endpoint,
        limit: RateLimit | RateLimits,
        *,
        client: HttpClient,
        holder: LeaseHolder | None = None,
        settings: ClusterSettings | None = None,
        max_attempts: int | None = None,
        max_backoff_s: float | None = None,
        circuit_threshold: int | None = None,
        circuit_cooldown_s: float | None = None,
        credits_recheck_s: float = 600.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        tuning = settings if settings is not None else ClusterSettings()
        self.provider = provider
        self.endpoint = endpoint
        self.limits = limit if isinstance(limit, RateLimits) else RateLimits(limit)
        self.limit = self.limits.shared
        self.client = client
        self.retry_policy = RetryPolicy(
            max_attempts=tuning.gateway_max_attempts if max_attempts is None else max_attempts,
            max_backoff_s=tuning.gateway_max_backoff_s if max_backoff_s is None else max_backoff_s,
            first_backoff_s=tuning.gateway_first_backoff_s,
        )
        self.credits_check_timeout_s = tuning.gateway_credits_check_timeout_s
        # A polled action's shared read never runs more often than this, however fast its plan may read.
        self.min_shared_read_s = tuning.gateway_min_shared_read_s
        self.sleep = sleep  # how polled actions wait between polls (tests skip the wait)
        self.stats = GatewayStats()
        self.concurrency = credential_concurrency(provider, self.limits)
        # Without a holder of the cluster's book, this gateway keeps the credential's limits itself.
        self.book = (
            own_book(
                self.limits,
                tuning,
                concurrency=self.concurrency,
                circuit_threshold=circuit_threshold,
                circuit_cooldown_s=circuit_cooldown_s,
                exhausted_recheck_s=credits_recheck_s,
            )
            if holder is None
            else None
        )
        self.credits_check: asyncio.Task[ProviderResult | None] | None = None
        self.holder = holder if holder is not None else local_holder(self.book, settings=tuning)  # type: ignore[arg-type]
        self._pollers: dict[str, BatchPoller] = {}

    @property
    def name(self) -> str:
        return self.provider.name

    async def call(self, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Run provider.action for inputs: limited, retried, classified. Never raises."""
        self.stats.calls += 1
        self.holder.report.calls += 1
        spec = self.provider.actions.get(action)
        if spec is None:
            return _failed(self.name, action, ErrorClass.BAD_INPUT, f"{self.name} has no action {action!r}")
        try:
            planned = spec.build(inputs, self.endpoint.credentials)
        except (KeyError, TypeError, ValueError):
            planned = None  # execute() classifies it as bad input
        if isinstance(planned, Skip):
            # Nothing is sent, so no send time or permit is spent on it.
            skipped = await execute(spec, inputs, endpoint=self.endpoint, client=self.client)
            self._count_outcome(skipped)
            return skipped
        if self.book is not None and self.credits_check is None and self._recheck_due():
            self.credits_check = asyncio.get_running_loop().create_task(self._recheck())
        if await self.holder.still_exhausted():
            # The credential has no credits left: calling would only be refused, entity after entity.
            exhausted = self._out_of_credits(action)
            self._count_outcome(exhausted)
            return exhausted
        if self.holder.stopping:
            raise CallsStopped(f"{self.name}: the engine is stopping")
        lane = self.holder.lane_of(planned.path if planned is not None else "")
        result = await self._attempt(action, inputs, lane)
        if result.is_retryable and self.retry_policy.max_attempts > 1:
            # Most calls succeed or fail for good at once: only the ones that will retry go further.
            result = await retry(
                result,
                lambda: self._attempt(action, inputs, lane),
                policy=self.retry_policy,
                sleep=self.holder.stop.sleep,  # a stop ends the backoff: the retry will not be made
                on_retry=self._retrying,
            )
        self._count_outcome(result)
        return result

    async def check_credits(self, book: LeaseBook | None = None) -> ProviderResult | None:
        """Read the credential's balance and settle the exhausted mark on it; None without an endpoint.

        The check is free and rarely made, so it takes no permit or send time. The mark is settled
        in `book`, else in this gateway's own book (a positive balance clears it, zero keeps it).
        """
        check = self.provider.credits
        if check is None:
            return None
        longest = self.credits_check_timeout_s
        limit = min(self.endpoint.max_timeout_s or longest, longest)
        endpoint = replace(self.endpoint, max_timeout_s=limit)
        checked = await execute(check, {}, endpoint=endpoint, client=self.client)
        settle = book if book is not None else self.book
        if settle is not None:
            settle.settle_credits(credits_remaining(checked))
            if settle is self.book:
                await self.holder.refresh_exhausted()  # this process's calls follow the settled mark at once
        return checked

    def _recheck_due(self) -> bool:
        return self.provider.credits is not None and self.book is not None and self.book.recheck_due()

    async def _recheck(self) -> ProviderResult | None:
        try:
            return await self.check_credits()
        finally:
            self.credits_check = None

    async def call_many(self, requests: Sequence[tuple[str, Mapping[str, Any]]]) -> list[ProviderResult]:
        """Run many (action, inputs) calls concurrently, in order of the answers' positions."""
        results = list(await asyncio.gather(*(self.call(action, inputs) for action, inputs in requests)))
        engine_metrics().flush()
        return results

    def _count_outcome(self, result: ProviderResult) -> None:
        for counters in (self.stats, self.holder.report):
            counters.record(str(result.outcome), result.cost_usd)
        self.holder.reported()

    def _count_retry(self) -> None:
        self.stats.retries += 1
        self.holder.report.retries += 1

    def _retrying(self, result: ProviderResult) -> None:
        self._count_retry()
        on_try = ON_RETRIED_TRY.get()
        if on_try is not None:
            on_try(result)  # journaled now: this try is over, another follows

    def _poller(self, spec: PolledAction) -> BatchPoller | None:
        """Return the action's shared reader when it can read many jobs at once."""
        if spec.build_poll_many is None:
            return None
        poller = self._pollers.get(spec.name)
        if poller is None:
            # Shared reads take two thirds of the read endpoint's limit, never more often than every
            # min_shared_read_s nor less than the action's documented interval. Besides each, as many
            # single reads as the limit leaves room for between two shared reads (at least one).
            read_path = spec.build_poll_many([], self.endpoint.credentials).path
            reads_per_s = self.limits.lane(read_path)[1].per_second
            interval = min(spec.poll_interval_s, max(self.min_shared_read_s, 1.5 / reads_per_s))
            poller = self._pollers[spec.name] = BatchPoller(
                spec,
                endpoint=self.endpoint,
                client=self.client,
                admit=self.holder.admit,
                sleep=self.sleep,
                single_reads=min(spec.poll_many_limit, int(reads_per_s * interval) - 1),
                interval_s=interval,
            )
        return poller

    def _unreachable(self, action: str, exc: BookUnreachable) -> ProviderResult:
        # Nothing was sent: retryable, like a lost connection.
        return ProviderResult(
            provider=self.name,
            action=action,
            outcome=Outcome.RETRYABLE,
            error_class=ErrorClass.CONNECTION,
            message=str(exc),
        )

    def _out_of_credits(self, action: str) -> ProviderResult:
        return ProviderResult(
            provider=self.name,
            action=action,
            outcome=Outcome.SKIPPED,
            skip_reason=str(ErrorClass.NO_CREDITS),
            message=f"{self.name} is out of credits",
        )

    def _circuit_refusal(self, action: str) -> ProviderResult:
        return _failed(self.name, action, ErrorClass.PROVIDER_ERROR, "circuit open after repeated failures")

    async def _attempt(
        self, action: str, inputs: Mapping[str, Any], lane: str, trial: bool = False
    ) -> ProviderResult:
        holder = self.holder
        if not trial and not holder.circuit_clear:
            try:
                gate = await holder.pass_circuit()
            except BookUnreachable as exc:
                return self._unreachable(action, exc)
            if gate is Gate.REFUSED:
                return self._circuit_refusal(action)
            if gate is Gate.TRIAL:
                return await self._trial(action, inputs, lane)
        stats = self.stats
        admitted = False

        flight = IN_FLIGHT.get()

        async def admit(path: str) -> None:
            nonlocal admitted
            await holder.admit(path)
            if not admitted and holder.exhausted:
                # Marked while this call waited for its permit or send time: a whole chunk's calls
                # wait together, and each would otherwise be refused in turn.
                raise _NoCredits
            if flight is not None:
                flight.sent += 1
            if not admitted:
                admitted = True
                stats.waiting -= 1
                stats.in_flight += 1

        spec = self.provider.actions[action]
        stats.waiting += 1
        try:
            await holder.acquire()
        except BookUnreachable as exc:
            stats.waiting -= 1
            return self._unreachable(action, exc)
        try:
            if not trial and not holder.circuit_clear:  # opened while this call waited for its permit
                return self._circuit_refusal(action)
            result = await execute(
                spec,
                inputs,
                endpoint=self.endpoint,
                client=self.client,
                sleep=self.sleep,
                admit=admit,
                poller=self._poller(spec) if isinstance(spec, PolledAction) else None,
            )
        except BookUnreachable as exc:
            return self._unreachable(action, exc)
        except _NoCredits:
            return self._out_of_credits(action)
        finally:
            holder.release()
            if admitted:
                stats.in_flight -= 1
            else:
                stats.waiting -= 1
        self._record(result, lane)
        if trial and admitted:
            holder.end_trial(TrialEnd.FAILED if result.error_class in HEALTH_FAILURES else TrialEnd.PASSED)
        return result

    async def _trial(self, action: str, inputs: Mapping[str, Any], lane: str) -> ProviderResult:
        """Make the half-open circuit's one trial call; its end decides the circuit."""
        try:
            return await self._attempt(action, inputs, lane, trial=True)
        finally:
            # Ended without reaching the provider (no permit, stopped): another call may try.
            self.holder.end_trial(TrialEnd.ABANDONED)

    def _record(self, result: ProviderResult, lane: str) -> None:
        report = self.holder.report
        error = str(result.error_class) if result.error_class is not None else None
        for counters in (self.stats, report):
            counters.attempted(result.duration_ms, error)
        engine_metrics().provider_attempt(
            self.name, str(result.outcome), result.duration_ms, result.error_class is ErrorClass.RATE_LIMITED
        )
        if result.error_class is ErrorClass.RATE_LIMITED:
            report.pauses[lane] = max(report.pauses.get(lane, 0.0), result.retry_after_s or 1.0)
        if result.error_class is ErrorClass.NO_CREDITS:
            self.holder.mark_exhausted()
        if result.error_class in HEALTH_FAILURES:
            report.health_failures += 1
        elif result.error_class is not ErrorClass.RATE_LIMITED:
            report.health_failures, report.healthy = 0, True
        self.holder.reported()

    def health(self) -> dict[str, Any]:
        """Return the gateway's limits, circuit and counters (the whole book's, where it keeps one)."""
        local = {
            "provider": self.name,
            "base_url": self.endpoint.base_url,
            "has_key": self.endpoint.credentials.api_key is not None,
            "open_jobs": sum(poller.open_jobs for poller in self._pollers.values()),
        }
        if self.book is not None:
            return {**self.stats.as_dict(), **self.book.health(), **local}
        return {**self.stats.as_dict(), "circuit_open": self.holder.circuit_open, **local}

    async def close(self) -> None:
        """Give back this process's permits and send its last counters."""
        await self.holder.close()


class GatewayPool:
    """One gateway per provider, sharing one HTTP client; the in-process ProviderCaller."""

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        client: HttpClient | None = None,
        cluster: ClusterSettings | None = None,
        **gateway_options: Any,
    ) -> None:
        self.settings = settings
        self.cluster = cluster if cluster is not None else ClusterSettings()
        self.client = client or HttpClient(
            max_connections=self.cluster.gateway_pool_max_connections,
            default_timeout_s=self.cluster.gateway_pool_timeout_s,
        )
        self._options = {"credits_recheck_s": settings.provider_credits_recheck_s, **gateway_options}
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
            settings=self.cluster,
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
