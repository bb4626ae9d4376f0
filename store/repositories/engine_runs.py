"""What the engine reads and writes about runs: loading chunks, step results, children, run state.

Every write is keyed so that replaying it (a chunk re-run after a worker died) changes nothing:
step results by (pipeline_run_id, step_position), children and events by deterministic ids.
Batches are sorted by key before writing so concurrent chunks never deadlock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, select, text, tuple_, update

from config.vocabulary import RunStatus, SkipReason, StepStatus, SubmissionStatus
from store.bulk import insert_new_rows, update_rows, upsert_rows
from store.repositories import webhooks
from store.tables import operation_attempts, operation_runs, orgs, pipeline_runs, step_results, submissions


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
            pipeline_runs.c.started_at,
        ).where(pipeline_runs.c.id.in_(list(run_ids)))
    ).all()
    done: dict[UUID, dict[int, StepStatus]] = {}
    for run_id, position, status in conn.execute(
        select(step_results.c.pipeline_run_id, step_results.c.step_position, step_results.c.status).where(
            step_results.c.pipeline_run_id.in_(list(run_ids)),
            step_results.c.status.in_(sorted(StepStatus.terminal())),
        )
    ):
        done.setdefault(run_id, {})[position] = StepStatus(status)
    return [{**dict(r._mapping), "done_steps": done.get(r.id, {})} for r in rows]


def stored_outputs(
    *, conn: Connection, run_ids: Sequence[UUID]
) -> dict[UUID, list[tuple[int, dict[str, Any]]]]:
    """Return what each run's finished steps merged into its context, by step position.

    That is each operation's recorded output and, for a step skipped as fresh, the stored entity's
    payload (as it is now): a replayed run's context is rebuilt from them.
    """
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
    # A step skipped because the entity was fresh merged the stored entity's payload instead.
    for run_id, position, payload in conn.execute(_FRESH_SKIP_PAYLOADS_SQL, {"ids": list(run_ids)}):
        if isinstance(payload, dict):
            found.setdefault(run_id, []).append((position, payload))
    return found


_FRESH_SKIP_PAYLOADS_SQL = text(
    f"""
    SELECT s.pipeline_run_id, s.step_position, coalesce(c.canonical_payload, p.canonical_payload)
      FROM step_results s
      JOIN pipeline_runs r ON r.id = s.pipeline_run_id
      CROSS JOIN LATERAL (
          SELECT CASE WHEN s.output_payload->>'entity_id' ~ '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                      THEN (s.output_payload->>'entity_id')::uuid END AS entity_id
      ) k
      LEFT JOIN company_entities c
             ON r.entity_type = 'company' AND c.org_id = s.org_id AND c.entity_id = k.entity_id
      LEFT JOIN person_entities p
             ON r.entity_type = 'person' AND p.org_id = s.org_id AND p.entity_id = k.entity_id
     WHERE s.pipeline_run_id = ANY(:ids) AND s.skip_reason = '{SkipReason.ENTITY_STATE_FRESH}'
    """
)


def stored_attempts(*, conn: Connection, run_ids: Sequence[UUID]) -> list[dict[str, Any]]:
    """Return the recorded attempts of these operation runs (the journal), in index order per run."""
    if not run_ids:
        return []
    rows = conn.execute(
        select(operation_attempts)
        .where(operation_attempts.c.run_id.in_(list(run_ids)))
        .order_by(operation_attempts.c.run_id, operation_attempts.c.attempt_index)
    )
    return [dict(r._mapping) for r in rows]


def stored_steps(*, conn: Connection, run_ids: Sequence[UUID]) -> list[dict[str, Any]]:
    """Return the finished step results of these runs, with each operation run's output."""
    if not run_ids:
        return []
    rows = conn.execute(
        select(
            step_results.c.pipeline_run_id,
            step_results.c.step_position,
            step_results.c.operation_id,
            step_results.c.status,
            step_results.c.skip_reason,
            step_results.c.operation_run_id,
            step_results.c.output_payload,
            step_results.c.error_message,
            step_results.c.error_details,
            step_results.c.started_at,
            step_results.c.finished_at,
            step_results.c.duration_ms,
            operation_runs.c.output_payload.label("operation_output"),
        )
        .select_from(
            step_results.outerjoin(operation_runs, operation_runs.c.run_id == step_results.c.operation_run_id)
        )
        .where(
            step_results.c.pipeline_run_id.in_(list(run_ids)),
            step_results.c.status.in_(sorted(StepStatus.terminal())),
        )
        .order_by(step_results.c.pipeline_run_id, step_results.c.step_position)
    )
    return [dict(r._mapping) for r in rows]


def stored_children(*, conn: Connection, parent_ids: Sequence[UUID]) -> list[dict[str, Any]]:
    """Return the child runs these runs' fan-outs created, in the order they were discovered."""
    if not parent_ids:
        return []
    rows = conn.execute(
        select(
            pipeline_runs.c.id,
            pipeline_runs.c.parent_pipeline_run_id,
            pipeline_runs.c.parent_step_position,
            pipeline_runs.c.entity_type,
            pipeline_runs.c.entity_index,
            pipeline_runs.c.context,
        )
        .where(pipeline_runs.c.parent_pipeline_run_id.in_(list(parent_ids)))
        .order_by(pipeline_runs.c.parent_pipeline_run_id, pipeline_runs.c.entity_index)
    )
    return [dict(r._mapping) for r in rows]


def spending_caps(*, conn: Connection, submission_id: UUID) -> tuple[float | None, float | None]:
    """Return the submission's cap (max_cost_usd) and its org's monthly budget; None where unset."""
    row = conn.execute(
        select(submissions.c.max_cost_usd, orgs.c.monthly_budget_usd)
        .select_from(submissions.join(orgs, orgs.c.id == submissions.c.org_id))
        .where(submissions.c.id == submission_id)
    ).one()
    return (
        None if row.max_cost_usd is None else float(row.max_cost_usd),
        None if row.monthly_budget_usd is None else float(row.monthly_budget_usd),
    )


def set_cap(*, conn: Connection, submission_id: UUID, max_cost_usd: float | None) -> None:
    """Set (or remove) the submission's spending cap."""
    conn.execute(
        update(submissions).where(submissions.c.id == submission_id).values(max_cost_usd=max_cost_usd)
    )


def org_monthly_budget(*, conn: Connection, org_id: UUID) -> float | None:
    """Return the org's monthly budget, None when it has none."""
    value = conn.execute(select(orgs.c.monthly_budget_usd).where(orgs.c.id == org_id)).scalar_one_or_none()
    return None if value is None else float(value)


def requeue_budget_exhausted(*, conn: Connection, submission_id: UUID) -> int:
    """Queue again the runs a cap ended (they keep what they did); return how many."""
    result = conn.execute(
        update(pipeline_runs)
        .where(
            pipeline_runs.c.submission_id == submission_id,
            pipeline_runs.c.status == RunStatus.BUDGET_EXHAUSTED,
        )
        .values(status=RunStatus.QUEUED, finished_at=None, error_message=None, error_details=None)
    )
    if result.rowcount:
        conn.execute(
            update(submissions)
            .where(submissions.c.id == submission_id)
            .values(status=SubmissionStatus.QUEUED, finished_at=None)
        )
    return int(result.rowcount)


def mark_running(*, conn: Connection, run_ids: Sequence[UUID]) -> None:
    """Mark queued runs running (a replayed chunk leaves running ones as they are)."""
    if run_ids:
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id.in_(sorted(run_ids)), pipeline_runs.c.status == RunStatus.QUEUED)
            .values(status=RunStatus.RUNNING, started_at=func.now())
        )


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key any row has, in first-seen order (a missing key is written as NULL)."""
    return list(dict.fromkeys(key for row in rows for key in row))


# A replayed step result keeps the row's tenant, submission and id.
_STEP_RESULT_OWNERSHIP = frozenset({"org_id", "company_id", "submission_id"})


def upsert_step_results(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace step results by (pipeline_run_id, step_position): one staged upsert."""
    if not rows:
        return
    columns = [c for c in _columns(rows) if c != "updated_at"]
    keys = ("pipeline_run_id", "step_position")
    replaced = {c: f"excluded.{c}" for c in columns if c not in keys and c not in _STEP_RESULT_OWNERSHIP}
    upsert_rows(
        conn=conn,
        table_name="step_results",
        columns=columns,
        rows=rows,
        key_columns=keys,
        computed={"updated_at": "now()"},
        update_set=replaced,
        changed_when="",
        keys_unique=True,
    )


def insert_children(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Create child runs (queued); a replayed fan-out creates nothing twice."""
    insert_new_rows(conn=conn, table_name="pipeline_runs", rows=rows, key_columns=("id",))


def finish_runs(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Set each run's final status, error (message and details), entity id and context (one staged UPDATE)."""
    if not rows:
        return
    update_rows(
        conn=conn,
        table_name="pipeline_runs",
        columns=["id", "status", "error_message", "error_details", "entity_id", "context"],
        rows=[
            {
                "id": r["run_id"],
                "status": r["status"],
                "error_message": r.get("error_message"),
                "error_details": r.get("error_details"),
                "entity_id": r.get("entity_id"),
                "context": r["context"],
            }
            for r in rows
        ],
        key_columns=("id",),
        also_set={"finished_at": "now()", "updated_at": "now()"},
    )


def insert_timeline(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append timeline events (deterministic ids: a replay adds nothing)."""
    insert_new_rows(conn=conn, table_name="entity_timeline", rows=rows, key_columns=("id",))


def pending_runs(
    *, conn: Connection, submission_id: UUID, after: tuple[int, UUID] | None, limit: int
) -> list[tuple[UUID, int]]:
    """Return (id, depth) of a submission's unfinished runs, shallowest first, a page after `after`."""
    query = select(pipeline_runs.c.id, pipeline_runs.c.depth).where(
        pipeline_runs.c.submission_id == submission_id,
        pipeline_runs.c.status.in_(sorted(RunStatus.active())),
    )
    if after is not None:
        # A row comparison, which the partial (submission, depth, id) index answers by a seek.
        query = query.where(tuple_(pipeline_runs.c.depth, pipeline_runs.c.id) > tuple_(after[0], after[1]))
    rows = conn.execute(query.order_by(pipeline_runs.c.depth, pipeline_runs.c.id).limit(limit)).all()
    return [(r.id, r.depth) for r in rows]


def queued_children(*, conn: Connection, submission_id: UUID, limit: int) -> list[UUID]:
    """Return the ids of a submission's children that no chunk has picked up yet, shallowest first."""
    rows = conn.execute(
        select(pipeline_runs.c.id)
        .where(
            pipeline_runs.c.submission_id == submission_id,
            pipeline_runs.c.status.in_(sorted(RunStatus.active())),
            pipeline_runs.c.status == RunStatus.QUEUED,
            pipeline_runs.c.depth > 0,
        )
        .order_by(pipeline_runs.c.depth, pipeline_runs.c.id)
        .limit(limit)
    )
    return [r.id for r in rows]


def fail_runs(*, conn: Connection, run_ids: Sequence[UUID], message: str) -> None:
    """Fail runs that could not be executed (their chunk kept losing its worker)."""
    if run_ids:
        conn.execute(
            update(pipeline_runs)
            .where(
                pipeline_runs.c.id.in_(sorted(run_ids)),
                pipeline_runs.c.status.in_(sorted(RunStatus.active())),
            )
            .values(status=RunStatus.FAILED, error_message=message, finished_at=func.now())
        )


_S, _R = SubmissionStatus, RunStatus
# The rule of api/services/batch_status.py's derived_status, over the whole run tree.
DERIVED_STATUS_SQL = text(
    f"""
    SELECT CASE
        WHEN count(*) = 0 THEN '{_S.RECEIVED}'
        WHEN count(*) FILTER (WHERE status IN ('{_R.QUEUED}', '{_R.RUNNING}')) > 0 THEN
            CASE WHEN count(*) FILTER (WHERE status <> '{_R.QUEUED}') = 0
                 THEN '{_S.QUEUED}' ELSE '{_S.RUNNING}' END
        WHEN count(*) FILTER (WHERE status = '{_R.SUCCEEDED}') = count(*) THEN '{_S.COMPLETED}'
        WHEN count(*) FILTER (WHERE status = '{_R.CANCELED}') = count(*) THEN '{_S.CANCELED}'
        WHEN count(*) FILTER (WHERE status = '{_R.BUDGET_EXHAUSTED}') > 0 THEN '{_S.BUDGET_EXHAUSTED}'
        ELSE '{_S.FAILED}'
    END
    FROM pipeline_runs WHERE submission_id = :submission_id
    """
)


def start_submission(*, conn: Connection, submission_id: UUID) -> dict[str, Any]:
    """Mark the submission running (its coordinator starts) and return its row."""
    row = conn.execute(
        update(submissions)
        .where(submissions.c.id == submission_id)
        .values(status=SubmissionStatus.RUNNING)
        .returning(*submissions.c)
    ).one()
    return dict(row._mapping)


def sync_submission_status(*, conn: Connection, submission_id: UUID) -> SubmissionStatus:
    """Derive the submission's status from its whole run tree and store it.

    Reaching a final status it did not have queues its webhook event in this same transaction: a
    repeated sync adds nothing, and a resumed submission that ends again is announced again.
    """
    # The row lock orders concurrent syncs, so only one of them sees the change.
    previous = conn.execute(
        select(submissions.c.status).where(submissions.c.id == submission_id).with_for_update()
    ).scalar_one_or_none()
    status = SubmissionStatus(conn.execute(DERIVED_STATUS_SQL, {"submission_id": submission_id}).scalar_one())
    finished = status in SubmissionStatus.final()
    conn.execute(
        update(submissions)
        .where(submissions.c.id == submission_id)
        .values(status=status, finished_at=func.now() if finished else None)
    )
    if finished and status != previous:
        webhooks.enqueue_submission_event(conn=conn, submission_id=submission_id)
    return status


def unfinished_submissions(*, conn: Connection) -> list[UUID]:
    """Return submissions that have not reached a final status."""
    rows = conn.execute(
        select(submissions.c.id).where(submissions.c.status.in_(sorted(SubmissionStatus.unfinished())))
    )
    return [r.id for r in rows]
