"""The persistent local Ray cluster: `dex cluster start|status|stop`, address files, a head killed mid-batch.

Each test starts its own cluster (real `ray start` processes under a temporary DEX_STATE_DIR, its own
ports) and stops it, whatever happens; dex runs as separate processes, as a user runs it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import Engine, func, select

from cluster.local_nodes import client_servers, free_port, node_processes, ray_temp_root
from cluster.runtime import local_cluster
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.tables import pipeline_runs, step_results, submissions
from tests.factories import ApiClient, make_tenant
from tests.support.dex_process import dex_env, run_dex, start_serve
from tests.support.sandbox import knobs

pytestmark = pytest.mark.usefixtures("engine")


def test_start_status_stop_round_trip_ignores_a_stale_address_file(
    state_dir: Path, ray_tmpdir: Path, scratch_database: str, sandbox: SandboxServer
) -> None:
    # A crashed `ray start` leaves its address file behind; nothing answers at that address.
    address_file = ray_tmpdir / "ray" / "ray_current_cluster"
    address_file.write_text(f"127.0.0.1:{free_port()}")
    env = dex_env(state_dir, scratch_database, sandbox, RAY_TMPDIR=str(ray_tmpdir))

    before = run_dex(env, "cluster", "status")
    assert before.returncode == 0, before.stdout
    assert "no local Ray cluster runs" in before.stdout

    started = run_dex(env, "cluster", "start")
    assert started.returncode == 0, started.stdout
    assert "local Ray cluster started at" in started.stdout
    assert "did not start" not in started.stdout, "a stale address file is not a cluster"
    record = local_cluster(state_dir).record()
    assert record is not None and record.address in started.stdout
    assert not record.address.endswith(":6379")

    again = run_dex(env, "cluster", "start")
    assert again.returncode == 0 and f"already running at {record.address}" in again.stdout

    status = run_dex(env, "cluster", "status")
    assert status.returncode == 0, status.stdout
    assert f"address: {record.address}" in status.stdout
    assert "nodes: 1 alive" in status.stdout and "head at" in status.stdout and "2 CPU" in status.stdout
    assert "dex actors: 1 chunk launcher" in status.stdout
    # Ray's console noise stays out of dex's output.
    assert "Token authentication" not in status.stdout + started.stdout
    assert "Connecting to existing Ray cluster" not in status.stdout

    # An in-process Ray (tests, benchmarks) starts its own even when Ray's address file names a live
    # cluster: no "_system_config must not be provided".
    address_file.write_text(record.address)
    in_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import ClusterSettings\n"
            "from cluster.runtime import connect\n"
            "info = connect(ClusterSettings(ray_local_mode='in_process', ray_num_cpus=1, "
            "ray_include_dashboard=False))\n"
            "print('joined', info['address'], info['mode'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert in_process.returncode == 0, in_process.stderr[-2000:]
    assert "in_process" in in_process.stdout and record.address not in in_process.stdout

    assert client_servers(record.address), "the head serves Ray Client (dex serve --address joins by it)"
    stopped = run_dex(env, "cluster", "stop")
    assert stopped.returncode == 0 and "stopped the local Ray cluster" in stopped.stdout
    assert not node_processes(str(ray_temp_root(state_dir / "ray")))
    assert not client_servers(record.address), "the Ray Client server outlived its cluster"
    after = run_dex(env, "cluster", "status")
    assert "no local Ray cluster runs" in after.stdout
    assert run_dex(env, "cluster", "stop").stdout.strip() == "no local Ray cluster was running"


def _submit(port: int, token: str, company_id: UUID, blueprint_id: str, domains: list[str]) -> UUID:
    response = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/batch/submit",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "blueprint_id": blueprint_id,
            "company_id": str(company_id),
            "entities": [{"input": {"company_domain": d}} for d in domains],
        },
        timeout=120,
    )
    assert response.status_code in (200, 202), response.text
    return UUID(response.json()["data"]["submission_id"])


def _progress(engine: Engine, submission_id: UUID) -> tuple[str, int, int]:
    """Return the submission's status, its finished runs and its runs."""
    with engine.connect() as conn:
        status = conn.execute(
            select(submissions.c.status).where(submissions.c.id == submission_id)
        ).scalar_one()
        runs = dict(
            conn.execute(
                select(pipeline_runs.c.status, func.count())
                .where(pipeline_runs.c.submission_id == submission_id)
                .group_by(pipeline_runs.c.status)
            ).all()
        )
    finished = sum(n for s, n in runs.items() if s in ("succeeded", "failed", "canceled"))
    return status, finished, sum(runs.values())


def _wait(engine: Engine, submission_id: UUID, done: Any, timeout_s: float) -> tuple[str, int, int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        progress = _progress(engine, submission_id)
        if done(progress):
            return progress
        time.sleep(0.25)
    raise AssertionError(f"submission {submission_id} stuck at {_progress(engine, submission_id)}")


def test_batches_complete_after_dex_serve_is_killed_or_stopped(
    state_dir: Path,
    scratch_database: str,
    sandbox: SandboxServer,
    api: ApiClient,
    world: World,
    engine: Engine,
    tmp_path: Path,
) -> None:
    tenant = make_tenant(api)
    blueprint = api.ok(
        "/api/blueprints/create",
        {"name": "head-kill", "steps": [{"position": 1, "operation_id": "company.enrich.technographics"}]},
        tenant.tokens["org_admin"],
    )
    entities = 64
    # LeadMagic paced at 8 calls/s by the gateway: a batch takes ~8 s, long enough to kill its head.
    env = dex_env(
        state_dir,
        scratch_database,
        sandbox,
        CHUNK_SIZE="8",
        MAX_CHUNKS_IN_FLIGHT="2",
        COORDINATOR_LINGER_S="1",
        PROVIDER_LIMITS='{"leadmagic": {"rate_per_second": 8, "concurrency": 8}}',
    )
    addresses = set()
    for number, head_signal in enumerate((signal.SIGKILL, signal.SIGTERM)):
        domains = world.sample_domains(entities, seed_offset=611 + number)
        port = free_port()
        serve = start_serve(env, port, tmp_path / f"serve-{number}.log")
        try:
            record = local_cluster(state_dir).record()
            assert record is not None, "dex serve started (or joined) the persistent local cluster"
            addresses.add(record.address)
            with knobs(sandbox, "leadmagic", latency_ms=50):
                submission_id = _submit(
                    port, tenant.tokens["org_admin"], tenant.company_ids[0], blueprint["id"], domains
                )
                _, finished, total = _wait(engine, submission_id, lambda p: p[1] >= 4, timeout_s=240)
                assert finished < total, "the batch was still running when its head went"
                serve.send_signal(head_signal)
                serve.wait(timeout=60)
                _, finished, total = _wait(
                    engine, submission_id, lambda p: p[0] == "completed", timeout_s=300
                )
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait(timeout=30)
        assert (finished, total) == (entities, entities), head_signal
        with engine.connect() as conn:
            succeeded = conn.execute(
                select(func.count())
                .select_from(pipeline_runs)
                .where(pipeline_runs.c.submission_id == submission_id, pipeline_runs.c.status == "succeeded")
            ).scalar_one()
            steps = conn.execute(
                select(func.count(), func.count(func.distinct(step_results.c.pipeline_run_id))).where(
                    step_results.c.submission_id == submission_id
                )
            ).one()
        assert succeeded == entities, head_signal
        assert tuple(steps) == (entities, entities), "one step result per run, none twice"
        assert local_cluster(state_dir).running(), "the cluster outlives dex serve"
    assert len(addresses) == 1, "the restarted dex serve joined the same cluster"
