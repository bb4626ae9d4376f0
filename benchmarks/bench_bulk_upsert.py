"""Entity bulk upsert throughput, as ratios to a raw COPY and to a per-row upsert loop in the same run.

On a scratch database (DATABASE_URL's server, else an embedded one): (a) raw COPY of N company rows
into the empty `company_entities`; (b) `upsert_entities` of N rows into that table (half the keys
exist, with changed fields; half are new); (c) a per-row `INSERT … ON CONFLICT DO UPDATE` loop with
the same merge rules, on a subset, in one transaction; (d) the same loop committing every row, as the
old system stored each finished run's entity. Every figure includes building the rows' wire form and
the commit.
"""

from __future__ import annotations

import os
import time
from contextlib import suppress
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from benchmarks.scratch import scratch_database
from cluster.entities import entity_id
from store.bulk import copy_rows, driver_connection
from store.engine import build_engine
from store.repositories import companies, orgs
from store.repositories.entities import data_columns, upsert_entities

INDUSTRIES = ("Software", "Retail", "Logistics", "Healthcare", "Fintech", "Manufacturing")
RANGES = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000")
LOOP_ROWS = 20_000
COMMIT_EACH_ROWS = 5_000


def company_rows(
    org_id: UUID, company_id: UUID, start: int, stop: int, *, generation: int
) -> list[dict[str, Any]]:
    """Return company rows i in [start, stop) as the engine hands them over (records plus ids).

    A later generation changes a few fields of the same company and adds a provider.
    """
    providers = ["prospeo"] if generation == 0 else ["prospeo", "blitzapi"]
    rows = []
    for i in range(start, stop):
        domain = f"company-{i}.example.com"
        record: dict[str, Any] = {
            "canonical_domain": domain,
            "canonical_name": f"Company {i}",
            "linkedin_url": f"https://www.linkedin.com/company/company-{i}",
            "industry": INDUSTRIES[i % len(INDUSTRIES)],
            "employee_count": 10 + i % 5000 + 7 * generation,
            "employee_range": RANGES[i % len(RANGES)],
            "revenue_band": "$1M-$10M" if generation == 0 else None,
            "hq_country": "US",
            "description": f"Company {i} makes things for other companies, reliably and at scale.",
            "enrichment_confidence": 0.9,
            "source_providers": providers,
            "canonical_payload": {
                "company_domain": domain,
                "company_name": f"Company {i}",
                "founded_year": 1990 + i % 30,
                "specialties": ["b2b", "saas"],
                "follower_count": 100 * generation + i % 997,
            },
        }
        record["entity_id"] = entity_id(org_id, "company", record)
        record.update(company_id=company_id, last_operation_id="company.enrich.profile", last_run_id=None)
        rows.append(record)
    return rows


def _seed(engine: Engine) -> tuple[UUID, UUID]:
    with engine.begin() as conn:
        org = orgs.create_org(conn=conn, name="Bench", slug="bench")
        company = companies.create_company(
            conn=conn, org_id=org["id"], name="B", domain=None, external_ref=None
        )
    return org["id"], company["id"]


def _timed_copy(engine: Engine, org_id: UUID, rows: list[dict[str, Any]]) -> float:
    columns = ["entity_id", *data_columns("company"), "source_providers", "canonical_payload"]
    columns += ["last_operation_id", "last_run_id"]
    started = time.perf_counter()
    with engine.begin() as conn:
        copy_rows(
            conn=conn, table_name="company_entities", columns=columns, rows=rows, constants={"org_id": org_id}
        )
    return time.perf_counter() - started


def _timed_upsert(engine: Engine, org_id: UUID, rows: list[dict[str, Any]]) -> tuple[float, int, int]:
    started = time.perf_counter()
    with engine.begin() as conn:
        changes = upsert_entities(conn=conn, org_id=org_id, entity_type="company", rows=rows)
    elapsed = time.perf_counter() - started
    return elapsed, sum(c.created for c in changes), sum(c.changed and not c.created for c in changes)


def _per_row_statement() -> str:
    values = data_columns("company")
    columns = ["org_id", "entity_id", *values, "last_operation_id", "last_run_id"]
    columns += ["source_providers", "canonical_payload", "last_enriched_at", "updated_at"]
    placeholders = ["%s"] * (len(columns) - 4) + ["%s::jsonb", "%s::jsonb", "now()", "now()"]
    sets = [f"{c} = COALESCE(excluded.{c}, t.{c})" for c in [*values, "last_operation_id", "last_run_id"]]
    sets += [
        "source_providers = t.source_providers || (SELECT coalesce(jsonb_agg(p), '[]'::jsonb) "
        "FROM jsonb_array_elements(excluded.source_providers) p WHERE NOT t.source_providers @> "
        "jsonb_build_array(p))",
        "canonical_payload = t.canonical_payload || excluded.canonical_payload",
        "record_version = t.record_version + 1",
        "last_enriched_at = now()",
        "updated_at = now()",
    ]
    changed = [f"(excluded.{c} IS NOT NULL AND excluded.{c} IS DISTINCT FROM t.{c})" for c in values]
    changed += [
        "NOT t.source_providers @> excluded.source_providers",
        "t.canonical_payload || excluded.canonical_payload <> t.canonical_payload",
    ]
    return (
        f"INSERT INTO company_entities AS t ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "
        f"ON CONFLICT (org_id, entity_id) DO UPDATE SET {', '.join(sets)} WHERE {' OR '.join(changed)} "
        "RETURNING entity_id, record_version, xmax = 0"
    )


def _timed_loop(engine: Engine, org_id: UUID, rows: list[dict[str, Any]], *, commit_each: bool) -> float:
    """Upsert rows one statement at a time: all in one transaction, or each committed on its own."""
    statement = _per_row_statement()
    values = data_columns("company")
    started = time.perf_counter()
    with engine.connect() as conn:
        raw = driver_connection(conn)
        raw.commit()
        raw.autocommit = commit_each
        cursor = raw.cursor()
        for row in rows:
            params = [org_id, row["entity_id"], *(row.get(c) for c in values)]
            params += [row["last_operation_id"], row["last_run_id"]]
            params += [orjson.dumps(row["source_providers"]).decode()]
            params += [orjson.dumps(row["canonical_payload"]).decode()]
            cursor.execute(statement, params)
            cursor.fetchone()
        if not commit_each:
            raw.commit()
        raw.autocommit = False
    return time.perf_counter() - started


def _settle(engine: Engine) -> None:
    """Vacuum, analyze and checkpoint, so that every timed phase starts from the same state."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE company_entities"))
        # Needs superuser or pg_checkpoint; without it the phases are just less even.
        with suppress(DBAPIError):
            conn.execute(text("CHECKPOINT"))


def run(quick: bool) -> None:
    """Measure rows/s of raw COPY, of upsert_entities and of a per-row upsert loop; print the ratios."""
    n = 50_000 if quick else 1_000_000
    loop_n = min(LOOP_ROWS, n // 5)
    each_n = min(COMMIT_EACH_ROWS, n // 10)
    load_before = os.getloadavg()[0]
    with scratch_database() as url:
        engine = build_engine(url, pool_size=2)
        try:
            org_id, company_id = _seed(engine)
            base = company_rows(org_id, company_id, 0, n, generation=0)
            _settle(engine)
            copy_s = _timed_copy(engine, org_id, base)
            del base
            # Half the keys exist (a later generation: changed fields, one more provider), half are new.
            incoming = company_rows(org_id, company_id, n // 2, n + n // 2, generation=1)
            _settle(engine)
            upsert_s, created, updated = _timed_upsert(engine, org_id, incoming)
            _settle(engine)
            again_s, _, updated_again = _timed_upsert(engine, org_id, incoming)
            del incoming
            # The loop: half its keys exist (from (b), and change again), half are new.
            top = n + n // 2
            loop_rows = company_rows(org_id, company_id, top - loop_n // 2, top + loop_n // 2, generation=2)
            _settle(engine)
            loop_s = _timed_loop(engine, org_id, loop_rows, commit_each=False)
            # The same, each row its own transaction: how the old system stored a run's entity (one
            # internal API call per finished run).
            each_rows = company_rows(org_id, company_id, top - each_n // 2, top + each_n // 2, generation=3)
            _settle(engine)
            each_s = _timed_loop(engine, org_id, each_rows, commit_each=True)
        finally:
            engine.dispose()
    load_after = os.getloadavg()[0]
    copy_rate, upsert_rate, again_rate, loop_rate = n / copy_s, n / upsert_s, n / again_s, loop_n / loop_s
    each_rate = each_n / each_s
    print(f"N = {n:,} company rows; the per-row loop runs {loop_n:,} rows")
    print(f"load average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} CPUs")
    print(f"(a) raw COPY into an empty table      {copy_rate:>10,.0f} rows/s  ({copy_s:.1f}s)")
    print(
        f"(b) upsert_entities, half new          {upsert_rate:>10,.0f} rows/s  ({upsert_s:.1f}s; "
        f"{created:,} created, {updated:,} updated)"
    )
    print(
        f"    same batch again (no-op)           {again_rate:>10,.0f} rows/s  ({again_s:.1f}s; "
        f"{updated_again:,} updated)"
    )
    print(
        f"(c) per-row INSERT … ON CONFLICT loop  {loop_rate:>10,.0f} rows/s  ({loop_s:.1f}s, one transaction)"
    )
    print(
        f"(d) the same, each row committed       {each_rate:>10,.0f} rows/s  ({each_s:.1f}s, {each_n:,} rows)"
    )
    print(f"(b)/(a) = {upsert_rate / copy_rate:.2f}  (goal >= 0.5)")
    print(f"(b)/(c) = {upsert_rate / loop_rate:.1f}  (per-row statements in one transaction)")
    print(f"(b)/(d) = {upsert_rate / each_rate:.1f}  (per-row statements each committed; goal >= 30)")
