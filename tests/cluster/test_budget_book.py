"""The budget book and its holders, pure: a cap is never crossed, however calls and lease calls interleave."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from cluster.budget import BudgetBook, BudgetHolder, Caps
from operations.runtime import BudgetExhausted


def _lease_of(book: BudgetBook, rng: random.Random) -> Any:
    async def lease(holder_id: str, limits: Any, spent: float, outstanding: float, want: float) -> Any:
        await asyncio.sleep(rng.random() * 0.002)  # calls settle while a lease call is under way
        return book.lease(holder_id, limits, spent=spent, outstanding=outstanding, want=want)

    return lease


@pytest.mark.parametrize("seed", range(5))
async def test_concurrent_holders_never_cross_a_shared_cap(seed: int) -> None:
    rng = random.Random(seed)
    book = BudgetBook(lambda key: 0.25 if key.startswith("org:") else 0.0)  # the org spent 0.25 before
    caps = [Caps({"org:o:2026-12": 3.0, f"submission:{n}": 1.2}) for n in range(2)]
    holders = [BudgetHolder(caps[n % 2], _lease_of(book, rng)) for n in range(6)]
    spent = {0: 0.0, 1: 0.0}

    async def call(n: int, holder: BudgetHolder) -> None:
        price = rng.choice([0.01, 0.05, 0.1])
        await holder.reserve(price)
        await asyncio.sleep(rng.random() * 0.003)
        cost = rng.choice([0.0, price / 2, price])
        spent[n % 2] += cost
        holder.settle(price, cost)

    async def work(n: int, holder: BudgetHolder) -> None:
        tasks = [asyncio.ensure_future(call(n, holder)) for _ in range(80)]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(r is None or isinstance(r, BudgetExhausted) for r in results), results
        await holder.close()

    await asyncio.gather(*(work(n, h) for n, h in enumerate(holders)))
    assert spent[0] <= 1.2 + 1e-9 and spent[1] <= 1.2 + 1e-9
    assert 0.25 + spent[0] + spent[1] <= 3.0 + 1e-9
    state = book.state()
    assert all(c["reserved_usd"] == 0 for c in state.values()), "every allowance came back"
    assert abs(state["org:o:2026-12"]["spent_usd"] - (0.25 + spent[0] + spent[1])) < 1e-9


async def test_a_call_that_cannot_fit_is_refused_at_once() -> None:
    book = BudgetBook(lambda key: 0.95)
    holder = BudgetHolder(Caps({"submission:s": 1.0}), _lease_of(book, random.Random(1)))
    with pytest.raises(BudgetExhausted, match="cross the cap"):
        await holder.reserve(0.1)
    await holder.reserve(0.05)
    holder.settle(0.05, 0.05)
    await holder.close()
    assert book.state()["submission:s"]["spent_usd"] == pytest.approx(1.0)
