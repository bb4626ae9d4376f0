"""Provider balances for tenants: the list the API shows, and warnings about providers without credits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from cluster.credits import EXHAUSTED, BalanceCache, ProviderCredits, unkeyed
from cluster.plan import build_plan

log = logging.getLogger(__name__)

# A submit waits at most this long for balances it has not seen lately; it never fails for them.
SUBMIT_CHECK_BUDGET_S = 1.5


def blueprint_providers(steps: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Return every provider the steps' operations may call."""
    return build_plan(steps, {}).providers


def credit_warnings(found: Sequence[ProviderCredits]) -> list[str]:
    """Return one warning per keyed provider without credits."""
    return [
        f"{f.provider} has no credits left (balance {f.credits_remaining:g}): its calls in this batch "
        "will be skipped as no_credits until credits are added"
        for f in found
        if f.keyed and f.state == EXHAUSTED and f.credits_remaining is not None
    ]


async def submit_warnings(cache: BalanceCache, steps: Sequence[Mapping[str, Any]]) -> list[str]:
    """Warn about the blueprint's keyed providers without credits; a slow or failed check warns of nothing."""
    try:
        found = await asyncio.wait_for(cache.get(blueprint_providers(steps)), SUBMIT_CHECK_BUDGET_S)
    except Exception as exc:  # a balance check must never fail or hold up a submit
        log.warning("balance checks at submit gave no answer: %r", exc)
        return []
    return credit_warnings(found)


async def list_provider_credits(cache: BalanceCache) -> list[dict[str, Any]]:
    """Return every provider's key presence, balance and state as the API shows it (never a key)."""
    from providers.registry import all_providers

    names = sorted(all_providers())
    keyed = {f.provider: f for f in await cache.get(names)}
    return [
        (keyed[name] if name in keyed else unkeyed(name, cache.settings.missing_credentials(name))).as_dict()
        for name in names
    ]
