"""The lease book and its holders: send times, permits, the interactive share, pauses and the circuit."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from cluster.gateway import local_holder
from cluster.leases import (
    BATCH,
    INTERACTIVE,
    BookUnreachable,
    LeaseAsk,
    LeaseBook,
    LeaseGrant,
    LeaseHolder,
    Report,
)
from providers.base import RateLimit, RateLimits


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _book(rate: float = 10, concurrency: int = 10, **options: object) -> tuple[LeaseBook, Clock]:
    clock = Clock()
    limits = RateLimits(RateLimit(rate=rate, concurrency=concurrency))
    return LeaseBook(limits, clock=clock, **options), clock  # type: ignore[arg-type]


def _ask(slots: int = 0, hold: int = 0, in_use: int = 0, priority: str = BATCH, **report: object) -> LeaseAsk:
    return LeaseAsk(
        priority, {"": slots} if slots else {}, hold, in_use, Report(**report) if report else None
    )  # type: ignore[arg-type]


def test_send_times_are_paced_and_granted_at_most_the_horizon_ahead() -> None:
    book, _ = _book(rate=10, horizon_s=0.25)
    grant = book.lease("a", _ask(slots=10))
    assert grant.slots[""] == pytest.approx([0.0, 0.1, 0.2])  # 0.3 is past the horizon
    assert grant.retry_in[""] > 0
    # Another holder continues the same timeline: together they never go faster than the rate.
    assert book.lease("b", _ask(slots=1)).slots == {}


def test_holders_together_keep_the_rate() -> None:
    book, clock = _book(rate=40, horizon_s=0.25)
    times: list[float] = []
    for _step in range(40):
        for holder in ("a", "b", "c"):
            grant = book.lease(holder, _ask(slots=5))
            times += [clock.now + t for t in grant.slots.get("", [])]
        clock.now += 0.05
    times.sort()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 40 - 1e-9
    assert len(times) == pytest.approx(40 * 2.0, abs=11)  # two seconds at 40/s, plus the horizon


def test_unlimited_lanes_need_no_send_times() -> None:
    book, _ = _book(rate=1e9)
    assert book.lease("a", _ask(slots=500)).slots[""] == [0.0] * 500


def test_permits_never_exceed_the_capacity_and_are_shared_fairly() -> None:
    book, _ = _book(concurrency=10)
    assert book.lease("a", _ask(hold=10)).held == 10
    late = book.lease("b", _ask(hold=10))
    assert late.held == 0 and late.contended
    # "a" learns that others wait: it is held to its share and must drain to it before "b" gets any.
    assert book.lease("a", _ask(hold=10, in_use=10)).held == 5
    assert book.lease("b", _ask(hold=10)).held == 0  # "a" still uses 10
    book.lease("a", _ask(hold=5, in_use=5))
    assert book.lease("b", _ask(hold=10)).held == 5
    assert book.health()["permits_held"] == 10


def test_a_silent_holder_loses_its_permits() -> None:
    book, clock = _book(concurrency=4, holder_ttl_s=15)
    book.lease("dead", _ask(hold=4, in_use=4))
    assert book.lease("alive", _ask(hold=2)).held == 0
    clock.now += 16
    assert book.lease("alive", _ask(hold=2)).held == 2


def test_interactive_calls_take_reserved_send_times_ahead_of_the_batch() -> None:
    book, clock = _book(rate=10, horizon_s=0.55, interactive_share=0.2)
    first = book.lease("api", _ask(slots=1, priority=INTERACTIVE))
    assert first.slots[""] == [0.0]  # nothing queued yet
    batch = book.lease("chunk", _ask(slots=50))
    granted = batch.slots[""]
    # Every fifth send time of the timeline is kept back for interactive calls.
    assert len(granted) == 4 and granted == pytest.approx([0.1, 0.2, 0.3, 0.5])
    clock.now += 0.35
    later = book.lease("api", _ask(slots=1, priority=INTERACTIVE))
    assert later.slots[""] == pytest.approx([0.05])  # the reserved 0.4, not after the batch's backlog


def test_interactive_share_of_the_permits_stays_free() -> None:
    book, _ = _book(concurrency=10, interactive_share=0.1)
    book.lease("api", _ask(hold=1, priority=INTERACTIVE))
    book.lease("api", _ask(hold=0, priority=INTERACTIVE))
    assert book.lease("chunk", _ask(hold=10)).held == 9
    assert book.lease("api", _ask(hold=1, priority=INTERACTIVE)).held == 1


def test_a_429_pauses_the_lane_for_every_holder() -> None:
    book, clock = _book(rate=10)
    book.lease("a", _ask(errors={"rate_limited": 1}, rate_limited=1, pauses={"": 2.0}, attempts=1))  # type: ignore[arg-type]
    grant = book.lease("b", _ask(slots=1))
    assert grant.slots == {} and grant.retry_in[""] == pytest.approx(2.0 - 0.25)
    clock.now += 2.0
    assert book.lease("b", _ask(slots=1)).slots[""] == [0.0]
    assert book.health()["rate_limited"] == 1


def test_health_failures_from_any_holder_open_the_circuit() -> None:
    book, clock = _book(circuit_threshold=5, circuit_cooldown_s=30)
    book.lease("a", _ask(attempts=3, health_failures=3))
    assert book.lease("b", _ask(attempts=1, health_failures=0, healthy=True)).circuit_open_s == 0
    book.lease("a", _ask(attempts=4, health_failures=4))
    assert book.lease("b", _ask(attempts=1, health_failures=1)).circuit_open_s == pytest.approx(30)
    clock.now += 31
    assert book.lease("b", _ask()).circuit_open_s == 0 and book.health()["circuit_opened"] == 1


def test_a_no_credits_mark_is_rechecked_before_it_runs_out_and_settled_by_the_balance() -> None:
    book, clock = _book(exhausted_recheck_s=600)
    book.lease("a", _ask(no_credits=True))
    assert book.lease("b", _ask()).exhausted_s == pytest.approx(600) and not book.recheck_due()
    clock.now += 571  # within the last 30 s: time to look at the balance
    assert book.recheck_due()
    book.settle_credits(None)  # a failed check changes nothing: the mark runs out by time
    assert book.lease("b", _ask()).exhausted_s == pytest.approx(29)
    book.settle_credits(0)  # still nothing: another period, from the same start
    assert book.lease("b", _ask()).exhausted_s == pytest.approx(600) and not book.recheck_due()
    state = book.credits_state()
    assert state["exhausted_until"] - state["exhausted_since"] == pytest.approx(571 + 600, abs=0.01)
    book.settle_credits(125.5)  # credits again: every holder calls again
    assert book.lease("b", _ask()).exhausted_s == 0 and book.credits_state() == {
        "exhausted": False,
        "exhausted_since": None,
        "exhausted_until": None,
    }
    book.settle_credits(0)  # a check that finds none marks a credential nobody has called yet
    assert book.health()["exhausted"] is True


async def test_a_holder_paces_its_requests_and_returns_its_permits() -> None:
    book = LeaseBook(RateLimits(RateLimit(rate=20, concurrency=3)), horizon_s=0.25)
    holder = local_holder(book)
    running = 0
    most = 0

    async def request() -> float:
        nonlocal running, most
        await holder.acquire()
        running += 1
        most = max(most, running)
        try:
            await holder.admit("/x")
            sent = time.monotonic()
            await asyncio.sleep(0.01)
            return sent
        finally:
            running -= 1
            holder.release()

    started = time.monotonic()
    sent = sorted(await asyncio.gather(*(request() for _ in range(21))))
    assert most <= 3
    assert sent[-1] - started >= 20 / 20 - 0.05  # 21 requests at 20/s: the last goes after ~1 s
    # Send times are 50 ms apart; a late timer may bring two closer, never three.
    assert all(b - a >= 1 / 20 for a, b in zip(sent, sent[2:], strict=False))
    await asyncio.sleep(0.4)  # idle past keep_s: the permits go back
    await holder.close()
    assert book.health()["permits_held"] == 0


async def test_a_holder_that_cannot_reach_the_book_waits_and_tries_again() -> None:
    book = LeaseBook(RateLimits(RateLimit(rate=1e9, concurrency=2)))
    failures = 2

    async def flaky(ask: LeaseAsk) -> object:
        nonlocal failures
        if failures:
            failures -= 1
            raise ConnectionError("actor restarting")
        return book.lease("w", ask)

    holder = LeaseHolder(book.limits, flaky)  # type: ignore[arg-type]
    await asyncio.wait_for(holder.acquire(), timeout=5)
    holder.release()
    await holder.close()
    assert failures == 0


async def test_requests_give_up_when_the_book_stays_unreachable() -> None:
    async def gone(ask: LeaseAsk) -> LeaseGrant:
        raise ConnectionError("the gateway actor died with its node")

    holder = LeaseHolder(RateLimits(RateLimit(rate=10, concurrency=2)), gone, unreachable_s=0.6)
    with pytest.raises(BookUnreachable):
        await asyncio.wait_for(holder.acquire(), timeout=5)
