"""Write a submission's results as CSV or Parquet, page by page, never all in memory.

The main file has one row per root run (one per input entity) in entity_index order: the run's status,
then the input fields, then every other field of its final cumulative context. Scalars are written as
text (numbers and booleans as JSON), lists and objects as JSON text. Left out: the lists a fan-out step
turned into child runs, and raw provider answers. The children file holds those children: one row per
child run at any depth, with the entity_index of the input entity it descends from and its own context.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, text

from api.services.ingest import FileFormat, detect_format

PAGE_ROWS = 10_000
CHILD_PAGE_ROOTS = 2_000
# Bulky context keys never written: a provider's whole raw answer rides along on some fan-out items.
ALWAYS_DROPPED = frozenset({"raw"})
ROOT_META = ("entity_index", "run_status", "run_error", "entity_type", "run_id")
CHILD_META = (
    "parent_entity_index", "depth", "child_index", "run_status", "run_error", "entity_type", "run_id",
    "parent_run_id",
)  # fmt: skip

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
# Keyset pages over the partial index ux_pipeline_runs_submission_roots (submission_id, entity_index).
_ROOT_PAGE = text(
    """
    SELECT id, entity_index, entity_type, status, error_message, context FROM pipeline_runs
    WHERE submission_id = :s AND parent_pipeline_run_id IS NULL
      AND entity_index >= :after_index AND (entity_index, id) > (:after_index, :after_id)
    ORDER BY entity_index, id LIMIT :n
    """
)
# Every descendant of a page of roots, carrying the root's entity_index and the path of child indexes.
# The LATERAL probe (with a LIMIT no parent reaches) keeps the planner on ix_pipeline_runs_parent
# instead of hashing the whole table at each level.
_DESCENDANTS = text(
    """
    WITH RECURSIVE tree AS (
        SELECT r.id, r.parent_pipeline_run_id, r.entity_index, r.entity_type, r.depth, r.status,
               r.error_message, r.context, p.root_index, ARRAY[r.entity_index] AS path
        FROM unnest(CAST(:ids AS uuid[]), CAST(:indexes AS integer[])) AS p(id, root_index)
        CROSS JOIN LATERAL (
            SELECT * FROM pipeline_runs r WHERE r.parent_pipeline_run_id = p.id AND r.submission_id = :s
            LIMIT 1000000
        ) r
        UNION ALL
        SELECT r.id, r.parent_pipeline_run_id, r.entity_index, r.entity_type, r.depth, r.status,
               r.error_message, r.context, t.root_index, t.path || r.entity_index
        FROM tree t CROSS JOIN LATERAL (
            SELECT * FROM pipeline_runs r WHERE r.parent_pipeline_run_id = t.id AND r.submission_id = :s
            LIMIT 1000000
        ) r
    )
    SELECT * FROM tree ORDER BY root_index, path
    """
)


def children_path(out: Path) -> Path:
    """Return where the children of OUTPUT go: OUTPUT's stem + `.children` + its suffix."""
    return out.with_name(f"{out.stem}.children{out.suffix}")


def cell(value: Any) -> str | None:
    """Return a context value as text: strings as they are, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def context_columns(keys: Sequence[str], first: Sequence[str], dropped: set[str]) -> list[str]:
    """Order context keys: the input fields first (as mapped), then the rest by name."""
    present = set(keys) - dropped - ALWAYS_DROPPED
    return [k for k in first if k in present] + sorted(present - set(first))


class TableWriter:
    """A CSV or Parquet file written one page at a time (to a temporary name, renamed when complete)."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.format: FileFormat = detect_format(path.name)
        self.columns = list(columns)
        self.partial = path.with_name(f".{path.name}.partial")
        self.rows = 0
        self._file: IO[str] | None = None
        self._csv: Any = None
        self._parquet: pq.ParquetWriter | None = None
        if self.format == "csv":
            self._file = self.partial.open("w", newline="", encoding="utf-8")
            self._csv = csv.writer(self._file)
            self._csv.writerow(self.columns)
        else:
            schema = pa.schema([(c, pa.string()) for c in self.columns])
            self._parquet = pq.ParquetWriter(self.partial, schema, compression="zstd")

    def write(self, rows: list[list[str | None]]) -> None:
        """Append a page of rows (each in column order)."""
        if not rows:
            return
        self.rows += len(rows)
        if self._csv is not None:
            self._csv.writerows(rows)
        elif self._parquet is not None:
            arrays = [pa.array([r[i] for r in rows], type=pa.string()) for i in range(len(self.columns))]
            self._parquet.write_table(pa.Table.from_arrays(arrays, names=self.columns))

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._file is not None:
            self._file.close()
        if self._parquet is not None:
            self._parquet.close()
        os.replace(self.partial, self.path)

    def abandon(self) -> None:
        """Drop the unfinished file."""
        if self._file is not None:
            self._file.close()
        if self._parquet is not None:
            self._parquet.close()
        self.partial.unlink(missing_ok=True)


def _named(columns: Sequence[str], meta: Sequence[str]) -> list[str]:
    # A context key that collides with a metadata column keeps its value under a prefixed name.
    return [f"context_{c}" if c in meta else c for c in columns]


def _root_pages(conn: Connection, submission_id: uuid.UUID, page_rows: int) -> Iterator[list[Any]]:
    after: tuple[int, uuid.UUID] = (-(2**31), uuid.UUID(int=0))
    while True:
        params = {"s": submission_id, "after_index": after[0], "after_id": after[1], "n": page_rows}
        page = list(conn.execute(_ROOT_PAGE, params))
        if not page:
            return
        yield page
        after = (page[-1].entity_index, page[-1].id)
        if len(page) < page_rows:
            return


def _root_row(run: Any, fields: Sequence[str]) -> list[str | None]:
    meta = [str(run.entity_index), run.status, run.error_message, run.entity_type, str(run.id)]
    return meta + [cell(run.context.get(f)) for f in fields]


def _child_row(run: Any, fields: Sequence[str]) -> list[str | None]:
    meta = [
        str(run.root_index), str(run.depth), str(run.entity_index), run.status, run.error_message,
        run.entity_type, str(run.id), str(run.parent_pipeline_run_id),
    ]  # fmt: skip
    return meta + [cell(run.context.get(f)) for f in fields]


@dataclass
class Written:
    """What the output files hold."""

    path: Path
    rows: int
    children_path: Path | None
    children: int


def write_outputs(
    engine: Engine,
    submission_id: uuid.UUID,
    out: Path,
    *,
    input_fields: Sequence[str],
    fan_out_fields: set[str],
    children_file: bool,
    page_rows: int = PAGE_ROWS,
) -> Written:
    """Write the roots file (and the children file when the blueprint fans out); return the row counts."""
    with engine.connect() as conn:
        keys = [k for (k,) in conn.execute(_ROOT_KEYS, {"s": submission_id})]
        fields = context_columns(keys, input_fields, fan_out_fields)
        writer = TableWriter(out, [*ROOT_META, *_named(fields, ROOT_META)])
        try:
            for page in _root_pages(conn, submission_id, page_rows):
                writer.write([_root_row(r, fields) for r in page])
            writer.close()
        except BaseException:
            writer.abandon()
            raise
        if not children_file:
            return Written(out, writer.rows, None, 0)
        child_keys = [k for (k,) in conn.execute(_CHILD_KEYS, {"s": submission_id})]
        child_fields = context_columns(child_keys, input_fields, fan_out_fields)
        kids = TableWriter(children_path(out), [*CHILD_META, *_named(child_fields, CHILD_META)])
        try:
            # The planner cannot see that the walk is small; compiling it (JIT) would cost more.
            conn.execute(text("SET LOCAL jit = off"))
            for page in _root_pages(conn, submission_id, CHILD_PAGE_ROOTS):
                params = {
                    "s": submission_id,
                    "ids": [r.id for r in page],
                    "indexes": [r.entity_index for r in page],
                }
                kids.write([_child_row(r, child_fields) for r in conn.execute(_DESCENDANTS, params)])
            kids.close()
        except BaseException:
            kids.abandon()
            raise
    return Written(out, writer.rows, kids.path, kids.rows)
