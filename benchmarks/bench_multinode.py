"""multinode: a rate-limited batch on a two-node Ray cluster on this machine, one node lost mid-batch.

The cluster is the persistent local one with a worker node beside its head (RAY_WORKER_NODES=1:
two raylets, one CPU and a custom resource each, `ray start --address` for the second). A three-step
batch with a fan-out runs against sandboxed providers that answer 429 above their limits, paced by
the gateways at those limits. Mid-batch, once chunks have run on both nodes, the worker node's
raylet is killed (kill -9). What must hold: chunks ran on both nodes, one gateway actor per provider
credential, no 429, and the batch complete with nothing lost (every run final, every step result
there) and nothing doubled (no step result, child run or entity twice). Provider calls beyond the
steps needed are calls of replayed chunks, reported but not data doubled.
"""

from __future__ import annotations

import signal
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ray
from ray.util.state import list_actors, list_tasks
from sqlalchemy import Engine, func, select

from benchmarks.engine_harness import bench_environment, run_batch
from cluster.local_nodes import free_port
from cluster.placement import head_node_id
from cluster.runtime import local_cluster, node_resource, stop_local_cluster
from config import ClusterSettings, RayLocalMode
from providers.sandbox.world import World
from store.tables import company_entities, pipeline_runs, step_results

SEED = 7
COMPANIES = 20_000
STEPS = [
    {"position": 1, "operation_id": "company.enrich.technographics"},
    {"position": 2, "operation_id": "company.research.discover_competitors", "fan_out": True},
    {"position": 3, "operation_id": "company.enrich.ecommerce"},
]
# requests/s per provider: the limit declared to the gateways and enforced by the sandbox.
RATES = {"leadmagic": 20.0, "revenueinfra": 20.0, "storeleads": 60.0}
STEP_PROVIDER = {1: "leadmagic", 2: "revenueinfra", 3: "storeleads"}
LATENCY = {"latency_ms": 60, "latency_sigma": 0.3}
WORKER_NODE = "worker-1"


@dataclass
class MultinodeResult:
    """What the run showed."""

    nodes: int = 0
    status: str = ""
    makespan_s: float = 0.0
    lower_bound_s: float = 0.0
    rate_limited: int = 0
    lost: int = 0
    duplicated: int = 0
    chunks_by_node: dict[str, int] = field(default_factory=dict)
    gateways_by_provider: dict[str, int] = field(default_factory=dict)
    gateways_on_head: bool = False
    killed_at_s: float | None = None
    runs: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    needed: dict[str, int] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.makespan_s / self.lower_bound_s if self.lower_bound_s else float("nan")


def _chunk_nodes(submission_id: uuid.UUID) -> Counter[str]:
    prefix = f"chunk {str(submission_id)[:8]} "
    tasks = list_tasks(
        address=_address(),
        filters=[("func_or_class_name", "=", "run_chunk")],
        limit=10_000,
        raise_on_missing_output=False,
    )
    return Counter(str(t.node_id) for t in tasks if t.name.startswith(prefix) and t.node_id)


def _address() -> str:
    # Named explicitly: left out, the state API looks for clusters on the machine and refuses when
    # it finds several (other Rays on a shared machine).
    return str(ray.get_runtime_context().gcs_address)


def _worker_node_id() -> str:
    resource = node_resource(WORKER_NODE)
    return next(str(n["NodeID"]) for n in ray.nodes() if resource in n["Resources"])


def _losses_and_doubles(
    engine: Engine, submission_id: uuid.UUID
) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """Return (lost, duplicated, runs by status, step results needed per provider)."""
    last = len(STEPS)
    with engine.connect() as conn:
        runs: dict[str, int] = dict(
            conn.execute(
                select(pipeline_runs.c.status, func.count())
                .where(pipeline_runs.c.submission_id == submission_id)
                .group_by(pipeline_runs.c.status)
            ).all()
        )
        # Every run owes one step result per step from where it starts to the last.
        owed = conn.execute(
            select(func.coalesce(func.sum(last - pipeline_runs.c.start_position + 1), 0)).where(
                pipeline_runs.c.submission_id == submission_id
            )
        ).scalar_one()
        present = conn.execute(
            select(
                func.count(
                    func.distinct(func.row(step_results.c.pipeline_run_id, step_results.c.step_position))
                )
            ).where(step_results.c.submission_id == submission_id)
        ).scalar_one()
        step_rows = conn.execute(
            select(func.count())
            .select_from(step_results)
            .where(step_results.c.submission_id == submission_id)
        ).scalar_one()
        child_doubles = conn.execute(
            select(func.count() - 1)
            .where(
                pipeline_runs.c.submission_id == submission_id,
                pipeline_runs.c.parent_pipeline_run_id.is_not(None),
            )
            .group_by(pipeline_runs.c.parent_pipeline_run_id, pipeline_runs.c.entity_index)
            .having(func.count() > 1)
        ).all()
        entity_doubles = conn.execute(
            select(func.count() - 1)
            .select_from(company_entities)
            .where(company_entities.c.canonical_domain.is_not(None))
            .group_by(company_entities.c.org_id, company_entities.c.canonical_domain)
            .having(func.count() > 1)
        ).all()
        per_step: dict[int, int] = dict(
            conn.execute(
                select(step_results.c.step_position, func.count())
                .where(step_results.c.submission_id == submission_id, step_results.c.status != "skipped")
                .group_by(step_results.c.step_position)
            ).all()
        )
    unfinished = sum(n for status, n in runs.items() if status not in ("succeeded", "failed", "canceled"))
    lost = unfinished + max(0, int(owed) - int(present))
    duplicated = (int(step_rows) - int(present)) + sum(int(r[0]) for r in child_doubles)
    duplicated += sum(int(r[0]) for r in entity_doubles)
    needed = {STEP_PROVIDER[position]: count for position, count in per_step.items()}
    return lost, duplicated, runs, needed


def run_multinode(
    roots: int,
    *,
    rates: dict[str, float],
    chunk_size: int,
    kill_after: float = 0.3,
    companies: int = COMPANIES,
    timeout_s: float = 900,
) -> MultinodeResult:
    """Run the batch on a fresh two-node local cluster, killing the worker node's raylet mid-batch."""
    world = World(seed=SEED, company_count=companies)
    domains = world.sample_domains(roots, seed_offset=907)
    knobs = {name: {**LATENCY, "rate_per_second": rate} for name, rate in rates.items()}
    limits = {name: {"rate_per_second": rate, "concurrency": 64} for name, rate in rates.items()}
    cluster = ClusterSettings(
        ray_local_mode=RayLocalMode.PERSISTENT,
        ray_worker_nodes=1,
        ray_num_cpus=1,
        # The state API (which node ran each chunk) is served by the dashboard.
        ray_include_dashboard=True,
        ray_dashboard_port=free_port(),
        chunk_size=chunk_size,
        max_chunks_in_flight=8,
        coordinator_linger_s=1,
    )
    result = MultinodeResult()
    with tempfile.TemporaryDirectory(prefix="dex-multinode-") as folder:
        state_dir = Path(folder)
        try:
            with bench_environment(
                companies=companies,
                knobs=knobs,
                default_knobs={},
                cluster=cluster,
                limits=limits,
                state_dir=state_dir,
            ) as bench:
                result.nodes = sum(1 for node in ray.nodes() if node["Alive"])
                worker_node = _worker_node_id()
                nodes = local_cluster(state_dir)

                def kill_mid_batch(submission_id: uuid.UUID, elapsed_s: float) -> None:
                    if result.killed_at_s is not None:
                        return
                    with bench.engine.connect() as conn:
                        done = conn.execute(
                            select(func.count())
                            .select_from(pipeline_runs)
                            .where(
                                pipeline_runs.c.submission_id == submission_id,
                                pipeline_runs.c.status == "succeeded",
                            )
                        ).scalar_one()
                    # Once a share of the roots is done and the worker node has run chunks of this batch.
                    if done >= kill_after * roots and _chunk_nodes(submission_id).get(worker_node):
                        result.chunks_by_node = dict(_chunk_nodes(submission_id))
                        nodes.kill_node(WORKER_NODE, signal.SIGKILL, raylet_only=True)
                        result.killed_at_s = elapsed_s

                bench.sandbox.reset()
                outcome = run_batch(
                    bench, STEPS, [{"company_domain": d} for d in domains], timeout_s, on_poll=kill_mid_batch
                )
                stats: dict[str, Any] = bench.sandbox.stats()
                submission_id = outcome["submission_id"]
                for node, count in _chunk_nodes(submission_id).items():
                    result.chunks_by_node[node] = max(count, result.chunks_by_node.get(node, 0))
                result.chunks_by_node = {
                    (
                        "head" if node == head_node_id() else WORKER_NODE if node == worker_node else node[:8]
                    ): n
                    for node, n in result.chunks_by_node.items()
                }
                gateways = [
                    a
                    for a in list_actors(
                        address=_address(),
                        filters=[("class_name", "=", "GatewayActor")],
                        raise_on_missing_output=False,
                    )
                    if a.state == "ALIVE"
                ]
                result.gateways_by_provider = dict(Counter(str(a.name).split(":")[1] for a in gateways))
                result.gateways_on_head = all(a.node_id == head_node_id() for a in gateways)
                result.status = outcome["status"]
                result.makespan_s = outcome["makespan_s"]
                result.calls = {name: int(stats[name]["served"]) for name in rates}
                result.rate_limited = sum(int(s["rate_limited"]) for s in stats.values())
                result.lower_bound_s = max(result.calls[name] / rates[name] for name in rates)
                result.lost, result.duplicated, result.runs, result.needed = _losses_and_doubles(
                    bench.engine, submission_id
                )
        finally:
            stop_local_cluster(state_dir)
    return result


def run(quick: bool) -> None:
    """Print the nodes, where chunks ran, the gateways, the 429s, losses and doubles, and the makespan."""
    roots = 150 if quick else 1_000
    rates = {k: v / 2 for k, v in RATES.items()} if quick else RATES
    started = time.monotonic()
    result = run_multinode(roots, rates=rates, chunk_size=20 if quick else 50)
    runs = sum(result.runs.values())
    print(f"{roots} root companies -> {runs} runs; status {result.status} {result.runs}")
    print(f"nodes: {result.nodes}; chunks run per node: {result.chunks_by_node}")
    killed = f"{result.killed_at_s:.1f}s" if result.killed_at_s is not None else "never (batch too short)"
    print(f"worker node's raylet killed (kill -9) at {killed} into the batch")
    print(
        f"gateway actors per provider: {result.gateways_by_provider} "
        f"({'all on the head node' if result.gateways_on_head else 'NOT all on the head node'})"
    )
    for name, rate in rates.items():
        needed, calls = result.needed.get(name, 0), result.calls.get(name, 0)
        print(
            f"  {name:<13} limit {rate:>5.1f}/s  calls {calls:>6}  steps needing it {needed:>6}  "
            f"calls repeated by replayed chunks {calls - needed:>4}"
        )
    print(
        f"makespan {result.makespan_s:.1f}s  lower bound {result.lower_bound_s:.1f}s  "
        f"(all in {time.monotonic() - started:.0f}s)"
    )
    print(
        f"multinode: nodes: {result.nodes}, makespan / lower bound {result.ratio:.2f}, "
        f"429s {result.rate_limited}, lost {result.lost}, duplicated {result.duplicated}"
    )
