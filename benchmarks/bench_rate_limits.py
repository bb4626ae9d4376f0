"""B1: rate-limit efficiency — how close a batch gets to the fastest its providers' limits allow.

Three steps and a fan-out over tens of thousands of entities, each provider limited (the same limit
declared to the gateways and enforced by the sandbox, which answers 429 above it) and slow (a
log-normal latency of about 50-300 ms). The lower bound on the makespan is the busiest provider's
calls divided by its rate; the engine should come within 10% of it without a single 429.
"""

from __future__ import annotations

from typing import Any

from benchmarks.engine_harness import bench_environment, run_batch
from config import ClusterSettings
from providers.sandbox.world import World

SEED = 7
COMPANIES = 20_000
STEPS = [
    {"position": 1, "operation_id": "company.enrich.technographics"},
    {"position": 2, "operation_id": "company.research.discover_competitors", "fan_out": True},
    {"position": 3, "operation_id": "company.enrich.ecommerce"},
]
# requests/s per provider: chosen so the lower bound is a few minutes and the CPU is not what binds.
RATES = {"leadmagic": 40.0, "revenueinfra": 40.0, "storeleads": 150.0}
LATENCY = {"latency_ms": 120, "latency_sigma": 0.5}


def run(quick: bool) -> None:
    """Print makespan / lower bound and the 429s the sandbox sent."""
    roots = 300 if quick else 6_000
    rates = {k: v / 4 for k, v in RATES.items()} if quick else RATES
    world = World(seed=SEED, company_count=COMPANIES)
    domains = world.sample_domains(roots, seed_offset=211)
    knobs = {name: {**LATENCY, "rate_per_second": rate} for name, rate in rates.items()}
    limits = {name: {"rate_per_second": rate, "concurrency": 128} for name, rate in rates.items()}
    # Chunks small enough that early ones move on to later steps while later ones wait their turn.
    cluster = ClusterSettings(
        ray_include_dashboard=False, chunk_size=50 if quick else 100, max_chunks_in_flight=16
    )
    with bench_environment(
        companies=COMPANIES, knobs=knobs, default_knobs={}, cluster=cluster, limits=limits
    ) as bench:
        # Warm-up: start the workers and gateway actors a running cluster would already have.
        run_batch(bench, STEPS, [{"company_domain": d} for d in world.sample_domains(20, seed_offset=7)], 300)
        bench.sandbox.reset()
        outcome = run_batch(bench, STEPS, [{"company_domain": d} for d in domains], timeout_s=3600)
        stats: dict[str, Any] = bench.sandbox.stats()
    calls = {name: int(stats[name]["served"]) for name in rates}
    bounds = {name: calls[name] / rates[name] for name in rates}
    lower_bound = max(bounds.values())
    rate_limited = sum(int(s["rate_limited"]) for s in stats.values())
    runs = sum(outcome["runs"].values())
    print(f"{roots} root companies -> {runs} runs in all; status {outcome['status']} {outcome['runs']}")
    for name in rates:
        print(
            f"  {name:<13} limit {rates[name]:>6.1f}/s  calls {calls[name]:>7}  busy at least "
            f"{bounds[name]:>6.1f}s  peak {stats[name]['peak_rps']}/s  429s {stats[name]['rate_limited']}"
        )
    print(f"makespan {outcome['makespan_s']:.1f}s  lower bound {lower_bound:.1f}s")
    ratio = outcome["makespan_s"] / lower_bound
    print(f"makespan / lower bound: {ratio:.3f}   429s sent by the sandbox: {rate_limited}")
