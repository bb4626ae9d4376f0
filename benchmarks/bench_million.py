"""`million`: the real `dex enrich` over a million companies (--quick: 100k), against the bare loop's rate.

One cheap company step (company.enrich.technographics, one LeadMagic call per company) on the provider
sandbox with no latency and every limit lifted, a scratch PostgreSQL, and whatever Ray `dex enrich`
starts or joins on its own. Every domain is a company of the sandbox's world (the world is built as
large as the file), so each row is one real HTTP call answered as LeadMagic would: technologies found
for most, "No technologies found" for the share LeadMagic does not know.

Measured, not asserted (issue 11's goals in brackets): the wall time of `dex enrich` [<= 15 min at
1M] and its entities/s; the bare loop's rate for the same call in the same run, and the ratio; the
peak RSS summed over the run's processes (dex, every Ray process and worker, the sandbox; PostgreSQL
excluded) [< 4 GB]; and the batch status read's latency while the batch runs [p95 < 100 ms].
Ctrl-C stops `dex enrich` (its submission stays resumable) and prints the figures so far.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import random
import signal
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import Engine, text

from benchmarks.dex_process import DexRun, SandboxProcess, dex_command, phases
from benchmarks.process_tree import ProcessTree, Sample
from benchmarks.scratch import scratch_database
from benchmarks.status_probe import StatusProbe
from config import ClusterSettings, ProviderSettings
from providers.execute import execute
from providers.http import HttpClient
from providers.registry import endpoint_for, get_provider
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import free_port
from providers.sandbox.world import World
from store.engine import build_engine

SEED = 7
ROWS, QUICK_ROWS = 1_000_000, 100_000
BARE_CALLS = 20_000
OPERATION = "company.enrich.technographics"
PROVIDER, ACTION = "leadmagic", "technographics"
# Open requests per gateway (as `dex demo` sets them) and in the bare loop: the same on both sides.
CONCURRENCY = 64
LIMITS = {PROVIDER: {"rate_per_second": 100_000, "concurrency": CONCURRENCY}}
TIMEOUT_S = 4 * 3600
MIB = 1024 * 1024
LINGER_S = 15.0


def _role(_pid: int, cmdline: list[str]) -> str:
    """Name what a process of the run is, for the memory table."""
    for i, arg in enumerate(cmdline[:3]):
        if os.path.basename(arg) == "dex" and i + 1 < len(cmdline):
            return f"dex {cmdline[i + 1]}"
    line = " ".join(cmdline)
    if line.startswith("ray::") or "default_worker.py" in line:
        return "Ray workers and actors"
    if "dashboard" in line:
        return "Ray dashboard and its agents"
    return "Ray GCS, raylet and monitors"


def _write_input(path: Path, world: World, domains: list[str]) -> None:
    """Write a CRM-like export: a company name and a domain per row."""
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Company Name", "Domain"])
        for domain in domains:
            brief = world.brief(domain)
            out.writerow([brief.name if brief else "", domain])


def _environment(tree: ProcessTree) -> dict[str, str]:
    """Return the run's environment, without anything that could reach a real provider or another cluster."""
    env = tree.environment()
    others = ("PROVIDER_SANDBOX_URL", "PROVIDER_LIMITS", "OPERATION_PROVIDER_ORDER")
    for name in (*ProviderSettings.provider_variables(), *others, "RAY_ADDRESS", "DATABASE_URL"):
        env.pop(name, None)
    return env


async def _bare_rate(domains: list[str], sandbox_url: str) -> float:
    """Return the calls/s of one event loop making the step's call per domain, CONCURRENCY at once."""
    providers = ProviderSettings.for_sandbox(sandbox_url, DEFAULT_SANDBOX_KEY, provider_limits=LIMITS)
    action = get_provider(PROVIDER).actions[ACTION]
    endpoint = endpoint_for(get_provider(PROVIDER), providers)
    queue = list(domains)
    async with HttpClient(max_connections=CONCURRENCY * 2) as client:

        async def worker() -> None:
            while queue:
                await execute(action, {"company_domain": queue.pop()}, endpoint=endpoint, client=client)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return len(domains) / (time.perf_counter() - started)


def _load() -> str:
    """Return the load averages: the machine is shared, so every figure carries them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _outcomes(engine: Engine) -> dict[str, Any]:
    """Return the runs and operations by status, and the batch's first run start and last run end."""
    with engine.connect() as conn:
        runs: dict[str, int] = dict(
            conn.execute(text("SELECT status, count(*) FROM pipeline_runs GROUP BY status")).all()
        )
        ops: dict[str, int] = dict(
            conn.execute(text("SELECT status, count(*) FROM operation_runs GROUP BY status")).all()
        )
        window = conn.execute(text("SELECT min(started_at), max(finished_at) FROM pipeline_runs")).one()
    return {"runs": runs, "operations": ops, "first_start": window[0], "last_end": window[1]}


def _stop_cluster(env: dict[str, str]) -> str:
    """Run `dex cluster stop` if this `dex` has it (a persistent local cluster); say what happened."""
    import subprocess

    probe = subprocess.run([*dex_command(), "cluster", "--help"], env=env, capture_output=True, timeout=120)
    if probe.returncode != 0:
        return "no `dex cluster` command: the local Ray stops with `dex enrich`"
    done = subprocess.run(
        [*dex_command(), "cluster", "stop"], env=env, capture_output=True, text=True, timeout=300
    )
    said = (done.stdout or done.stderr).strip().replace("\n", " ")[:200]
    return f"`dex cluster stop` exited {done.returncode}: {said}"


def _cluster_knobs() -> str:
    cluster = ClusterSettings()
    return (
        f"CHUNK_SIZE {cluster.chunk_size}, MAX_CHUNKS_IN_FLIGHT {cluster.max_chunks_in_flight}, "
        f"gateway concurrency {CONCURRENCY}, rate unlimited"
    )


def run(quick: bool) -> None:
    """Run `dex enrich` over a generated file; print wall time, rates, peak memory and status latency."""
    rows = QUICK_ROWS if quick else ROWS
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        # Started in the background (`&`), Ctrl-C is ignored, and `dex enrich` would inherit that: restore
        # it, so that SIGINT stops `dex enrich` cleanly and the figures so far are printed.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    tree = ProcessTree(marker=("DEX_BENCH_MILLION_RUN", uuid.uuid4().hex), classify=_role, interval_s=0.5)
    env = _environment(tree)
    report: dict[str, Any] = {"rows": rows, "loads": {}}
    with ExitStack() as stack:
        # A short folder: Ray's socket paths under its temp folder must stay under 108 characters.
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dexm-")))
        url = stack.enter_context(scratch_database("dex_million"))
        clock = time.monotonic()
        sandbox = SandboxProcess(env=env, seed=SEED, companies=rows, provider=PROVIDER)
        stack.callback(sandbox.stop)
        tree.add_root(sandbox.process.pid)
        # The sandbox builds the same world meanwhile: every row is a company it knows.
        world = World(seed=SEED, company_count=rows)
        domains = world.sample_domains(rows, seed_offset=1)
        source = work / "companies.csv"
        _write_input(source, world, domains)
        sample = random.Random(SEED).sample(domains, min(BARE_CALLS, rows))
        del world, domains
        sandbox.wait_ready(timeout_s=900)
        print(f"{rows:,} rows written and the sandbox up in {time.monotonic() - clock:.0f}s", flush=True)
        report["loads"]["bare loop before"] = _load()
        report["bare_before"] = asyncio.run(_bare_rate(sample, sandbox.url))
        report["bare_calls"] = len(sample)
        sandbox.reset()
        blueprint = work / "million.json"
        steps = [{"position": 1, "operation_id": OPERATION}]
        blueprint.write_text(json.dumps({"name": "million", "steps": steps}))
        env.update(
            DEX_ENV="development",
            # Its own state folder, so a persistent local cluster (`dex cluster`) is this run's alone.
            DEX_STATE_DIR=str(work / "state"),
            DATABASE_URL=url,
            PROVIDER_SANDBOX_URL=sandbox.url,
            LEADMAGIC_API_KEY=DEFAULT_SANDBOX_KEY,
            PROVIDER_LIMITS=json.dumps(LIMITS),
            # Its own Ray temp folder: never joins, nor trips on, another engineer's cluster.
            RAY_TMPDIR=str(work),
            RAY_DASHBOARD_PORT=str(free_port()),
        )
        engine = build_engine(url, pool_size=2)
        stack.callback(engine.dispose)
        report["loads"]["dex enrich start"] = _load()
        at_exit: list[psutil.Process] | None = None
        try:
            with tree, StatusProbe(engine, every_s=1.0) as probe:
                out = work / "enriched.csv"
                args = ["enrich", str(source), "--blueprint", str(blueprint), "--out", str(out)]
                dex = DexRun(args, env=env, log=work / "dex.log")
                tree.add_root(dex.process.pid)
                try:
                    code = dex.wait(TIMEOUT_S)
                except KeyboardInterrupt:
                    report["interrupted"] = True
                    code = dex.interrupt()
                at_exit = [p for p in tree.members() if p.pid != sandbox.process.pid]
            report["loads"]["dex enrich end"] = _load()
            if code != 0 and not report.get("interrupted"):
                print("\n".join(dex.tail(40)))
                raise RuntimeError(f"dex enrich exited {code}")
            report["outcome"] = _outcomes(engine)
            report["served"] = sandbox.stats()
            # Again after: on a shared machine the load moves, and the ratio should not ride on one moment.
            report["loads"]["bare loop after"] = _load()
            report["bare_after"] = asyncio.run(_bare_rate(sample, sandbox.url))
            report["bare"] = (report["bare_before"] + report["bare_after"]) / 2
        finally:
            report["cluster"] = _stop_cluster(env)
            sandbox.stop()
            # What `dex enrich` left running is a finding; give it a moment to go on its own first.
            _, lingering = psutil.wait_procs(tree.members(), timeout=LINGER_S)
            report["lingering"] = None if at_exit is None else (len(at_exit), len(lingering))
            report["leftovers"] = tree.terminate()
    _print_report(report, dex, probe, tree)


def _pct(values: list[float], q: int) -> float:
    """Return the q-th percentile (0 with no values)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _print_report(report: dict[str, Any], dex: DexRun, probe: StatusProbe, tree: ProcessTree) -> None:
    """Print the set-up, where the time went, the figures against the goals, and the summary line."""
    rows, bare, outcome, served = report["rows"], report["bare"], report["outcome"], report["served"]
    wall = dex.wall_s
    # Interrupted (Ctrl-C), the figures are those of the runs done so far.
    done = (
        rows
        if not report.get("interrupted")
        else sum(n for status, n in outcome["runs"].items() if status in ("succeeded", "failed", "canceled"))
    )
    rate = done / wall
    first, last = outcome["first_start"], outcome["last_end"]
    batch_s = (last - first).total_seconds() if first and last else None
    batch_rate = done / batch_s if batch_s else None
    ops = outcome["operations"]
    found, missed = ops.get("found", 0), ops.get("not_found", 0)
    print(f"{rows:,} companies x 1 step ({OPERATION}: one LeadMagic call each), 2 cores shared")
    print(
        f"  domains: all {rows:,} known to the sandbox world of {rows:,} companies; LeadMagic found "
        f"technologies for {found:,}, answered 'No technologies found' for {missed:,}"
    )
    print(
        f"  sandbox served {served.get('served', 0):,} requests "
        f"({served.get('rate_limited', 0):,} rate-limited, peak {served.get('peak_rps', 0):,}/s): "
        "each row one real HTTP call"
    )
    print(f"  runs: {outcome['runs']}; operations: {ops}")
    print(f"  engine: dex enrich's own Ray (local, own temp folder, dashboard on); {_cluster_knobs()}")
    server = "DATABASE_URL's server" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL"
    print(f"  database: a scratch database on {server}")
    print(f"  Ray afterwards: {report['cluster']}")
    if report["lingering"] is not None:
        at_exit, lingering = report["lingering"]
        print(
            f"  processes of the run alive when dex enrich exited: {at_exit}; "
            f"{LINGER_S:.0f}s later (the sandbox stopped): {lingering}"
            + (", ended by the benchmark:" if report["leftovers"] else "")
        )
    for line in report["leftovers"]:
        print(f"    {line}")
    print("  load average (1/5/15 min): " + "; ".join(f"{k} {v}" for k, v in report["loads"].items()))

    print("\nwhere the time went (dex enrich wall time)")
    for phase in phases(dex, first, last):
        print(f"  {phase.name:<56} {phase.seconds:>9.1f} s {phase.seconds / wall:>6.1%}")

    reads = probe.while_running()
    p50, p95 = _pct(reads, 50), _pct(reads, 95)
    steady = probe.steady_rate()
    peak: Sample = tree.peak
    figures: list[tuple[str, str, str]] = [
        ("wall time of dex enrich", f"{wall:,.1f} s", "<= 900 s"),
        ("entities/s, end to end", f"{rate:,.0f}", f">= {ROWS / 900:,.0f}"),
    ]
    if batch_rate:
        figures.append(("entities/s, the batch (first start to last end)", f"{batch_rate:,.0f}", ""))
        if rows != ROWS:
            figures.append(("  1M rows at the batch's rate", f"{ROWS / batch_rate / 60:,.1f} min", ""))
    if steady:
        figures.append(("entities/s, steady (10% to 90% done)", f"{steady:,.0f}", ""))
    figures += [
        (
            f"bare loop, same call ({report['bare_calls']:,} calls, {CONCURRENCY} open): before, after",
            f"{report['bare_before']:,.0f}, {report['bare_after']:,.0f} /s",
            "",
        ),
        ("bare loop, the mean of both", f"{bare:,.0f} /s", ""),
        ("ratio entities/s / bare loop", f"{rate / bare:.2f}", ""),
    ]
    if batch_rate:
        figures.append(("ratio, the batch alone", f"{batch_rate / bare:.2f}", ""))
    figures.append(("peak memory, RSS summed over the tree", f"{peak.rss / MIB:,.0f} MiB", "< 4,096 MiB"))
    figures.append(
        ("peak memory, PSS summed (shared pages counted once)", f"{tree.peak_pss / MIB:,.0f} MiB", "")
    )
    for role, rss in sorted(peak.by_role.items(), key=lambda kv: -kv[1]):
        own, count = tree.peak_by_role.get(role, 0), peak.count_by_role.get(role, 0)
        label = f"  {role} ({count} process{'es' if count != 1 else ''})"
        figures.append((label, f"{rss / MIB:,.0f} MiB", f"(its own peak {own / MIB:,.0f} MiB)"))
    figures.append((f"  {peak.processes} processes at the RSS peak, {peak.at_s:,.0f}s in", "", ""))
    latency = f"{p50:.0f} / {p95:.0f} / {max(reads, default=0):.0f} ms"
    figures.append(("status read p50 / p95 / max", latency, "p95 < 100 ms"))
    figures.append((f"  {len(reads):,} reads while the batch ran, read_status in-process", "", ""))
    print(f"\n  {'figure':<56} {'measured':>14}   goal (issue 11, at 1M rows)")
    for label, value, goal in figures:
        print(f"  {label:<56} {value:>14}   {goal}".rstrip())
    if probe.errors:
        print(f"  {len(probe.errors)} status reads failed, the first: {probe.errors[0]}")
    name = "million"
    if report.get("interrupted"):
        print(f"interrupted after {wall:,.0f}s with {done:,} of {rows:,} rows done: the figures so far")
        name = f"million (interrupted, of {rows})"
    print(
        f"{name}: rows {done}, wall {wall:.1f}s, entities/s {rate:.0f}, "
        f"ratio to bare loop {rate / bare:.2f}, peak tree memory {peak.rss / MIB:.0f} MiB, "
        f"status p95 {p95:.0f} ms"
    )
