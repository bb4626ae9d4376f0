"""What the engine benchmarks share: a scratch database, the sandbox, a local Ray, a tenant, a timed batch."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from api.schemas.batch_submit import BatchSubmit
from api.schemas.blueprints import BlueprintCreate
from api.services import batch_submit, tenancy
from api.services import blueprints as blueprint_service
from benchmarks.scratch import scratch_database
from cluster.launch import launch, warm_workers
from cluster.runtime import connect, shutdown
from config import AuthSettings, ClusterSettings, DatabaseSettings, ProviderSettings, RayLocalMode, Settings
from providers.sandbox.server import SandboxServer
from store.engine import build_engine
from store.repositories import orgs
from store.tables import pipeline_runs, submissions


@dataclass
class Bench:
    """A ready environment: settings, database, sandbox and a tenant."""

    settings: Settings
    engine: Engine
    sandbox: SandboxServer
    org_id: uuid.UUID
    company_id: uuid.UUID


@contextmanager
def bench_environment(
    *,
    companies: int,
    knobs: Mapping[str, Mapping[str, Any]],
    default_knobs: Mapping[str, Any],
    cluster: ClusterSettings,
    limits: Mapping[str, Mapping[str, float]] | None = None,
    state_dir: Path | None = None,
) -> Iterator[Bench]:
    """Start the sandbox (with knobs), a scratch database and a local Ray; yield them with a tenant.

    The Ray is in-process (it ends with the benchmark), unless `cluster` names one at ray_address or
    `state_dir` holds the persistent local cluster to join (started if need be; the caller stops it).
    """
    if not cluster.ray_address and state_dir is None:
        cluster = cluster.model_copy(update={"ray_local_mode": RayLocalMode.IN_PROCESS})
    with (
        scratch_database() as url,
        SandboxServer(
            companies=companies,
            knobs={k: dict(v) for k, v in knobs.items()},
            default_knobs=dict(default_knobs),
        ) as sandbox,
    ):
        settings = Settings(
            dex_env="test",
            database=DatabaseSettings(database_url=SecretStr(url)),
            auth=AuthSettings(jwt_secret=SecretStr("b" * 40), super_admin_jwt_secret=SecretStr("c" * 40)),
            providers=ProviderSettings.for_sandbox(
                sandbox.url, sandbox.api_key, provider_limits={k: dict(v) for k, v in (limits or {}).items()}
            ),
            cluster=cluster,
        )
        if state_dir is not None:
            settings.dex_state_dir = state_dir
        engine = build_engine(url, pool_size=2)
        with engine.begin() as conn:
            org = orgs.create_org(conn=conn, name="Bench", slug="bench")
            company = tenancy.create_company(
                conn=conn, org_id=org["id"], name="Bench", domain=None, external_ref=None
            )
        connect(settings.cluster, state_dir=settings.dex_state_dir)
        # A running cluster has its workers up: start them before anything is timed.
        warm_workers(settings)
        try:
            yield Bench(settings, engine, sandbox, org["id"], company["id"])
        finally:
            shutdown()
            engine.dispose()


def run_batch(
    bench: Bench,
    steps: Sequence[Mapping[str, Any]],
    entities: Sequence[Mapping[str, Any]],
    timeout_s: float,
    on_poll: Callable[[uuid.UUID, float], None] | None = None,
) -> dict[str, Any]:
    """Submit a batch and wait for it; return the makespan and the run counts.

    on_poll sees the submission id and the seconds since submit at every poll (to act mid-batch).
    """
    with bench.engine.begin() as conn:
        blueprint = blueprint_service.create_blueprint(
            conn=conn,
            body=BlueprintCreate.model_validate(
                {"name": f"bench-{uuid.uuid4().hex[:6]}", "steps": list(steps)}
            ),
            org_id=bench.org_id,
            created_by_user_id=None,
        )
    body = BatchSubmit.model_validate(
        {
            "blueprint_id": blueprint["id"],
            "company_id": bench.company_id,
            "entities": [{"input": dict(e)} for e in entities],
        }
    )
    started = time.monotonic()
    submitted = batch_submit.submit(
        bench.engine, body, org_id=bench.org_id, company_id=bench.company_id, user_id=None
    )
    submission_id = submitted["submission_id"]
    launch(submission_id, bench.settings)
    deadline = started + timeout_s
    status = "queued"
    while time.monotonic() < deadline:
        with bench.engine.connect() as conn:
            status = conn.execute(
                select(submissions.c.status).where(submissions.c.id == submission_id)
            ).scalar_one()
        if status in ("completed", "failed", "canceled"):
            break
        if on_poll is not None:
            on_poll(submission_id, time.monotonic() - started)
        time.sleep(0.2)
    makespan = time.monotonic() - started
    with bench.engine.connect() as conn:
        counts: dict[str, int] = dict(
            conn.execute(
                select(pipeline_runs.c.status, func.count())
                .where(pipeline_runs.c.submission_id == submission_id)
                .group_by(pipeline_runs.c.status)
            ).all()
        )
    return {"submission_id": submission_id, "status": status, "makespan_s": makespan, "runs": counts}
