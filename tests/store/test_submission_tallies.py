"""Submission tallies (triggers on pipeline_runs and operation_runs) always equal a count over the rows.

Every write goes through the engine's own repository functions, in real PostgreSQL: COPY, status
changes, replays of the same writes, concurrent writers (some rolled back), folds, deletes.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Connection, Engine, delete, func, select, text

from store.bulk import copy_rows
from store.repositories import batch_status, engine_runs, operation_history
from store.tables import (
    RUN_STATUSES,
    operation_runs,
    pipeline_runs,
    submission_cost_tallies,
    submission_run_tallies,
    submissions,
)
from tests.support.engine_rows import Tenant, add_submission, make_tenant

ROOTS = 20_000


@pytest.fixture
def tenant(engine: Engine) -> Tenant:
    return make_tenant(engine, "tally")


def _direct(conn: Connection, submission_id: UUID) -> tuple[dict[str, int], dict[str, int]]:
    counts = dict.fromkeys(RUN_STATUSES, 0)
    where = pipeline_runs.c.submission_id == submission_id
    for status, n in conn.execute(
        select(pipeline_runs.c.status, func.count()).where(where).group_by("status")
    ):
        counts[status] = n
    roots = conn.execute(
        select(func.count()).where(where, pipeline_runs.c.parent_pipeline_run_id.is_(None))
    ).scalar_one()
    depth = conn.execute(select(func.coalesce(func.max(pipeline_runs.c.depth), 0)).where(where)).scalar_one()
    return counts, {"roots": roots, "depth_max": depth}


def assert_tallies_match(engine: Engine, tenant: Tenant, submission_id: UUID) -> dict[str, int]:
    """Assert the tallies equal a direct count of runs and sum of cost; return the counts."""
    with engine.connect() as conn:
        tallied = batch_status.tally_runs(conn=conn, submission_id=submission_id)
        assert tallied == _direct(conn, submission_id)
        cost = conn.execute(
            select(func.coalesce(func.sum(operation_runs.c.cost_usd), 0)).where(
                operation_runs.c.submission_id == submission_id
            )
        ).scalar_one()
        tallied_cost = batch_status.cost_so_far(conn=conn, submission_id=submission_id, org_id=tenant.org_id)
        assert tallied_cost == pytest.approx(float(cost), abs=1e-9)
    return tallied[0]


def _copy_roots(engine: Engine, tenant: Tenant, submission_id: UUID, n: int) -> list[UUID]:
    ids = [uuid4() for _ in range(n)]
    shared = {
        "org_id": tenant.org_id,
        "company_id": tenant.company_ids[0],
        "submission_id": submission_id,
        "blueprint_id": tenant.blueprint_id,
        "status": "queued",
    }
    with engine.begin() as conn:
        copy_rows(
            conn=conn,
            table_name="pipeline_runs",
            columns=("id", "entity_index", "context"),
            rows=[{"id": i, "entity_index": n, "context": {"n": n}} for n, i in enumerate(ids)],
            constants=shared,
        )
    return ids


def _children(tenant: Tenant, submission_id: UUID, parents: list[UUID], depth: int) -> list[dict[str, Any]]:
    return [
        {
            "id": uuid4(),
            "org_id": tenant.org_id,
            "company_id": tenant.company_ids[0],
            "submission_id": submission_id,
            "blueprint_id": tenant.blueprint_id,
            "parent_pipeline_run_id": parent,
            "entity_index": k,
            "entity_type": "person",
            "depth": depth,
            "status": "queued",
        }
        for parent in parents
        for k in range(2)
    ]


def _ends(run_ids: list[UUID], status: str) -> list[dict[str, Any]]:
    return [{"run_id": r, "status": status, "context": {"done": True}} for r in run_ids]


def _costs(tenant: Tenant, submission_id: UUID, run_ids: list[UUID], usd: str) -> list[dict[str, Any]]:
    return [
        {
            "run_id": uuid4(),
            "org_id": tenant.org_id,
            "operation_id": "company.enrich.profile",
            "entity_type": "company",
            "status": "found",
            "submission_id": submission_id,
            "pipeline_run_id": r,
            "step_position": 1,
            "cost_usd": Decimal(usd),
        }
        for r in run_ids
    ]


def _in_transaction(engine: Engine, write: Callable[[Connection], None]) -> None:
    with engine.begin() as conn:
        write(conn)


def test_tallies_follow_copies_status_changes_and_replays(engine: Engine, tenant: Tenant) -> None:
    submission_id = add_submission(engine, tenant)
    roots = _copy_roots(engine, tenant, submission_id, ROOTS)
    assert assert_tallies_match(engine, tenant, submission_id)["queued"] == ROOTS

    running = roots[:8_000]
    for _ in range(2):  # a replayed chunk marks the same runs again: nothing moves
        _in_transaction(engine, lambda conn: engine_runs.mark_running(conn=conn, run_ids=running))
        assert assert_tallies_match(engine, tenant, submission_id)["running"] == 8_000

    children = _children(tenant, submission_id, running[:1_000], depth=1)
    grandchildren = _children(tenant, submission_id, [c["id"] for c in children[:500]], depth=2)
    for _ in range(2):  # fan-out replayed: children are created once
        _in_transaction(engine, lambda conn: engine_runs.insert_children(conn=conn, rows=children))
        _in_transaction(engine, lambda conn: engine_runs.insert_children(conn=conn, rows=grandchildren))
    assert assert_tallies_match(engine, tenant, submission_id)["queued"] == ROOTS - 8_000 + 3_000

    ends = _ends(running[:5_000], "succeeded") + _ends(running[5_000:6_000], "failed")
    costs = _costs(tenant, submission_id, running[:6_000], "0.0125")
    for _ in range(2):  # a replayed chunk writes the same ends and the same operation history
        _in_transaction(engine, lambda conn: engine_runs.finish_runs(conn=conn, rows=ends))
        _in_transaction(
            engine,
            lambda conn: operation_history.insert_operation_history(conn=conn, runs=costs, attempts=[]),
        )
        counts = assert_tallies_match(engine, tenant, submission_id)
        assert (counts["succeeded"], counts["failed"], counts["running"]) == (5_000, 1_000, 2_000)

    _in_transaction(
        engine, lambda conn: engine_runs.fail_runs(conn=conn, run_ids=running[5_500:7_000], message="lost")
    )
    assert assert_tallies_match(engine, tenant, submission_id)["failed"] == 2_000


def test_tallies_stay_exact_under_concurrent_writers_and_folds(engine: Engine, tenant: Tenant) -> None:
    submission_id = add_submission(engine, tenant)
    roots = _copy_roots(engine, tenant, submission_id, ROOTS)
    # Overlapping slices, so writers race for the same runs (and replay each other's ends).
    slices = [roots[i * 2_000 : i * 2_000 + 3_000] for i in range(8)]
    errors: list[BaseException] = []

    def writer(number: int, run_ids: list[UUID]) -> None:
        rng = random.Random(number)
        try:
            for chunk in (run_ids[k : k + 150] for k in range(0, len(run_ids), 150)):
                with engine.begin() as conn:
                    engine_runs.mark_running(conn=conn, run_ids=chunk)
                kids = _children(tenant, submission_id, chunk[:5], depth=1)
                with engine.connect() as conn, conn.begin() as transaction:
                    engine_runs.insert_children(conn=conn, rows=kids)
                    history = _costs(tenant, submission_id, chunk, "0.001")
                    operation_history.insert_operation_history(conn=conn, runs=history, attempts=[])
                    engine_runs.finish_runs(conn=conn, rows=_ends(chunk, rng.choice(("succeeded", "failed"))))
                    if rng.random() < 0.25:
                        transaction.rollback()  # a chunk whose worker died: none of it counts
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def folder() -> None:
        try:
            for _ in range(40):
                with engine.begin() as conn:
                    conn.execute(text("SELECT fold_run_tallies(:s)"), {"s": submission_id})
                    conn.execute(text("SELECT fold_cost_tallies(:s)"), {"s": submission_id})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n, s)) for n, s in enumerate(slices)]
    threads.append(threading.Thread(target=folder))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = assert_tallies_match(engine, tenant, submission_id)
    assert counts["succeeded"] + counts["failed"] > 0
    with engine.connect() as conn:
        piled = conn.execute(
            select(func.count()).where(submission_run_tallies.c.submission_id == submission_id)
        ).scalar_one()
    # Hundreds of statements changed runs; folding keeps the rows to read a few dozen.
    assert piled < 200, piled


def test_a_repeatable_read_writer_is_counted_and_never_folds(engine: Engine, tenant: Tenant) -> None:
    submission_id = add_submission(engine, tenant)
    roots = _copy_roots(engine, tenant, submission_id, 2_000)
    for start in range(0, 2_000, 20):
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            engine_runs.mark_running(conn=conn, run_ids=roots[start : start + 20])
    assert assert_tallies_match(engine, tenant, submission_id)["running"] == 2_000


def test_deleted_runs_and_submissions_leave_exact_or_no_tallies(engine: Engine, tenant: Tenant) -> None:
    kept, dropped = add_submission(engine, tenant), add_submission(engine, tenant)
    for submission_id in (kept, dropped):
        roots = _copy_roots(engine, tenant, submission_id, 100)
        _in_transaction(
            engine,
            lambda conn, s=submission_id, r=roots: engine_runs.insert_children(
                conn=conn, rows=_children(tenant, s, r[:10], depth=1)
            ),
        )
        _in_transaction(
            engine,
            lambda conn, s=submission_id, r=roots: operation_history.insert_operation_history(
                conn=conn, runs=_costs(tenant, s, r[:30], "0.5"), attempts=[]
            ),
        )
    with engine.connect() as conn:
        some_costs = conn.execute(
            select(operation_runs.c.run_id).where(operation_runs.c.submission_id == kept).limit(7)
        ).scalars()
        doomed_costs = list(some_costs)
    with engine.begin() as conn:
        first_roots = select(pipeline_runs.c.id).where(
            pipeline_runs.c.submission_id == kept,
            pipeline_runs.c.parent_pipeline_run_id.is_(None),
            pipeline_runs.c.entity_index < 5,
        )
        # Their children go too, by ON DELETE CASCADE: a statement of its own, with its own trigger.
        conn.execute(delete(pipeline_runs).where(pipeline_runs.c.id.in_(first_roots.scalar_subquery())))
        conn.execute(delete(operation_runs).where(operation_runs.c.run_id.in_(doomed_costs)))
        conn.execute(delete(submissions).where(submissions.c.id == dropped))
    # 100 roots and 20 children, less 5 roots and their 10 children.
    assert assert_tallies_match(engine, tenant, kept)["queued"] == 105
    with engine.connect() as conn:
        for table in (submission_run_tallies, submission_cost_tallies):
            left = conn.execute(select(func.count()).where(table.c.submission_id == dropped)).scalar_one()
            assert left == 0, table.name
