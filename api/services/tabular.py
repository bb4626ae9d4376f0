"""Input files as records: sniffed and checked once (`open_input`), then read in batches (`read_records`).

Delimited text (.csv, .tsv, .txt), Excel (.xlsx) and Parquet (.parquet, .pq) all come out the same:
string-typed frames of every column with each record's number (`input_row`, from 1, the header not
counted) and the physical line it starts on (the header being line 1 of a text file; the sheet row
of a workbook; the record number for Parquet, which has no lines). A file never sits whole in
memory. A file that cannot be used as a whole is refused by one IngestError that says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from api.services import delimited, spreadsheet
from api.services.ingest_errors import IngestError

InputFormat = Literal["csv", "xlsx", "parquet"]
DEFAULT_BATCH_ROWS = 50_000
SUFFIXES: dict[str, InputFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_FORMATS_TEXT = ".csv, .tsv, .txt, .xlsx or .parquet"


@dataclass(frozen=True)
class InputFile:
    """An input file, sniffed and checked: how to read it, and its column names."""

    path: Path
    format: InputFormat  # "csv" covers every delimited text
    encoding: str | None  # the text's encoding, detected or given (None for xlsx and parquet)
    delimiter: str | None
    sheet: str | None
    headers: tuple[str, ...]  # the file's column names, in order


@dataclass
class RecordBatch:
    """Consecutive records of an input file."""

    frame: pl.DataFrame  # every input column as pl.String, values as in the file (empty -> null)
    first_record: int  # input_row of the frame's first row (1-based; the rows follow on)
    lines: list[int]  # the physical line each row starts on


def input_format(name: str) -> InputFormat:
    """Return the format a file name implies; refuse an extension that is not read."""
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if suffix == ".xls":
        raise IngestError(f"{name}: an .xls workbook (Excel 97-2003) is not read; save it as .xlsx or CSV")
    raise IngestError(f"{name}: expected a {_FORMATS_TEXT} file")


def open_input(
    path: Path, *, encoding: str | None = None, sheet: str | None = None, format: InputFormat | None = None
) -> InputFile:
    """Sniff and check an input file (format from its name unless given); refuse one that cannot be read."""
    fmt = format or input_format(path.name)
    if encoding is not None and fmt != "csv":
        raise IngestError(f"an encoding is given only for delimited text, not for {fmt} files")
    if sheet is not None and fmt != "xlsx":
        raise IngestError("a sheet is named only for an .xlsx workbook")
    _check_readable(path)
    if fmt == "csv":
        preferred = "\t" if path.suffix.lower() == ".tsv" else ","
        codec, delimiter = delimited.sniff(path, encoding=encoding, preferred=preferred)
        source = InputFile(path, fmt, codec, delimiter, None, ())
    elif fmt == "xlsx":
        source = InputFile(path, fmt, None, None, spreadsheet.sheet_name(path, sheet), ())
    else:
        return _open_parquet(path)
    raw = _raw_batches(source, batch_rows=1)
    try:
        header = next(raw, None)
        if header is None:
            raise IngestError("the file is empty" if fmt == "csv" else f"sheet {source.sheet!r} is empty")
        columns = _Columns.of(header[1][0], leading=fmt == "xlsx")
        if next(raw, None) is None:
            raise IngestError("the file has a header but no data rows")
    finally:
        raw.close()
    return InputFile(path, fmt, source.encoding, source.delimiter, source.sheet, columns.names)


def read_records(source: InputFile, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[RecordBatch]:
    """Yield the file's records in batches of at most batch_rows, every column as text."""
    if source.format == "parquet":
        record = 1
        for batch in read_typed(source, batch_rows):
            frame = _text_frame(batch)
            yield RecordBatch(frame, record, list(range(record, record + frame.height)))
            record += frame.height
        return
    raw = _raw_batches(source, batch_rows)
    try:
        header = next(raw, None)
        if header is None:
            raise IngestError("the file is empty")
        columns = _Columns.of(header[1][0], leading=source.format == "xlsx")
        if columns.names != source.headers:
            raise IngestError("the file's header changed since it was opened")
        record = 1
        for lines, rows in raw:
            yield RecordBatch(_frame(columns.names, columns.fit_all(rows, lines)), record, lines)
            record += len(rows)
    finally:
        raw.close()


def read_typed(source: InputFile, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Yield a Parquet input's batches with their own Arrow types (for an output that keeps them)."""
    if source.format != "parquet":
        raise IngestError(f"only a Parquet input has typed columns, not a {source.format} file")
    try:
        yield from pq.ParquetFile(source.path).iter_batches(batch_size=batch_rows)
    except (OSError, pa.ArrowException) as exc:
        raise IngestError(f"cannot read the Parquet file: {exc}") from None


def _check_readable(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            empty = not handle.read(1)
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise IngestError(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from None
    if empty:
        raise IngestError("the file is empty")


def _open_parquet(path: Path) -> InputFile:
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise IngestError(f"the file is not a readable Parquet file: {exc}") from None
    headers = tuple(parquet.schema_arrow.names)
    _refuse_duplicates(headers)
    if parquet.metadata.num_rows == 0:
        raise IngestError("the file has a header but no data rows")
    return InputFile(path, "parquet", None, None, None, headers)


_Batch = tuple[list[int], Sequence[Sequence[str | None]]]  # lines, and the raw fields of each record


def _raw_batches(source: InputFile, batch_rows: int) -> Generator[_Batch, None, None]:
    """Yield the header alone, then the records in batches of at most batch_rows."""
    if source.format == "xlsx":
        assert source.sheet is not None
        rows = spreadsheet.rows(source.path, source.sheet)
        try:
            yield from _batched(rows, batch_rows)
        finally:
            rows.close()
        return
    assert source.encoding is not None and source.delimiter is not None
    yield from delimited.record_batches(
        source.path, encoding=source.encoding, delimiter=source.delimiter, batch_rows=batch_rows
    )


def _batched(rows: Iterator[tuple[int, list[str | None]]], batch_rows: int) -> Iterator[_Batch]:
    header = next(rows, None)
    if header is None:
        return
    yield [header[0]], [header[1]]
    while chunk := list(islice(rows, batch_rows)):
        yield [line for line, _ in chunk], [fields for _, fields in chunk]


@dataclass(frozen=True)
class _Columns:
    """Where the named columns sit in a raw record: positions [start, stop), names."""

    names: tuple[str, ...]
    start: int
    stop: int

    @classmethod
    def of(cls, cells: Sequence[str | None], *, leading: bool) -> _Columns:
        """Name a header's columns; unnamed ones at its end (a trailing delimiter), or start, drop out."""
        cells = [c.lstrip("\ufeff") if c and i == 0 else c for i, c in enumerate(cells)]
        named = [i for i, c in enumerate(cells) if c is not None and c.strip()]
        if not named:
            raise IngestError("the header row names no column")
        start, stop = (named[0] if leading else 0), named[-1] + 1
        names = tuple(
            c if c is not None and c.strip() else f"column_{i + 1}"
            for i, c in enumerate(cells[start:stop], start=start)
        )
        _refuse_duplicates(names)
        return cls(names, start, stop)

    def fit_all(
        self, rows: Sequence[Sequence[str | None]], lines: list[int]
    ) -> Sequence[Sequence[str | None]]:
        """Return the records' values under the named columns (see `fit`)."""
        if self.start == 0 and all(len(fields) == self.stop for fields in rows):
            return rows
        return [self.fit(fields, line) for fields, line in zip(rows, lines, strict=True)]

    def fit(self, fields: Sequence[str | None], line: int) -> Sequence[str | None]:
        """Return a record's values under the named columns (missing ones null; refuse any beyond them)."""
        if self.start == 0 and len(fields) == self.stop:
            return fields
        beyond = [*fields[: self.start], *fields[self.stop :]]
        if any(v is not None and v.strip() for v in beyond):
            raise IngestError(
                f"line {line}: a value outside the {len(self.names)} named columns "
                "(an unquoted delimiter inside a value?)"
            )
        values = fields[self.start : self.stop]
        missing = len(self.names) - len(values)
        return [*values, *([None] * missing)] if missing else values


def _refuse_duplicates(names: Sequence[str]) -> None:
    positions: dict[str, list[int]] = defaultdict(list)
    for position, name in enumerate(names, start=1):
        positions[name].append(position)
    repeated = [(n, p) for n, p in positions.items() if len(p) > 1]
    if repeated:
        described = "; ".join(
            f"{name!r} (columns {', '.join(map(str, at[:-1]))} and {at[-1]})" for name, at in repeated
        )
        raise IngestError(f"duplicate column names: {described}; rename them so each is unique")


def _frame(names: tuple[str, ...], values: Sequence[Sequence[str | None]]) -> pl.DataFrame:
    frame = pl.DataFrame(values, schema=dict.fromkeys(names, pl.String), orient="row")
    # An empty field is no value, as an empty cell of a workbook.
    return frame.with_columns(pl.all().replace("", None))


def _text_frame(batch: pa.RecordBatch) -> pl.DataFrame:
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    try:
        return frame.select(pl.all().cast(pl.String))
    except pl.exceptions.PolarsError as exc:
        raise IngestError(f"a Parquet column cannot be read as text: {exc}") from None
