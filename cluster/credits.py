"""Provider balances: each provider's credits and exhausted state, for `dex providers`, the API and submit.

A balance comes from the provider's free credits endpoint (`Provider.credits`), read over the shared
HTTP client through `providers.execute`, or from the provider's gateway actor when one runs (it
checks the same way and settles its exhausted mark on the answer: `GatewayActor.check_credits`).
`BalanceCache` keeps answers for a short time so that a batch submit can warn about providers
without credits without waiting on them each time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from cluster.gateway import credits_remaining
from config import ProviderSettings
from providers.base import ProviderResult
from providers.execute import execute
from providers.http import HttpClient
from providers.registry import all_providers, endpoint_for

OK = "ok"
EXHAUSTED = "exhausted"
NO_BALANCE_ENDPOINT = "no balance endpoint"
CHECK_FAILED = "check failed"
NO_KEY = "no key"


@dataclass(frozen=True, slots=True)
class ProviderCredits:
    """One provider's balance and state, as `dex providers` and the API show it (never its key)."""

    provider: str
    keyed: bool
    state: str  # ok | exhausted | no balance endpoint | check failed | no key
    credits_remaining: float | None = None
    plan: str | None = None
    renews_at: str | None = None
    reason: str | None = None  # why a check failed, or what is uncertain about it
    exhausted_since: float | None = None  # epoch seconds, when a gateway holds the mark
    exhausted_until: float | None = None  # when the mark clears by time (a balance check may clear it sooner)

    def as_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready data."""
        return asdict(self)


def unkeyed(provider: str, missing: Sequence[str]) -> ProviderCredits:
    """Return the state of a provider whose calls are skipped, naming the variables to set."""
    return ProviderCredits(provider, False, NO_KEY, reason=f"set {', '.join(missing)}" if missing else None)


def summarize(
    provider: str, check: ProviderResult | None, mark: Mapping[str, Any] | None = None
) -> ProviderCredits:
    """Combine a keyed provider's balance check (None: no endpoint) and its gateway's mark into its state."""
    marked = bool(mark and mark.get("exhausted"))
    since = mark.get("exhausted_since") if marked and mark else None
    until = mark.get("exhausted_until") if marked and mark else None
    note = all_providers()[provider].credits_note
    if check is None:
        state = EXHAUSTED if marked else NO_BALANCE_ENDPOINT
        return ProviderCredits(provider, True, state, exhausted_since=since, exhausted_until=until)
    remaining = credits_remaining(check)
    if remaining is None:
        if check.skip_reason:
            needs = ", ".join(check.missing_inputs)
            why = check.skip_reason + (f" ({needs})" if needs else "")
        else:
            why = f"{check.error_class or check.outcome}" + (f": {check.message}" if check.message else "")
        return ProviderCredits(
            provider, True, EXHAUSTED if marked else CHECK_FAILED, reason=why, exhausted_since=since,
            exhausted_until=until,
        )  # fmt: skip
    data = check.data or {}
    found = ProviderCredits(
        provider,
        True,
        OK if remaining > 0 else EXHAUSTED,
        credits_remaining=remaining,
        plan=data.get("plan"),
        renews_at=data.get("renews_at"),
        reason=note if "undocumented" in note else None,
    )
    if remaining > 0:
        return found
    return replace(found, exhausted_since=since, exhausted_until=until)


async def check_balances(
    settings: ProviderSettings, providers: Iterable[str], *, client: HttpClient, timeout_s: float = 5.0
) -> dict[str, ProviderResult | None]:
    """Read each keyed provider's balance here, concurrently (None for a provider without an endpoint)."""
    adapters = all_providers()

    async def one(name: str) -> ProviderResult | None:
        adapter = adapters[name]
        if adapter.credits is None:
            return None
        endpoint = replace(endpoint_for(adapter, settings), max_timeout_s=timeout_s)
        return await execute(adapter.credits, {}, endpoint=endpoint, client=client)

    names = [n for n in dict.fromkeys(providers) if n in adapters and not settings.missing_credentials(n)]
    answers = await asyncio.gather(*(one(n) for n in names))
    return dict(zip(names, answers, strict=True))


def gateway_checks(
    providers: Iterable[str], settings: ProviderSettings, timeout_s: float = 10.0
) -> dict[str, dict[str, Any]]:
    """Ask each provider's running gateway actor to check its balance now and settle its mark.

    Only actors that exist are asked (none is created); a provider whose actor does not answer in
    time is left out. Needs a connected Ray.
    """
    import ray

    from cluster.actors import actor_name
    from cluster.runtime import NAMESPACE

    refs: dict[str, Any] = {}
    for name in providers:
        try:
            handle = ray.get_actor(actor_name(name, settings), namespace=NAMESPACE)
        except ValueError:
            continue
        refs[name] = handle.check_credits.remote()
    answers: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout_s
    for name, ref in refs.items():
        try:
            answers[name] = ray.get(ref, timeout=max(0.1, deadline - time.monotonic()))
        except Exception:  # busy, dying or gone: this provider is checked directly instead
            continue
    return answers


async def provider_credits(
    settings: ProviderSettings,
    *,
    client: HttpClient,
    gateways: Mapping[str, Mapping[str, Any]] | None = None,
    timeout_s: float = 5.0,
) -> list[ProviderCredits]:
    """Return every provider's balance and state; `gateways` are answers of their actors' own checks."""
    gateways = gateways or {}
    names = sorted(all_providers())
    direct = await check_balances(
        settings, [n for n in names if n not in gateways], client=client, timeout_s=timeout_s
    )
    found = []
    for name in names:
        missing = settings.missing_credentials(name)
        if missing:
            found.append(unkeyed(name, missing))
        elif name in gateways:
            answer = gateways[name]
            found.append(summarize(name, answer.get("check"), answer))
        else:
            found.append(summarize(name, direct.get(name)))
    return found


class BalanceCache:
    """Balances kept for `ttl_s`, so that submits warn about providers without credits cheaply."""

    def __init__(self, settings: ProviderSettings, *, ttl_s: float = 60.0, timeout_s: float = 2.0) -> None:
        self.settings = settings
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self._client: HttpClient | None = None
        self._answers: dict[str, tuple[float, ProviderCredits]] = {}

    async def get(self, providers: Iterable[str]) -> list[ProviderCredits]:
        """Return the keyed providers' balances, checking those not seen within ttl_s (bounded in time)."""
        now = time.monotonic()
        wanted = [
            n
            for n in dict.fromkeys(providers)
            if n in all_providers() and not self.settings.missing_credentials(n)
        ]
        stale = [n for n in wanted if n not in self._answers or now - self._answers[n][0] > self.ttl_s]
        if stale:
            if self._client is None:
                # Made on first use, inside the running event loop (the HTTP client binds to it).
                self._client = HttpClient(max_connections=32, default_timeout_s=self.timeout_s)
            checks = await check_balances(self.settings, stale, client=self._client, timeout_s=self.timeout_s)
            for name in stale:
                self._answers[name] = (time.monotonic(), summarize(name, checks.get(name)))
        return [self._answers[n][1] for n in wanted]

    def forget(self) -> None:
        """Drop every kept balance: the next `get` checks again."""
        self._answers.clear()

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.close()
            self._client = None
