"""Paid answers under interruption: recorded as they arrive, never bought twice (real Ray, PG, sandbox)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine

from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from tests.cluster.test_engine import _chunk_workers, _wait_until, ray_progress, submit, wait_for
from tests.factories import ApiClient, make_tenant
from tests.support.spend import (
    STEPS,
    account,
    assert_accounted,
    attempts_recorded,
    fault_mix,
    requests_by_provider,
    reusable_answers,
)

pytestmark = pytest.mark.usefixtures("ray_cluster")

ROOTS = 150


def test_a_chunk_worker_killed_mid_batch_buys_no_answer_twice(
    api: ApiClient, engine: Engine, world: World, sandbox: SandboxServer, settings: Any
) -> None:
    tenant = make_tenant(api)
    domains = world.sample_domains(ROOTS, seed_offset=313)
    before = requests_by_provider(sandbox)
    with fault_mix(sandbox):
        submission_id = submit(api, tenant, STEPS, [{"input": {"company_domain": d}} for d in domains])
        # Kill a chunk worker once the batch has bought a good number of answers.
        _wait_until(lambda: attempts_recorded(engine, submission_id) >= 150, timeout_s=180)
        victims = _wait_until(lambda: _chunk_workers(submission_id))
        victims[0].kill()
        assert wait_for(engine, submission_id, timeout_s=400) in ("completed", "failed")
        after = requests_by_provider(sandbox)
    progress = ray_progress(submission_id)
    assert progress["chunks_retried"] >= 1
    books = account(engine, submission_id, {p: after[p] - before[p] for p in after})
    # A kill loses at most what the killed chunk had in flight (one request per run) and what it
    # had not flushed yet (a quarter second of answers).
    # A replay that bought again what the killed chunk had bought would show here as answers bought twice.
    print(f"kill -9 of a chunk worker: {books}")
    assert_accounted(books, in_flight=settings.cluster.chunk_size + 25)


def test_a_graceful_stop_records_every_request_and_the_resumed_batch_completes(
    api: ApiClient, engine: Engine, world: World, sandbox: SandboxServer, settings: Any
) -> None:
    from cluster.coordinator import find_coordinator
    from cluster.launch import launch
    from cluster.stopping import resume_batches, stop_batches

    tenant = make_tenant(api)
    domains = world.sample_domains(ROOTS, seed_offset=331)
    before = requests_by_provider(sandbox)
    try:
        with fault_mix(sandbox):
            submission_id = submit(api, tenant, STEPS, [{"input": {"company_domain": d}} for d in domains])
            _wait_until(lambda: attempts_recorded(engine, submission_id) >= 150, timeout_s=180)
            # A grace shorter than LeadMagic's hangs: some calls are cut off, and must be recorded.
            summary = stop_batches(grace_s=2.0)
            assert str(submission_id) in summary.submissions and not summary.unfinished
            assert summary.runs_stopped > 0 and summary.seconds < 2.0 + 15
            stopped = requests_by_provider(sandbox)
            time.sleep(1.0)
            assert requests_by_provider(sandbox) == stopped, "a provider was called after the stop"
            books = account(engine, submission_id, {p: stopped[p] - before[p] for p in stopped})
            print(f"graceful stop: {books}; {summary}")
            assert_accounted(books, in_flight=0)  # exactly: every request sent is a recorded attempt
            # Answers bought for steps the stop left unfinished; how many depends on where the stop fell.
            reusable = reusable_answers(engine, submission_id)

            _wait_until(lambda: find_coordinator(submission_id) is None, timeout_s=30)
            resume_batches()
            launch(submission_id, settings)
            assert wait_for(engine, submission_id, timeout_s=400) in ("completed", "failed")
            after = requests_by_provider(sandbox)
    finally:
        resume_batches()
    books = account(engine, submission_id, {p: after[p] - before[p] for p in after})
    reused = ray_progress(submission_id)["answers_reused"]
    print(f"graceful stop, then resumed: {books}; {reusable} answers of unfinished steps, {reused} reused")
    assert_accounted(books, in_flight=0)
    # Every answer the stop left in an unfinished step was taken back, not bought again (answers
    # with a final error, such as an out-of-credits refusal, are reused too, so reused may be more).
    assert reused >= reusable, "the resumed runs bought again answers bought before the stop"
