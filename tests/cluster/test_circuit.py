"""The circuit breaker: opens on health failures, then half-open lets exactly one trial call through."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest

from cluster.circuit import CircuitBreaker, CircuitState, TrialEnd
from cluster.gateway import ProviderGateway, local_holder
from cluster.leases import LeaseAsk, LeaseBook, LeaseGrant, LeaseHolder, Report
from providers.base import Credentials, ErrorClass, Outcome, ProviderResult, RateLimit, RateLimits
from providers.execute import Endpoint
from providers.http import HttpRequest, HttpResponse
from providers.registry import get_provider

OPEN, HALF_OPEN, CLOSED = CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.CLOSED


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _breaker(**options: float) -> CircuitBreaker:
    settings: dict[str, float] = {"threshold": 3, "cooldown_s": 30.0, "trial_timeout_s": 60.0, **options}
    return CircuitBreaker(
        threshold=int(settings["threshold"]),
        cooldown_s=settings["cooldown_s"],
        trial_timeout_s=settings["trial_timeout_s"],
    )


def test_opens_after_threshold_failures_in_a_row_and_a_healthy_answer_resets_the_streak() -> None:
    breaker = _breaker()
    breaker.record(2, healthy=False, now=0)
    breaker.record(0, healthy=True, now=1)  # another outcome came first: the streak starts again
    breaker.record(2, healthy=False, now=2)
    assert breaker.state(2) is CLOSED
    breaker.record(1, healthy=False, now=3)
    assert breaker.state(3) is OPEN and breaker.refuse_s(3) == 30 and breaker.opened == 1


def test_after_the_cooldown_exactly_one_holder_gets_the_trial() -> None:
    breaker = _breaker()
    breaker.record(3, healthy=False, now=0)
    assert not breaker.grant_trial("a", now=29.9)  # still open
    assert breaker.state(30) is HALF_OPEN and breaker.refuse_s(30) == 0  # ask for the trial now
    granted = [holder for holder in "abcdefgh" if breaker.grant_trial(holder, now=30)]
    assert granted == ["a"]
    assert 0 < breaker.refuse_s(30) <= breaker.recheck_s  # the others ask again before long
    # Health failures of calls sent before the circuit opened say nothing now: only the trial decides.
    breaker.record(10, healthy=False, now=30.5)
    breaker.record(0, healthy=True, now=30.6)
    assert breaker.state(31) is HALF_OPEN and breaker.opened == 1


@pytest.mark.parametrize(
    ("end", "state", "opened"),
    [(TrialEnd.PASSED, CLOSED, 1), (TrialEnd.FAILED, OPEN, 2), (TrialEnd.ABANDONED, HALF_OPEN, 1)],
)
def test_the_trial_decides(end: TrialEnd, state: CircuitState, opened: int) -> None:
    breaker = _breaker()
    breaker.record(3, healthy=False, now=0)
    assert breaker.grant_trial("a", now=30)
    breaker.end_trial("b", TrialEnd.PASSED, now=31)  # not b's trial: changes nothing
    assert breaker.state(31) is HALF_OPEN
    breaker.end_trial("a", end, now=31)
    assert breaker.state(31) is state and breaker.opened == opened
    # Abandoned, another holder may try at once; failed, only after another cooldown.
    assert breaker.grant_trial("b", now=31) is (end is TrialEnd.ABANDONED)
    assert breaker.grant_trial("b", now=61) is (end is TrialEnd.FAILED)


def test_a_trial_never_reported_is_taken_back_after_its_timeout() -> None:
    breaker = _breaker(trial_timeout_s=10)
    breaker.record(3, healthy=False, now=0)
    assert breaker.grant_trial("dead", now=30)
    assert not breaker.grant_trial("b", now=39)
    assert breaker.grant_trial("b", now=40)
    breaker.end_trial("dead", TrialEnd.FAILED, now=41)  # too late: b's trial decides
    assert breaker.state(41) is HALF_OPEN
    breaker.forget("b")  # b's process died with it
    assert breaker.grant_trial("c", now=42)


class DeadProvider:
    """An HTTP client whose provider answers 500 (or 200, once healthy), counting what reaches it."""

    def __init__(self) -> None:
        self.requests = 0
        self.healthy = False

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.requests += 1
        await asyncio.sleep(0)  # an answer takes a turn of the loop: other calls run meanwhile
        if self.healthy:
            return HttpResponse(200, {}, b'{"result": "ok", "email": "a@b.co"}', 1.0)
        return HttpResponse(500, {}, b"{}", 1.0)


def _remote_holder(book: LeaseBook, name: str) -> LeaseHolder:
    """A holder that reaches its book over an (instant) round trip, as chunk workers reach the actor."""

    async def lease(ask: LeaseAsk) -> LeaseGrant:
        await asyncio.sleep(0)
        return book.lease(name, ask)

    return LeaseHolder(book.limits, lease, tick_s=0.0, eager_reports=True, clock=book.clock)


async def _settle() -> None:
    """Let the holders' lease loops carry their reports to the book (turns of the loop, not time)."""
    for _ in range(50):
        await asyncio.sleep(0)


def _gateways(book: LeaseBook, provider: DeadProvider) -> list[ProviderGateway]:
    adapter = get_provider("millionverifier")
    endpoint = Endpoint("http://dead.invalid", Credentials(api_key="key"))
    holders: list[Callable[[LeaseBook, str], LeaseHolder]] = [local_holder, _remote_holder]
    return [
        ProviderGateway(
            adapter,
            endpoint,
            book.limits,
            client=provider,  # type: ignore[arg-type]
            holder=make(book, f"{make.__name__}-{i}"),
            max_attempts=2,
            max_backoff_s=0.0,
        )
        for make, i in itertools.product(holders, range(3))
    ]


async def _call_all(gateways: list[ProviderGateway], per_gateway: int) -> list[ProviderResult]:
    calls = [g.call("verify", {"email": f"p{n}@b.co"}) for g in gateways for n in range(per_gateway)]
    return list(await asyncio.gather(*calls))


def _refused(result: ProviderResult) -> bool:
    return result.error_class is ErrorClass.PROVIDER_ERROR and "circuit open" in (result.message or "")


async def test_a_dead_provider_gets_exactly_one_call_when_the_cooldown_ends() -> None:
    clock = Clock()
    limits = RateLimits(RateLimit(rate=1e9, concurrency=100))
    book = LeaseBook(limits, clock=clock, circuit_threshold=5, circuit_cooldown_s=30)
    provider = DeadProvider()
    gateways = _gateways(book, provider)
    await _call_all(gateways, 2)
    await _settle()
    assert book.circuit.state(clock()) is OPEN
    sent = provider.requests
    assert all(_refused(r) for r in await _call_all(gateways, 5)) and provider.requests == sent

    clock.now += 30  # the cooldown is over: 6 processes, 25 calls each, all at once
    results = await _call_all(gateways, 25)
    await _settle()
    assert provider.requests == sent + 1
    assert all(_refused(r) for r in results)  # the trial too: its retry found the circuit open again
    tried = [t for r in results for t in r.retried]
    assert len(tried) == 1 and tried[0].error_class is ErrorClass.SERVER_ERROR
    assert book.circuit.state(clock()) is OPEN and book.health()["circuit_opened"] == 2

    clock.now += 30  # again, and now the provider is back: one trial, then every call goes
    provider.healthy = True
    results = await _call_all(gateways, 25)
    await _settle()
    assert provider.requests == sent + 2
    assert sum(r.outcome is Outcome.FOUND for r in results) == 1
    assert book.circuit.state(clock()) is CLOSED
    results = await _call_all(gateways, 25)
    assert all(r.outcome is Outcome.FOUND for r in results) and provider.requests == sent + 2 + 150
    for gateway in gateways:
        await gateway.close()


async def test_a_trial_that_never_reached_the_provider_is_given_back() -> None:
    clock = Clock()
    book = LeaseBook(RateLimits(RateLimit(rate=1e9, concurrency=10)), clock=clock, circuit_threshold=1)
    book.lease("x", LeaseAsk("batch", {}, 0, report=Report(attempts=1, health_failures=1)))
    clock.now += 30
    holder = local_holder(book, "a")
    await holder.listen()  # a holder hears of the circuit with its first lease call
    gate = await holder.pass_circuit()
    assert gate == "trial" and await holder.pass_circuit() == "refused"  # one trial per holder, too
    holder.end_trial(TrialEnd.ABANDONED)
    await _settle()
    other = local_holder(book, "b")
    await other.listen()
    assert await other.pass_circuit() == "trial"
    await holder.close()
    await other.close()


def test_health_reports_the_half_open_state() -> None:
    clock = Clock()
    book = LeaseBook(RateLimits(RateLimit(rate=10)), clock=clock, circuit_threshold=1, circuit_cooldown_s=5)
    book.lease("x", LeaseAsk("batch", {}, 0, report=Report(attempts=1, health_failures=1)))
    assert book.health()["circuit"] == "open" and book.health()["circuit_open"] is True
    clock.now += 5
    assert book.health()["circuit"] == "half_open" and book.health()["circuit_open"] is True
    grant = book.lease("y", LeaseAsk("batch", {}, 0, trial=True))
    assert grant.circuit_trial and grant.circuit_open_s == 0
    grant = book.lease("z", LeaseAsk("batch", {}, 0, trial=True))
    assert not grant.circuit_trial and grant.circuit_open_s > 0
    book.lease("y", LeaseAsk("batch", {}, 0, report=Report(attempts=1, healthy=True, trial=TrialEnd.PASSED)))
    assert (
        book.health()["circuit"] == "closed" and book.lease("z", LeaseAsk("batch", {}, 0)).circuit_open_s == 0
    )


def test_the_trial_of_a_holder_that_died_goes_to_another() -> None:
    clock = Clock()
    book = LeaseBook(
        RateLimits(RateLimit(rate=10)),
        clock=clock,
        circuit_threshold=1,
        circuit_cooldown_s=5,
        holder_ttl_s=15,
    )
    book.lease("x", LeaseAsk("batch", {}, 0, report=Report(attempts=1, health_failures=1)))
    clock.now += 5
    assert book.lease("dead", LeaseAsk("batch", {}, 0, trial=True)).circuit_trial
    clock.now += 10
    assert not book.lease("b", LeaseAsk("batch", {}, 0, trial=True)).circuit_trial
    clock.now += 6  # "dead" has not called for longer than holder_ttl_s: its trial is nobody's
    assert book.lease("b", LeaseAsk("batch", {}, 0, trial=True)).circuit_trial
