"""Interruptions as a user makes them: Ctrl-C of `dex enrich`, SIGTERM of `dex serve`, kill -9 of the head.

Each runs the spend-safety workload (tests/support/spend.py: 150 roots, a fan-out, the fault mix) with
dex as its own processes on the test database and the sandbox over HTTP, interrupts it mid-batch, and
checks what the user of a paid API cares about: every request the sandbox received is a recorded
attempt (exactly after a graceful stop; short by at most what was in flight after a kill -9), no
answer bought twice, no step executed twice, one timeline event per finished step, failures that say
why; then that the batch completes when it is resumed, with the same books.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import pytest
from sqlalchemy import Engine, func, select, text

from cluster.local_nodes import free_port, node_processes
from cluster.runtime import local_cluster
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.tables import pipeline_runs, submissions
from tests.factories import ApiClient, make_tenant
from tests.support.dex_process import DEX, dex_env, run_dex, start_serve
from tests.support.sandbox import knobs
from tests.support.spend import (
    STEPS,
    account,
    assert_accounted,
    attempts_recorded,
    fault_mix,
    requests_by_provider,
    reusable_answers,
)

pytestmark = pytest.mark.usefixtures("engine")

ROOTS = 150
INTERRUPT_AT = 150  # attempts recorded for the submission before it is interrupted
INTERRUPT_STEPS = 30  # and steps finished
GRACE_S = 4.0  # STOP_GRACE_S: shorter than LeadMagic's hangs, so some calls are cut off at a stop
# Small chunks, few at once: what a kill -9 can cut off stays small, and the batch lasts a while.
CHUNK_SIZE, CHUNKS_IN_FLIGHT = 40, 4
# Answers that arrived but were not journaled yet at a kill: a quarter second's worth, at most.
FLUSH_WINDOW_CALLS = 25
BATCH_TIMEOUT_S = 300.0
# The gateways' limits, above the documented entry-level plans (BlitzAPI's 5/s would make the batch
# last minutes); RevenueInfra's above what the sandbox allows (12/s), so it answers 429 bursts.
LIMITS = {
    "prospeo": {"rate_per_second": 40, "concurrency": 20},
    "blitzapi": {"rate_per_second": 40, "concurrency": 20},
    "companyenrich": {"rate_per_second": 40, "concurrency": 20},
    "leadmagic": {"rate_per_second": 40, "concurrency": 30},
    "revenueinfra": {"rate_per_second": 20, "concurrency": 10},
}

T = TypeVar("T")


def _env(
    state_dir: Path, database: str, sandbox: SandboxServer, ray_tmpdir: Path, **extra: str
) -> dict[str, str]:
    settings = {
        "RAY_TMPDIR": str(ray_tmpdir),
        "PROVIDER_TIMEOUT_S": "5",
        "STOP_GRACE_S": str(GRACE_S),
        "CHUNK_SIZE": str(CHUNK_SIZE),
        "MAX_CHUNKS_IN_FLIGHT": str(CHUNKS_IN_FLIGHT),
        "COORDINATOR_LINGER_S": "1",
        "PROVIDER_LIMITS": json.dumps(LIMITS),
    }
    return dex_env(state_dir, database, sandbox, **(settings | extra))


def _wait_until(check: Callable[[], T | None], timeout_s: float, what: str) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def _delta(after: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    return {provider: after[provider] - before[provider] for provider in after}


def _only_submission(engine: Engine) -> UUID | None:
    with engine.connect() as conn:
        ids = conn.execute(select(submissions.c.id)).scalars().all()
    assert len(ids) <= 1, "one submission per test"
    return ids[0] if ids else None


def _submission_status(engine: Engine, submission_id: UUID) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(select(submissions.c.status).where(submissions.c.id == submission_id)).scalar_one()
        )


def _runs(engine: Engine, submission_id: UUID) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(pipeline_runs.c.status, func.count())
            .where(pipeline_runs.c.submission_id == submission_id)
            .group_by(pipeline_runs.c.status)
        ).all()
    return {status: int(n) for status, n in rows}


def _wait_final(engine: Engine, submission_id: UUID, timeout_s: float = BATCH_TIMEOUT_S) -> str:
    final = ("completed", "failed", "partial", "canceled")

    def ended() -> str | None:
        status = _submission_status(engine, submission_id)
        return status if status in final else None

    return _wait_until(ended, timeout_s, f"submission {submission_id} to end")


# Answers bought for steps a run had not finished when it was interrupted: the resumed run must take
# these back instead of buying them again (assert_accounted then finds none bought twice).
_FINISHED_STEPS_SQL = text("SELECT count(*) FROM step_results WHERE submission_id = :submission")


def _mid_batch(engine: Engine, submission_id: UUID) -> bool:
    """Return whether the batch has bought a good number of answers and finished some steps."""
    with engine.connect() as conn:
        steps = int(conn.execute(_FINISHED_STEPS_SQL, {"submission": submission_id}).scalar_one())
    return steps >= INTERRUPT_STEPS and attempts_recorded(engine, submission_id) >= INTERRUPT_AT


def _write_workload(folder: Path, domains: list[str]) -> tuple[Path, Path]:
    """Write the input file (one Domain column) and the blueprint file of the spend workload."""
    source = folder / "companies.csv"
    with source.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Domain"])
        out.writerows([d] for d in domains)
    blueprint = folder / "spend_mix.json"
    blueprint.write_text(json.dumps({"name": "spend-mix", "steps": STEPS}))
    return source, blueprint


class Terminal:
    """A dex command run as in a terminal: its own process group (Ctrl-C reaches the whole group)."""

    def __init__(self, env: Mapping[str, str], args: list[str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [*DEX, *args],
                env=dict(env),
                cwd=env["DEX_STATE_DIR"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ctrl_c(self) -> None:
        """Press Ctrl-C: SIGINT to every process of the foreground group, as a terminal sends it."""
        os.killpg(self.process.pid, signal.SIGINT)

    def wait(self, timeout_s: float) -> int:
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            raise AssertionError(
                f"dex did not exit within {timeout_s:.0f}s: {self.output()[-3000:]}"
            ) from None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def test_ctrl_c_of_dex_enrich_records_every_request_and_resume_completes(
    state_dir: Path,
    ray_tmpdir: Path,
    scratch_database: str,
    sandbox: SandboxServer,
    world: World,
    engine: Engine,
    tmp_path: Path,
) -> None:
    source, blueprint = _write_workload(tmp_path, world.sample_domains(ROOTS, seed_offset=907))
    out = tmp_path / "enriched.csv"
    # Ray inside the command: it stops with it, so Ctrl-C stops the batch gracefully first.
    env = _env(state_dir, scratch_database, sandbox, ray_tmpdir, RAY_LOCAL_MODE="in_process")
    before = requests_by_provider(sandbox)
    started = time.monotonic()
    with fault_mix(sandbox):
        enrich = Terminal(
            env,
            ["enrich", str(source), "--blueprint", str(blueprint), "--out", str(out)],
            tmp_path / "enrich.log",
        )
        try:
            submission_id = _wait_until(lambda: _only_submission(engine), 120, "the submission")
            _wait_until(
                lambda: _mid_batch(engine, submission_id), BATCH_TIMEOUT_S, "the batch to be under way"
            )
            assert _submission_status(engine, submission_id) == "running", "interrupted mid-batch"
            pressed = time.monotonic()
            enrich.ctrl_c()
            code = enrich.wait(timeout_s=GRACE_S + 60)
            stop_s = time.monotonic() - pressed
            print(f"\nctrl-c after {pressed - started:.0f}s")
        finally:
            enrich.kill()
        stopped = requests_by_provider(sandbox)
        output = enrich.output()
        assert code == 130, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        assert "stopping: no new provider calls" in output and re.search(r"stopped in [\d.]+s", output)
        assert f"Resume with: dex enrich --resume {submission_id} --out {out}" in output, output[-2000:]
        time.sleep(1.0)
        assert requests_by_provider(sandbox) == stopped, "a provider was called after dex enrich exited"
        assert _submission_status(engine, submission_id) == "running", "left resumable"
        books = account(engine, submission_id, _delta(stopped, before))
        assert_accounted(books, in_flight=0)  # exactly: every request sent is a recorded attempt
        reusable = reusable_answers(engine, submission_id)

        clock = time.monotonic()
        resumed = run_dex(
            env, "enrich", "--resume", str(submission_id), "--out", str(out), timeout_s=BATCH_TIMEOUT_S
        )
        after = requests_by_provider(sandbox)
        print(f"dex enrich --resume took {time.monotonic() - clock:.0f}s")
    assert resumed.returncode == 0, resumed.stdout[-3000:]
    assert "Traceback" not in resumed.stdout
    assert f"re-attaching to submission {submission_id}" in resumed.stdout
    assert _submission_status(engine, submission_id) in ("completed", "failed")
    with out.open() as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == ROOTS, "one results row per input row"
    books = account(engine, submission_id, _delta(after, before))
    # The resumed runs took back the answers Ctrl-C left in unfinished steps (`reusable`: how many
    # depends on where it fell): one bought again would count in `bought_twice`. And every request of
    # both commands is a recorded attempt.
    assert_accounted(books, in_flight=0)
    print(
        f"\nctrl-c: stopped in {stop_s:.1f}s; {sum(_delta(stopped, before).values())} requests before, "
        f"{books.unrecorded} unrecorded, {reusable} answers of unfinished steps reused; "
        f"total {sum(books.requests.values())} requests for {books.attempts} attempts"
    )


def test_a_second_ctrl_c_during_the_stop_quits_at_once_without_a_traceback(
    state_dir: Path,
    ray_tmpdir: Path,
    scratch_database: str,
    sandbox: SandboxServer,
    world: World,
    engine: Engine,
    tmp_path: Path,
) -> None:
    source, _ = _write_workload(tmp_path, world.sample_domains(60, seed_offset=919))
    blueprint = tmp_path / "slow.json"
    steps = [{"position": 1, "operation_id": "company.enrich.technographics"}]
    blueprint.write_text(json.dumps({"name": "slow", "steps": steps}))
    out = tmp_path / "enriched.csv"
    # Every LeadMagic call takes 8 s and the grace is 30 s: the stop waits for calls already sent.
    env = _env(
        state_dir,
        scratch_database,
        sandbox,
        ray_tmpdir,
        RAY_LOCAL_MODE="in_process",
        STOP_GRACE_S="30",
        PROVIDER_TIMEOUT_S="20",
    )
    before = requests_by_provider(sandbox)["leadmagic"]
    with knobs(sandbox, "leadmagic", latency_ms=8000):
        enrich = Terminal(
            env,
            ["enrich", str(source), "--blueprint", str(blueprint), "--out", str(out)],
            tmp_path / "enrich.log",
        )
        try:
            _wait_until(lambda: requests_by_provider(sandbox)["leadmagic"] > before, 180, "a LeadMagic call")
            enrich.ctrl_c()
            _wait_until(lambda: "stopping: no new provider calls" in enrich.output(), 30, "the stop")
            time.sleep(0.5)
            pressed = time.monotonic()
            enrich.ctrl_c()
            code = enrich.wait(timeout_s=30)
            quit_s = time.monotonic() - pressed
        finally:
            enrich.kill()
    output = enrich.output()
    assert code == 130, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert "quit at once" in output, output[-2000:]
    assert quit_s < 8.0, f"the second Ctrl-C took {quit_s:.1f}s to quit"
    print(f"\nsecond ctrl-c: quit in {quit_s:.1f}s")


def _serve_submit(port: int, token: str, company_id: UUID, blueprint_id: str, domains: list[str]) -> UUID:
    from tests.cli.test_cluster import _submit

    return _submit(port, token, company_id, blueprint_id, domains)


def _tenant_and_blueprint(api: ApiClient) -> tuple[str, UUID, str]:
    tenant = make_tenant(api)
    token = tenant.tokens["org_admin"]
    blueprint = api.ok("/api/blueprints/create", {"name": "spend-mix", "steps": STEPS}, token)
    return token, tenant.company_ids[0], str(blueprint["id"])


def test_sigterm_of_dex_serve_records_every_request_and_the_next_start_completes_the_batch(
    state_dir: Path,
    ray_tmpdir: Path,
    scratch_database: str,
    sandbox: SandboxServer,
    api: ApiClient,
    world: World,
    engine: Engine,
    tmp_path: Path,
) -> None:
    token, company_id, blueprint_id = _tenant_and_blueprint(api)
    domains = world.sample_domains(ROOTS, seed_offset=929)
    env = _env(state_dir, scratch_database, sandbox, ray_tmpdir, RAY_LOCAL_MODE="in_process")
    before = requests_by_provider(sandbox)
    port = free_port()
    with fault_mix(sandbox):
        serve = start_serve(env, port, tmp_path / "serve-1.log")
        try:
            submission_id = _serve_submit(port, token, company_id, blueprint_id, domains)
            _wait_until(
                lambda: _mid_batch(engine, submission_id), BATCH_TIMEOUT_S, "the batch to be under way"
            )
            assert _submission_status(engine, submission_id) == "running", "interrupted mid-batch"
            pressed = time.monotonic()
            serve.send_signal(signal.SIGTERM)
            code = serve.wait(timeout=GRACE_S + 45)
            stop_s = time.monotonic() - pressed
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait(timeout=30)
        stopped = requests_by_provider(sandbox)
        log = (tmp_path / "serve-1.log").read_text(errors="replace")
        # Ray's driver turns SIGTERM into exit code 15 once uvicorn has raised it again.
        assert code in (0, 15), log[-3000:]
        assert "Traceback" not in log, log[-3000:]
        assert re.search(r"stopped 1 batch\(es\) in [\d.]+s; [\d,]+ runs resume at the next start", log), log[
            -2000:
        ]
        time.sleep(1.0)
        assert requests_by_provider(sandbox) == stopped, "a provider was called after dex serve exited"
        assert _submission_status(engine, submission_id) == "running", "left resumable"
        books = account(engine, submission_id, _delta(stopped, before))
        assert_accounted(books, in_flight=0)
        reusable = reusable_answers(engine, submission_id)

        serve = start_serve(env, free_port(), tmp_path / "serve-2.log")
        try:
            assert _wait_final(engine, submission_id) in ("completed", "failed")
            after = requests_by_provider(sandbox)
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=GRACE_S + 45)
    assert "resumed 1 unfinished submission(s)" in (tmp_path / "serve-2.log").read_text()
    books = account(engine, submission_id, _delta(after, before))
    assert_accounted(books, in_flight=0)  # none of the `reusable` answers bought again (bought_twice)
    print(
        f"\nsigterm: dex serve exited {stop_s:.1f}s after SIGTERM; {books.unrecorded} unrecorded, "
        f"{reusable} answers of unfinished steps reused; total {sum(books.requests.values())} requests "
        f"for {books.attempts} attempts"
    )


def test_kill_9_of_the_head_loses_at_most_the_calls_in_flight_and_a_restart_completes_the_batch(
    state_dir: Path,
    ray_tmpdir: Path,
    scratch_database: str,
    sandbox: SandboxServer,
    api: ApiClient,
    world: World,
    engine: Engine,
    tmp_path: Path,
) -> None:
    token, company_id, blueprint_id = _tenant_and_blueprint(api)
    domains = world.sample_domains(ROOTS, seed_offset=941)
    # The persistent local cluster (the default): its own processes, which outlive dex serve.
    env = _env(state_dir, scratch_database, sandbox, ray_tmpdir)
    before = requests_by_provider(sandbox)
    with fault_mix(sandbox):
        port = free_port()
        serve = start_serve(env, port, tmp_path / "serve-1.log")
        try:
            record = local_cluster(state_dir).record()
            assert record is not None, "dex serve started the persistent local cluster"
            head = next(node for node in record.nodes if node.head)
            submission_id = _serve_submit(port, token, company_id, blueprint_id, domains)
            _wait_until(
                lambda: _mid_batch(engine, submission_id), BATCH_TIMEOUT_S, "the batch to be under way"
            )
            assert _submission_status(engine, submission_id) == "running", "interrupted mid-batch"
            # The head goes at once: dex serve, and the Ray head node's GCS, raylet, keeper and workers.
            victims = node_processes(head.temp_dir)
            names = {p.name() for p in victims}
            assert {"gcs_server", "raylet"} <= names, names
            serve.kill()
            for process in victims:
                try:
                    process.kill()
                except OSError:
                    continue
            serve.wait(timeout=30)
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait(timeout=30)
        _wait_until(lambda: not node_processes(head.temp_dir), 30, "the head's processes to be gone")
        # Requests sent before the kill may still be waiting in the sandbox's queue: count them too.
        time.sleep(2.0)
        killed = requests_by_provider(sandbox)
        killed_books = account(engine, submission_id, _delta(killed, before))
        bound = CHUNK_SIZE * CHUNKS_IN_FLIGHT + FLUSH_WINDOW_CALLS
        assert_accounted(killed_books, in_flight=bound)

        serve = start_serve(env, free_port(), tmp_path / "serve-2.log")
        try:
            assert _wait_final(engine, submission_id) in ("completed", "failed")
            after = requests_by_provider(sandbox)
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=60)
    assert "resumed 1 unfinished submission(s)" in (tmp_path / "serve-2.log").read_text()
    runs = _runs(engine, submission_id)
    assert set(runs) <= {"succeeded", "failed"}, runs
    books = account(engine, submission_id, _delta(after, before))
    # Only the calls cut off by the kill may be unrecorded: the resumed batch records all of its own.
    assert_accounted(books, in_flight=bound)
    print(
        f"\nkill -9 of the head: {killed_books.unrecorded} requests unrecorded at the kill, "
        f"{books.unrecorded} at the end (bound {bound}); "
        f"total {sum(books.requests.values())} requests for {books.attempts} attempts"
    )
