"""B2: the engine's entity-steps per second, as a ratio to a bare asyncio loop making the same HTTP calls.

Providers are unlimited and answer at once, so what is measured is the engine itself: Ray chunk
tasks, batched gateway actors, the operation runtime, and every PostgreSQL write (step results,
operation history, run state, entities, timeline). The baseline is one process, one event loop,
the same adapters and HTTP client, the same calls, writing nothing. Goal: ratio >= 0.8.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from benchmarks.cpu_census import CpuCensus
from benchmarks.engine_harness import bench_environment, run_batch
from config import ClusterSettings, ProviderSettings
from providers.execute import execute
from providers.http import HttpClient
from providers.registry import endpoint_for, get_provider
from providers.sandbox.world import World

SEED = 7
COMPANIES = 20_000
STEPS = [
    {"position": 1, "operation_id": "company.enrich.technographics"},
    {"position": 2, "operation_id": "company.research.check_vc_funding"},
    {"position": 3, "operation_id": "company.research.find_similar_companies"},
]
# The provider action each step makes, with the inputs the operation sends.
CALLS = [
    ("leadmagic", "technographics"),
    ("revenueinfra", "vc_funding"),
    ("revenueinfra", "similar_companies"),
]
CONCURRENCY = 64


async def _baseline(domains: list[str], providers: ProviderSettings) -> float:
    """Entity-steps/s of one loop running each entity's three calls in order, CONCURRENCY entities at once."""
    async with HttpClient(max_connections=CONCURRENCY * 2) as client:
        endpoints = {name: endpoint_for(get_provider(name), providers) for name, _ in CALLS}
        queue = list(domains)

        async def worker() -> None:
            while queue:
                domain = queue.pop()
                for provider, action in CALLS:
                    await execute(
                        get_provider(provider).actions[action],
                        {"company_domain": domain},
                        endpoint=endpoints[provider],
                        client=client,
                    )

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return len(domains) * len(CALLS) / (time.perf_counter() - started)


def run(quick: bool) -> None:
    """Print the engine's and the bare loop's entity-steps/s and their ratio."""
    entities = 600 if quick else 6_000
    world = World(seed=SEED, company_count=COMPANIES)
    cluster = ClusterSettings(ray_include_dashboard=False, chunk_size=200, max_chunks_in_flight=6)
    # The warm-up fills every chunk slot once, so each worker process has started and imported the
    # engine before the measured batch (a running cluster's workers are warm); its companies differ.
    warm_count = cluster.chunk_size * cluster.max_chunks_in_flight
    sampled = world.sample_domains(entities + warm_count, seed_offset=101)
    domains, warm_domains = sampled[:entities], sampled[entities:]
    # Unlimited on both sides: the gateways' declared rate limits are lifted, so only the engine is
    # measured. Each gateway may have as many requests open as the whole baseline loop has (64): more
    # would only queue them in the sandbox.
    unlimited = {name: {"rate_per_second": 1e9, "concurrency": CONCURRENCY} for name, _ in CALLS}
    census = CpuCensus()
    os.environ.update(census.environment)  # before the sandbox and Ray start: they inherit it
    with bench_environment(
        companies=COMPANIES, knobs={}, default_knobs={}, cluster=cluster, limits=unlimited
    ) as bench:
        census.engine = bench.engine
        with census.window() as baseline_cpu:
            baseline = asyncio.run(_baseline(domains, bench.settings.providers))
        warm = run_batch(bench, STEPS, [{"company_domain": d} for d in warm_domains], timeout_s=600)
        with census.window() as engine_cpu:
            outcome = run_batch(bench, STEPS, [{"company_domain": d} for d in domains], timeout_s=1800)
        stats: dict[str, Any] = bench.sandbox.stats()
    engine_rate = entities * len(STEPS) / outcome["makespan_s"]
    served = sum(int(s["served"]) for s in stats.values())
    print(f"{entities} company entities x {len(STEPS)} steps, unlimited zero-latency sandbox, 2 cores shared")
    print(f"warm-up batch of {warm_count}: {warm['makespan_s']:.1f}s")
    print(f"measured batch: {outcome['status']} {outcome['runs']}")
    print(f"{'bare asyncio loop (same calls, no writes)':<46} {baseline:>9.0f} entity-steps/s")
    print(f"{'engine (Ray + gateways + PostgreSQL writes)':<46} {engine_rate:>9.0f} entity-steps/s")
    steps = entities * len(STEPS)
    print(f"bare loop {baseline_cpu.line(steps, 'entity-step')}")
    print(f"engine    {engine_cpu.line(steps, 'entity-step')}")
    print(f"ratio engine / bare loop: {engine_rate / baseline:.2f}   (sandbox answered {served} requests)")
