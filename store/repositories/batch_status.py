"""Reads of a submission's run tree for the batch status: its tallies, its cost, and one page of the tree.

Every query here filters runs by submission_id alone once the submission has been found in the
caller's org: the composite foreign key (org_id, submission_id) guarantees a run of that submission
belongs to the same org. Nothing here counts runs: the counters are sums of the submission's
tallies, and a page of roots is a seek into their index, so a read costs the same at a million runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from config.vocabulary import RunStatus
from store.errors import NotFoundError
from store.repositories._rows import as_dict, as_dicts
from store.tables import (
    RUN_STATUSES,
    operation_attempts,
    step_results,
    submission_cost_tallies,
    submission_run_tallies,
    submissions,
)

_UUIDS = ARRAY(PgUUID(as_uuid=True))
_RUN_COLUMNS = f"""
    r.id, r.entity_index, r.entity_type, r.depth, r.parent_pipeline_run_id, r.status, r.entity_id,
    r.error_message,
    CASE WHEN r.status = '{RunStatus.SUCCEEDED}' THEN r.context END AS final_context
"""

# Descendants of a page of roots, breadth first. PostgreSQL produces a recursive CTE's rows lazily
# and level by level, so the outer LIMIT stops the walk early and every row's parent precedes it.
# The LATERAL subquery's LIMIT (no parent can bring more than the page holds) also keeps the planner
# from hashing the whole table each level: children are probed through ix_pipeline_runs_parent.
_DESCENDANTS = text(
    f"""
    WITH RECURSIVE tree AS (
        SELECT {_RUN_COLUMNS} FROM pipeline_runs r
        WHERE r.parent_pipeline_run_id = ANY(:root_ids) AND r.submission_id = :submission_id
        UNION ALL
        SELECT kid.* FROM tree t CROSS JOIN LATERAL (
            SELECT {_RUN_COLUMNS} FROM pipeline_runs r
            WHERE r.parent_pipeline_run_id = t.id AND r.submission_id = :submission_id
            LIMIT :limit
        ) kid
    )
    SELECT * FROM tree LIMIT :limit
    """
).bindparams(bindparam("root_ids", type_=_UUIDS))


def get_submission(*, conn: Connection, submission_id: UUID, org_id: UUID) -> dict[str, Any]:
    """Return the submission of the org, or raise NotFoundError (another org's reads as missing)."""
    row = as_dict(
        conn.execute(
            select(submissions).where(submissions.c.id == submission_id, submissions.c.org_id == org_id)
        ).first()
    )
    if row is None:
        raise NotFoundError("submission not found", field="submission_id")
    return row


def spent_by_provider(*, conn: Connection, submission_id: UUID) -> dict[str, float]:
    """Return what the submission's provider attempts cost, per provider (the attempt journal)."""
    rows = conn.execute(
        select(operation_attempts.c.provider, func.sum(operation_attempts.c.cost_usd))
        .where(operation_attempts.c.submission_id == submission_id)
        .group_by(operation_attempts.c.provider)
    )
    return {provider: float(cost or 0) for provider, cost in rows}


def tally_runs(*, conn: Connection, submission_id: UUID) -> tuple[dict[str, int], dict[str, int]]:
    """Return the run count per status over the whole tree, and its shape (roots, deepest depth).

    Sums the submission's tallies (kept by triggers, see store/tables.py): a few dozen rows however
    many runs there are.
    """
    counts = dict.fromkeys(RUN_STATUSES, 0)
    roots = depth_max = 0
    for status, depth, runs, root_runs in conn.execute(tally_runs_query(submission_id)):
        counts[status] += int(runs)
        roots += int(root_runs)
        if runs > 0:
            depth_max = max(depth_max, depth)
    return counts, {"roots": roots, "depth_max": depth_max}


def tally_runs_query(submission_id: UUID) -> Any:
    """Return the query summing a submission's run tallies (exposed so its plan can be checked)."""
    tallies = submission_run_tallies
    return (
        select(tallies.c.status, tallies.c.depth, func.sum(tallies.c.runs), func.sum(tallies.c.roots))
        .where(tallies.c.submission_id == submission_id)
        .group_by(tallies.c.status, tallies.c.depth)
    )


def cost_so_far(*, conn: Connection, submission_id: UUID, org_id: UUID) -> float:
    """Return the summed cost of the submission's operation runs (from their tallies)."""
    tallies = submission_cost_tallies
    total = conn.execute(
        select(func.coalesce(func.sum(tallies.c.cost_usd), 0)).where(
            tallies.c.submission_id == submission_id, tallies.c.org_id == org_id
        )
    ).scalar_one()
    return float(total)


_ROOT_BOUNDS = text(
    """
    SELECT min(entity_index), max(entity_index) FROM pipeline_runs
    WHERE submission_id = :submission_id AND parent_pipeline_run_id IS NULL
    """
)


def list_root_runs(
    *, conn: Connection, submission_id: UUID, limit: int, offset: int, roots: int
) -> list[dict[str, Any]]:
    """Return a page of root runs by entity_index (index ux_pipeline_runs_submission_roots).

    `roots` is how many roots the submission has. When their indexes fill a range exactly (as every
    writer numbers them), the offset-th root is the range's start + offset, and the page is a seek
    into the index rather than a walk past `offset` roots.
    """
    low, high = conn.execute(_ROOT_BOUNDS, {"submission_id": submission_id}).one()
    params = {"submission_id": submission_id, "limit": limit}
    if low is not None and high - low + 1 == roots:
        # Root indexes are unique per submission, so a range as wide as the count holds every index.
        seek, params["first"] = "AND r.entity_index >= :first", low + offset
    else:
        seek, params["offset"] = "", offset
    query = text(
        f"""
        SELECT {_RUN_COLUMNS} FROM pipeline_runs r
        WHERE r.submission_id = :submission_id AND r.parent_pipeline_run_id IS NULL {seek}
        ORDER BY r.entity_index
        LIMIT :limit {"OFFSET :offset" if not seek else ""}
        """
    )
    return as_dicts(conn.execute(query, params))


def list_descendants(
    *, conn: Connection, submission_id: UUID, root_ids: Sequence[UUID], limit: int
) -> list[dict[str, Any]]:
    """Return up to limit descendants of root_ids at any depth, parents before their children."""
    if not root_ids:
        return []
    # The planner cannot see the LIMIT bound the walk, so it prices the CTE at millions of rows and
    # would JIT-compile it: ~150 ms of compiling for a ~5 ms walk. Off for this transaction only.
    conn.execute(text("SET LOCAL jit = off"))
    params = {"submission_id": submission_id, "root_ids": list(root_ids), "limit": limit}
    return as_dicts(conn.execute(_DESCENDANTS, params))


def list_step_results(*, conn: Connection, run_ids: Sequence[UUID], org_id: UUID) -> list[dict[str, Any]]:
    """Return the step results of exactly these runs, by run and position."""
    if not run_ids:
        return []
    query = (
        select(
            step_results.c.pipeline_run_id,
            step_results.c.step_position,
            step_results.c.operation_id,
            step_results.c.status,
            step_results.c.skip_reason,
            step_results.c.duration_ms,
            step_results.c.cost_usd,
            step_results.c.error_message,
            step_results.c.output_payload,
        )
        .where(
            step_results.c.pipeline_run_id == any_(bindparam("run_ids", list(run_ids), type_=_UUIDS)),
            step_results.c.org_id == org_id,
        )
        .order_by(step_results.c.pipeline_run_id, step_results.c.step_position)
    )
    return as_dicts(conn.execute(query))
