"""Bulk writes: COPY into a temporary staging table, then one INSERT … SELECT … ON CONFLICT per table.

Rows arrive as a list of dicts or a Polars DataFrame and reach PostgreSQL through psycopg 3's
`COPY … FROM STDIN`:

- dicts go as binary COPY rows (psycopg's C row encoder, JSON through orjson). Measured here on 100k
  entity rows it took a third of the time of building a DataFrame and sending CSV: the server parses
  no text, and the client skips a per-cell conversion pass.
- a DataFrame goes as CSV written by Polars in native code (no Python per row); JSON columns are JSON
  text in the frame, ids are text.

Every function takes the SQLAlchemy connection keyword-only and never commits: the caller owns the
transaction. Writers cannot deadlock each other on row locks because duplicate keys are collapsed
first and rows are written in key order (`ORDER BY` the conflict key), so two transactions touching
overlapping keys lock them in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from hashlib import sha1
from operator import methodcaller
from typing import Any, Literal
from uuid import UUID, uuid4

import orjson
import polars as pl
import psycopg
from psycopg.types.json import set_json_dumps
from sqlalchemy import Connection, text

Rows = pl.DataFrame | Sequence[Mapping[str, Any]]

COPY_SLICE_ROWS = 50_000
# From this many rows an upsert raises work_mem for its sort (a chunk's few hundred rows need not).
BIG_BATCH_ROWS = 10_000
# Enough for the ORDER BY of a large batch to sort in memory (pre-sorted input is then one pass).
SORT_WORK_MEM = "256MB"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    """Return name double-quoted, refusing anything but a plain lowercase SQL identifier."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


def _idents(names: Iterable[str]) -> str:
    return ", ".join(ident(n) for n in names)


def driver_connection(conn: Connection) -> psycopg.Connection[Any]:
    """Return the psycopg connection under conn, inside a transaction SQLAlchemy knows about."""
    # Work sent through the raw connection is invisible to SQLAlchemy: make sure a SQLAlchemy
    # transaction exists, so that the caller's commit() really commits it.
    if not conn.in_transaction():
        conn.begin()
    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError("bulk writes need the psycopg 3 driver (postgresql+psycopg)")
    return raw


# --- rows to the wire ----------------------------------------------------------------------------


def _json_text(value: Any) -> str | None:
    if isinstance(value, pl.Series):
        value = value.to_list()
    return None if value is None else orjson.dumps(value).decode()


def to_frame(rows: Rows, columns: Sequence[str]) -> pl.DataFrame:
    """Return rows as a DataFrame of exactly columns (missing ones null), ready for CSV COPY."""
    if not isinstance(rows, pl.DataFrame):
        data = {c: [_cell(row.get(c)) for row in rows] for c in columns}
        return pl.DataFrame({c: pl.Series(v, dtype=_dtype(v)) for c, v in data.items()})
    missing = [c for c in columns if c not in rows.columns]
    frame = rows.with_columns(pl.lit(None).alias(c) for c in missing).select(columns)
    # Nested Polars values have no CSV form: send them as JSON text.
    nested = [c for c, t in frame.schema.items() if isinstance(t, pl.List | pl.Struct | pl.Array)]
    return frame.with_columns(pl.col(c).map_elements(_json_text, return_dtype=pl.String) for c in nested)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | datetime | date):
        return value
    if isinstance(value, str):
        # A StrEnum member (a status) as its plain text: Polars would make a column of members an Enum.
        return value if type(value) is str else str(value)
    if isinstance(value, UUID | Decimal):
        return str(value)
    return orjson.dumps(value).decode()


def _dtype(values: list[Any]) -> pl.DataType | None:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {int, float}:
        return pl.Float64()
    return pl.String() if len(kinds) > 1 else None


# Binary COPY needs each value to be exactly the Python type of its column (a bool is no int4, a str
# subclass no text); a converter fixes a column whose values are not (an id given as text, a float for
# a numeric, a number for a text column). JSON columns take any JSON-serializable value.
_ANY = (object,)
_CONVERTERS: dict[int, tuple[tuple[type, ...], Callable[[Any], Any]]] = {
    16: ((bool,), bool),
    20: ((int,), int),
    21: ((int,), int),
    23: ((int,), int),
    25: ((str,), str),
    700: ((float,), float),
    701: ((float,), float),
    1043: ((str,), str),
    1082: ((date,), date.fromisoformat),
    1114: ((datetime,), datetime.fromisoformat),
    1184: ((datetime,), datetime.fromisoformat),
    1700: ((Decimal,), lambda v: Decimal(str(v))),
    2950: ((UUID,), lambda v: UUID(str(v))),
    114: (_ANY, lambda v: v),
    3802: (_ANY, lambda v: v),
}


# Column types of the permanent tables, by (database, table): a schema changes only with a migration,
# which restarts the processes. Staging tables are never cached (their names are new each time).
_TYPE_CACHE: dict[tuple[str, str], dict[str, int]] = {}


def _column_types(
    raw: psycopg.Connection[Any], table_name: str, columns: Sequence[str], *, cache: bool = False
) -> list[int]:
    key = (raw.info.dbname, table_name)
    found = _TYPE_CACHE.get(key) if cache else None
    if found is None:
        found = dict(
            raw.execute(
                "SELECT attname, atttypid::int FROM pg_attribute "
                "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                [ident(table_name)],
            ).fetchall()
        )
        if cache and found:
            _TYPE_CACHE[key] = found
    missing = [c for c in columns if c not in found]
    if missing:
        raise ValueError(f"{table_name} has no column(s) {', '.join(missing)}")
    return [found[c] for c in columns]


def _binary_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    oids: Sequence[int],
    constants: Mapping[str, Any],
) -> Iterable[tuple[Any, ...]]:
    """Return rows as tuples whose values binary COPY can encode for the given column types."""
    values: list[list[Any]] = []
    for column, oid in zip(columns, oids, strict=True):
        expected, convert = _CONVERTERS[oid]

        def fits(value: Any, expected: tuple[type, ...] = expected) -> bool:
            return value is None or expected is _ANY or type(value) in expected

        if column in constants:
            value = constants[column]
            cells = [value if fits(value) else convert(value)] * len(rows)
        else:
            cells = list(map(methodcaller("get", column), rows))
            if expected is not _ANY and not set(map(type, cells)) <= {*expected, type(None)}:
                cells = [v if fits(v) else convert(v) for v in cells]
        values.append(cells)
    return zip(*values, strict=True)


def copy_rows(
    *,
    conn: Connection,
    table_name: str,
    columns: Sequence[str],
    rows: Rows,
    constants: Mapping[str, Any] | None = None,
    types_of: str | None = None,
) -> int:
    """COPY rows into table_name's columns (constants: one value for every row); return the count.

    `types_of` names a permanent table whose columns have the same types (a staging table's
    source): its types are looked up once per process instead of once per COPY.
    """
    if len(rows) == 0:
        return 0
    constants = dict(constants or {})
    names = [*columns, *(c for c in constants if c not in columns)]
    raw = driver_connection(conn)
    target = f"{ident(table_name)} ({_idents(names)})"
    with raw.cursor() as cursor:
        oids = (
            _column_types(raw, types_of or table_name, names, cache=types_of is not None)
            if not isinstance(rows, pl.DataFrame)
            else []
        )
        if oids and all(oid in _CONVERTERS for oid in oids):
            set_json_dumps(orjson.dumps, cursor)
            with cursor.copy(f"COPY {target} FROM STDIN (FORMAT binary)") as copy:
                copy.set_types(oids)
                for row in _binary_rows(rows, names, oids, constants):  # type: ignore[arg-type]
                    copy.write_row(row)
        else:
            frame = to_frame(rows, columns)
            frame = frame.with_columns(pl.lit(_cell(v)).alias(c) for c, v in constants.items()).select(names)
            with cursor.copy(f"COPY {target} FROM STDIN (FORMAT csv)") as copy:
                for part in frame.iter_slices(COPY_SLICE_ROWS):
                    copy.write(part.write_csv(include_header=False, quote_style="non_numeric"))
    return len(rows)


# --- staging and upsert --------------------------------------------------------------------------


def stage_rows(
    *,
    conn: Connection,
    table_name: str,
    columns: Sequence[str],
    rows: Rows,
    constants: Mapping[str, Any] | None = None,
) -> str:
    """COPY rows into a temporary table shaped like table_name's columns; return its name.

    A small batch goes to a staging table this session keeps (one per table and column list, emptied
    by `unstage` and at every commit): creating and dropping a table per batch writes the catalog
    each time, and was measured at 3-5x the cost of the whole small upsert it served. A big batch gets
    a table of its own, dropped by `unstage`.
    """
    names = [*columns, *(c for c in constants or {} if c not in columns)]
    if len(rows) < BIG_BATCH_ROWS:
        shape = sha1(f"{table_name}:{','.join(names)}".encode()).hexdigest()[:10]
        staging = f"_keep_{table_name}"[:50] + f"_{shape}"
        create = f"CREATE TEMP TABLE IF NOT EXISTS {ident(staging)} ON COMMIT DELETE ROWS"
    else:
        staging = f"_stage_{table_name}"[:54] + f"_{uuid4().hex[:8]}"
        create = f"CREATE TEMP TABLE {ident(staging)} ON COMMIT DROP"
    # Same column types as the target, none of its constraints or defaults.
    conn.execute(text(f"{create} AS SELECT {_idents(names)} FROM {ident(table_name)} WITH NO DATA"))
    copy_rows(
        conn=conn, table_name=staging, columns=columns, rows=rows, constants=constants, types_of=table_name
    )
    return staging


def unstage(cursor: psycopg.Cursor[Any], staging: str) -> None:
    """Empty (a kept staging table) or drop (a batch's own) what stage_rows returned."""
    verb = "DELETE FROM" if staging.startswith("_keep_") else "DROP TABLE"
    cursor.execute(f"{verb} {ident(staging)}")


def _key(value: Any) -> Any:
    # One key whether an id arrives as a UUID or as its text.
    return str(value) if isinstance(value, UUID) else value


def collapse_duplicates(rows: Rows, keys: Sequence[str]) -> Rows:
    """Return rows with one row per key: for each column, the last non-null value wins."""
    if isinstance(rows, pl.DataFrame):
        if rows.height < 2 or not rows.select(pl.struct(keys).is_duplicated().any()).item():
            return rows
        others = [c for c in rows.columns if c not in keys]
        merged = rows.group_by(keys, maintain_order=True).agg(pl.col(c).drop_nulls().last() for c in others)
        return merged.select(rows.columns)
    collapsed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(_key(row.get(k)) for k in keys)
        if key in collapsed:
            collapsed[key].update((c, v) for c, v in row.items() if v is not None)
        else:
            collapsed[key] = dict(row)
    return rows if len(collapsed) == len(rows) else list(collapsed.values())


def upsert_rows(
    *,
    conn: Connection,
    table_name: str,
    columns: Sequence[str],
    rows: Rows,
    key_columns: Sequence[str],
    computed: Mapping[str, str] | None = None,
    update_set: Mapping[str, str] | None = None,
    changed_when: str | None = None,
    returning: Sequence[str] = (),
    constants: Mapping[str, Any] | None = None,
    keys_unique: bool = False,
    on_conflict: Literal["update", "nothing"] = "update",
) -> list[tuple[Any, ...]]:
    """Upsert rows into table_name by key_columns: COPY to staging, then one INSERT … ON CONFLICT.

    By default a non-null incoming value overwrites and a null keeps the stored one, and a row whose
    non-null values all equal the stored ones is not written. `computed` adds columns whose value is a
    SQL expression (inserted, and copied over on update); `update_set` replaces the SET expression of
    a column (`t` is the stored row, `excluded` the incoming one); `changed_when` replaces the
    condition under which a conflicting row is updated ("" updates always). `returning` holds SQL
    expressions over `t`; the result is their tuples for the rows written (inserted or updated).
    `constants` are columns with one value for every row (such as the tenant); they may be keys. Pass
    `keys_unique=True` when the caller has already collapsed duplicate keys. `on_conflict="nothing"`
    inserts only rows whose key is new (append-only tables written idempotently).
    """
    constants = dict(constants or {})
    row_keys = [k for k in key_columns if k not in constants]
    if not keys_unique:
        rows = collapse_duplicates(rows, row_keys)
    if len(rows) == 0:
        return []
    if isinstance(rows, pl.DataFrame) and row_keys:
        # Pre-sorted input makes the server's in-memory sort a single pass.
        rows = rows.sort(row_keys)
    computed = dict(computed or {})
    staging = stage_rows(conn=conn, table_name=table_name, columns=columns, rows=rows, constants=constants)
    columns = [*columns, *(c for c in constants if c not in columns)]
    values = [c for c in columns if c not in key_columns]
    sets = {c: f"COALESCE(excluded.{ident(c)}, t.{ident(c)})" for c in values}
    sets.update({c: f"excluded.{ident(c)}" for c in computed})
    sets.update(update_set or {})
    if on_conflict == "nothing":
        sets = {}
    if changed_when is None:
        changed_when = " OR ".join(
            f"(excluded.{ident(c)} IS NOT NULL AND excluded.{ident(c)} IS DISTINCT FROM t.{ident(c)})"
            for c in values
        )
    select_list = ", ".join([*(ident(c) for c in columns), *computed.values()])
    statement = (
        f"INSERT INTO {ident(table_name)} AS t ({_idents([*columns, *computed])}) "
        # Rows are locked in key order: the order every concurrent writer uses.
        f"SELECT {select_list} FROM {ident(staging)} ORDER BY {_idents(key_columns)} "
        f"ON CONFLICT ({_idents(key_columns)}) "
        + (
            "DO UPDATE SET " + ", ".join(f"{ident(c)} = {e}" for c, e in sets.items())
            if sets
            else "DO NOTHING"
        )
        + (f" WHERE {changed_when}" if changed_when and sets else "")
        + (f" RETURNING {', '.join(returning)}" if returning else "")
    )
    with driver_connection(conn).cursor() as cursor:
        previous = None
        if len(rows) >= BIG_BATCH_ROWS:
            # set_config(…, true) is transaction-local: put the caller's value back right after.
            previous = cursor.execute(
                "SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [SORT_WORK_MEM]
            ).fetchone()
        cursor.execute(statement)
        written = cursor.fetchall() if returning else []
        unstage(cursor, staging)
        if previous is not None:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [previous[0]])
    return written


def insert_new_rows(
    *, conn: Connection, table_name: str, rows: Sequence[Mapping[str, Any]], key_columns: Sequence[str]
) -> None:
    """Insert rows whose key is new, skipping the rest (an idempotent append of unique-keyed rows).

    The columns are every key any row has, in first-seen order; a row without one writes NULL.
    """
    if rows:
        upsert_rows(
            conn=conn,
            table_name=table_name,
            columns=list(dict.fromkeys(key for row in rows for key in row)),
            rows=rows,
            key_columns=key_columns,
            keys_unique=True,
            on_conflict="nothing",
        )


def update_rows(
    *,
    conn: Connection,
    table_name: str,
    columns: Sequence[str],
    rows: Rows,
    key_columns: Sequence[str],
    also_set: Mapping[str, str] | None = None,
) -> int:
    """Set columns of existing rows by key: COPY to staging, then one UPDATE … FROM; return the count.

    `also_set` adds SQL expressions to the SET list (such as `now()`). Rows whose key matches no row
    change nothing. Duplicate keys must not be passed.
    """
    if len(rows) == 0:
        return 0
    staging = stage_rows(conn=conn, table_name=table_name, columns=columns, rows=rows)
    keys = set(key_columns)
    sets = [f"{ident(c)} = s.{ident(c)}" for c in columns if c not in keys]
    sets += [f"{ident(c)} = {expression}" for c, expression in (also_set or {}).items()]
    match = " AND ".join(f"t.{ident(k)} = s.{ident(k)}" for k in key_columns)
    with driver_connection(conn).cursor() as cursor:
        cursor.execute(
            f"UPDATE {ident(table_name)} AS t SET {', '.join(sets)} FROM {ident(staging)} AS s WHERE {match}"
        )
        updated = cursor.rowcount
        unstage(cursor, staging)
    return updated
