"""Entity state: identity against stored rows, the additive bulk upsert, and fresh-entity lookups.

Merge rules (CONTRACTS §6, with the null-handling flaw fixed): a non-null incoming value overwrites,
a null keeps; `source_providers` is the ordered union; `canonical_payload` is the stored payload
overlaid with the incoming one; `record_version` starts at 1 and bumps only when a column, the
providers or the payload really change. A row that changes nothing keeps its data, version and
`updated_at`; only its `last_enriched_at` moves (it was enriched again, and found the same).

Concurrent writers: ids are resolved by natural key before writing, and a new entity's id is the
UUIDv5 of its strongest natural key, so two writers meeting the same new company compute the same id
and collide on the primary key, which `ON CONFLICT (org_id, entity_id)` turns into a merge. Rows are
written in key order, so overlapping batches lock rows in the same order and cannot deadlock. The one
race left (another writer gives an existing row this batch's LinkedIn URL or domain between our
lookup and our write) surfaces as a unique violation on the partial natural-key index; the write is
then rolled back to a savepoint, the ids are resolved again (now seeing the other writer's row), and
it is retried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, NamedTuple
from uuid import UUID

import orjson
import polars as pl
from psycopg import errors as pg_errors
from sqlalchemy import Connection, Table, text
from sqlalchemy.exc import IntegrityError

from store.bulk import Rows, upsert_rows
from store.tables import company_entities, person_entities

EntityType = Literal["company", "person"]
# The id a record takes when no stored row matches it (the engine's UUIDv5 of its natural key).
NewId = Callable[[Mapping[str, Any]], UUID]
# A lookup's normalized (strong, weak) keys: company (domain, LinkedIn page), person (profile, email).
IdentityKeys = tuple[str | None, str | None]

TABLES: dict[str, Table] = {"company": company_entities, "person": person_entities}
# The partial unique indexes on natural keys: the only unique violations a merge can meet.
NATURAL_KEY_INDEXES = {"ux_company_entities_org_domain", "ux_person_entities_org_linkedin"}
# Written by the upsert itself rather than merged from the incoming row.
_BOOKKEEPING = {"org_id", "entity_id", "created_at", "updated_at", "last_enriched_at", "record_version"}
_JSON_COLUMNS = ("source_providers", "canonical_payload")
_TRACE_COLUMNS = ("last_operation_id", "last_run_id")
MAX_ATTEMPTS = 3


class EntityChange(NamedTuple):
    """What one upserted row became: its id and version, and whether it was created or changed."""

    entity_id: UUID
    record_version: int
    created: bool
    changed: bool


def _table(entity_type: str) -> Table:
    if entity_type not in TABLES:
        raise ValueError(f"unknown entity type {entity_type!r}")
    return TABLES[entity_type]


def data_columns(entity_type: EntityType) -> list[str]:
    """Return the columns merged by value (non-null overwrites): the entity fields and company_id."""
    skip = _BOOKKEEPING | set(_JSON_COLUMNS) | set(_TRACE_COLUMNS)
    return [c.name for c in _table(entity_type).columns if c.name not in skip]


# --- identity -----------------------------------------------------------------------------------

_MATCH_SQL = {
    # Which key matched, its value, the row's id and the row's primary key (for a secondary match:
    # may this record take the row over?), oldest rows first.
    "company": """
        SELECT 'primary' AS kind, canonical_domain AS value, entity_id, linkedin_url AS other, created_at
          FROM company_entities WHERE org_id = :org_id AND canonical_domain = ANY(:primary)
        UNION ALL
        SELECT 'secondary', linkedin_url, entity_id, canonical_domain, created_at
          FROM company_entities WHERE org_id = :org_id AND linkedin_url = ANY(:secondary)
        ORDER BY created_at, entity_id
    """,
    "person": """
        SELECT 'primary' AS kind, linkedin_url AS value, entity_id, work_email AS other, created_at
          FROM person_entities WHERE org_id = :org_id AND linkedin_url = ANY(:primary)
        UNION ALL
        SELECT 'secondary', work_email, entity_id, linkedin_url, created_at
          FROM person_entities WHERE org_id = :org_id AND work_email = ANY(:secondary)
        ORDER BY created_at, entity_id
    """,
}
# Per entity type: (unique natural-key column, secondary match column).
_MATCH_COLUMNS = {"company": ("canonical_domain", "linkedin_url"), "person": ("linkedin_url", "work_email")}


def resolve_entity_ids(
    *,
    conn: Connection,
    org_id: UUID,
    entity_type: EntityType,
    records: Sequence[Mapping[str, Any]],
    new_id: NewId,
) -> list[UUID]:
    """Return each record's entity id (one query per batch): a stored match's id, else new_id(record)."""
    _table(entity_type)
    primary_column, secondary_column = _MATCH_COLUMNS[entity_type]
    primary = sorted({r[primary_column] for r in records if r.get(primary_column)})
    secondary = sorted({r[secondary_column] for r in records if r.get(secondary_column)})
    by_primary: dict[str, UUID] = {}
    by_secondary: dict[str, list[tuple[UUID, str | None]]] = {}
    if primary or secondary:
        params = {"org_id": org_id, "primary": primary, "secondary": secondary}
        for kind, value, found_id, other, _ in conn.execute(text(_MATCH_SQL[entity_type]), params):
            if kind == "primary":
                by_primary.setdefault(value, found_id)
            else:
                by_secondary.setdefault(value, []).append((found_id, other))
    ids: list[UUID] = []
    matched: set[UUID] = set()
    for record in records:
        key, second = record.get(primary_column), record.get(secondary_column)
        found = by_primary.get(key) if key else None
        if found is None and second:
            # A row found by the weaker key is the same entity only if its strong key does not
            # contradict ours: a person stored by email alone may gain a LinkedIn URL, but a row
            # holding another LinkedIn URL is somebody else.
            found = next((i for i, other in by_secondary.get(second, []) if other is None or not key), None)
        if found is not None:
            matched.add(found)
        ids.append(found if found is not None else new_id(record))
    return _one_id_per_unique_key(records, ids, primary_column, matched)


def _one_id_per_unique_key(
    records: Sequence[Mapping[str, Any]], ids: list[UUID], column: str, matched: set[UUID]
) -> list[UUID]:
    """Give every record sharing a unique natural key the same id (a stored row's, when one matched).

    Records with one domain (or person LinkedIn URL) can otherwise reach different ids within one
    batch — one through a stored row found by its secondary key, one through its own UUIDv5 — and
    the partial unique index would refuse the second.
    """
    owner: dict[str, UUID] = {}
    for record, current in zip(records, ids, strict=True):
        key = record.get(column)
        if key and (key not in owner or (current in matched and owner[key] not in matched)):
            owner[key] = current
    return [owner.get(r.get(column) or "", i) for r, i in zip(records, ids, strict=True)]


# --- upsert --------------------------------------------------------------------------------------


def _merge_into(target: dict[str, Any], row: Mapping[str, Any]) -> None:
    for column, value in row.items():
        if column == "source_providers":
            target[column] = list(dict.fromkeys([*(target.get(column) or []), *(value or [])]))
        elif column == "canonical_payload":
            target[column] = {**(target.get(column) or {}), **(value or {})}
        elif value is not None:
            target[column] = value


def _collapse(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return one row per entity_id, later rows' non-null values winning, providers and payload merged."""
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = str(row["entity_id"])
        if key in merged:
            _merge_into(merged[key], row)
        else:
            merged[key] = dict(row)
    for row in merged.values():
        row["source_providers"] = row.get("source_providers") or []
        row["canonical_payload"] = row.get("canonical_payload") or {}
    return list(merged.values())


def _frame_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    rows = frame.to_dicts()
    for row in rows:
        for column in _JSON_COLUMNS:
            if isinstance(row.get(column), str):
                row[column] = orjson.loads(row[column])
    return rows


def _prepare(rows: Rows, ids: Sequence[UUID]) -> Rows:
    """Return the rows with one row per entity and providers/payload never null."""
    if isinstance(rows, pl.DataFrame):
        if len(set(ids)) < len(ids):
            return _collapse(_frame_rows(rows))
        fill = {"source_providers": "[]", "canonical_payload": "{}"}
        for column, empty in fill.items():
            if column not in rows.columns:
                rows = rows.with_columns(pl.lit(empty).alias(column))
            elif rows.schema[column] == pl.String:
                rows = rows.with_columns(pl.col(column).fill_null(empty))
        return rows
    # The common case (distinct ids, complete rows) is passed through without copying a row.
    complete = all(
        r.get("source_providers") is not None and r.get("canonical_payload") is not None for r in rows
    )
    return rows if complete and len(set(ids)) == len(ids) else _collapse(rows)


def _statement_parts(entity_type: EntityType) -> tuple[list[str], dict[str, str], dict[str, str], str]:
    values = data_columns(entity_type)
    columns = ["entity_id", *values, *_TRACE_COLUMNS, *_JSON_COLUMNS]
    computed = {"last_enriched_at": "now()", "updated_at": "now()"}
    new_providers = (
        "(SELECT coalesce(jsonb_agg(p.value ORDER BY p.ordinality), '[]'::jsonb) "
        "FROM jsonb_array_elements(excluded.source_providers) WITH ORDINALITY AS p "
        "WHERE NOT t.source_providers @> jsonb_build_array(p.value))"
    )
    update_set = {
        "source_providers": (
            "CASE WHEN t.source_providers @> excluded.source_providers THEN t.source_providers "
            f"ELSE t.source_providers || {new_providers} END"
        ),
        "canonical_payload": "t.canonical_payload || excluded.canonical_payload",
        "record_version": "t.record_version + 1",
    }
    # A real change: a column gains a different non-null value, a provider is new, the payload moves.
    # The trace columns (last_operation_id, last_run_id) alone are not a change.
    changed = [f"(excluded.{c} IS NOT NULL AND excluded.{c} IS DISTINCT FROM t.{c})" for c in values]
    changed.append("NOT t.source_providers @> excluded.source_providers")
    changed.append("t.canonical_payload || excluded.canonical_payload <> t.canonical_payload")
    return columns, computed, update_set, " OR ".join(changed)


def _write(conn: Connection, org_id: UUID, entity_type: EntityType, rows: Rows) -> dict[UUID, EntityChange]:
    table = _table(entity_type)
    columns, computed, update_set, changed_when = _statement_parts(entity_type)
    written = upsert_rows(
        conn=conn,
        table_name=table.name,
        columns=columns,
        rows=rows,
        key_columns=("org_id", "entity_id"),
        constants={"org_id": org_id},
        computed=computed,
        update_set=update_set,
        changed_when=changed_when,
        returning=("t.entity_id", "t.record_version", "t.xmax = 0"),
        keys_unique=True,
    )
    changes = {row[0]: EntityChange(row[0], row[1], row[2], True) for row in written}
    if len(changes) < len(rows):
        # Rows whose data did not change keep their version and updated_at, but they were enriched
        # just now: last_enriched_at says so, which is what skip_if_fresh asks.
        ids = rows["entity_id"] if isinstance(rows, pl.DataFrame) else (r["entity_id"] for r in rows)
        unchanged = sorted({_uuid(i) for i in ids} - changes.keys())
        query = text(
            f"UPDATE {table.name} SET last_enriched_at = now() "
            "WHERE org_id = :org_id AND entity_id = ANY(:ids) RETURNING entity_id, record_version"
        )
        for found_id, version in conn.execute(query, {"org_id": org_id, "ids": unchanged}):
            changes[found_id] = EntityChange(found_id, version, False, False)
    return changes


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _lost_key_race(exc: Exception) -> bool:
    """Tell whether exc is a unique violation on a natural-key index (another writer took the key)."""
    orig = exc.orig if isinstance(exc, IntegrityError) else exc
    constraint = getattr(getattr(orig, "diag", None), "constraint_name", None)
    return isinstance(orig, pg_errors.UniqueViolation) and constraint in NATURAL_KEY_INDEXES


def upsert_entities(
    *, conn: Connection, org_id: UUID, entity_type: EntityType, rows: Rows, new_id: NewId | None = None
) -> list[EntityChange]:
    """Merge rows (records plus entity_id, company_id, last_operation_id, last_run_id) into state.

    `new_id` lets a write that lost a natural key to a concurrent writer resolve its ids again;
    without it that race is raised.

    Returns one EntityChange per input row, in input order (rows that collapsed share one).
    Duplicate entity ids within the batch are merged first, later rows' non-null values winning.
    Rows may be dicts (JSON columns as Python values) or a DataFrame (ids and JSON columns as text).
    """
    if len(rows) == 0:
        return []
    source = rows["entity_id"] if isinstance(rows, pl.DataFrame) else (r["entity_id"] for r in rows)
    ids = [_uuid(i) for i in source]
    prepared = _prepare(rows, ids)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with conn.begin_nested():
                changes = _write(conn, org_id, entity_type, prepared)
            break
        except (IntegrityError, pg_errors.UniqueViolation) as exc:
            if not _lost_key_race(exc) or attempt == MAX_ATTEMPTS or new_id is None:
                raise
            # Another writer took one of our natural keys meanwhile: resolve again, now seeing it.
            records = _frame_rows(rows) if isinstance(rows, pl.DataFrame) else [dict(r) for r in rows]
            ids = resolve_entity_ids(
                conn=conn, org_id=org_id, entity_type=entity_type, records=records, new_id=new_id
            )
            rows = [{**r, "entity_id": i} for r, i in zip(records, ids, strict=True)]
            prepared = _prepare(rows, ids)
    return [changes[i] for i in ids]


# --- fresh-entity lookup (skip_if_fresh) ---------------------------------------------------------


def find_fresh_entities(
    *,
    conn: Connection,
    org_id: UUID,
    entity_type: EntityType,
    keys: Sequence[IdentityKeys],
    max_age_hours: float,
) -> list[dict[str, Any] | None]:
    """Return, per keys, the stored entity row if enriched within max_age_hours, else None (one query).

    The entity is the row matched by the strongest key given (company: domain, then LinkedIn; person:
    LinkedIn, then email; keys as normalized by the engine); a stale match is not replaced by a
    fresher row found by a weaker key. Each row carries an extra `age_hours`.
    """
    table = _table(entity_type)
    results: list[dict[str, Any] | None] = [None] * len(keys)
    if not any(p or s for p, s in keys) or max_age_hours <= 0:
        return results
    primary_column, secondary_column = _MATCH_COLUMNS[entity_type]
    query = text(
        f"""
        SELECT q.position, m.*, extract(epoch FROM now() - m.last_enriched_at) / 3600.0 AS age_hours
          FROM unnest(CAST(:primary AS text[]), CAST(:secondary AS text[])) WITH ORDINALITY
               AS q(primary_key, secondary_key, position)
         CROSS JOIN LATERAL (
               SELECT * FROM (
                   SELECT e.*, 0 AS match_rank FROM {table.name} e
                    WHERE e.org_id = :org_id AND e.{primary_column} = q.primary_key
                   UNION ALL
                   SELECT e.*, 1 FROM {table.name} e
                    WHERE e.org_id = :org_id AND e.{secondary_column} = q.secondary_key
               ) candidates
                ORDER BY match_rank, last_enriched_at DESC NULLS LAST, entity_id
                LIMIT 1
         ) m
         WHERE m.last_enriched_at >= now() - CAST(:max_age_hours AS double precision) * interval '1 hour'
        """
    )
    params = {
        "org_id": org_id,
        "primary": [p for p, _ in keys],
        "secondary": [s for _, s in keys],
        "max_age_hours": float(max_age_hours),
    }
    for row in conn.execute(query, params):
        found = dict(row._mapping)
        position = found.pop("position")
        found.pop("match_rank")
        found["age_hours"] = float(found["age_hours"])
        results[position - 1] = found
    return results


def find_fresh_entity(
    *,
    conn: Connection,
    org_id: UUID,
    entity_type: EntityType,
    keys: IdentityKeys,
    max_age_hours: float,
) -> dict[str, Any] | None:
    """Return the stored entity matching keys if enriched within max_age_hours (see the batch form)."""
    found = find_fresh_entities(
        conn=conn, org_id=org_id, entity_type=entity_type, keys=[keys], max_age_hours=max_age_hours
    )
    return found[0]
