"""A submission's results as `dex enrich` writes them: root runs by page, and each page's descendants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, text

_ROOT_KEYS = text(
    """
    SELECT DISTINCT jsonb_object_keys(context) FROM pipeline_runs
    WHERE submission_id = :s AND parent_pipeline_run_id IS NULL
    """
)
_CHILD_KEYS = text(
    """
    SELECT DISTINCT jsonb_object_keys(context) FROM pipeline_runs
    WHERE submission_id = :s AND parent_pipeline_run_id IS NOT NULL
    """
)
_UNKEYED_ROOTS = text(
    """
    SELECT EXISTS (
        SELECT 1 FROM pipeline_runs
        WHERE submission_id = :s AND parent_pipeline_run_id IS NULL AND input_row IS NULL
    )
    """
)
# Keyset pages over the partial index ux_pipeline_runs_submission_roots (submission_id, entity_index).
_ROOT_PAGE = text(
    """
    SELECT id, entity_index, input_row, entity_type, status, error_message, context FROM pipeline_runs
    WHERE submission_id = :s AND parent_pipeline_run_id IS NULL
      AND entity_index >= :after_index AND (entity_index, id) > (:after_index, :after_id)
    ORDER BY entity_index, id LIMIT :n
    """
)
# Every descendant of a page of roots, carrying the root's input_row and the path of child indexes.
# The LATERAL probe (with a LIMIT no parent reaches) keeps the planner on ix_pipeline_runs_parent
# instead of hashing the whole table at each level.
_DESCENDANTS = text(
    """
    WITH RECURSIVE tree AS (
        SELECT r.id, r.parent_pipeline_run_id, r.entity_index, r.entity_type, r.depth, r.status,
               r.error_message, r.context, p.root_row, p.root_index, ARRAY[r.entity_index] AS path
        FROM unnest(CAST(:ids AS uuid[]), CAST(:rows AS integer[]), CAST(:indexes AS integer[]))
            AS p(id, root_row, root_index)
        CROSS JOIN LATERAL (
            SELECT * FROM pipeline_runs r WHERE r.parent_pipeline_run_id = p.id AND r.submission_id = :s
            LIMIT 1000000
        ) r
        UNION ALL
        SELECT r.id, r.parent_pipeline_run_id, r.entity_index, r.entity_type, r.depth, r.status,
               r.error_message, r.context, t.root_row, t.root_index, t.path || r.entity_index
        FROM tree t CROSS JOIN LATERAL (
            SELECT * FROM pipeline_runs r WHERE r.parent_pipeline_run_id = t.id AND r.submission_id = :s
            LIMIT 1000000
        ) r
    )
    SELECT * FROM tree ORDER BY root_index, path
    """
)


def context_keys(*, conn: Connection, submission_id: UUID, roots: bool) -> list[str]:
    """Return every key of the root runs' (or the descendants') contexts."""
    return [k for (k,) in conn.execute(_ROOT_KEYS if roots else _CHILD_KEYS, {"s": submission_id})]


def has_unkeyed_roots(*, conn: Connection, submission_id: UUID) -> bool:
    """Tell whether a root run names no input row (it was not submitted from a file by `dex enrich`)."""
    return bool(conn.execute(_UNKEYED_ROOTS, {"s": submission_id}).scalar_one())


def root_page(
    *, conn: Connection, submission_id: UUID, after: tuple[int, UUID], limit: int
) -> list[Row[Any]]:
    """Return the next `limit` root runs after (entity_index, id), in that order."""
    params = {"s": submission_id, "after_index": after[0], "after_id": after[1], "n": limit}
    return list(conn.execute(_ROOT_PAGE, params))


def descendants(*, conn: Connection, submission_id: UUID, roots: Sequence[Any]) -> list[Row[Any]]:
    """Return every descendant of a page of roots, by root then path, with the root's input_row."""
    # The planner cannot see that the walk is small; compiling it (JIT) would cost more.
    conn.execute(text("SET LOCAL jit = off"))
    params = {
        "s": submission_id,
        "ids": [r.id for r in roots],
        "rows": [r.input_row for r in roots],
        "indexes": [r.entity_index for r in roots],
    }
    return list(conn.execute(_DESCENDANTS, params))
