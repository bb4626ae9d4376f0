"""What a dry run learns from one org's past: its operations' provider attempts, fan-outs and conditions.

Every query reads the org's own rows only (each table is filtered by org_id) and the most recent
`limit` runs per operation, so an estimate reflects how providers answer now and costs the same
however long the org's history is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, text

from config.vocabulary import OperationStatus, SkipReason, StepStatus
from store.repositories._rows import as_dicts
from store.tables import in_list

RECENT_RUNS = 5_000
_FOUND = (OperationStatus.FOUND, OperationStatus.VERIFIED)
# The skips of a step that its run reached (its condition was checked); the others end a run's later steps.
_REACHED_SKIPS = (
    SkipReason.CONDITION_NOT_MET,
    SkipReason.ENTITY_STATE_FRESH,
    SkipReason.NO_PROVIDER_AVAILABLE,
)

_RECENT = """
    WITH recent AS (
        SELECT run_id, operation_id, status
          FROM (
                SELECT run_id, operation_id, status,
                       row_number() OVER (PARTITION BY operation_id ORDER BY created_at DESC) AS rank
                  FROM operation_runs
                 WHERE org_id = :org_id AND operation_id = ANY(CAST(:operation_ids AS text[]))
               ) ranked
         WHERE rank <= :limit
    )
"""

_RUNS = text(
    _RECENT
    + f"""
    SELECT operation_id,
           count(*) AS runs,
           count(*) FILTER (WHERE {in_list("status", _FOUND)}) AS found,
           count(*) FILTER (WHERE status = '{OperationStatus.FAILED}') AS failed
      FROM recent
     GROUP BY operation_id
    """
)

# Attempts that were sent (a skip costs nothing and calls no one), per provider action.
_ACTIONS = text(
    _RECENT
    + f"""
    SELECT r.operation_id, a.provider, a.action,
           count(DISTINCT a.run_id) AS turns,
           count(*) AS calls,
           count(DISTINCT a.run_id) FILTER (WHERE a.status = '{OperationStatus.FOUND}') AS found,
           coalesce(sum(a.cost_usd), 0) AS cost_usd,
           coalesce(max(a.cost_usd), 0) AS max_cost_usd
      FROM recent r
      JOIN operation_attempts a ON a.run_id = r.run_id
     WHERE a.org_id = :org_id AND a.status <> '{OperationStatus.SKIPPED}'
     GROUP BY r.operation_id, a.provider, a.action
    """
)

# A fan-out step that ran (and did not fail) records how many children it made, zero included.
_FAN_OUTS = text(
    f"""
    SELECT operation_id,
           count(*) AS parents,
           coalesce(sum(children), 0) AS children,
           coalesce(min(children), 0) AS min_children,
           coalesce(max(children), 0) AS max_children
      FROM (
            SELECT operation_id,
                   CAST(output_payload -> 'fan_out' ->> 'child_count' AS integer) AS children,
                   row_number() OVER (
                       PARTITION BY operation_id ORDER BY finished_at DESC NULLS LAST
                   ) AS rank
              FROM step_results
             WHERE org_id = :org_id
               AND operation_id = ANY(CAST(:operation_ids AS text[]))
               AND status <> '{StepStatus.FAILED}'
               AND output_payload -> 'fan_out' ->> 'child_count' IS NOT NULL
           ) ranked
     WHERE rank <= :limit
     GROUP BY operation_id
    """
)

# A step's condition was checked for every run that reached it; it held unless the step was skipped
# for it (a step skipped as fresh, or run, had passed it).
_CONDITIONS = text(
    f"""
    SELECT s.step_position AS position,
           count(*) AS checked,
           count(*) FILTER (WHERE s.skip_reason IS DISTINCT FROM '{SkipReason.CONDITION_NOT_MET}') AS met
      FROM step_results s
      JOIN submissions b ON b.org_id = s.org_id AND b.id = s.submission_id
     WHERE s.org_id = :org_id
       AND b.org_id = :org_id
       AND b.blueprint_id = :blueprint_id
       AND s.step_position = ANY(CAST(:positions AS integer[]))
       AND (s.skip_reason IS NULL
            OR {in_list("s.skip_reason", _REACHED_SKIPS)})
     GROUP BY s.step_position
    """
)


def operation_runs(
    *, conn: Connection, org_id: UUID, operation_ids: Sequence[str], limit: int = RECENT_RUNS
) -> list[dict[str, Any]]:
    """Return, per operation, its recent runs in the org: how many, found and failed."""
    params = {"org_id": org_id, "operation_ids": list(operation_ids), "limit": limit}
    return as_dicts(conn.execute(_RUNS, params))


def operation_actions(
    *, conn: Connection, org_id: UUID, operation_ids: Sequence[str], limit: int = RECENT_RUNS
) -> list[dict[str, Any]]:
    """Return, per operation and provider action, what its recent runs sent: runs, calls, found, cost."""
    params = {"org_id": org_id, "operation_ids": list(operation_ids), "limit": limit}
    return as_dicts(conn.execute(_ACTIONS, params))


def fan_outs(
    *, conn: Connection, org_id: UUID, operation_ids: Sequence[str], limit: int = RECENT_RUNS
) -> list[dict[str, Any]]:
    """Return, per operation, the children its recent fan-out steps made: parents, total, min, max."""
    params = {"org_id": org_id, "operation_ids": list(operation_ids), "limit": limit}
    return as_dicts(conn.execute(_FAN_OUTS, params))


def conditions(
    *, conn: Connection, org_id: UUID, blueprint_id: UUID, positions: Sequence[int]
) -> list[dict[str, Any]]:
    """Return, per step position of the blueprint, how often its condition was checked and held."""
    params = {"org_id": org_id, "blueprint_id": blueprint_id, "positions": list(positions)}
    return as_dicts(conn.execute(_CONDITIONS, params))
