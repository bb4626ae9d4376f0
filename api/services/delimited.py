"""Delimited text files (comma, semicolon, tab or pipe separated): their encoding, delimiter and records.

The encoding is a byte-order mark's; else UTF-8 when the first megabyte decodes as UTF-8; else
Windows-1252, which is what Excel and most CRMs on Windows write. The delimiter is the candidate that
splits the header into several columns and the records after it into as many (quotes respected).
Records stream through Python's `csv` module; each comes with the physical line it starts on, which
a quoted field holding line breaks moves past its record number.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator
from itertools import islice
from pathlib import Path

from api.services.ingest_errors import IngestError

SAMPLE_BYTES = 1 << 20
SNIFF_RECORDS = 50
DELIMITERS = (",", ";", "\t", "|")
READ_CHUNK = 1 << 20
# UTF-32's marks first: UTF-32 LE's starts with UTF-16 LE's. The codecs are explicit about byte
# order, so that a decoding error can be placed from any point of the file.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook saved under another name?)"),
    (b"PAR1", "a Parquet file (name it .parquet)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook or another Office file (save it as .xlsx or CSV)"),
)
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\f", "\v"}
ENCODING_ADVICE = "give the file's encoding with --encoding (e.g. cp1252, utf-16)"


def sniff(path: Path, *, encoding: str | None, preferred: str = ",") -> tuple[str, str]:
    """Return (encoding, delimiter) of a text file; refuse a file that is not delimited text."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES + 1)
    complete = len(sample) <= SAMPLE_BYTES
    sample = sample[:SAMPLE_BYTES]
    for magic, what in _BINARY_MAGIC:
        if sample.startswith(magic):
            raise IngestError(f"the file is not text: it is {what}")
    codec = _given_codec(encoding, sample) if encoding else _detected_codec(sample, complete)
    wide = codec.startswith(("utf-16", "utf-32"))
    if not wide and b"\x00" in sample:
        hint = "" if encoding else " (UTF-16 without a byte-order mark? give --encoding utf-16-le)"
        raise IngestError(f"the file is not text: it holds NUL bytes{hint}")
    try:
        text = codecs.getincrementaldecoder(codec)().decode(sample, final=complete)
    except UnicodeDecodeError as exc:
        raise decoding_error(path, codec) from exc
    if "\x00" in text:
        raise IngestError("the file is not text: it holds NUL characters")
    if sum(text.count(c) for c in _CONTROL) > len(text) // 100:
        raise IngestError("the file is not text: it is mostly control characters")
    return codec, sniff_delimiter(text, complete=complete, preferred=preferred)


def _given_codec(encoding: str, sample: bytes) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise IngestError(f"unknown encoding {encoding!r}") from None
    if name == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return name


def _detected_codec(sample: bytes, complete: bool) -> str:
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec
    try:
        # Incremental, so that a character cut at the sample's end is no error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_delimiter(text: str, *, complete: bool, preferred: str = ",") -> str:
    """Return the delimiter that splits the header into several columns, and most records as the header."""
    order = (preferred, *(d for d in DELIMITERS if d != preferred))
    best: tuple[int, int, int] | None = None
    chosen = preferred
    for rank, delimiter in enumerate(order):
        parsed = (r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r)
        records = list(islice(parsed, SNIFF_RECORDS + 2))
        if len(records) == SNIFF_RECORDS + 2 or not complete:
            records = records[:-1]  # the sample may cut the last record
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        agreeing = sum(len(r) == width for r in records[1:])
        score = (agreeing, width, -rank)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def record_batches(
    path: Path, *, encoding: str, delimiter: str, batch_rows: int
) -> Generator[tuple[list[int], list[list[str]]], None, None]:
    """Yield (lines, fields): the header alone, then records in batches of at most batch_rows.

    A record's line is the physical line it starts on; a blank line is no record. The batches are
    built here, not from (line, fields) pairs: a million small tuples cost the collector seconds.
    """
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        # strict: a quote never closed is an error, not the rest of the file swallowed into one field.
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        line, size = 1, 1  # the header comes alone
        lines: list[int] = []
        rows: list[list[str]] = []
        try:
            for fields in reader:
                if fields:
                    lines.append(line)
                    rows.append(fields)
                    if len(rows) == size:
                        yield lines, rows
                        lines, rows, size = [], [], batch_rows
                line = reader.line_num + 1
        except UnicodeDecodeError:
            raise decoding_error(path, encoding) from None
        except csv.Error as exc:
            raise _parse_error(exc, line, reader.line_num) from None
    if rows:
        yield lines, rows


def _parse_error(exc: csv.Error, start: int, at: int) -> IngestError:
    reason = str(exc)
    if "unexpected end of data" in reason:
        return IngestError(f"line {start}: a quoted field is never closed")
    if "field larger than field limit" in reason:
        limit = csv.field_size_limit()
        return IngestError(f"line {start}: a field longer than {limit:,} characters (a quote never closed?)")
    if "expected after" in reason:
        return IngestError(
            f"line {at}: text after a closing quote (a quote inside a quoted field must be doubled)"
        )
    return IngestError(f"line {at}: {reason}")


def decoding_error(path: Path, encoding: str) -> IngestError:
    """Return the error for text that `encoding` cannot decode, naming the line of the first bad byte."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    decoder = codecs.getincrementaldecoder(codec)()
    lines, last = 1, ""
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = exc.object[exc.start : exc.end].hex(" ")
                lines += _line_breaks(last + exc.object[: exc.start].decode(codec)) - _line_breaks(last)
                return IngestError(
                    f"line {lines}: not valid {encoding} text (bytes {bad}); {ENCODING_ADVICE}"
                )
            lines += _line_breaks(last + text) - _line_breaks(last)
            last = text[-1:]
    return IngestError(f"the file is not valid {encoding} text; {ENCODING_ADVICE}")


def _line_breaks(text: str) -> int:
    # As the csv reader counts lines: \r\n, \n, or a lone \r ends one.
    return text.count("\n") + text.count("\r") - text.count("\r\n")
