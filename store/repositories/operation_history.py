"""Operation history: runs and their provider attempts, written in bulk and idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from store.tables import operation_attempts, operation_runs


def insert_operation_history(
    *, conn: Connection, runs: Sequence[dict[str, Any]], attempts: Sequence[dict[str, Any]]
) -> None:
    """Insert run and attempt rows; a replayed write (same run ids) changes nothing."""
    if runs:
        conn.execute(insert(operation_runs).on_conflict_do_nothing(index_elements=["run_id"]), list(runs))
    if attempts:
        conn.execute(
            insert(operation_attempts).on_conflict_do_nothing(index_elements=["run_id", "attempt_index"]),
            list(attempts),
        )
