"""Operation history: runs and their provider attempts, written in bulk and idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from store.bulk import insert_new_rows


def insert_operation_history(
    *, conn: Connection, runs: Sequence[dict[str, Any]], attempts: Sequence[dict[str, Any]]
) -> None:
    """Insert run and attempt rows: staged COPY, then INSERT … ON CONFLICT DO NOTHING (replays add none)."""
    insert_new_rows(conn=conn, table_name="operation_runs", rows=runs, key_columns=("run_id",))
    insert_new_rows(
        conn=conn, table_name="operation_attempts", rows=attempts, key_columns=("run_id", "attempt_index")
    )
