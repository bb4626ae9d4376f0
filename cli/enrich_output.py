"""Write a submission's results as the input file enriched: CSV or Parquet, page by page.

The main file has one row per input record, in input order, whether it was enriched or refused:
- first every input column, unchanged and in its order (a Parquet input keeps its column types when
  the output is Parquet too);
- then `input_row`, the record's 1-based number in the input (the header is not a record), the key
  that joins a result to its input line;
- then the enriched columns, all under one prefix (`dex_`, or `dex1_`, `dex2_`… when an input column
  already starts with it): the run's status (`invalid` for a record refused by --skip-invalid, with
  its reason in `dex_error`), its error, entity type and run id, then the fields of its final
  context: the inputs as the engine used them first, then the rest by name. Scalars are written as
  text (numbers and booleans as JSON), lists and objects as JSON text.

Left out of the main file: the lists a fan-out step turned into child runs, and raw provider answers.
The children file holds those children, one row per child run at any depth, carrying the
`input_row` of the record it descends from and its parent run's id.

The join reads the input again in the order it was submitted. A submission that has no input file
to join (made through the API, or whose input has changed or gone since) is written as its runs
alone, still keyed by `input_row` where the runs have one.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, TypeAlias

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine

from api.services.ingest import InputFile, RecordBatch, read_records, read_typed
from store.repositories import results

OutputFormat = Literal["csv", "parquet"]
PAGE_ROWS = 10_000
CHILD_PAGE_ROOTS = 2_000
BASE_PREFIX = "dex"
KEY = "input_row"
INVALID = "invalid"  # the status of a record refused at submit (--skip-invalid)
# Bulky context keys never written: a provider's whole raw answer rides along on some fan-out items.
ALWAYS_DROPPED = frozenset({"raw"})
ROOT_META = ("status", "error", "entity_type", "run_id")
CHILD_META = ("parent_run_id", "run_id", "depth", "child_index", "status", "error", "entity_type")


class OutputError(ValueError):
    """The results file cannot be written where it was asked for."""


def output_format(path: Path) -> OutputFormat:
    """Return the format OUTPUT's name asks for (.csv, .parquet/.pq)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise OutputError(f"{path}: the results file must be .csv or .parquet")


def children_path(out: Path) -> Path:
    """Return where the children of OUTPUT go: OUTPUT's stem + `.children` + its suffix."""
    return out.with_name(f"{out.stem}.children{out.suffix}")


def check_writable(out: Path) -> None:
    """Refuse, before any work, an OUTPUT that could not be written (format, directory, permissions)."""
    output_format(out)
    for path in (out, children_path(out)):
        if path.is_dir():
            raise OutputError(f"{path} is a directory")
        if path.exists() and not os.access(path, os.W_OK):
            raise OutputError(f"{path} exists and cannot be overwritten")
    parent = out.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {out}: no such directory {parent}")
    # Access bits are not the whole truth (read-only mounts, ACLs): create the file's partial name.
    probe = _partial(out)
    try:
        probe.open("wb").close()
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from exc


def output_prefix(headers: Sequence[str]) -> str:
    """Return the enriched columns' prefix: `dex_`, or `dex1_`, `dex2_`… if an input column starts so."""
    taken = [h.lower() for h in headers]
    for n in range(len(taken) + 1):
        prefix = f"{BASE_PREFIX}{n or ''}_"
        if not any(h.startswith(prefix) for h in taken):
            return prefix
    raise AssertionError("unreachable: n+1 prefixes cannot all be taken by n headers")


def key_column(headers: Sequence[str], prefix: str) -> str:
    """Return the key column's name: `input_row`, unless the input has one (then under the prefix)."""
    return f"{prefix}{KEY}" if KEY in {h.lower() for h in headers} else KEY


def cell(value: Any) -> str | None:
    """Return a context value as text: strings as they are, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def context_columns(keys: Sequence[str], first: Sequence[str], dropped: set[str]) -> list[str]:
    """Order context keys: the input fields first (as mapped), then the rest by name."""
    present = set(keys) - dropped - ALWAYS_DROPPED
    return [k for k in first if k in present] + sorted(present - set(first))


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


Column: TypeAlias = Sequence[Any] | pa.Array | pa.ChunkedArray


class TableWriter:
    """A CSV or Parquet file written a page of columns at a time (to a temporary name, renamed at the end).

    `typed` gives the Arrow types of leading columns (a Parquet input's own); every other column is text.
    CSV is written in UTF-8, with a byte-order mark when `bom` (so spreadsheet programs read it right).
    """

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        *,
        typed: pa.Schema | None = None,
        delimiter: str = ",",
        bom: bool = False,
    ) -> None:
        self.path = path
        self.format = output_format(path)
        self.columns = list(columns)
        self.partial = _partial(path)
        self.rows = 0
        self._file: IO[str] | None = None
        self._csv: Any = None
        self._parquet: pq.ParquetWriter | None = None
        if self.format == "csv":
            self._file = self.partial.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8")
            self._csv = csv.writer(self._file, delimiter=delimiter)
            self._csv.writerow(self.columns)
        else:
            leading = list(typed) if typed is not None else []
            names = [f.name for f in leading]
            rest = [pa.field(c, pa.string()) for c in self.columns[len(leading) :]]
            if names != self.columns[: len(leading)]:
                raise ValueError("typed columns must lead")
            self.schema = pa.schema([*leading, *rest])
            self._parquet = pq.ParquetWriter(self.partial, self.schema, compression="zstd")

    def write(self, columns: Sequence[Column]) -> None:
        """Append a page given as columns (each a list of values, or an Arrow array), all one length."""
        if not columns or not len(columns[0]):
            return
        height = len(columns[0])
        self.rows += height
        if self._csv is not None:
            lists = [c.to_pylist() if isinstance(c, pa.Array | pa.ChunkedArray) else c for c in columns]
            self._csv.writerows(zip(*lists, strict=True))
        elif self._parquet is not None:
            arrays = [
                c if isinstance(c, pa.Array | pa.ChunkedArray) else pa.array(c, type=field.type)
                for c, field in zip(columns, self.schema, strict=True)
            ]
            self._parquet.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

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


@dataclass(frozen=True)
class InputJoin:
    """The input file to join the results to, and why each record left out was refused."""

    source: InputFile
    # A batch's records that no run came from -> the reason they were refused, by record number.
    refusals: Callable[[RecordBatch], dict[int, str]]


@dataclass
class Written:
    """What the output files hold."""

    path: Path
    rows: int
    children_path: Path | None
    children: int
    joined: bool  # the main file is the input enriched (else the runs alone)
    unjoined: str | None = None  # why a join that was asked for could not be made
    invalid: int = 0  # input records refused at submit (kept, with status invalid)


def _root_pages(conn: Connection, submission_id: uuid.UUID, page_rows: int) -> Iterator[list[Any]]:
    after: tuple[int, uuid.UUID] = (-(2**31), uuid.UUID(int=0))
    while True:
        page = results.root_page(conn=conn, submission_id=submission_id, after=after, limit=page_rows)
        if not page:
            return
        yield page
        after = (page[-1].entity_index, page[-1].id)
        if len(page) < page_rows:
            return


def _roots(conn: Connection, submission_id: uuid.UUID, page_rows: int) -> Iterator[Any]:
    for page in _root_pages(conn, submission_id, page_rows):
        yield from page


def _run_columns(runs: Sequence[Any], fields: Sequence[str]) -> list[list[str | None]]:
    """The enriched columns of a page: meta then context fields; a record without a run is empty."""
    status = [r.status if r is not None else None for r in runs]
    error = [r.error_message if r is not None else None for r in runs]
    entity_type = [r.entity_type if r is not None else None for r in runs]
    run_id = [str(r.id) if r is not None else None for r in runs]
    contexts = [r.context if r is not None else {} for r in runs]
    return [status, error, entity_type, run_id, *([cell(c.get(f)) for c in contexts] for f in fields)]


class _Join:
    """Records of the input matched, in order, to the root runs submitted from them."""

    def __init__(
        self, conn: Connection, submission_id: uuid.UUID, join: InputJoin, page_rows: int, *, typed: bool
    ) -> None:
        self.source = join.source
        self.refusals = join.refusals
        self.page_rows = page_rows
        self.typed = typed  # read the input's Arrow batches too (a Parquet input written as Parquet)
        self._roots = _roots(conn, submission_id, page_rows)
        self._next = next(self._roots, None)

    def pages(self) -> Iterator[tuple[RecordBatch, pa.RecordBatch | None, list[Any | None], dict[int, str]]]:
        """Yield each input batch (and its typed form, for Parquet) with its runs and refusals."""
        typed: Iterator[pa.RecordBatch] | None = None
        if self.typed:
            typed = read_typed(self.source, self.page_rows)
        for batch in read_records(self.source, self.page_rows):
            first, height = batch.first_record, batch.frame.height
            runs: list[Any | None] = [None] * height
            while self._next is not None and self._next.input_row < first + height:
                offset = self._next.input_row - first
                if offset < 0:
                    raise OutputError(f"run {self._next.id} names input row {self._next.input_row} twice")
                runs[offset] = self._next
                self._next = next(self._roots, None)
            refused = self.refusals(batch) if None in runs else {}
            yield batch, next(typed) if typed is not None else None, runs, refused
        if self._next is not None:
            raise OutputError(f"the input has fewer rows than its submission (row {self._next.input_row})")


def _write_joined(
    conn: Connection,
    submission_id: uuid.UUID,
    out: Path,
    join: InputJoin,
    fields: Sequence[str],
    page_rows: int,
) -> tuple[TableWriter, str, str, int]:
    source = join.source
    headers = list(source.headers)
    prefix = output_prefix(headers)
    key = key_column(headers, prefix)
    enriched = [f"{prefix}{c}" for c in (*ROOT_META, *fields)]
    typed = None
    if source.format == "parquet" and output_format(out) == "parquet":
        typed = pq.ParquetFile(source.path).schema_arrow
    as_csv = output_format(out) == "csv"
    writer = TableWriter(
        out,
        [*headers, key, *enriched],
        typed=typed,
        delimiter=(source.delimiter or ",") if as_csv else ",",
        bom=as_csv and source.encoding not in (None, "utf-8"),
    )
    invalid = 0
    try:
        for batch, typed_batch, runs, refused in _Join(
            conn, submission_id, join, page_rows, typed=typed is not None
        ).pages():
            first, height = batch.first_record, batch.frame.height
            columns: list[Column]
            if typed is not None and typed_batch is not None:
                columns = [typed_batch.column(i) for i in range(len(headers))]
            else:
                columns = [batch.frame.get_column(h).to_list() for h in headers]
            run_columns = _run_columns(runs, fields)
            for offset, run in enumerate(runs):
                if run is None:  # refused at submit: say so, and why
                    invalid += 1
                    run_columns[0][offset] = INVALID
                    run_columns[1][offset] = refused.get(first + offset, "refused at submit")
            writer.write([*columns, [str(first + i) for i in range(height)], *run_columns])
        writer.close()
    except BaseException:
        writer.abandon()
        raise
    return writer, prefix, key, invalid


def _write_runs(
    conn: Connection, submission_id: uuid.UUID, out: Path, fields: Sequence[str], page_rows: int
) -> tuple[TableWriter, str, str]:
    prefix, key = output_prefix([]), KEY
    columns = [key, f"{prefix}entity_index", *(f"{prefix}{c}" for c in (*ROOT_META, *fields))]
    writer = TableWriter(out, columns)
    try:
        for page in _root_pages(conn, submission_id, page_rows):
            keys = [str(r.input_row) if r.input_row is not None else None for r in page]
            writer.write([keys, [str(r.entity_index) for r in page], *_run_columns(page, fields)])
        writer.close()
    except BaseException:
        writer.abandon()
        raise
    return writer, prefix, key


def _write_children(
    conn: Connection,
    submission_id: uuid.UUID,
    out: Path,
    prefix: str,
    key: str,
    input_fields: Sequence[str],
    fan_out_fields: set[str],
) -> TableWriter:
    child_keys = results.context_keys(conn=conn, submission_id=submission_id, roots=False)
    fields = context_columns(child_keys, input_fields, fan_out_fields)
    columns = [key, *(f"{prefix}{c}" for c in (*CHILD_META, *fields))]
    kids = TableWriter(children_path(out), columns)
    try:
        for page in _root_pages(conn, submission_id, CHILD_PAGE_ROOTS):
            runs = results.descendants(conn=conn, submission_id=submission_id, roots=page)
            if not runs:
                continue
            kids.write(
                [
                    [str(r.root_row) if r.root_row is not None else None for r in runs],
                    [str(r.parent_pipeline_run_id) for r in runs],
                    [str(r.id) for r in runs],
                    [str(r.depth) for r in runs],
                    [str(r.entity_index) for r in runs],
                    [r.status for r in runs],
                    [r.error_message for r in runs],
                    [r.entity_type for r in runs],
                    *([cell(r.context.get(f)) for r in runs] for f in fields),
                ]
            )
        kids.close()
    except BaseException:
        kids.abandon()
        raise
    return kids


def write_outputs(
    engine: Engine,
    submission_id: uuid.UUID,
    out: Path,
    *,
    input_fields: Sequence[str],
    fan_out_fields: set[str],
    children_file: bool,
    join: InputJoin | None = None,
    page_rows: int = PAGE_ROWS,
) -> Written:
    """Write the main file (the input enriched when `join` is given) and the children file, if asked."""
    with engine.connect() as conn:
        keys = results.context_keys(conn=conn, submission_id=submission_id, roots=True)
        fields = context_columns(keys, input_fields, fan_out_fields)
        if join is not None and results.has_unkeyed_roots(conn=conn, submission_id=submission_id):
            join = None  # runs that name no input row cannot be joined to one
        unjoined, invalid = None, 0
        if join is not None:
            try:
                writer, prefix, key, invalid = _write_joined(
                    conn, submission_id, out, join, fields, page_rows
                )
            except OutputError as exc:  # the input no longer matches its submission
                join, unjoined = None, str(exc)
        if join is None:
            writer, prefix, key = _write_runs(conn, submission_id, out, fields, page_rows)
        kids = None
        if children_file:
            kids = _write_children(conn, submission_id, out, prefix, key, input_fields, fan_out_fields)
    return Written(
        out,
        writer.rows,
        kids.path if kids is not None else None,
        kids.rows if kids is not None else 0,
        joined=join is not None,
        unjoined=unjoined,
        invalid=invalid,
    )
