"""Interactive work first: `/api/v1/execute` latency while a rate-limited batch saturates the same provider.

A batch several times larger than its provider's limit can serve keeps that provider's lane full
for the whole run. Meanwhile single operations are run the way `/api/v1/execute` runs them (the
API's caller, interactive priority, under the same gateway books), and, as the baseline measured in
the same run, the same operations sent as batch work, which is what every call was before
interactive calls had their share: they wait behind the batch's queue.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from typing import Any

from api.services.execution import run as run_operation
from benchmarks.engine_harness import bench_environment, run_batch
from cluster.caller import LeasedCaller
from cluster.leases import BATCH, INTERACTIVE
from config import ClusterSettings, Settings
from operations.registry import get_operation
from providers.sandbox.world import World

SEED = 7
COMPANIES = 20_000
PROVIDER = "leadmagic"
STEPS = [{"position": 1, "operation_id": "company.enrich.technographics"}]


async def _latencies(settings: Settings, priority: str, domains: list[str], gap_s: float) -> list[float]:
    """Run one operation per domain, one after another, through a caller of the given priority."""
    from cluster.actors import gateway_handles

    caller = LeasedCaller(
        settings.providers,
        priority=priority,
        lookup=lambda providers: gateway_handles(providers, settings.providers),
    )
    spec = get_operation("company.enrich.technographics")
    assert spec is not None
    waits = []
    try:
        for domain in domains:
            started = time.monotonic()
            await run_operation(spec, {"company_domain": domain}, {}, caller=caller, settings=settings)
            waits.append(time.monotonic() - started)
            await asyncio.sleep(gap_s)
    finally:
        await caller.close()
    return waits


def _summary(waits: list[float]) -> str:
    ordered = sorted(waits)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms"


def run(quick: bool) -> None:
    """Print /execute latency during a batch, interactive vs queued as batch work."""
    rate = 20.0
    roots = 1_000 if quick else 3_000
    samples = 10 if quick else 20
    world = World(seed=SEED, company_count=COMPANIES)
    domains = world.sample_domains(roots + 2 * samples, seed_offset=311)
    batch, probes = domains[:roots], domains[roots:]
    knobs = {PROVIDER: {"rate_per_second": rate, "latency_ms": 50}}
    limits = {PROVIDER: {"rate_per_second": rate, "concurrency": 64}}
    cluster = ClusterSettings(ray_include_dashboard=False, chunk_size=100, max_chunks_in_flight=8)
    with bench_environment(
        companies=COMPANIES, knobs=knobs, default_knobs={}, cluster=cluster, limits=limits
    ) as bench:
        run_batch(bench, STEPS, [{"company_domain": d} for d in world.sample_domains(10, seed_offset=3)], 300)
        outcome: dict[str, Any] = {}
        worker = threading.Thread(
            target=lambda: outcome.update(
                run_batch(bench, STEPS, [{"company_domain": d} for d in batch], timeout_s=3600)
            )
        )
        worker.start()
        time.sleep(5)  # the batch's queue is full by now
        interactive = asyncio.run(_latencies(bench.settings, INTERACTIVE, probes[:samples], 0.3))
        queued = asyncio.run(_latencies(bench.settings, BATCH, probes[samples:], 0.3))
        still_running = worker.is_alive()
        worker.join()
    print(
        f"a batch of {roots} one-call entities on {PROVIDER} limited to {rate:.0f}/s "
        f"({roots / rate:.0f}s of work)"
    )
    print(f"batch: {outcome.get('status')} {outcome.get('runs')} in {outcome.get('makespan_s', 0):.1f}s")
    print(f"{'/execute (interactive share, goes first)':<44} {_summary(interactive)}")
    print(f"{'the same calls queued as batch work':<44} {_summary(queued)}")
    ratio = statistics.median(queued) / statistics.median(interactive)
    print(
        f"median wait ratio queued / interactive: {ratio:.1f}x   "
        f"(batch still running while measured: {still_running})"
    )
