"""What `dex enrich` and `dex status` show of a submission: its counters, step and provider tallies."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, text

from config.vocabulary import OperationStatus, RunStatus
from store.tables import in_list

_FOUND = (OperationStatus.FOUND, OperationStatus.VERIFIED)
_SNAPSHOT = text(
    f"""
    SELECT
        (SELECT status FROM submissions WHERE id = :s) AS status,
        count(*) FILTER (WHERE parent_pipeline_run_id IS NULL) AS roots,
        count(*) FILTER (
            WHERE parent_pipeline_run_id IS NULL
              AND {in_list("status", sorted(RunStatus.terminal()))}
        ) AS roots_done,
        count(*) FILTER (WHERE parent_pipeline_run_id IS NOT NULL) AS children,
        count(*) FILTER (WHERE {in_list("status", sorted(RunStatus.active()))}) AS pending,
        count(*) FILTER (WHERE status = '{RunStatus.FAILED}') AS failed,
        count(*) FILTER (WHERE status = '{RunStatus.BUDGET_EXHAUSTED}') AS budget_exhausted,
        (SELECT max_cost_usd FROM submissions WHERE id = :s) AS max_cost_usd,
        (SELECT coalesce(sum(cost_usd), 0) FROM operation_runs WHERE submission_id = :s) AS cost_usd
    FROM pipeline_runs WHERE submission_id = :s
    """
)
_STEPS = text(
    """
    SELECT step_position, status, count(*) AS n, coalesce(sum(cost_usd), 0) AS cost
    FROM step_results WHERE submission_id = :s GROUP BY step_position, status
    """
)
_NOT_FOUND = text(
    f"""
    SELECT step_position, count(*) FROM operation_runs
    WHERE submission_id = :s AND status = '{OperationStatus.NOT_FOUND}' GROUP BY step_position
    """
)
_PROVIDERS = text(
    f"""
    SELECT a.provider,
        count(*) FILTER (WHERE a.status <> '{OperationStatus.SKIPPED}') AS calls,
        count(*) FILTER (WHERE {in_list("a.status", _FOUND)}) AS found,
        count(*) FILTER (WHERE a.status = '{OperationStatus.FAILED}') AS errors,
        count(*) FILTER (WHERE a.error_class = 'rate_limited') AS rate_limited,
        coalesce(sum(a.cost_usd), 0) AS cost
    FROM operation_attempts a JOIN operation_runs r ON r.run_id = a.run_id
    WHERE r.submission_id = :s
    GROUP BY a.provider ORDER BY a.provider
    """
)


def snapshot_row(*, conn: Connection, submission_id: UUID) -> Row[Any]:
    """Return the submission's status, run counts, cap and cost, in one statement."""
    return conn.execute(_SNAPSHOT, {"s": submission_id}).one()


def step_counts(*, conn: Connection, submission_id: UUID) -> list[tuple[int, str, int, Any]]:
    """Return (step position, status, steps, cost) over the submission's step results."""
    return [(r[0], r[1], r[2], r[3]) for r in conn.execute(_STEPS, {"s": submission_id})]


def not_found_counts(*, conn: Connection, submission_id: UUID) -> list[tuple[int, int]]:
    """Return (step position, operations that found nothing) for the submission."""
    return [(r[0], r[1]) for r in conn.execute(_NOT_FOUND, {"s": submission_id})]


def provider_counts(*, conn: Connection, submission_id: UUID) -> list[dict[str, Any]]:
    """Return each provider's calls, finds, errors, 429s and cost for the submission."""
    return [dict(r._mapping) for r in conn.execute(_PROVIDERS, {"s": submission_id})]
