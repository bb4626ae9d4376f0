"""Leases: one provider credential's rate limits and concurrency, handed out to the processes that call it.

The gateway actor of a credential keeps its `LeaseBook`, the one place its limits are enforced. A
process that calls the provider (a chunk worker, the API, the actor itself for polled jobs) keeps a
`LeaseHolder`: its requests ask the holder for a concurrency permit and, for each HTTP request, a
send time ("slot") on the request's lane; the holder gathers what its requests are waiting for and
asks the book for all of it in one lease call, then the process makes its HTTP calls itself. So a
chunk of hundreds of entities costs a handful of actor calls a second, and no request or answer
ever crosses an actor boundary.

Slots are laid out on one timeline per lane (`cluster/pacing.py`), so the rate holds however many
holders share it. While interactive calls (the API's `/execute`, small batches) have been seen,
every `1/interactive_share`-th slot and that share of the permits are kept for them, and they take
them ahead of batch work. Holders report their outcomes with their next lease call: 429s pause
their lane for every holder, provider-health failures open the credential's circuit
(`cluster/circuit.py`), and the counters add up to the gateway's health.

A no-credits answer marks the credential exhausted for `exhausted_recheck_s`. Where the provider has
a balance endpoint, whoever keeps the book (the gateway actor, or an own-book gateway) checks the
balance once the mark is about to run out (`recheck_due`) and settles it (`settle_credits`): a
positive balance clears the mark, a zero one keeps it for another period, a failed check leaves it
to run out by time, after which one call finds out again.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cluster.circuit import CircuitBreaker, CircuitState, Gate, TrialEnd
from cluster.pacing import PacingLanes, paced
from operations.runtime import CallsStopped
from providers.base import RateLimits

INTERACTIVE = "interactive"
BATCH = "batch"


@dataclass
class Counters:
    """A gateway's counters: calls, attempts, retries, outcomes, errors, latency and cost."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latency_ms_total: float = 0.0
    latency_ms_max: float = 0.0
    cost_usd: float = 0.0

    def add(self, other: Counters) -> None:
        """Add another set of counters to these."""
        self.calls += other.calls
        self.attempts += other.attempts
        self.retries += other.retries
        self.rate_limited += other.rate_limited
        self.outcomes.update(other.outcomes)
        self.errors.update(other.errors)
        self.latency_ms_total += other.latency_ms_total
        self.latency_ms_max = max(self.latency_ms_max, other.latency_ms_max)
        self.cost_usd += other.cost_usd

    def record(self, outcome: str, cost_usd: float) -> None:
        """Count a call's final outcome and what it cost."""
        self.outcomes[outcome] += 1
        self.cost_usd += cost_usd

    def attempted(self, latency_ms: float | None, error: str | None) -> None:
        """Count one attempt: its latency and its error class, if any."""
        self.attempts += 1
        if latency_ms is not None:
            self.latency_ms_total += latency_ms
            self.latency_ms_max = max(self.latency_ms_max, latency_ms)
        if error is not None:
            self.errors[error] += 1
            self.rate_limited += error == "rate_limited"

    def as_dict(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data."""
        return {
            "calls": self.calls,
            "attempts": self.attempts,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "outcomes": dict(self.outcomes),
            "errors": dict(self.errors),
            "latency_ms_avg": round(self.latency_ms_total / self.attempts, 1) if self.attempts else None,
            "latency_ms_max": round(self.latency_ms_max, 1),
            "cost_usd": round(self.cost_usd, 6),
        }


@dataclass
class Report(Counters):
    """What a holder's requests did since its last lease call."""

    health_failures: int = 0  # provider-health failures since the last other outcome…
    healthy: bool = False  # …and whether any other outcome came first (it resets the streak)
    pauses: dict[str, float] = field(default_factory=dict)  # lane -> Retry-After seconds (429s)
    no_credits: bool = False  # the provider said this credential has no credits left
    trial: TrialEnd | None = None  # how the circuit's trial call of this holder ended

    def merge(self, earlier: Report) -> None:
        """Fold in an earlier report that could not be sent."""
        self.add(earlier)
        self.health_failures += earlier.health_failures
        self.healthy = self.healthy or earlier.healthy
        self.no_credits = self.no_credits or earlier.no_credits
        self.trial = self.trial or earlier.trial
        for key, seconds in earlier.pauses.items():
            self.pauses[key] = max(self.pauses.get(key, 0.0), seconds)

    def __bool__(self) -> bool:
        return bool(self.calls or self.attempts or self.pauses or self.no_credits or self.trial)


@dataclass
class LeaseAsk:
    """One lease call: what a holder's requests are waiting for, and what they did."""

    priority: str
    slots: dict[str, int]  # lane key -> send times wanted
    hold: int  # concurrency permits the holder wants to hold after this call
    in_use: int = 0  # permits its requests are using right now (never more are lent out)
    report: Report | None = None
    trial: bool = False  # a call waits to be the half-open circuit's trial


@dataclass
class LeaseGrant:
    """The book's answer: send times as offsets from now, permits held, and the credential's state."""

    slots: dict[str, list[float]]
    held: int
    retry_in: dict[str, float]  # lane -> seconds until more slots can be granted on it
    circuit_open_s: float  # > 0: refuse every call for that long (the circuit is open, or on trial elsewhere)
    contended: bool  # other holders wait for permits: give idle ones back at once
    permit_retry_s: float = 0.02  # when to ask again for permits not granted
    exhausted_s: float = 0.0  # > 0: out of credits for that long (until checked again); skip the provider
    stop_in_s: float | None = None  # set: the engine is stopping; calls in flight have this long to end
    circuit_closed: bool = True  # False: once circuit_open_s is over, a call asks for the trial
    circuit_trial: bool = False  # this holder got the trial: one call may go


@dataclass
class _Holder:
    held: int = 0
    in_use: int = 0
    seen: float = 0.0
    priority: str = BATCH
    waiting: bool = False  # asked for more permits than it got


@dataclass
class BookTotals(Counters):
    """What every holder reported, added up: the gateway's counters."""

    circuit_opened: int = 0


class LeaseBook:
    """The limits of one credential: slot timelines per lane, permits, pauses and the circuit."""

    def __init__(
        self,
        limits: RateLimits,
        *,
        concurrency: int | None = None,
        horizon_s: float = 0.25,
        interactive_share: float = 0.1,
        interactive_linger_s: float = 10.0,
        holder_ttl_s: float = 15.0,
        share_retry_s: float = 0.25,
        exhausted_recheck_s: float = 600.0,
        circuit_threshold: int = 25,
        circuit_cooldown_s: float = 30.0,
        circuit_trial_timeout_s: float = 60.0,
        circuit_recheck_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.capacity = concurrency if concurrency is not None else limits.shared.concurrency
        self.pacing = PacingLanes(limits, horizon_s=horizon_s, interactive_share=interactive_share)
        self.interactive_share = self.pacing.interactive_share
        self.interactive_linger_s = interactive_linger_s
        self.holder_ttl_s = holder_ttl_s
        self.share_retry_s = share_retry_s
        self.exhausted_recheck_s = exhausted_recheck_s
        # The balance is checked this long before the mark runs out, so a zero keeps it without a gap.
        self.recheck_lead_s = min(30.0, exhausted_recheck_s / 2)
        self._exhausted_until = 0.0
        self._exhausted_since: float | None = None
        self.circuit = CircuitBreaker(
            threshold=circuit_threshold,
            cooldown_s=circuit_cooldown_s,
            trial_timeout_s=circuit_trial_timeout_s,
            recheck_s=circuit_recheck_s,
        )
        self.clock = clock
        self.totals = BookTotals()
        self._holders: dict[str, _Holder] = {}
        self._interactive_until = 0.0
        self._stop_at: float | None = None

    def stop(self, grace_s: float) -> None:
        """Stop the credential's calls: no new permit or send time; those in flight get grace_s to end."""
        self._stop_at = self.clock() + max(0.0, grace_s)

    def resume(self) -> None:
        """Undo a stop (the cluster stayed up): calls may start again."""
        self._stop_at = None

    @property
    def stopping(self) -> bool:
        return self._stop_at is not None

    # -- the lease call ---------------------------------------------------------------------------

    def lease(self, holder_id: str, ask: LeaseAsk) -> LeaseGrant:
        """Apply the holder's report, then grant what it asks for as far as the limits allow."""
        now = self.clock()
        if ask.report:
            self._apply(holder_id, ask.report, now)
        interactive = ask.priority == INTERACTIVE
        if interactive:
            self._interactive_until = now + self.interactive_linger_s
        self._expire(now)
        holder = self._holders.setdefault(holder_id, _Holder())
        holder.seen, holder.priority, holder.in_use = now, ask.priority, max(0, ask.in_use)
        if self._stop_at is not None:
            # Stopping: nothing new starts; the permits in use stay theirs until their calls end.
            holder.held = holder.in_use
            return LeaseGrant(
                slots={},
                held=holder.in_use,
                retry_in={},
                circuit_open_s=0.0,
                contended=False,
                stop_in_s=max(0.0, self._stop_at - now),
            )
        held, at_share = self._permits(holder, max(0, ask.hold), interactive, now)
        trial = ask.trial and self.circuit.grant_trial(holder_id, now)
        # An idle holder is forgotten at once, unless it holds the trial: should it die, the trial
        # comes back when the holder expires.
        if held == 0 and holder.in_use == 0 and not holder.waiting and not self.circuit.on_trial(holder_id):
            self._holders.pop(holder_id, None)
        slots: dict[str, list[float]] = {}
        retry_in: dict[str, float] = {}
        for key, wanted in ask.slots.items():
            if wanted <= 0:
                continue
            granted, wait = self.pacing.grant(
                key, wanted, interactive=interactive, reserving=self._interactive_active(now), now=now
            )
            if granted:
                slots[key] = [t - now for t in granted]
            if wait is not None:
                retry_in[key] = wait
        return LeaseGrant(
            slots=slots,
            held=held,
            retry_in=retry_in,
            circuit_open_s=0.0 if trial else self.circuit.refuse_s(now),
            circuit_closed=self.circuit.state(now) is CircuitState.CLOSED,
            circuit_trial=trial,
            contended=any(h.waiting for h in self._holders.values()),
            # A holder at its fair share gains nothing by asking again soon: only others' ends free any.
            permit_retry_s=self.share_retry_s if at_share else 0.02,
            exhausted_s=max(0.0, self._exhausted_until - now),
        )

    def _expire(self, now: float) -> None:
        # A holder that stopped calling died with its process: its permits come back.
        for holder_id in [k for k, h in self._holders.items() if now - h.seen > self.holder_ttl_s]:
            del self._holders[holder_id]
            self.circuit.forget(holder_id)

    def _interactive_active(self, now: float) -> bool:
        return now < self._interactive_until and self.interactive_share > 0

    def _permits(self, holder: _Holder, hold: int, interactive: bool, now: float) -> tuple[int, bool]:
        """Set how many permits the holder may use: what it asks, within what the others leave free.

        A holder told fewer than it is using stops starting requests until it is below that: the
        permits it gives up are lent to others only once it reports them no longer in use.
        """
        others = [h for h in self._holders.values() if h is not holder]
        allowed = self.capacity - sum(max(h.held, h.in_use) for h in others)
        at_share = False
        if not interactive:
            if self._interactive_active(now):
                # Batch holders leave the interactive share of the permits free.
                reserved = max(1, math.ceil(self.capacity * self.interactive_share))
                batch = sum(max(h.held, h.in_use) for h in others if h.priority != INTERACTIVE)
                allowed = min(allowed, self.capacity - reserved - batch)
            if any(h.waiting for h in others):
                # Others wait too: no batch holder keeps more than its fair share.
                active = 1 + sum(1 for h in others if h.held or h.in_use or h.waiting)
                share = math.ceil(self.capacity / active)
                at_share = share <= allowed
                allowed = min(allowed, share)
        held = max(0, min(hold, allowed))
        holder.held, holder.waiting = held, held < hold
        return held, at_share and held < hold

    # -- reports ----------------------------------------------------------------------------------

    def _apply(self, holder_id: str, report: Report, now: float) -> None:
        self.totals.add(report)
        for key, retry_after in report.pauses.items():
            # Slow every holder of this endpoint's limit, not just the one that was told.
            self.pacing.pause(key, retry_after, now)
        if report.no_credits:
            # Every holder skips the credential until the mark runs out; then one call finds out again.
            self.mark_exhausted(now)
        opened = self.circuit.opened
        if report.trial is not None:
            self.circuit.end_trial(holder_id, report.trial, now)
        self.circuit.record(report.health_failures, report.healthy, now)
        self.totals.circuit_opened += self.circuit.opened - opened

    # -- credits --------------------------------------------------------------------------------------

    def mark_exhausted(self, now: float | None = None) -> None:
        """Mark the credential out of credits (again) for another exhausted_recheck_s."""
        now = self.clock() if now is None else now
        if not self.exhausted(now):
            self._exhausted_since = now
        self._exhausted_until = max(self._exhausted_until, now + self.exhausted_recheck_s)

    def exhausted(self, now: float | None = None) -> bool:
        """Tell whether the credential is marked out of credits."""
        return (self.clock() if now is None else now) < self._exhausted_until

    def recheck_due(self) -> bool:
        """Tell whether the mark runs out soon enough that its balance should be checked now."""
        now = self.clock()
        return self.exhausted(now) and now >= self._exhausted_until - self.recheck_lead_s

    def settle_credits(self, remaining: float | None) -> None:
        """Apply a balance check: a positive balance clears the mark, none keeps (or sets) it.

        `None` (the check failed, or the provider has no balance endpoint) changes nothing.
        """
        if remaining is None:
            return
        if remaining > 0:
            self._exhausted_until, self._exhausted_since = 0.0, None
        else:
            self.mark_exhausted()

    def credits_state(self) -> dict[str, Any]:
        """Return whether the credential is exhausted, since when and until when (epoch seconds)."""
        now = self.clock()
        if not self.exhausted(now):
            return {"exhausted": False, "exhausted_since": None, "exhausted_until": None}
        wall = time.time()
        since = self._exhausted_since if self._exhausted_since is not None else now
        return {
            "exhausted": True,
            "exhausted_since": round(wall - (now - since), 3),
            "exhausted_until": round(wall + (self._exhausted_until - now), 3),
        }

    def health(self) -> dict[str, Any]:
        """Return the book's limits, lanes, holders, circuit and counters."""
        now = self.clock()
        totals = self.totals
        return {
            "rate_per_second": round(self.limits.shared.per_second, 3),
            "concurrency": self.capacity,
            "circuit_open": self.circuit.state(now) is not CircuitState.CLOSED,
            "circuit": str(self.circuit.state(now)),
            **self.credits_state(),
            "stopping": self.stopping,
            "paused_s": round(self.pacing.paused_s(now), 3),
            "lanes": self.pacing.health(now),
            "holders": len(self._holders),
            "permits_held": sum(h.held for h in self._holders.values()),
            "interactive_reserve": self._interactive_active(now),
            **totals.as_dict(),
            "circuit_opened": totals.circuit_opened,
        }


LeaseFn = Callable[[LeaseAsk], Awaitable[LeaseGrant]]


class StopSignal:
    """The engine is stopping, as the holders of one process heard it from their books.

    Shared by a process's holders (one per credential): once any of them hears of the stop, none
    starts a call, and waits that would end in a call (a retry's backoff) end at once.
    """

    def __init__(self) -> None:
        self.deadline: float | None = None  # monotonic time by which calls in flight must end
        self._event: asyncio.Event | None = None

    def set(self, deadline: float) -> None:
        """Note the stop and its deadline; wake whatever waits."""
        self.deadline = deadline if self.deadline is None else min(self.deadline, deadline)
        if self._event is not None:
            self._event.set()

    def clear(self) -> None:
        """Forget a stop that was undone (the cluster stayed up)."""
        self.deadline = None
        self._event = None

    async def sleep(self, seconds: float) -> None:
        """Sleep, unless the engine stops meanwhile: then raise CallsStopped at once."""
        if self.deadline is None:
            if self._event is None:
                self._event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), seconds)
        if self.deadline is not None:
            raise CallsStopped("the engine is stopping")


class BookUnreachable(Exception):
    """The credential's book could not be reached for a while: waiting requests give up."""


class LeaseHolder:
    """One process's side of a credential's book: permits and send times for its requests.

    Requests wait here; a single lease loop asks the book for everything they wait for at once
    (after `tick_s`, so that many requests share one call) and hands out what it grants. Permits
    stay with the holder while its requests keep using them, and go back once idle for `keep_s`, at
    once when others wait for them; while it holds any it calls at least every `heartbeat_s`, which
    is how the book knows it is alive.
    """

    def __init__(
        self,
        limits: RateLimits,
        lease: LeaseFn,
        *,
        priority: str = BATCH,
        tick_s: float = 0.003,
        heartbeat_s: float = 1.0,
        report_every_s: float = 0.25,
        keep_s: float = 0.2,
        unreachable_s: float = 30.0,
        eager_reports: bool = False,
        stop: StopSignal | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._lease = lease
        self.priority = priority
        self.tick_s = tick_s
        self.heartbeat_s = heartbeat_s
        self.report_every_s = report_every_s
        self.keep_s = keep_s
        self.unreachable_s = unreachable_s
        self._failing_since: float | None = None
        # A book in this very process takes reports at once (the circuit then reacts to the next request).
        self.eager_reports = eager_reports
        self.report = Report()
        self._held = 0
        self._in_use = 0
        self._last_busy = 0.0
        self._permit_waiters: deque[asyncio.Future[None]] = deque()
        self._permit_retry_at = 0.0
        self._slots: dict[str, deque[float]] = {}
        self._slot_waiters: dict[str, deque[asyncio.Future[float]]] = {}
        self._retry_at: dict[str, float] = {}
        self.clock = clock  # of the circuit's deadlines (tests move it by hand)
        # The circuit as last heard: clear (closed), else refused until _circuit_until, then a call
        # asks for the trial; _trial_busy while one of this holder's calls asks for it or is it.
        self.circuit_clear = True
        self._circuit_until = 0.0
        self._trial_busy = False
        self._exhausted_until = 0.0  # 0 once no mark is known here
        self._confirming: asyncio.Task[None] | None = None
        self._contended = False
        self._wake: asyncio.Event | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._last_call = 0.0
        self.lease_calls = 0
        self.stop = stop if stop is not None else StopSignal()

    # -- what requests use ------------------------------------------------------------------------

    @property
    def circuit_open(self) -> bool:
        """Tell whether the circuit is not known to be closed (calls are refused, or one is its trial)."""
        return not self.circuit_clear

    async def pass_circuit(self) -> Gate:
        """Decide a call while the circuit is not known to be closed: refused, its one trial, or a pass.

        Only one call of this holder at a time asks the book for the trial, and only once the open
        period it last heard of is over; the book grants it to one holder. Raises BookUnreachable
        when the book does not answer, CallsStopped when it says the engine is stopping.
        """
        if self.circuit_clear:
            return Gate.PASS
        if self._trial_busy or self.clock() < self._circuit_until:
            return Gate.REFUSED
        self._trial_busy = True
        try:
            granted = await self._ask_trial()
        except BaseException:
            self._trial_busy = False
            raise
        if granted:
            return Gate.TRIAL  # busy until end_trial
        self._trial_busy = False
        if self.stopping:
            raise CallsStopped("the engine is stopping")
        return Gate.PASS if self.circuit_clear else Gate.REFUSED

    def end_trial(self, end: TrialEnd) -> None:
        """Report how this holder's trial call ended; it goes to the book at once."""
        if not self._trial_busy:
            return
        self._trial_busy = False
        self.report.trial = end
        if end is TrialEnd.PASSED:
            self.circuit_clear = True  # the book closes it on this report
        self._kick()

    async def _ask_trial(self) -> bool:
        # What is still to report goes first: the book must hear a trial's end before it grants the next.
        report, self.report = self.report, Report()
        ask = LeaseAsk(self.priority, {}, self._held, self._in_use, report or None, trial=True)
        try:
            grant = await self._lease(ask)
        except Exception as exc:
            self.report.merge(report)
            raise BookUnreachable(f"no answer from the gateway about its circuit: {exc!r}") from exc
        self.lease_calls += 1
        if grant.stop_in_s is not None:
            self._stopped(time.monotonic() + grant.stop_in_s)
            return False
        self._hear_circuit(grant)
        return grant.circuit_trial

    def _hear_circuit(self, grant: LeaseGrant) -> None:
        self._circuit_until = self.clock() + grant.circuit_open_s
        self.circuit_clear = grant.circuit_open_s <= 0 and grant.circuit_closed

    @property
    def stopping(self) -> bool:
        """Tell whether the engine is stopping (as this process heard from a book): start no call."""
        return self.stop.deadline is not None

    async def listen(self) -> None:
        """Ask the book now, even with nothing to ask for: an idle process hears of a stop too."""
        if self._wake is None:
            self._wake = asyncio.Event()
        await self._call(force=True)

    @property
    def exhausted(self) -> bool:
        """Tell whether the credential is out of credits (as this holder last heard, or saw itself)."""
        return time.monotonic() < self._exhausted_until

    async def still_exhausted(self) -> bool:
        """Tell whether to skip the provider; once a mark has run out here, ask the book first.

        A balance check may have kept the mark in the book since this holder last heard of it:
        asking once (all waiting requests share the answer) saves a refused call per holder.
        """
        if self.exhausted:
            return True
        if not self._exhausted_until:
            return False
        await self.refresh_exhausted()
        return self.exhausted

    async def refresh_exhausted(self) -> None:
        """Ask the book now whether the credential is out of credits (concurrent askers share one call)."""
        if self._confirming is None:
            self._confirming = asyncio.get_running_loop().create_task(self._ask_exhausted())
        await asyncio.shield(self._confirming)

    async def _ask_exhausted(self) -> None:
        try:
            grant = await self._lease(LeaseAsk(self.priority, {}, self._held, self._in_use, None))
        except Exception:
            grant = None  # the book is unreachable: the provider's own answer will tell
        finally:
            self._exhausted_until, self._confirming = 0.0, None
        if grant is not None and grant.exhausted_s > 0:
            self._exhausted_until = time.monotonic() + grant.exhausted_s

    def mark_exhausted(self) -> None:
        """Note a no-credits answer: skip the provider here at once, and tell the book."""
        self.report.no_credits = True
        self._exhausted_until = max(self._exhausted_until, time.monotonic() + 1.0)
        self._kick()

    def lane_of(self, path: str) -> str:
        """Return the key of the lane a request to path counts against."""
        return self.limits.lane(path)[0]

    async def acquire(self) -> None:
        """Wait for a concurrency permit (CallsStopped once the engine stops)."""
        if self.stopping:
            raise CallsStopped("the engine is stopping")
        self._last_busy = time.monotonic()
        if self._in_use < self._held and not self._permit_waiters:
            self._in_use += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._permit_waiters.append(future)
        self._kick()
        try:
            await future
        except BaseException:
            if future.done() and not future.cancelled() and future.exception() is None:
                self.release()  # granted as it was cancelled: give it back
            elif future in self._permit_waiters:
                self._permit_waiters.remove(future)
            raise

    def release(self) -> None:
        """Give a permit back: to the next waiting request, else to the book before long."""
        self._in_use -= 1
        self._last_busy = time.monotonic()
        self._hand_out_permits()
        if self._contended and self._in_use + len(self._permit_waiters) < self._held:
            self._kick()  # others wait for permits: this one goes back now

    async def admit(self, path: str) -> None:
        """Wait for this request's send time on its lane (at once on an unlimited one).

        Raises CallsStopped once the engine stops: a request not sent by then is not sent.
        """
        if self.stopping:
            raise CallsStopped("the engine is stopping")
        key = self.lane_of(path)
        if not self._needs_slots(key):
            return
        slots = self._slots.setdefault(key, deque())
        waiters = self._slot_waiters.setdefault(key, deque())
        loop = asyncio.get_running_loop()
        if slots and not waiters:
            at = slots.popleft()
        else:
            future: asyncio.Future[float] = loop.create_future()
            waiters.append(future)
            self._kick()
            at = await future
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if self.stopping:
            raise CallsStopped("the engine is stopping")

    def reported(self) -> None:
        """Say that `report` gained something: it goes with the next lease call."""
        self._kick(later=not self.eager_reports)

    # -- the lease loop ---------------------------------------------------------------------------

    def _needs_slots(self, key: str) -> bool:
        _, limit = self.limits.lane(key)
        return paced(limit) or (self.limits.account is not None and paced(self.limits.account))

    def _kick(self, later: bool = False) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.get_running_loop().create_task(self._run())
        if not later:
            self._wake.set()

    def _wanted(self, now: float) -> tuple[dict[str, int], int]:
        slots = {
            key: len(waiters) - len(self._slots.get(key, ()))
            for key, waiters in self._slot_waiters.items()
            if len(waiters) > len(self._slots.get(key, ())) and self._retry_at.get(key, 0.0) <= now
        }
        hold = self._in_use + len(self._permit_waiters)
        if self._held > hold and not self._contended and now - self._last_busy < self.keep_s:
            hold = self._held  # likely wanted again in a moment, and nobody else asks for them
        return slots, hold

    def _timeout(self, now: float) -> float | None:
        """How long the loop may sleep before something is due (None: until woken)."""
        due: list[float] = []
        if self._held or self._in_use:
            due.append(self._last_call + self.heartbeat_s)
        if self._held > self._in_use + len(self._permit_waiters):
            due.append(self._last_busy + self.keep_s)
        if self._permit_waiters:
            due.append(self._permit_retry_at)
        if self.report:
            due.append(self._last_call + self.report_every_s)
        due += [at for key, at in self._retry_at.items() if self._slot_waiters.get(key)]
        return max(0.0, min(due) - now) if due else None

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            now = time.monotonic()
            timeout = self._timeout(now)
            idle = not self._permit_waiters and not any(self._slot_waiters.values())
            if idle and not self._held and not self._in_use and not self.report:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            if self.tick_s:
                await asyncio.sleep(self.tick_s)
            await self._call()

    async def _call(self, force: bool = False) -> None:
        now = time.monotonic()
        slots, hold = self._wanted(now)
        report, self.report = self.report, Report()
        idle = not slots and hold == self._held and not report
        if idle and not force and now - self._last_call < self.heartbeat_s:
            return
        ask = LeaseAsk(self.priority, slots, hold, self._in_use, report or None)
        try:
            grant = await self._lease(ask)
        except Exception as exc:
            self.report.merge(report)
            self._unreachable(now, exc)
            await asyncio.sleep(0.5)  # the book is unreachable (its actor restarting): ask again soon
            return
        self._failing_since = None
        self.lease_calls += 1
        self._last_call = time.monotonic()
        self._apply(grant, hold)

    def _unreachable(self, now: float, exc: Exception) -> None:
        """After unreachable_s without an answer, fail what waits rather than let it wait for ever."""
        if self._failing_since is None:
            self._failing_since = now
        if now - self._failing_since < self.unreachable_s:
            return
        self._fail_waiting(
            BookUnreachable(f"no answer from the gateway for {now - self._failing_since:.0f}s: {exc!r}")
        )

    def _fail_waiting(self, error: Exception) -> None:
        """Fail every request waiting for a permit or a send time with error."""
        waiting: list[asyncio.Future[Any]] = [*self._permit_waiters]
        waiting += [w for ws in self._slot_waiters.values() for w in ws]
        self._permit_waiters.clear()
        for waiters in self._slot_waiters.values():
            waiters.clear()
        for waiter in waiting:
            if not waiter.done():
                waiter.set_exception(error)

    def _apply(self, grant: LeaseGrant, asked: int) -> None:
        now = self._last_call
        if grant.stop_in_s is not None:
            self._stopped(now + grant.stop_in_s)
            return
        self._held = grant.held
        self._contended = grant.contended
        self._hear_circuit(grant)
        self._exhausted_until = now + grant.exhausted_s if grant.exhausted_s > 0 else 0.0
        if grant.held < asked:
            self._permit_retry_at = now + grant.permit_retry_s
        self._hand_out_permits()
        loop_now = asyncio.get_running_loop().time()
        for key, offsets in grant.slots.items():
            slots = self._slots.setdefault(key, deque())
            slots.extend(loop_now + offset for offset in offsets)
            waiters = self._slot_waiters.get(key, deque())
            while slots and waiters:
                waiter = waiters.popleft()
                if not waiter.done():
                    waiter.set_result(slots.popleft())
        self._retry_at = {key: now + wait for key, wait in grant.retry_in.items()}

    def _stopped(self, deadline: float) -> None:
        """The engine stops: every waiting request gives up (none of them was sent)."""
        self.stop.set(deadline)
        self._slots.clear()
        self._fail_waiting(CallsStopped("the engine is stopping"))

    def _hand_out_permits(self) -> None:
        while self._permit_waiters and self._in_use < self._held:
            waiter = self._permit_waiters.popleft()
            if not waiter.done():
                self._in_use += 1
                waiter.set_result(None)

    async def close(self) -> None:
        """Give every permit back and send the last report."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        report, self.report = self.report, Report()
        if self._held or report:
            # Unreachable, the book reclaims them once this holder stops calling.
            with contextlib.suppress(Exception):
                await self._lease(LeaseAsk(self.priority, {}, 0, 0, report or None))
            self._held = 0
