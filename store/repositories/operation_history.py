"""Operation history: runs and their provider attempts, written in bulk and idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from store.bulk import upsert_rows


def insert_operation_history(
    *, conn: Connection, runs: Sequence[dict[str, Any]], attempts: Sequence[dict[str, Any]]
) -> None:
    """Insert run and attempt rows: staged COPY, then INSERT … ON CONFLICT DO NOTHING (replays add none)."""
    for table_name, rows, keys in (
        ("operation_runs", runs, ("run_id",)),
        ("operation_attempts", attempts, ("run_id", "attempt_index")),
    ):
        if rows:
            upsert_rows(
                conn=conn,
                table_name=table_name,
                columns=list(dict.fromkeys(key for row in rows for key in row)),
                rows=rows,
                key_columns=keys,
                keys_unique=True,
                on_conflict="nothing",
            )
