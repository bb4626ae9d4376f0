"""Tabular input: CSV or Parquet files read in batches, columns mapped to canonical inputs, rows checked.

Used by `dex enrich` and by the file upload of /api/v1/batch/submit. A file never sits whole in
memory: it is read `batch_rows` at a time. Headers map to canonical fields automatically by common
names (`Domain`, `Website`, `Company Name`, `LinkedIn`, `Email`, …), or explicitly (`--map col=field`).
Each row becomes an entity input with clean values; a row that cannot become one is reported with
its line number (1-based, the header being line 1 for CSV), column and reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import polars as pl
import pyarrow.parquet as pq

from operations.inputs import clean_text, normalize_domain, normalize_email, normalize_linkedin_url

FileFormat = Literal["csv", "parquet"]
DEFAULT_BATCH_ROWS = 50_000

# Canonical input -> the header spellings that mean it (compared lower-cased, without punctuation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "company_domain": ("company_domain", "domain", "company domain", "website domain", "root domain"),
    "company_website": ("company_website", "website", "company website", "url", "web", "homepage", "site"),
    "company_name": (
        "company_name",
        "company",
        "company name",
        "account",
        "account name",
        "organization",
        "name",
    ),
    "company_linkedin_url": (
        "company_linkedin_url",
        "company linkedin",
        "company linkedin url",
        "linkedin company",
    ),
    "linkedin_url": (
        "linkedin_url",
        "linkedin",
        "linkedin url",
        "person linkedin",
        "profile url",
        "linkedin profile",
    ),
    "full_name": ("full_name", "full name", "contact name", "person name", "contact"),
    "first_name": ("first_name", "first name", "firstname", "given name"),
    "last_name": ("last_name", "last name", "lastname", "surname", "family name"),
    "email": ("email", "email address", "e-mail", "mail"),
    "work_email": ("work_email", "work email", "business email"),
    "job_title": ("job_title", "title", "job title", "position", "role"),
    "location": ("location", "country", "region", "city"),
}
KNOWN_FIELDS = frozenset(SYNONYMS)
_CLEANERS = {
    "company_domain": normalize_domain,
    "company_website": lambda v: normalize_domain(v) and v.strip(),
    "company_linkedin_url": lambda v: normalize_linkedin_url(v, "company"),
    "linkedin_url": lambda v: normalize_linkedin_url(v, "in"),
    "email": normalize_email,
    "work_email": normalize_email,
}


class IngestError(ValueError):
    """The file as a whole cannot be read or mapped (not a single bad row)."""


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()


@dataclass(frozen=True)
class ColumnMapping:
    """Which file column feeds which canonical input."""

    columns: dict[str, str]  # file column -> canonical field
    unmapped: tuple[str, ...] = ()

    @property
    def fields(self) -> set[str]:
        return set(self.columns.values())

    def describe(self) -> list[str]:
        """Return `column -> field` lines for a report."""
        return [f"{column} -> {canonical}" for column, canonical in self.columns.items()]


def parse_map_options(options: Sequence[str]) -> dict[str, str]:
    """Parse `--map column=field` options."""
    mapping: dict[str, str] = {}
    for option in options:
        column, sep, canonical = option.partition("=")
        if not sep or not column.strip() or not canonical.strip():
            raise IngestError(f"--map expects column=field, got {option!r}")
        mapping[column.strip()] = canonical.strip()
    return mapping


def map_columns(headers: Sequence[str], explicit: Mapping[str, str] | None = None) -> ColumnMapping:
    """Map headers to canonical fields: explicit pairs first, then common names; each field used once."""
    explicit = dict(explicit or {})
    unknown_columns = sorted(set(explicit) - set(headers))
    if unknown_columns:
        raise IngestError(f"--map names columns the file does not have: {', '.join(unknown_columns)}")
    unknown_fields = sorted(set(explicit.values()) - KNOWN_FIELDS)
    if unknown_fields:
        known = ", ".join(sorted(KNOWN_FIELDS))
        raise IngestError(f"--map names unknown fields: {', '.join(unknown_fields)} (known: {known})")
    columns: dict[str, str] = dict(explicit)
    taken = set(explicit.values())
    for header in headers:
        if header in columns:
            continue
        key = _key(header)
        for canonical, names in SYNONYMS.items():
            if canonical not in taken and key in {_key(n) for n in names}:
                columns[header] = canonical
                taken.add(canonical)
                break
    if not columns:
        raise IngestError(
            f"no column maps to a known input ({', '.join(sorted(KNOWN_FIELDS))}); use --map column=field"
        )
    return ColumnMapping(columns, tuple(h for h in headers if h not in columns))


def detect_format(name: str) -> FileFormat:
    """Return the format a file name implies (.csv, .parquet/.pq)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise IngestError(f"{name}: expected a .csv or .parquet file")


def read_headers(source: str | Path | IO[bytes], fmt: FileFormat) -> list[str]:
    """Return the file's column names."""
    try:
        if fmt == "parquet":
            return list(pq.ParquetFile(source).schema_arrow.names)
        return list(pl.read_csv(source, n_rows=0, infer_schema=False).columns)
    except Exception as exc:
        raise IngestError(f"cannot read the file's header: {exc}") from exc


def read_batches(
    source: str | Path | IO[bytes], fmt: FileFormat, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[pl.DataFrame]:
    """Yield the file as string-typed frames of at most batch_rows rows, without loading it whole."""
    try:
        if fmt == "parquet":
            parquet = pq.ParquetFile(source)
            for batch in parquet.iter_batches(batch_size=batch_rows):
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                yield frame.select(pl.all().cast(pl.String))
            return
        # Streaming: polars reads the file in pieces, never all of it at once.
        yield from pl.scan_csv(source, infer_schema=False).collect_batches(chunk_size=batch_rows)
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(f"cannot read the file: {exc}") from exc


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row cannot be used."""

    line: int
    column: str | None
    reason: str

    def as_detail(self) -> dict[str, Any]:
        """Return the problem as an API error detail."""
        return {
            "field": f"line {self.line}" + (f".{self.column}" if self.column else ""),
            "message": self.reason,
            "line": self.line,
            "column": self.column,
        }


@dataclass
class Rows:
    """A batch turned into entity inputs, and the problems of the rows that could not be."""

    entities: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def to_entities(frame: pl.DataFrame, mapping: ColumnMapping, first_line: int) -> Rows:
    """Turn a batch into entity inputs; first_line is the file line of the batch's first row."""
    rows = Rows()
    reverse = {canonical: column for column, canonical in mapping.columns.items()}
    for offset, record in enumerate(frame.select(list(mapping.columns)).iter_rows(named=True)):
        line = first_line + offset
        entity: dict[str, Any] = {}
        bad: list[RowProblem] = []
        for column, canonical in mapping.columns.items():
            raw = record.get(column)
            if raw is None or not str(raw).strip():
                continue
            cleaner = _CLEANERS.get(canonical)
            value = cleaner(str(raw)) if cleaner else clean_text(str(raw))
            if value is None:
                bad.append(
                    RowProblem(line, column, f"not a valid {canonical.replace('_', ' ')}: {str(raw)[:80]!r}")
                )
            else:
                entity[canonical] = value
        if "company_website" in entity and "company_domain" not in entity:
            entity["company_domain"] = normalize_domain(entity["company_website"])
        if bad:
            rows.problems += bad
        elif not entity:
            rows.problems.append(
                RowProblem(line, None, f"empty row: none of {', '.join(reverse.values())} has a value")
            )
        else:
            rows.entities.append(entity)
            rows.lines.append(line)
    return rows
