"""Input files mapped to canonical inputs and checked row by row, for `dex enrich` and the file upload.

Reading lives in `api.services.tabular` (re-exported here): delimited text, .xlsx and Parquet, in
batches, each record with its number and physical line. Here headers map to canonical fields
automatically by the names CRMs export them under (HubSpot, Salesforce, Pipedrive, Apollo: `Company
Domain Name`, `Account Name`, `Organization - Website`, `Person Linkedin Url`, …), or explicitly
(`--map col=field`). Each record becomes an entity input with clean values; one that cannot is
reported with its line (and record number where they differ), column and reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.services.ingest_errors import IngestError
from api.services.tabular import (
    DEFAULT_BATCH_ROWS,
    InputFile,
    InputFormat,
    RecordBatch,
    input_format,
    open_input,
    read_records,
    read_typed,
)
from operations.inputs import (
    NotAWebsite,
    clean_text,
    normalize_email,
    normalize_linkedin_url,
    website_domain,
)

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "KNOWN_FIELDS",
    "ColumnMapping",
    "IngestError",
    "InputFile",
    "InputFormat",
    "RecordBatch",
    "RowProblem",
    "Rows",
    "input_format",
    "map_columns",
    "open_input",
    "parse_map_options",
    "read_records",
    "read_typed",
    "to_entities",
]

# Canonical input -> the header spellings that mean it, best first (compared lower-cased, without
# punctuation: `Organization - Name` is `organization name`). When several headers mean one field,
# the best spelling wins: Apollo's `Company` before its `Company Name for Emails`. A spelling means
# one field only; owner, id and notes columns mean none.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "company_domain": (
        "company_domain",
        "domain",
        "company domain",
        "company domain name",  # HubSpot
        "website domain",
        "root domain",
        "organization domain",
    ),
    "company_website": (
        "company_website",
        "website",  # Salesforce, Apollo
        "company website",
        "website url",  # HubSpot
        "organization website",  # Pipedrive
        "company url",
        "url",
        "web",
        "web site",
        "homepage",
        "site",
    ),
    "company_name": (
        "company_name",
        "company name",  # HubSpot
        "company",  # Apollo
        "account name",  # Salesforce
        "organization name",  # Pipedrive
        "person organization",  # Pipedrive's people: the person's organization
        "account",
        "organization",
        "organisation",
        "company name for emails",  # Apollo, beside its `Company`
        "name",
    ),
    "company_linkedin_url": (
        "company_linkedin_url",
        "company linkedin url",  # Apollo
        "company linkedin",
        "linkedin company page",  # HubSpot
        "company linkedin page",
        "linkedin company",
        "organization linkedin",
    ),
    "linkedin_url": (
        "linkedin_url",
        "linkedin url",  # HubSpot contacts
        "person linkedin url",  # Apollo
        "linkedin",
        "linkedin profile",
        "linkedin bio",  # HubSpot contacts
        "person linkedin",
        "profile url",
    ),
    "full_name": ("full_name", "full name", "person name", "contact name", "contact"),
    "first_name": ("first_name", "first name", "person first name", "firstname", "given name"),
    "last_name": ("last_name", "last name", "person last name", "lastname", "surname", "family name"),
    "email": ("email", "email address", "person email", "e-mail", "mail"),
    "work_email": ("work_email", "work email", "business email", "person email work"),
    "job_title": ("job_title", "job title", "title", "person job title", "position", "role"),
    "location": (
        "location",
        "country",
        "country region",  # HubSpot
        "mailing country",  # Salesforce contacts
        "billing country",  # Salesforce accounts
        "company country",
        "region",
        "city",
    ),
}
KNOWN_FIELDS = frozenset(SYNONYMS)


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()


# Header key -> (canonical field, rank of the spelling: lower is better).
_SPELLINGS: dict[str, tuple[str, int]] = {}
for _canonical, _names in SYNONYMS.items():
    for _rank, _name in enumerate(_names):
        _owner = _SPELLINGS.setdefault(_key(_name), (_canonical, _rank))[0]
        assert _owner == _canonical, f"{_name!r} means both {_owner} and {_canonical}"


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
    """Map headers to canonical fields: explicit pairs first, then the best-known spelling of each field."""
    explicit = dict(explicit or {})
    unknown_columns = sorted(set(explicit) - set(headers))
    if unknown_columns:
        raise IngestError(f"--map names columns the file does not have: {', '.join(unknown_columns)}")
    unknown_fields = sorted(set(explicit.values()) - KNOWN_FIELDS)
    if unknown_fields:
        known = ", ".join(sorted(KNOWN_FIELDS))
        raise IngestError(f"--map names unknown fields: {', '.join(unknown_fields)} (known: {known})")
    taken = set(explicit.values())
    best: dict[str, tuple[int, int]] = {}  # canonical -> (rank of the spelling, header position)
    for position, header in enumerate(headers):
        spelling = _SPELLINGS.get(_key(header))
        if header in explicit or spelling is None or spelling[0] in taken:
            continue
        canonical, rank = spelling
        if canonical not in best or (rank, position) < best[canonical]:
            best[canonical] = (rank, position)
    chosen = {headers[position]: canonical for canonical, (_, position) in best.items()}
    columns = {**explicit, **{h: chosen[h] for h in headers if h in chosen}}
    if not columns:
        raise IngestError(
            f"no column maps to a known input ({', '.join(sorted(KNOWN_FIELDS))}); use --map column=field"
        )
    return ColumnMapping(columns, tuple(h for h in headers if h not in columns))


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one record cannot be used: where it is (line and record number), which column, and why."""

    line: int  # the physical line the record starts on (its record number for Parquet)
    record: int  # its input_row: 1 for the first record after the header
    column: str | None
    reason: str

    def where(self) -> str:
        """Return `line N`, with the record number too when a multi-line field set the two apart."""
        if self.line == self.record:  # Parquet: no lines
            return f"record {self.record}"
        if self.line == self.record + 1:  # the header's line before it, and nothing else
            return f"line {self.line}"
        return f"line {self.line} (record {self.record})"

    def describe(self) -> str:
        """Return the problem as one line of a report."""
        column = f", column {self.column}" if self.column else ""
        return f"{self.where()}{column}: {self.reason}"

    def as_detail(self) -> dict[str, Any]:
        """Return the problem as an API error detail."""
        return {
            "field": f"line {self.line}" + (f".{self.column}" if self.column else ""),
            "message": self.reason,
            "line": self.line,
            "record": self.record,
            "column": self.column,
        }


@dataclass
class Rows:
    """A batch turned into entity inputs, and the problems of the records that could not be."""

    entities: list[dict[str, Any]] = field(default_factory=list)
    records: list[int] = field(default_factory=list)  # each entity's input_row
    lines: list[int] = field(default_factory=list)  # each entity's physical line
    problems: list[RowProblem] = field(default_factory=list)


def _shown(raw: str) -> str:
    return repr(raw[:80])


def _domain(canonical: str, raw: str) -> str:
    noun = "website" if canonical == "company_website" else "domain"
    try:
        return website_domain(raw)
    except NotAWebsite as exc:
        if exc.what is None:
            raise ValueError(f"not a valid company {noun}: {_shown(raw)}") from None
        raise ValueError(f"{exc.what}, not a {noun}: {_shown(raw)}") from None


def _valid(cleaner: Callable[[str], str | None], canonical: str) -> Callable[[str], str]:
    def clean(raw: str) -> str:
        value = cleaner(raw)
        if value is None:
            raise ValueError(f"not a valid {canonical.replace('_', ' ')}: {_shown(raw)}")
        return value

    return clean


# Canonical field -> its value from a file's text, or ValueError saying why the text is none.
_CLEANERS: dict[str, Callable[[str], str]] = {
    "company_domain": lambda raw: _domain("company_domain", raw),
    "company_linkedin_url": _valid(lambda v: normalize_linkedin_url(v, "company"), "company_linkedin_url"),
    "linkedin_url": _valid(lambda v: normalize_linkedin_url(v, "in"), "linkedin_url"),
    "email": _valid(normalize_email, "email"),
    "work_email": _valid(normalize_email, "work_email"),
}


def to_entities(batch: RecordBatch, mapping: ColumnMapping) -> Rows:
    """Turn a batch of records into entity inputs; name each bad record by line, record and column."""
    rows = Rows()
    columns = list(mapping.columns.items())
    cleaners = [_CLEANERS.get(canonical) or _valid(clean_text, canonical) for _, canonical in columns]
    for offset, values in enumerate(batch.frame.select([c for c, _ in columns]).iter_rows()):
        record, line = batch.first_record + offset, batch.lines[offset]
        entity: dict[str, Any] = {}
        bad: list[RowProblem] = []
        website_host = None
        for (column, canonical), clean, raw in zip(columns, cleaners, values, strict=True):
            if raw is None or not raw.strip():
                continue
            try:
                if canonical == "company_website":
                    # The website stays as written; its domain stands in for a missing domain column.
                    website_host = _domain(canonical, raw)
                    entity[canonical] = raw.strip()
                else:
                    entity[canonical] = clean(raw)
            except ValueError as exc:
                bad.append(RowProblem(line, record, column, str(exc)))
        if website_host is not None and "company_domain" not in entity:
            entity["company_domain"] = website_host
        if bad:
            rows.problems += bad
        elif not entity:
            names = ", ".join(column for column, _ in columns)
            rows.problems.append(RowProblem(line, record, None, f"empty row: none of {names} has a value"))
        else:
            rows.entities.append(entity)
            rows.records.append(record)
            rows.lines.append(line)
    return rows
