"""Budgets: spending caps that no provider call may cross, held in one book for the whole cluster.

A cap is a limit on what a set of calls may cost: a submission's `max_cost_usd`, an org's
`monthly_budget_usd` (a calendar month, UTC). The `BudgetBook` (in one detached actor on the head
node, `BudgetActor`) knows, per cap, what was spent (read from the attempt journal the first time
the cap is seen, then added up from what holders report) and what is reserved: the allowances it
has handed out and not yet had back. It hands out an allowance only while spent + reserved + the
allowance stays within every cap the holder's calls count against.

A chunk keeps a `BudgetHolder`: before each provider call it takes the call's worst-case documented
price from its allowance (asking the book for more when it runs short), and after the call it
settles to the real cost, the difference going back into the allowance. So the engine never starts a
call that could cross a cap. Far from a cap a holder asks for ten calls' worth at once; near it, one
call's worth at a time, so no holder sits on headroom that another needs. A call the book cannot
cover raises `BudgetExhausted`: its run ends `budget_exhausted`, resumable under a higher cap.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import ray
from sqlalchemy import Engine

from cluster.database import engine_for
from cluster.placement import on_head_node
from cluster.runtime import NAMESPACE
from config import ClusterSettings, ProviderSettings, Settings
from operations.runtime import BudgetExhausted
from providers.base import ProviderResult
from providers.registry import all_providers
from store.repositories.operation_history import attempts_cost

log = logging.getLogger(__name__)

BOOK_NAME = "dex:budgets"
EPSILON = 1e-9


@cache
def _environment_tuning() -> ClusterSettings:
    # For holders made without settings (the API's, one per request): the environment, read once.
    return ClusterSettings()


def submission_cap(submission_id: uuid.UUID) -> str:
    return f"submission:{submission_id}"


def org_month_cap(org_id: uuid.UUID, now: datetime | None = None) -> str:
    month = (now or datetime.now(UTC)).strftime("%Y-%m")
    return f"org:{org_id}:{month}"


@dataclass(frozen=True, slots=True)
class Caps:
    """The caps a chunk's calls count against: cap key -> limit in USD."""

    limits: Mapping[str, float]

    @classmethod
    def org_month(cls, org_id: uuid.UUID, monthly_budget_usd: float) -> Caps:
        """Return the cap of an org's calls outside any batch (`/api/v1/execute`): its monthly budget."""
        return cls({org_month_cap(org_id): float(monthly_budget_usd)})

    @classmethod
    def of(
        cls,
        *,
        submission_id: uuid.UUID,
        org_id: uuid.UUID,
        max_cost_usd: float | None,
        monthly_budget_usd: float | None,
    ) -> Caps | None:
        """Return the caps of a submission's calls, None when nothing caps them."""
        limits: dict[str, float] = {}
        if max_cost_usd is not None:
            limits[submission_cap(submission_id)] = float(max_cost_usd)
        if monthly_budget_usd is not None:
            limits[org_month_cap(org_id)] = float(monthly_budget_usd)
        return cls(limits) if limits else None


@dataclass
class _Cap:
    limit: float
    spent: float


@dataclass
class BudgetGrant:
    """The book's answer to a holder: its allowance now, and where its caps stand."""

    granted: float  # added to the holder's allowance (all it asked for, or nothing)
    refused: bool  # what was asked for did not fit under some cap
    caps: dict[str, dict[str, float]] = field(default_factory=dict)  # key -> limit, spent, reserved


class BudgetBook:
    """Spent and reserved amounts per cap, and the allowances handed out; never beyond a limit.

    `spent_of` reads a cap's spend so far from the journal the first time the cap is seen.
    """

    def __init__(self, spent_of: Callable[[str], float]) -> None:
        self._spent_of = spent_of
        self._caps: dict[str, _Cap] = {}
        self._holders: dict[str, tuple[frozenset[str], float]] = {}  # holder -> (its caps, its allowance)

    def _cap(self, key: str, limit: float) -> _Cap:
        cap = self._caps.get(key)
        if cap is None:
            cap = self._caps[key] = _Cap(limit=limit, spent=self._spent_of(key))
        cap.limit = limit  # the latest limit wins: a batch resumed under a higher cap
        return cap

    def _reserved(self, key: str, other_than: str | None = None) -> float:
        return sum(a for h, (keys, a) in self._holders.items() if key in keys and h != other_than)

    def lease(
        self, holder_id: str, limits: Mapping[str, float], *, spent: float, outstanding: float, want: float
    ) -> BudgetGrant:
        """Take a holder's report and grant it up to `want` more.

        The holder reports what it spent since its last call and what it still holds (`outstanding`:
        its allowance plus the prices of its calls in flight). `want` is granted whole or not at all
        (a call's price cannot be split).
        """
        keys = frozenset(limits)
        caps = {key: self._cap(key, limit) for key, limit in limits.items()}
        for cap in caps.values():
            cap.spent += spent
        refused, granted = False, 0.0
        if want > EPSILON:
            headroom = min(
                cap.limit - cap.spent - self._reserved(key, other_than=holder_id) - outstanding
                for key, cap in caps.items()
            )
            if want <= headroom + EPSILON:
                granted = want
            else:
                refused = True
        outstanding += granted
        if outstanding > EPSILON:
            self._holders[holder_id] = (keys, outstanding)
        else:
            self._holders.pop(holder_id, None)
        return BudgetGrant(granted=granted, refused=refused, caps=self.state(keys))

    def state(self, keys: frozenset[str] | None = None) -> dict[str, dict[str, float]]:
        """Return limit, spent and reserved per cap (those given, else every cap seen)."""
        return {
            key: {
                "limit_usd": round(cap.limit, 6),
                "spent_usd": round(cap.spent, 6),
                "reserved_usd": round(self._reserved(key), 6),
            }
            for key, cap in self._caps.items()
            if keys is None or key in keys
        }


def journal_spent(engine: Engine, key: str) -> float:
    """What a cap's calls have cost so far, per the attempt journal."""
    kind, _, rest = key.partition(":")
    with engine.connect() as conn:
        if kind == "submission":
            return attempts_cost(conn, submission_id=uuid.UUID(rest))
        org, _, month = rest.partition(":")
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
        end = (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else start.replace(month=start.month + 1)
        )
        return attempts_cost(conn, org_id=uuid.UUID(org), since=start, until=end)


@ray.remote(num_cpus=0, max_concurrency=1)  # type: ignore[call-overload]
class BudgetActor:
    """The cluster's one BudgetBook (calls are served one at a time: the book is never raced)."""

    def __init__(self, settings: Settings) -> None:
        engine = engine_for(settings)
        self._book = BudgetBook(lambda key: journal_spent(engine, key))

    def lease(
        self, holder_id: str, limits: Mapping[str, float], spent: float, outstanding: float, want: float
    ) -> BudgetGrant:
        return self._book.lease(holder_id, limits, spent=spent, outstanding=outstanding, want=want)

    def state(self) -> dict[str, dict[str, float]]:
        return self._book.state()


def budget_book(settings: Settings) -> Any:
    """Return the cluster's budget actor, creating it (on the head node) if needed."""
    return BudgetActor.options(  # type: ignore[attr-defined]
        name=BOOK_NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True, **on_head_node()
    ).remote(settings)


def book_lease(settings: Settings, local: BudgetBook | None = None) -> Callable[..., Any]:
    """Return a holder's lease function: the cluster's book when Ray is up, else `local` (one process)."""
    if ray.is_initialized():
        book = budget_book(settings)

        async def remote(*args: Any) -> BudgetGrant:
            grant: BudgetGrant = await book.lease.remote(*args)
            return grant

        return remote
    if local is None:
        raise RuntimeError("no budget book: Ray is not up and no local book was given")
    own = local

    async def in_process(
        holder_id: str, limits: Any, spent: float, outstanding: float, want: float
    ) -> BudgetGrant:
        return own.lease(holder_id, limits, spent=spent, outstanding=outstanding, want=want)

    return in_process


def find_budget_book() -> Any | None:
    """Return the budget actor if one runs (never creates it)."""
    try:
        return ray.get_actor(BOOK_NAME, namespace=NAMESPACE)
    except ValueError:
        return None


def worst_case_price(provider: str, action: str) -> float:
    """The most one call of provider.action can cost, as its adapter documents it."""
    adapter = all_providers().get(provider)
    spec = adapter.actions.get(action) if adapter is not None else None
    if spec is None:
        return 0.0
    most = getattr(spec, "max_cost_usd", None)
    return float(most if most is not None else spec.cost_usd)


class BudgetHolder:
    """A chunk's side of the budget book: an allowance, spent call by call, refilled by lease calls."""

    def __init__(
        self, caps: Caps, lease: Callable[..., Any], settings: ClusterSettings | None = None
    ) -> None:
        tuning = settings if settings is not None else _environment_tuning()
        # An allowance is block_calls calls' worth while the headroom is at least near_calls calls' worth.
        self.block_calls = tuning.budget_block_calls
        self.near_calls = tuning.budget_near_calls
        # A call refused while others' reservations hold the headroom waits this long for them to settle.
        self.settle_wait_s = tuning.budget_settle_wait_s
        self.settle_poll_s = tuning.budget_settle_poll_s
        self.caps = caps
        self._lease = lease  # async (holder_id, limits, spent, outstanding, want) -> BudgetGrant
        self.holder_id = uuid.uuid4().hex[:12]
        self.allowance = 0.0  # reserved with the book, not yet taken by a call
        self.in_flight = 0.0  # the prices of the calls under way
        self._unreported = 0.0  # spent since the last lease call
        self._lock = asyncio.Lock()
        self.overshoot_usd = 0.0  # real costs above the reserved price (an adapter's price was wrong)

    async def reserve(self, price: float) -> None:
        """Take price from the allowance, asking the book for more; BudgetExhausted when it cannot."""
        if price <= 0:
            return
        async with self._lock:
            waited = 0.0
            while self.allowance + EPSILON < price:
                grant = await self._ask(price)
                if not grant.refused and self.allowance + EPSILON >= price:
                    break
                # Calls in flight hold their worst-case price and usually cost less: while what is
                # spent leaves room for this call, wait for them to settle rather than end the run.
                room = min(c["limit_usd"] - c["spent_usd"] for c in grant.caps.values())
                if room + EPSILON < price or waited >= self.settle_wait_s:
                    binding = ", ".join(
                        f"{key} spent ${c['spent_usd']:,.2f} + reserved ${c['reserved_usd']:,.2f}"
                        f" of ${c['limit_usd']:,.2f}"
                        for key, c in grant.caps.items()
                    )
                    raise BudgetExhausted(f"a ${price:,.4f} call would cross the cap ({binding})")
                await asyncio.sleep(self.settle_poll_s)
                waited += self.settle_poll_s
            self.allowance -= price
            self.in_flight += price

    async def _call(self, want: float) -> BudgetGrant:
        spent, self._unreported = self._unreported, 0.0
        try:
            grant: BudgetGrant = await self._lease(
                self.holder_id, dict(self.caps.limits), spent, self.allowance + self.in_flight, want
            )
        except BaseException:
            self._unreported += spent
            raise
        # Added, not set: calls that settled while this lease call was under way already moved
        # their unspent price back into the allowance (and their cost into what is unreported).
        self.allowance += grant.granted
        return grant

    async def _ask(self, price: float) -> BudgetGrant:
        # Far from every cap, ask for several calls' worth; near one, for this call alone.
        grant = await self._call(price * self.block_calls)
        near = any(
            c["limit_usd"] - c["spent_usd"] - c["reserved_usd"] < price * self.near_calls
            for c in grant.caps.values()
        )
        if grant.refused or near:
            self.allowance = 0.0  # give back what is not under way, and ask for exactly this call
            grant = await self._call(price)
        return grant

    def settle(self, price: float, cost: float) -> None:
        """A call reserved at price cost this much: the difference goes back into the allowance."""
        if price <= 0 and cost <= 0:
            return
        self.in_flight = max(0.0, self.in_flight - price)
        self._unreported += cost
        if cost > price:
            self.overshoot_usd += cost - price
            log.warning("a call cost $%.4f, above its reserved worst case $%.4f", cost, price)
        self.allowance += max(0.0, price - cost)

    async def close(self) -> None:
        """Report what was spent and give the allowance back."""
        if self._unreported > 0 or self.allowance > 0:
            self.allowance = 0.0
            try:
                await self._call(0.0)
            except Exception as exc:  # the book reads the journal again if it restarts
                log.warning("could not return a budget allowance: %r", exc)


class BudgetedCaller:
    """A ProviderCaller that reserves each call's worst-case price under the caps before making it."""

    def __init__(
        self, inner: Any, holder: BudgetHolder, providers: ProviderSettings, *, owns_inner: bool = True
    ) -> None:
        self.inner = inner
        self.holder = holder
        self.providers = providers
        self.owns_inner = owns_inner  # the API's callers are shared: only the holder is this one's
        # Actions priced per result whose adapter documents no maximum: the dearest call seen so far.
        self._dearest: dict[tuple[str, str], float] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # stop_deadline, listen, counters: the inner caller's

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        # A provider without a key is skipped for free: nothing to reserve.
        price = 0.0
        if self.providers.api_key(provider):
            price = max(worst_case_price(provider, action), self._dearest.get((provider, action), 0.0))
        await self.holder.reserve(price)
        cost = 0.0
        try:
            result: ProviderResult = await self.inner.call(provider, action, inputs)
            cost = result.cost_usd + sum(r.cost_usd for r in result.retried)
            return result
        finally:
            self.holder.settle(price, cost)
            if cost > price:
                self._dearest[(provider, action)] = cost

    async def close(self) -> None:
        await self.holder.close()
        if self.owns_inner:
            await self.inner.close()
