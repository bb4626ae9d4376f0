"""Operation history: runs and their provider attempts, written in bulk and idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, select

from store.bulk import insert_new_rows
from store.tables import operation_attempts


def insert_operation_history(
    *, conn: Connection, runs: Sequence[dict[str, Any]], attempts: Sequence[dict[str, Any]]
) -> None:
    """Insert run and attempt rows: staged COPY, then INSERT … ON CONFLICT DO NOTHING (replays add none)."""
    insert_new_rows(conn=conn, table_name="operation_runs", rows=runs, key_columns=("run_id",))
    insert_new_rows(
        conn=conn, table_name="operation_attempts", rows=attempts, key_columns=("run_id", "attempt_index")
    )


def attempts_cost(
    conn: Connection,
    *,
    submission_id: UUID | None = None,
    org_id: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> float:
    """Return what the journaled attempts cost: one submission's, or an org's within [since, until)."""
    query = select(func.coalesce(func.sum(operation_attempts.c.cost_usd), 0))
    if submission_id is not None:
        query = query.where(operation_attempts.c.submission_id == submission_id)
    if org_id is not None:
        query = query.where(operation_attempts.c.org_id == org_id)
    if since is not None:
        query = query.where(operation_attempts.c.created_at >= since)
    if until is not None:
        query = query.where(operation_attempts.c.created_at < until)
    return float(conn.execute(query).scalar_one())
