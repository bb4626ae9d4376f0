"""Entity exports (§11 v1): keyset pages from PostgreSQL written as CSV or Parquet, streamed to the client.

CSV streams page by page as it is read. Parquet cannot be sent before its footer is written, so its row
groups (one per page) go to a spooled temporary file first, which is then streamed. Either way at most
one page of rows is in memory, and every page comes from one read-only snapshot, so an entity updated
during the export is neither missed nor exported twice.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any
from uuid import UUID

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine

from api.schemas.export import CONTRACT_NAMES, Dataset
from store.repositories import entity_export

PAGE_ROWS = 10_000
SPOOL_BYTES = 64 * 1024 * 1024
STREAM_CHUNK_BYTES = 1024 * 1024
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
# ISO 8601 in UTC; polars and most CSV readers parse it back as a zoned timestamp.
CSV_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"
_TIMESTAMP = pa.timestamp("us", tz="UTC")
_TYPES: dict[str, pa.DataType] = {
    "employee_count": pa.int64(),
    "enrichment_confidence": pa.float64(),
    "contact_confidence": pa.float64(),
    "record_version": pa.int64(),
    "last_enriched_at": _TIMESTAMP,
    "updated_at": _TIMESTAMP,
}
_UUIDS = frozenset({"org_id", "company_id", "entity_id", "last_run_id"})


@dataclass(frozen=True)
class ExportQuery:
    """Which of a tenant's entities to export."""

    dataset: Dataset
    org_id: UUID
    company_id: UUID | None = None
    updated_since: datetime | None = None


def arrow_schema(dataset: Dataset) -> pa.Schema:
    """Return the dataset's v1 schema (UUIDs as text, timestamps in UTC), tagged with its contract."""
    fields = [pa.field(name, _TYPES.get(name, pa.string())) for name in entity_export.field_names(dataset)]
    tags = {"export_schema_version": entity_export.SCHEMA_VERSION, "dataset": CONTRACT_NAMES[dataset]}
    return pa.schema(fields, metadata=tags)


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    columns = []
    for f in schema:
        values = [row[f.name] for row in rows]
        if f.name in _UUIDS:
            values = [None if v is None else str(v) for v in values]
        columns.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def pages(engine: Engine, query: ExportQuery) -> Iterator[pa.Table]:
    """Yield the export page by page (the first page even when empty), all from one snapshot."""
    schema = arrow_schema(query.dataset)
    snapshot = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    after: tuple[datetime, UUID] | None = None
    with engine.connect().execution_options(**snapshot) as conn, conn.begin():
        while True:
            rows = entity_export.export_page(
                conn=conn,
                dataset=query.dataset,
                org_id=query.org_id,
                company_id=query.company_id,
                updated_since=query.updated_since,
                after=after,
                limit=PAGE_ROWS,
            )
            if rows or after is None:
                yield _table(rows, schema)
            if len(rows) < PAGE_ROWS:
                return
            after = (rows[-1]["updated_at"], rows[-1]["entity_id"])


def csv_chunks(engine: Engine, query: ExportQuery) -> Iterator[bytes]:
    """Yield the export as CSV, one chunk per page; the first chunk carries the header."""
    for number, table in enumerate(pages(engine, query)):
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        yield frame.write_csv(include_header=number == 0, datetime_format=CSV_DATETIME_FORMAT).encode()


def parquet_file(engine: Engine, query: ExportQuery) -> tuple[IO[bytes], int]:
    """Write the export as Parquet (a row group per page) to a spool; return it rewound, and its size."""
    # Handed to the response, which closes it once sent (see file_chunks).
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        with pq.ParquetWriter(spool, arrow_schema(query.dataset), compression="zstd") as writer:
            for table in pages(engine, query):
                if table.num_rows:
                    writer.write_table(table)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, size


def file_chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """Yield a file's bytes in chunks, closing it at the end (or when the client goes away)."""
    try:
        while chunk := spool.read(STREAM_CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


def filename(query: ExportQuery, fmt: str) -> str:
    """Return the attachment's name: the §11 dataset name and the export instant."""
    return f"{CONTRACT_NAMES[query.dataset]}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{fmt}"
