"""`spend`: provider calls bought ÷ calls needed when the head is killed (`kill -9`) mid-batch, then resumed.

The demo workload (cli/demo.py: the outbound blueprint over the sample companies, the demo's provider
settings; `--quick`: the first 300 companies) is run twice against one sandbox process (same seed,
same world), each time with `dex enrich` as a subprocess on a fresh database and its own persistent
local Ray cluster, so nothing is fresh-skipped and no warm worker carries the other run's state:

1. uninterrupted: the sandbox's request count is the calls *needed*;
2. interrupted: once about half of those calls are made, the head goes at once (`kill -9` of
   `dex enrich` and of every process of the Ray head node: GCS, raylet, keeper, coordinator, gateways
   and chunk workers); then `dex enrich --resume ID` starts a new cluster and completes the batch.
   The sandbox's request count is the calls *bought*.

It prints bought ÷ needed (goal 1.00: above it by at most the calls in flight at the kill), per
provider; the requests the sandbox received that no attempt records (at the kill, and overall; the
uninterrupted run's own figure is the baseline of requests that are never attempts, if any); and
the in-flight bound.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import Engine, text

from benchmarks.dex_process import DexRun, SandboxProcess, dex_command
from benchmarks.scratch import scratch_database
from cli.demo import BLUEPRINT, DEMO_PROVIDERS, SAMPLE
from cluster.local_nodes import node_processes
from cluster.runtime import local_cluster
from config import ClusterSettings, ProviderSettings
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from store.engine import build_engine

SEED = 7
WORLD_COMPANIES = 20_000  # as `dex demo`'s sandbox
QUICK_COMPANIES = 300
KILL_AT = 0.5  # share of the needed calls made when the head is killed
TIMEOUT_S = 1800.0
FLUSH_WINDOW_S = 0.25  # the journal writes attempts at most this old

_SENT_SQL = text(
    """
    SELECT provider, count(*) FROM operation_attempts
     WHERE http_status IS NOT NULL OR error_class IN ('timeout', 'interrupted')
     GROUP BY provider
    """
)
_BOUGHT_TWICE_SQL = text(
    """
    SELECT count(*) FROM (
        SELECT pipeline_run_id, step_position, provider, action, call_key FROM operation_attempts
         WHERE final AND outcome IN ('found', 'not_found')
         GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1
    ) twice
    """
)


@dataclass
class Books:
    """What one run of the workload asked the sandbox and recorded."""

    requests: dict[str, int] = field(default_factory=dict)
    recorded: dict[str, int] = field(default_factory=dict)
    bought_twice: int = 0
    runs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def unrecorded(self) -> int:
        return self.total - sum(self.recorded.values())


def _environment() -> dict[str, str]:
    """The run's environment, without anything that could reach a real provider or another cluster."""
    provider_vars = ProviderSettings.provider_variables()
    dropped = {*provider_vars, "PROVIDER_SANDBOX_URL", "OPERATION_PROVIDER_ORDER"}
    return {
        k: v
        for k, v in os.environ.items()
        if k not in dropped and not k.startswith(("RAY_", "DEX_")) and k != "DATABASE_URL"
    }


def _demo_limits() -> dict[str, dict[str, int]]:
    """The demo's provider limits (cli/demo.py demo_settings): unlimited rate, 64 open requests each."""
    limits = {name: {"rate_per_second": 100_000, "concurrency": 64} for name in DEMO_PROVIDERS}
    limits["icypeas"]["concurrency"] = 100
    return limits


def _write_sample(path: Path, companies: int | None) -> int:
    """Copy the demo sample (its first `companies` rows); return how many rows were written."""
    with SAMPLE.open(newline="") as source, path.open("w", newline="") as target:
        rows = csv.reader(source)
        out = csv.writer(target)
        out.writerow(next(rows))
        written = 0
        for row in rows:
            if companies is not None and written >= companies:
                break
            out.writerow(row)
            written += 1
    return written


def _requests(sandbox_url: str) -> dict[str, int]:
    stats: dict[str, Any] = httpx.get(f"{sandbox_url}/_sandbox/stats", timeout=30).json()
    return {name: int(stats.get(name, {}).get("requests", 0)) for name in DEMO_PROVIDERS}


def _books(engine: Engine, requests: dict[str, int], seconds: float) -> Books:
    with engine.connect() as conn:
        recorded = {str(p): int(n) for p, n in conn.execute(_SENT_SQL)}
        twice = int(conn.execute(_BOUGHT_TWICE_SQL).scalar_one())
        runs = {
            str(s): int(n)
            for s, n in conn.execute(text("SELECT status, count(*) FROM pipeline_runs GROUP BY 1"))
        }
    return Books(
        requests=dict(requests),
        recorded={p: recorded.get(p, 0) for p in requests},
        bought_twice=twice,
        runs=runs,
        seconds=seconds,
    )


def _submission(engine: Engine) -> uuid.UUID | None:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM submissions")).scalars().all()
    return found[0] if found else None


def _stop_cluster(env: dict[str, str]) -> None:
    import subprocess

    subprocess.run(
        [*dex_command(), "cluster", "stop"], env=env, capture_output=True, timeout=300, check=False
    )


def _enrich(env: dict[str, str], args: list[str], log: Path) -> DexRun:
    return DexRun(["enrich", *args], env=env, log=log)


def _finish(run: DexRun, what: str) -> None:
    code = run.wait(TIMEOUT_S)
    if code != 0:
        print("\n".join(run.tail(40)))
        raise RuntimeError(f"{what} exited {code}")


def _kill_head(state_dir: Path, run: DexRun) -> int:
    """kill -9 `dex enrich` and every process of the local cluster's head node; return how many."""
    record = local_cluster(state_dir).record()
    if record is None:
        raise RuntimeError("no persistent local cluster is recorded")
    head = next(node for node in record.nodes if node.head)
    victims = [psutil.Process(run.process.pid), *node_processes(head.temp_dir)]
    for process in victims:
        try:
            process.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            continue
    run.process.wait(timeout=30)
    psutil.wait_procs(victims, timeout=30)
    return len(victims)


def run(quick: bool) -> None:
    """Run the demo workload uninterrupted, then with the head killed mid-batch; print bought ÷ needed."""
    cluster = ClusterSettings()
    limits = _demo_limits()
    base = _environment()
    with ExitStack() as stack:
        # A short folder: Ray's socket paths under its temp folder must stay under 108 characters.
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dexs-")))
        sandbox = SandboxProcess(env=base, seed=SEED, companies=WORLD_COMPANIES, provider="leadmagic")
        stack.callback(sandbox.stop)
        source = work / "companies.csv"
        companies = _write_sample(source, QUICK_COMPANIES if quick else None)
        sandbox.wait_ready(timeout_s=600)

        def env_for(name: str, url: str) -> dict[str, str]:
            env = dict(base)
            env.update({f"{p.upper()}_API_KEY": DEFAULT_SANDBOX_KEY for p in DEMO_PROVIDERS})
            env.update(
                DEX_ENV="development",
                DEX_STATE_DIR=str(work / name),
                DATABASE_URL=url,
                PROVIDER_SANDBOX_URL=sandbox.url,
                PROVIDER_LIMITS=json.dumps(limits),
                RAY_TMPDIR=str(work),
                RAY_LOCAL_MODE="persistent",
                RAY_INCLUDE_DASHBOARD="false",
            )
            return env

        args = [str(source), "--blueprint", str(BLUEPRINT)]
        # 1. Uninterrupted: the calls needed.
        with scratch_database("dex_spend_needed") as url:
            env = env_for("needed", url)
            engine = build_engine(url, pool_size=2)
            try:
                sandbox.reset()
                clock = time.monotonic()
                try:
                    _finish(
                        _enrich(env, [*args, "--out", str(work / "needed.csv")], work / "needed.log"),
                        "dex enrich",
                    )
                finally:
                    _stop_cluster(env)
                needed = _books(engine, _requests(sandbox.url), time.monotonic() - clock)
            finally:
                engine.dispose()
        print(
            f"uninterrupted: {needed.total:,} provider calls in {needed.seconds:,.0f}s; runs {needed.runs}",
            flush=True,
        )

        # 2. The head killed mid-batch, then `dex enrich --resume`.
        with scratch_database("dex_spend_killed") as url:
            env = env_for("killed", url)
            engine = build_engine(url, pool_size=2)
            try:
                sandbox.reset()
                clock = time.monotonic()
                out = work / "killed.csv"
                first = _enrich(env, [*args, "--out", str(out)], work / "killed-1.log")
                try:
                    deadline = time.monotonic() + TIMEOUT_S
                    while sum(_requests(sandbox.url).values()) < KILL_AT * needed.total:
                        if first.process.poll() is not None or time.monotonic() > deadline:
                            print("\n".join(first.tail(40)))
                            raise RuntimeError(
                                "dex enrich ended (or stalled) before the head could be killed"
                            )
                        time.sleep(0.2)
                    killed_s = time.monotonic() - clock
                    victims = _kill_head(Path(env["DEX_STATE_DIR"]), first)
                    time.sleep(1.0)  # requests already on their way land in the sandbox's count
                    at_kill = _books(engine, _requests(sandbox.url), killed_s)
                    submission_id = _submission(engine)
                    if submission_id is None:
                        raise RuntimeError("no submission was written")
                    resume = _enrich(
                        env, ["--resume", str(submission_id), "--out", str(out)], work / "killed-2.log"
                    )
                    _finish(resume, "dex enrich --resume")
                finally:
                    _stop_cluster(env)
                bought = _books(engine, _requests(sandbox.url), time.monotonic() - clock)
            finally:
                engine.dispose()
    _print_report(quick, companies, cluster, limits, needed, at_kill, bought, victims)


def _print_report(
    quick: bool,
    companies: int,
    cluster: ClusterSettings,
    limits: dict[str, dict[str, int]],
    needed: Books,
    at_kill: Books,
    bought: Books,
    victims: int,
) -> None:
    runs_in_flight = cluster.chunk_size * cluster.max_chunks_in_flight
    permits = sum(limit["concurrency"] for limit in limits.values())
    in_flight = min(runs_in_flight, permits)
    print(
        f"\nthe demo workload: {companies:,} companies through blueprints/examples/outbound.yaml "
        f"({'--quick' if quick else 'the whole sample'}), the demo's provider settings, "
        f"one sandbox (seed {SEED})"
    )
    print(
        f"  uninterrupted: {needed.seconds:,.0f}s, runs {needed.runs}; killed at {at_kill.seconds:,.0f}s "
        f"({victims} processes: dex enrich and the Ray head node's), then resumed: {bought.seconds:,.0f}s "
        f"in all, runs {bought.runs}"
    )
    print(
        f"\n  {'provider':<16} {'needed':>8} {'bought':>8} {'ratio':>7} {'sent at kill':>13} "
        f"{'unrecorded at kill':>19} {'unrecorded, uninterrupted':>26}"
    )
    for provider in needed.requests:
        n, b = needed.requests[provider], bought.requests[provider]
        ratio = f"{b / n:.3f}" if n else "-"
        lost = at_kill.requests[provider] - at_kill.recorded[provider]
        baseline = n - needed.recorded[provider]
        print(
            f"  {provider:<16} {n:>8,} {b:>8,} {ratio:>7} {at_kill.requests[provider]:>13,} {lost:>19,} "
            f"{baseline:>26,}"
        )
    print(f"  {'total':<16} {needed.total:>8,} {bought.total:>8,} {bought.total / needed.total:>7.3f}")
    print(
        f"\n  requests no attempt records: {needed.unrecorded:,} uninterrupted (the baseline); "
        f"{at_kill.unrecorded:,} at the kill; {bought.unrecorded:,} after the resume"
    )
    print(
        f"  in flight at the kill, at most: min(CHUNK_SIZE x MAX_CHUNKS_IN_FLIGHT = {runs_in_flight:,} runs, "
        f"gateway permits = {permits:,}) = {in_flight:,} requests, plus the answers of the last "
        f"{FLUSH_WINDOW_S:g}s not yet journaled"
    )
    print(
        "  answers bought twice (one final answer per run, step, provider, action and input): "
        f"{bought.bought_twice}"
    )
    extra = bought.total - needed.total
    print(
        f"\nspend: bought / needed {bought.total / needed.total:.3f} (goal 1.00; {extra:+,} calls), "
        f"unrecorded at the kill {at_kill.unrecorded:,} (bound {in_flight:,} + flush window)"
    )
