"""What the engine reads and writes about runs: loading chunks, step results, children, run state.

Every write is keyed so that replaying it (a chunk re-run after a worker died) changes nothing:
step results by (pipeline_run_id, step_position), children and events by deterministic ids.
Batches are sorted by key before writing so concurrent chunks never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from store.tables import entity_timeline, operation_runs, pipeline_runs, step_results, submissions

TERMINAL_RUN_STATUSES = ("succeeded", "failed", "canceled")
TERMINAL_STEP_STATUSES = ("succeeded", "failed", "skipped")


def load_runs(*, conn: Connection, run_ids: Sequence[UUID]) -> list[dict[str, Any]]:
    """Return the runs with their finished step positions (`done_steps`)."""
    if not run_ids:
        return []
    rows = conn.execute(
        select(
            pipeline_runs.c.id,
            pipeline_runs.c.status,
            pipeline_runs.c.entity_type,
            pipeline_runs.c.entity_index,
            pipeline_runs.c.depth,
            pipeline_runs.c.start_position,
            pipeline_runs.c.context,
            pipeline_runs.c.parent_pipeline_run_id,
        ).where(pipeline_runs.c.id.in_(list(run_ids)))
    ).all()
    done: dict[UUID, dict[int, str]] = {}
    for run_id, position, status in conn.execute(
        select(step_results.c.pipeline_run_id, step_results.c.step_position, step_results.c.status).where(
            step_results.c.pipeline_run_id.in_(list(run_ids)),
            step_results.c.status.in_(TERMINAL_STEP_STATUSES),
        )
    ):
        done.setdefault(run_id, {})[position] = status
    return [{**dict(r._mapping), "done_steps": done.get(r.id, {})} for r in rows]


def stored_outputs(
    *, conn: Connection, run_ids: Sequence[UUID]
) -> dict[UUID, list[tuple[int, dict[str, Any]]]]:
    """Return each run's recorded operation outputs by step position (to rebuild a replayed context)."""
    found: dict[UUID, list[tuple[int, dict[str, Any]]]] = {}
    rows = conn.execute(
        select(
            operation_runs.c.pipeline_run_id, operation_runs.c.step_position, operation_runs.c.output_payload
        ).where(
            operation_runs.c.pipeline_run_id.in_(list(run_ids)), operation_runs.c.output_payload.is_not(None)
        )
    )
    for run_id, position, output in rows:
        found.setdefault(run_id, []).append((position, output))
    return found


def mark_running(*, conn: Connection, run_ids: Sequence[UUID]) -> None:
    """Mark queued runs running (a replayed chunk leaves running ones as they are)."""
    if run_ids:
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id.in_(sorted(run_ids)), pipeline_runs.c.status == "queued")
            .values(status="running", started_at=func.now())
        )


_STEP_RESULT_UPDATES = (
    "operation_id", "status", "skip_reason", "operation_run_id", "cost_usd", "input_payload",
    "output_payload", "error_message", "error_details", "started_at", "finished_at", "duration_ms", "attempt",
)  # fmt: skip


def upsert_step_results(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace step results by (pipeline_run_id, step_position)."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda r: (str(r["pipeline_run_id"]), r["step_position"]))
    statement = insert(step_results)
    conn.execute(
        statement.on_conflict_do_update(
            constraint="uq_step_results_run_position",
            set_={name: statement.excluded[name] for name in _STEP_RESULT_UPDATES}
            | {"updated_at": func.now()},
        ),
        ordered,
    )


def insert_children(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Create child runs (queued); a replayed fan-out creates nothing twice."""
    if rows:
        ordered = sorted(rows, key=lambda r: str(r["id"]))
        conn.execute(insert(pipeline_runs).on_conflict_do_nothing(index_elements=["id"]), ordered)


def finish_runs(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Set each run's final status, error, entity id and context."""
    if not rows:
        return
    params = [
        {
            "run_id": r["run_id"],
            "status": r["status"],
            "error_message": r.get("error_message"),
            "entity_id": r.get("entity_id"),
            "context": r["context"],
        }
        for r in sorted(rows, key=lambda r: str(r["run_id"]))
    ]
    conn.execute(
        update(pipeline_runs)
        .where(pipeline_runs.c.id == bindparam("run_id"))
        .values(
            status=bindparam("status"),
            error_message=bindparam("error_message"),
            entity_id=bindparam("entity_id"),
            context=bindparam("context"),
            finished_at=func.now(),
            updated_at=func.now(),
        ),
        params,
    )


def insert_timeline(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append timeline events (deterministic ids: a replay adds nothing)."""
    if rows:
        ordered = sorted(rows, key=lambda r: str(r["id"]))
        conn.execute(insert(entity_timeline).on_conflict_do_nothing(index_elements=["id"]), ordered)


def pending_runs(
    *, conn: Connection, submission_id: UUID, after: tuple[int, UUID] | None, limit: int
) -> list[tuple[UUID, int]]:
    """Return (id, depth) of a submission's unfinished runs, shallowest first, a page after `after`."""
    query = select(pipeline_runs.c.id, pipeline_runs.c.depth).where(
        pipeline_runs.c.submission_id == submission_id,
        pipeline_runs.c.status.in_(("queued", "running")),
    )
    if after is not None:
        query = query.where(
            (pipeline_runs.c.depth > after[0])
            | ((pipeline_runs.c.depth == after[0]) & (pipeline_runs.c.id > after[1]))
        )
    rows = conn.execute(query.order_by(pipeline_runs.c.depth, pipeline_runs.c.id).limit(limit)).all()
    return [(r.id, r.depth) for r in rows]


def fail_runs(*, conn: Connection, run_ids: Sequence[UUID], message: str) -> None:
    """Fail runs that could not be executed (their chunk kept losing its worker)."""
    if run_ids:
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id.in_(sorted(run_ids)), pipeline_runs.c.status.in_(("queued", "running")))
            .values(status="failed", error_message=message, finished_at=func.now())
        )


DERIVED_STATUS_SQL = text(
    """
    SELECT CASE
        WHEN count(*) = 0 THEN 'received'
        WHEN count(*) FILTER (WHERE status IN ('queued', 'running')) > 0 THEN
            CASE WHEN count(*) FILTER (WHERE status <> 'queued') = 0 THEN 'queued' ELSE 'running' END
        WHEN count(*) FILTER (WHERE status = 'succeeded') = count(*) THEN 'completed'
        WHEN count(*) FILTER (WHERE status = 'canceled') = count(*) THEN 'canceled'
        ELSE 'failed'
    END
    FROM pipeline_runs WHERE submission_id = :submission_id
    """
)


def sync_submission_status(*, conn: Connection, submission_id: UUID) -> str:
    """Derive the submission's status from its whole run tree and store it."""
    status = str(conn.execute(DERIVED_STATUS_SQL, {"submission_id": submission_id}).scalar_one())
    finished = status in ("completed", "failed", "canceled")
    conn.execute(
        update(submissions)
        .where(submissions.c.id == submission_id)
        .values(status=status, finished_at=func.now() if finished else None)
    )
    return status


def unfinished_submissions(*, conn: Connection) -> list[UUID]:
    """Return submissions that have not reached a final status."""
    rows = conn.execute(
        select(submissions.c.id).where(
            submissions.c.status.in_(("received", "validated", "queued", "running"))
        )
    )
    return [r.id for r in rows]
