"""Time the batch status of a million-run submission: COPY the tree into a scratch database, read it.

Not a test and not a benchmark of `make bench`: a measurement to run by hand, on the server named by
DATABASE_URL (else an embedded one), in a scratch database it creates and drops:

    python -m tests.support.status_scale [--runs 1000000] [--reads 100] [--explain]

It prints the load time, then p50/p95/max of the status answer (through the app, with steps) for the
first page and for random pages, and with --explain the EXPLAIN ANALYZE of every query one read makes.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from api.app import create_app
from api.services import batch_status
from config import AuthSettings, DatabaseSettings, Settings
from migrations.runner import upgrade
from store.embedded import drop_database, ensure_database, start_embedded_postgres
from store.engine import build_engine, libpq_url
from tests.factories import TEST_SECRETS
from tests.support.engine_rows import Tenant, add_submission, make_tenant

CHILDREN, GRANDCHILDREN = 7, 6  # each root brings 1 + 7 + 7 x 6 = 50 runs
# Run statuses of a batch part-way through: (status, share out of 100).
STATUS_MIX = (("succeeded", 55), ("failed", 10), ("running", 5), ("canceled", 2), ("queued", 28))
_STATUS_OF = [status for status, share in STATUS_MIX for _ in range(share)]
SLICE_RUNS = 100_000


def _copy(engine: Engine, table: str, columns: str, lines: Iterator[str]) -> None:
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for n, line in enumerate(lines, 1):
                buffer.write(line)
                if n % SLICE_RUNS == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        driver.commit()
    finally:
        raw.close()


def load_tree(engine: Engine, tenant: Tenant, submission_id: UUID, runs: int, *, flat: bool = False) -> int:
    """COPY about `runs` runs in mixed statuses, one costed step each; return how many roots.

    The tree has three levels (each root 7 children, each child 6); `flat` makes every run a root.
    """
    per_root = 1 if flat else 1 + CHILDREN + CHILDREN * GRANDCHILDREN
    roots = max(1, runs // per_root)
    ids: list[tuple[UUID, UUID | None, int, int, str]] = []
    for r in range(roots):
        root = uuid4()
        ids.append((root, None, r, 0, "company"))
        for c in range(0 if flat else CHILDREN):
            child = uuid4()
            ids.append((child, root, c, 1, "person"))
            ids.extend((uuid4(), child, g, 2, "person") for g in range(GRANDCHILDREN))
    common = f"{tenant.org_id}\t{tenant.company_ids[0]}\t{submission_id}"

    def run_lines() -> Iterator[str]:
        for n, (run_id, parent, index, depth, kind) in enumerate(ids):
            parent_text = "\\N" if parent is None else str(parent)
            status = _STATUS_OF[n % 100]
            tail = f"{parent_text}\t{index}\t{depth}\t{kind}\t{status}"
            yield f"{run_id}\t{common}\t{tenant.blueprint_id}\t{tail}\n"

    def step_lines() -> Iterator[str]:
        for n, (run_id, *_) in enumerate(ids):
            status = {"queued": "queued", "running": "running", "failed": "failed"}.get(
                _STATUS_OF[n % 100], "succeeded"
            )
            yield f"{run_id}\t{common}\t1\tcompany.enrich.profile\t{status}\t0.002\n"

    def operation_lines() -> Iterator[str]:
        for run_id, *_ in ids:
            owner = f"{tenant.org_id}\t{submission_id}\t{run_id}"
            yield f"{uuid4()}\t{owner}\t1\tcompany.enrich.profile\tcompany\tfound\t0.002\n"

    _copy(
        engine,
        "pipeline_runs",
        "id, org_id, company_id, submission_id, blueprint_id, parent_pipeline_run_id, entity_index, depth, "
        "entity_type, status",
        run_lines(),
    )
    _copy(
        engine,
        "step_results",
        "pipeline_run_id, org_id, company_id, submission_id, step_position, operation_id, status, cost_usd",
        step_lines(),
    )
    _copy(
        engine,
        "operation_runs",
        "run_id, org_id, submission_id, pipeline_run_id, step_position, operation_id, entity_type, status, "
        "cost_usd",
        operation_lines(),
    )
    return roots


@contextmanager
def scratch_database() -> Iterator[str]:
    """Yield the URL of a fresh migrated database on DATABASE_URL's server (else an embedded one)."""
    with tempfile.TemporaryDirectory(prefix="dex-scale-") as state:
        configured = os.environ.get("DATABASE_URL")
        admin = (
            libpq_url(configured) if configured else start_embedded_postgres(Path(state), database="postgres")
        )
        name = f"dex_scale_{uuid4().hex[:10]}"
        ensure_database(admin, name)
        try:
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)
            upgrade(url)
            yield url
        finally:
            drop_database(admin, name)


def percentiles(samples: list[float]) -> str:
    """Return p50/p95/max of samples (seconds) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    p50, top = statistics.median(ordered), ordered[-1]
    return f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {top * 1000:.1f} ms"


def explain_one_read(engine: Engine, tenant: Tenant, submission_id: UUID, page: int) -> None:
    """Print EXPLAIN ANALYZE of every statement one status read sends."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn, conn.begin():
            batch_status.read_status(
                conn=conn,
                org_id=tenant.org_id,
                pinned_company=None,
                submission_id=submission_id,
                page=page,
                per_page=50,
                include_steps=True,
            )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET LOCAL jit = off")
        for statement, parameters in sent:
            if not statement.lstrip().upper().startswith("SELECT") and "WITH" not in statement[:20].upper():
                continue
            plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).all()
            print("\n" + " ".join(statement.split())[:160])
            print("\n".join("    " + row[0][:150] for row in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=100)
    parser.add_argument("--flat", action="store_true", help="every run a root (no fan-out)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE one read's queries")
    args = parser.parse_args()
    with scratch_database() as url:
        engine = build_engine(url, pool_size=2)
        try:
            tenant = make_tenant(engine, "scale")
            submission_id = add_submission(engine, tenant)
            started = time.perf_counter()
            roots = load_tree(engine, tenant, submission_id, args.runs, flat=args.flat)
            total = roots * (1 if args.flat else 1 + CHILDREN + CHILDREN * GRANDCHILDREN)
            loaded = time.perf_counter() - started
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"{total:,} runs, {roots:,} roots (+ a step and an operation run each) in {loaded:.1f} s")
            settings = Settings(
                dex_env="test",
                database=DatabaseSettings(database_url=SecretStr(url)),
                auth=AuthSettings(**{k: SecretStr(v) for k, v in TEST_SECRETS.items()}),
            )
            last_page = -(-roots // 50)
            with TestClient(create_app(settings, engine)) as client:
                headers = {"Authorization": f"Bearer {tenant.tokens['org_admin']}"}

                def read(page: int) -> float:
                    body = {"submission_id": str(submission_id), "page": page, "per_page": 50}
                    began = time.perf_counter()
                    response = client.post("/api/v1/batch/status", json=body, headers=headers)
                    took = time.perf_counter() - began
                    assert response.status_code == 200, response.text
                    summary = response.json()["data"]["summary"]
                    assert summary["total"] == total, summary
                    return took

                read(1)  # warm the app and the pool
                first = [read(1) for _ in range(args.reads)]
                pages = random.Random(7)
                anywhere = [read(pages.randint(1, last_page)) for _ in range(args.reads)]
                deepest = [read(last_page) for _ in range(max(1, args.reads // 5))]
            print(f"status, page 1 of {last_page:,} (50 roots, descendants, steps): {percentiles(first)}")
            print(f"status, random pages: {percentiles(anywhere)}")
            print(f"status, last page: {percentiles(deepest)}")
            if args.explain:
                explain_one_read(engine, tenant, submission_id, last_page)
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
