"""`dex providers`: every provider, whether it has a key, its balance and its state (never the key)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any

import typer

from cli.blueprints import settings_for
from cli.context import one_line_errors
from cluster.credits import EXHAUSTED, ProviderCredits, gateway_checks, provider_credits
from config import Settings
from providers.http import HttpClient


def _clock(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S") if epoch else "?"


def _balance(found: ProviderCredits) -> str:
    if found.credits_remaining is None:
        return "-"
    value = found.credits_remaining
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def describe_state(found: ProviderCredits) -> str:
    """Say a provider's state in words: ok, exhausted (since, clears at), no balance endpoint, …"""
    if found.state == EXHAUSTED and found.exhausted_since:
        state = (
            f"exhausted (since {_clock(found.exhausted_since)}, clears at {_clock(found.exhausted_until)})"
        )
    elif found.state == EXHAUSTED:
        state = "exhausted (balance 0)"
    elif found.reason and found.state != "ok":
        state = f"{found.state}: {found.reason}"
    else:
        state = found.state
    extra = [
        f"plan {found.plan}" if found.plan else "",
        f"renews {found.renews_at}" if found.renews_at else "",
    ]
    extra = [e for e in extra if e]
    return state + (f"  ({', '.join(extra)})" if extra else "")


def _cluster_answers(settings: Settings, use_cluster: bool) -> dict[str, dict[str, Any]]:
    """Ask running gateway actors to check (and settle their marks); nothing when no cluster runs."""
    import ray

    from cluster.runtime import connect, local_cluster

    if not use_cluster:
        return {}
    joined_here = False
    if not ray.is_initialized():
        running = settings.cluster.ray_address or local_cluster(settings.dex_state_dir).running()
        if not running:
            return {}  # no cluster runs: no gateway holds a mark; balances are checked from here
        try:
            connect(settings.cluster, state_dir=settings.dex_state_dir)
            joined_here = True
        except Exception:
            return {}
    try:
        keyed = [name for name in sorted(_names()) if settings.providers.api_key(name)]
        return gateway_checks(keyed, settings.providers)
    finally:
        if joined_here:
            ray.shutdown()


def _names() -> list[str]:
    from providers.registry import all_providers

    return list(all_providers())


async def _collect(
    settings: Settings, gateways: dict[str, dict[str, Any]], timeout_s: float
) -> list[ProviderCredits]:
    async with HttpClient(max_connections=32, default_timeout_s=timeout_s) as client:
        return await provider_credits(
            settings.providers, client=client, gateways=gateways, timeout_s=timeout_s
        )


def collect(settings: Settings, *, use_cluster: bool = True, timeout_s: float = 5.0) -> list[ProviderCredits]:
    """Return every provider's balance and state, through the cluster's gateways where they run."""
    gateways = _cluster_answers(settings, use_cluster)
    return asyncio.run(_collect(settings, gateways, timeout_s))


@one_line_errors
def providers(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per provider, in a list.")] = False,
    cluster: Annotated[
        bool,
        typer.Option(
            "--cluster/--no-cluster",
            help="Ask the running cluster's gateways, which settle their exhausted marks (none is started).",
        ),
    ] = True,
    timeout: Annotated[float, typer.Option("--timeout", min=0.5, help="Seconds per balance check.")] = 5.0,
) -> None:
    """List every provider: keyed or not, its credits balance and its state.

    States: ok; exhausted (since, clears at); no balance endpoint; check failed: reason; no key.
    A check that finds credits again clears a gateway's exhausted mark at once.
    """
    found = collect(settings_for(ctx), use_cluster=cluster, timeout_s=timeout)
    if as_json:
        typer.echo(json.dumps([f.as_dict() for f in found], indent=2))
        return
    width = max(len(f.provider) for f in found)
    typer.echo(f"{'provider':<{width}}  key  {'balance':>12}  state")
    for f in found:
        key = "yes" if f.keyed else "no"
        typer.echo(f"{f.provider:<{width}}  {key:<3}  {_balance(f):>12}  {describe_state(f)}")
