"""The engine end to end: real Ray, real PostgreSQL, the sandbox over HTTP."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, func, select

from providers.sandbox.world import World
from store.tables import (
    company_entities,
    entity_timeline,
    operation_attempts,
    operation_runs,
    pipeline_runs,
    step_results,
    submissions,
)
from tests.factories import ApiClient, TenantWorld, make_tenant

pytestmark = pytest.mark.usefixtures("ray_cluster")


def wait_for(engine: Engine, submission_id: UUID, timeout_s: float = 240) -> str:
    """Poll PostgreSQL until the submission reaches a final status."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            status = conn.execute(
                select(submissions.c.status).where(submissions.c.id == submission_id)
            ).scalar_one()
        if status in ("completed", "failed", "canceled", "budget_exhausted"):
            return str(status)
        time.sleep(0.5)
    raise AssertionError(f"submission {submission_id} did not finish in {timeout_s}s")


def submit(
    api: ApiClient, tenant: TenantWorld, steps: list[dict[str, Any]], entities: list[dict[str, Any]]
) -> UUID:
    blueprint = api.ok(
        "/api/blueprints/create", {"name": f"bp-{time.time_ns()}", "steps": steps}, tenant.tokens["org_admin"]
    )
    body = {"blueprint_id": blueprint["id"], "company_id": str(tenant.company_ids[0]), "entities": entities}
    data = api.ok("/api/v1/batch/submit", body, tenant.api_token)
    assert data["status"] == "queued" and data["run_count"] == len(entities)
    return UUID(data["submission_id"])


def test_three_steps_with_a_fan_out_over_200_entities(api: ApiClient, engine: Engine, world: World) -> None:
    tenant = make_tenant(api)
    domains = world.sample_domains(200, seed_offset=21)
    steps = [
        {"position": 1, "operation_id": "company.enrich.technographics"},
        {"position": 2, "operation_id": "company.research.discover_competitors", "fan_out": True},
        {"position": 3, "operation_id": "company.research.check_vc_funding"},
    ]
    submission_id = submit(api, tenant, steps, [{"input": {"company_domain": d}} for d in domains])
    assert wait_for(engine, submission_id) == "completed"
    with engine.connect() as conn:
        runs = conn.execute(select(pipeline_runs).where(pipeline_runs.c.submission_id == submission_id)).all()
        steps_done = conn.execute(
            select(step_results.c.step_position, step_results.c.status, func.count())
            .where(step_results.c.submission_id == submission_id)
            .group_by(step_results.c.step_position, step_results.c.status)
        ).all()
        entity_count = conn.execute(
            select(func.count())
            .select_from(company_entities)
            .where(company_entities.c.org_id == tenant.org_id)
        ).scalar_one()
        events = conn.execute(
            select(func.count())
            .select_from(entity_timeline)
            .where(entity_timeline.c.submission_id == submission_id)
        ).scalar_one()
    roots = [r for r in runs if r.parent_pipeline_run_id is None]
    children = [r for r in runs if r.parent_pipeline_run_id is not None]
    assert len(roots) == 200 and all(r.status == "succeeded" for r in runs)
    assert children and all(
        c.entity_type == "company" and c.depth == 1 and c.start_position == 3 for c in children
    )
    assert all(r.status != "queued" and r.status != "running" for r in runs)
    print({(p, s): n for p, s, n in steps_done}, "entities", entity_count, "events", events)
    assert entity_count >= len(roots) and events > 0


def test_raw_bodies_are_stored_once_with_their_attempts(api: ApiClient, engine: Engine, world: World) -> None:
    tenant = make_tenant(api)
    domains = world.sample_domains(4, seed_offset=27)
    search = {
        "position": 1,
        "operation_id": "person.search",
        "fan_out": True,
        "step_config": {"max_results": 2},
    }
    # The operation's answer carries each person's raw record (the contract of /execute) ...
    answer = api.ok(
        "/api/v1/execute",
        {"operation_id": "person.search", "input": {"company_domain": domains[0]}},
        tenant.api_token,
    )
    assert answer["output"]["results"] and all("raw" in item for item in answer["output"]["results"])
    # ... but a batch stores the raw bodies once, with the attempts that received them.
    submission_id = submit(api, tenant, [search], [{"input": {"company_domain": d}} for d in domains])
    assert wait_for(engine, submission_id) == "completed"
    runs = _tree(engine, submission_id)
    with engine.connect() as conn:
        outputs = list(
            conn.execute(
                select(operation_runs.c.output_payload).where(operation_runs.c.submission_id == submission_id)
            ).scalars()
        )
        bodies = conn.execute(
            select(func.count())
            .select_from(operation_attempts)
            .where(
                operation_attempts.c.submission_id == submission_id,
                operation_attempts.c.raw_response.isnot(None),
            )
        ).scalar_one()
    parents = [r for r in runs if r.parent_pipeline_run_id is None]
    assert any(p.context.get("results") for p in parents), "the parents keep the people they found"
    assert len(runs) > len(parents) and bodies >= len(parents)
    assert not any(_has_raw(r.context) for r in runs), "no raw body in a parent's or a child's context"
    assert outputs and not any(_has_raw(output) for output in outputs), "nor in the operation history"


def _has_raw(value: Any) -> bool:
    if isinstance(value, dict):
        return "raw" in value or "raw_response" in value or any(_has_raw(v) for v in value.values())
    return isinstance(value, list) and any(_has_raw(v) for v in value)


CONDITIONS: list[tuple[str, dict[str, Any]]] = [
    ("exists", {"field": "tier", "op": "exists"}),
    ("eq", {"field": "tier", "op": "eq", "value": "gold"}),
    ("ne", {"field": "tier", "op": "ne", "value": "gold"}),
    ("lt", {"field": "score", "op": "lt", "value": 50}),
    ("gt", {"field": "score", "op": "gt", "value": 50}),
    ("lte", {"field": "score", "op": "lte", "value": 10}),
    ("gte", {"field": "score", "op": "gte", "value": 90}),
    ("contains", {"field": "segments", "op": "contains", "value": "enterprise"}),
    ("icontains", {"field": "title", "op": "icontains", "value": "SALES"}),
    ("in", {"field": "country", "op": "in", "value": ["US", "CA"]}),
    (
        "all",
        {
            "all": [
                {"field": "tier", "op": "eq", "value": "gold"},
                {"field": "score", "op": "gt", "value": 50},
            ]
        },
    ),
    (
        "any",
        {
            "any": [
                {"field": "country", "op": "eq", "value": "FR"},
                {"field": "score", "op": "lt", "value": 5},
            ]
        },
    ),
]
# What each entity's fields make of every condition, in the order above.
GOLD = {
    "tier": "gold",
    "score": 95,
    "segments": ["enterprise", "mid"],
    "title": "VP of Sales",
    "country": "US",
}
PLAIN = {"score": "3", "segments": ["smb"], "title": "Engineer", "country": "FR"}
EXPECTED_RUN = {
    "gold": [True, True, False, False, True, False, True, True, True, True, True, False],
    "plain": [False, False, False, True, False, True, False, False, False, False, False, True],
}


def test_every_condition_operator_decides_a_real_skip(api: ApiClient, engine: Engine, world: World) -> None:
    tenant = make_tenant(api)
    domain = world.sample_domains(1, seed_offset=5)[0]
    steps = [
        {
            "position": i + 1,
            "operation_id": "company.enrich.technographics",
            "step_config": {"condition": condition},
        }
        for i, (_, condition) in enumerate(CONDITIONS)
    ]
    entities = [{"input": {"company_domain": domain, **GOLD}}, {"input": {"company_domain": domain, **PLAIN}}]
    submission_id = submit(api, tenant, steps, entities)
    assert wait_for(engine, submission_id) == "completed"
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                pipeline_runs.c.entity_index,
                step_results.c.step_position,
                step_results.c.status,
                step_results.c.skip_reason,
            )
            .join(step_results, step_results.c.pipeline_run_id == pipeline_runs.c.id)
            .where(pipeline_runs.c.submission_id == submission_id)
        ).all()
    statuses = {(index, position): (status, reason) for index, position, status, reason in rows}
    for index, label in enumerate(("gold", "plain")):
        for position, ((operator, _), runs) in enumerate(
            zip(CONDITIONS, EXPECTED_RUN[label], strict=True), start=1
        ):
            status, reason = statuses[(index, position)]
            if runs:
                assert status == "succeeded", (label, operator, status)
            else:
                assert (status, reason) == ("skipped", "condition_not_met"), (label, operator, status)


def _tree(engine: Engine, submission_id: UUID) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(select(pipeline_runs).where(pipeline_runs.c.submission_id == submission_id)).all()
        )


def _known(world: World, provider: str, n: int, offset: int) -> list[str]:
    return [d for d in world.sample_domains(n * 4, seed_offset=offset) if world.knows(provider, d)][:n]


def test_two_level_nested_fan_out_builds_the_right_tree(api: ApiClient, engine: Engine, world: World) -> None:
    tenant = make_tenant(api)
    steps = [
        {"position": 1, "operation_id": "company.research.discover_competitors", "fan_out": True},
        {
            "position": 2,
            "operation_id": "company.research.lookup_alumni",
            "fan_out": True,
            "step_config": {"max_results": 3},
        },
        {
            "position": 3,
            "operation_id": "company.enrich.technographics",
            "step_config": {"condition": {"field": "company_domain", "op": "exists"}},
        },
    ]
    roots = _known(world, "revenueinfra", 6, offset=31)
    submission_id = submit(api, tenant, steps, [{"input": {"company_domain": d}} for d in roots])
    assert wait_for(engine, submission_id) == "completed"
    runs = _tree(engine, submission_id)
    by_parent: dict[Any, list[Any]] = {}
    for run in runs:
        by_parent.setdefault(run.parent_pipeline_run_id, []).append(run)
    with engine.connect() as conn:
        fan_outs = {
            (r.pipeline_run_id, r.step_position): r.output_payload["fan_out"]
            for r in conn.execute(
                select(step_results).where(
                    step_results.c.submission_id == submission_id, step_results.c.status == "succeeded"
                )
            )
            if r.output_payload and "fan_out" in r.output_payload
        }
    assert len(by_parent[None]) == len(roots)
    depths = {r.depth for r in runs}
    assert depths == {0, 1, 2}, depths
    for run in runs:
        children = by_parent.get(run.id, [])
        if run.depth == 2:
            assert not children and run.entity_type == "person" and run.start_position == 3
            continue
        position = run.depth + 1
        reported = fan_outs.get((run.id, position))
        assert reported is not None, run
        assert sorted(str(c.id) for c in children) == sorted(reported["child_run_ids"])
        assert all(c.depth == run.depth + 1 and c.start_position == position + 1 for c in children)
        expected_type = "company" if run.depth == 0 else "person"
        assert all(c.entity_type == expected_type for c in children)
    # The status tree from the API agrees with the database, to every depth.
    status = api.ok(
        "/api/v1/batch/status", {"submission_id": str(submission_id), "per_page": 200}, tenant.api_token
    )
    assert status["summary"]["total"] == len(runs) and status["summary"]["depth_max"] == 2

    def count(nodes: list[dict[str, Any]]) -> int:
        return sum(1 + count(n["children"]) for n in nodes)

    assert count(status["runs"]) == len(runs)
    parents_done = [r for r in runs if r.depth < 2]
    assert all(r.status == "succeeded" for r in parents_done)


def test_the_same_person_through_two_parents_is_one_entity(
    api: ApiClient, engine: Engine, world: World
) -> None:
    from store.tables import person_entities

    tenant = make_tenant(api)
    domain = next(d for d in _known(world, "revenueinfra", 20, offset=41) if world.alumni(d))
    steps = [{"position": 1, "operation_id": "company.research.lookup_alumni", "fan_out": True}]
    submission_id = submit(
        api,
        tenant,
        steps,
        [{"input": {"company_domain": domain}}, {"input": {"company_domain": f"https://www.{domain}/"}}],
    )
    assert wait_for(engine, submission_id) == "completed"
    runs = _tree(engine, submission_id)
    people = [r for r in runs if r.entity_type == "person"]
    with engine.connect() as conn:
        stored = conn.execute(select(person_entities).where(person_entities.c.org_id == tenant.org_id)).all()
    distinct = {r.context.get("linkedin_url") for r in people}
    assert len(people) == 2 * len(distinct), "each parent discovered every alumnus"
    assert len(stored) == len(distinct), "but each alumnus is stored once"
    assert {r.entity_id for r in people} == {e.entity_id for e in stored}, "runs point at the stored entities"
    with engine.connect() as conn:
        ids = set(
            conn.execute(
                select(entity_timeline.c.entity_id).where(
                    entity_timeline.c.submission_id == submission_id,
                    entity_timeline.c.entity_type == "person",
                )
            ).scalars()
        )
    assert ids == {e.entity_id for e in stored}, "timeline ids are the stored entity ids"


def _footprint(engine: Engine, submission_id: UUID, org_id: UUID) -> dict[str, Any]:

    with engine.connect() as conn:

        def count(table: Any, *where: Any) -> int:
            return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

        return {
            "runs": count(pipeline_runs, pipeline_runs.c.submission_id == submission_id),
            "steps": count(step_results, step_results.c.submission_id == submission_id),
            "operation_runs": count(operation_runs, operation_runs.c.submission_id == submission_id),
            "attempts": count(operation_attempts, operation_attempts.c.org_id == org_id),
            "events": count(entity_timeline, entity_timeline.c.submission_id == submission_id),
            "companies": count(company_entities, company_entities.c.org_id == org_id),
            "versions": conn.execute(
                select(func.coalesce(func.sum(company_entities.c.record_version), 0)).where(
                    company_entities.c.org_id == org_id
                )
            ).scalar_one(),
        }


def test_re_executing_a_chunk_writes_nothing_new(
    api: ApiClient, engine: Engine, world: World, settings: Any
) -> None:
    from sqlalchemy import delete, update

    from cluster.actors import gateway_handles
    from cluster.chunk import ChunkJob, run_chunk_locally
    from cluster.plan import build_plan
    from cluster.sink import Scope

    tenant = make_tenant(api)
    steps = [
        {"position": 1, "operation_id": "company.enrich.technographics"},
        {"position": 2, "operation_id": "company.research.discover_competitors", "fan_out": True},
    ]
    domains = _known(world, "revenueinfra", 20, offset=51)
    submission_id = submit(api, tenant, steps, [{"input": {"company_domain": d}} for d in domains])
    assert wait_for(engine, submission_id) == "completed"
    before = _footprint(engine, submission_id, tenant.org_id)
    with engine.begin() as conn:
        row = conn.execute(select(submissions).where(submissions.c.id == submission_id)).one()
        roots = list(
            conn.execute(
                select(pipeline_runs.c.id).where(
                    pipeline_runs.c.submission_id == submission_id,
                    pipeline_runs.c.parent_pipeline_run_id.is_(None),
                )
            ).scalars()
        )
        # As if the chunk's worker died after the providers answered but before anything was final.
        conn.execute(delete(step_results).where(step_results.c.pipeline_run_id.in_(roots)))
        conn.execute(update(pipeline_runs).where(pipeline_runs.c.id.in_(roots)).values(status="queued"))
    snapshot_steps = row.blueprint_snapshot["steps"]
    plan = build_plan(snapshot_steps, {})
    job = ChunkJob(
        scope=Scope(row.org_id, row.company_id, row.id, row.blueprint_id, row.blueprint_version),
        run_ids=tuple(roots),
        steps=tuple(snapshot_steps),
    )
    report = run_chunk_locally(job, settings, gateway_handles(plan.providers, settings.providers))
    assert report.succeeded == len(roots) and report.steps_executed == 2 * len(roots)
    assert _footprint(engine, submission_id, tenant.org_id) == before


def ray_progress(submission_id: UUID) -> dict[str, Any]:
    import ray

    from cluster.coordinator import find_coordinator

    handle = find_coordinator(submission_id)
    assert handle is not None, "the coordinator lingers after finishing"
    return dict(ray.get(handle.progress.remote(), timeout=10))


def _chunk_workers(submission_id: UUID) -> list[Any]:
    """The worker processes running a chunk of this submission right now (tasks are named after it)."""
    import psutil

    prefix = f"ray::chunk {str(submission_id)[:8]}"
    return [
        p for p in psutil.process_iter(["cmdline"]) if " ".join(p.info["cmdline"] or []).startswith(prefix)
    ]


def _wait_until(predicate: Any, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def _assert_whole(engine: Engine, submission_id: UUID, entities: int) -> None:

    runs = _tree(engine, submission_id)
    assert len([r for r in runs if r.parent_pipeline_run_id is None]) == entities
    assert all(r.status in ("succeeded", "failed") for r in runs)
    with engine.connect() as conn:
        per_step = conn.execute(
            select(operation_runs.c.pipeline_run_id, operation_runs.c.step_position, func.count())
            .where(operation_runs.c.submission_id == submission_id)
            .group_by(operation_runs.c.pipeline_run_id, operation_runs.c.step_position)
        ).all()
        done_steps = conn.execute(
            select(func.count())
            .select_from(step_results)
            .where(step_results.c.submission_id == submission_id)
        ).scalar_one()
    assert all(n == 1 for _, _, n in per_step), "no step executed twice into history"
    assert done_steps >= len(runs)


def test_a_worker_killed_mid_batch_loses_nothing(
    api: ApiClient, engine: Engine, world: World, sandbox: Any
) -> None:
    from tests.support.sandbox import knobs

    tenant = make_tenant(api)
    steps = [
        {"position": 1, "operation_id": "company.enrich.technographics"},
        {"position": 2, "operation_id": "company.research.check_vc_funding"},
    ]
    domains = world.sample_domains(150, seed_offset=61)
    with knobs(sandbox, "leadmagic", latency_ms=400):
        submission_id = submit(api, tenant, steps, [{"input": {"company_domain": d}} for d in domains])
        victims = _wait_until(lambda: _chunk_workers(submission_id))
        victims[0].kill()
        assert wait_for(engine, submission_id) == "completed"
    _assert_whole(engine, submission_id, len(domains))
    progress = ray_progress(submission_id)
    assert progress["chunks_retried"] >= 1 and progress["state"] == "finished"


def test_a_killed_coordinator_is_resumed(
    api: ApiClient, engine: Engine, world: World, sandbox: Any, settings: Any
) -> None:
    import ray

    from cluster.coordinator import find_coordinator
    from cluster.launch import resume_unfinished
    from tests.support.sandbox import knobs

    tenant = make_tenant(api)
    steps = [
        {"position": 1, "operation_id": "company.enrich.technographics"},
        {"position": 2, "operation_id": "company.research.discover_competitors", "fan_out": True},
        {"position": 3, "operation_id": "company.research.check_vc_funding"},
    ]
    domains = world.sample_domains(150, seed_offset=71)
    technographics = "/leadmagic/v1/companies/company-technographics"
    sent_before = sandbox.stats()["leadmagic"]["paths"].get(technographics, 0)
    with knobs(sandbox, "leadmagic", latency_ms=300):
        submission_id = submit(api, tenant, steps, [{"input": {"company_domain": d}} for d in domains])
        coordinator = _wait_until(lambda: find_coordinator(submission_id))
        _wait_until(lambda: _chunk_workers(submission_id))
        ray.kill(coordinator, no_restart=True)
        _wait_until(lambda: find_coordinator(submission_id) is None)
        with engine.connect() as conn:
            assert (
                conn.execute(
                    select(submissions.c.status).where(submissions.c.id == submission_id)
                ).scalar_one()
                == "running"
            )
        assert submission_id in resume_unfinished(settings)
        assert wait_for(engine, submission_id) == "completed"
    _assert_whole(engine, submission_id, len(domains))
    # The chunks the killed coordinator had started were adopted, not replayed beside themselves:
    # every root asked LeadMagic once.
    assert sandbox.stats()["leadmagic"]["paths"].get(technographics, 0) - sent_before == len(domains)
    assert ray_progress(submission_id)["chunks_adopted"] >= 1


def test_execute_shares_the_cluster_gateways(api: ApiClient, world: World, settings: Any) -> None:
    from cluster.actors import gateway_handles, gateway_health

    tenant = make_tenant(api)
    handles = gateway_handles(["leadmagic"], settings.providers)
    before = gateway_health(handles)["leadmagic"].get("calls", 0)
    body = {
        "operation_id": "company.enrich.technographics",
        "input": {"company_domain": world.sample_domains(1)[0]},
    }
    assert api.ok("/api/v1/execute", body, tenant.api_token)["provider_attempts"]
    # The API made the call itself, under the actor's lease; its counters follow within a moment.
    deadline = time.monotonic() + 5
    while gateway_health(handles)["leadmagic"]["calls"] < before + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    health = gateway_health(handles)["leadmagic"]
    assert health["calls"] == before + 1 and health["interactive_reserve"] is True


def test_skip_if_fresh_adopts_stored_data_even_on_replay(
    api: ApiClient, engine: Engine, world: World, settings: Any
) -> None:
    from sqlalchemy import delete, update

    from cluster.actors import gateway_handles
    from cluster.chunk import ChunkJob, run_chunk_locally
    from cluster.plan import build_plan
    from cluster.sink import Scope

    tenant = make_tenant(api)
    domains = _known(world, "prospeo", 6, offset=77)
    entities = [{"input": {"company_domain": d}} for d in domains]
    profiled = submit(api, tenant, [{"position": 1, "operation_id": "company.enrich.profile"}], entities)
    assert wait_for(engine, profiled) == "completed"
    # Step 1 is skipped for entities enriched within a day; step 2 runs only if the context then
    # holds the company's name, which only the stored entity can have supplied.
    fresh = {"skip_if_fresh": {"max_age_hours": 24, "identity_fields": ["company_domain"]}}
    steps = [
        {"position": 1, "operation_id": "company.enrich.profile", "step_config": fresh},
        {
            "position": 2,
            "operation_id": "company.enrich.technographics",
            "step_config": {"condition": {"field": "company_name", "op": "exists"}},
        },
    ]
    submission_id = submit(api, tenant, steps, entities)
    assert wait_for(engine, submission_id) == "completed"

    def outcomes() -> dict[int, set[tuple[str, str | None]]]:
        with engine.connect() as conn:
            rows = conn.execute(
                select(step_results.c.step_position, step_results.c.status, step_results.c.skip_reason).where(
                    step_results.c.submission_id == submission_id
                )
            ).all()
        found: dict[int, set[tuple[str, str | None]]] = {}
        for position, status, reason in rows:
            found.setdefault(position, set()).add((status, reason))
        return found

    assert outcomes() == {1: {("skipped", "entity_state_fresh")}, 2: {("succeeded", None)}}
    with engine.begin() as conn:
        row = conn.execute(select(submissions).where(submissions.c.id == submission_id)).one()
        runs = list(
            conn.execute(
                select(pipeline_runs.c.id).where(pipeline_runs.c.submission_id == submission_id)
            ).scalars()
        )
        # As if the worker died after step 1: step 2 is gone and the runs are unfinished.
        conn.execute(
            delete(step_results).where(
                step_results.c.pipeline_run_id.in_(runs), step_results.c.step_position == 2
            )
        )
        conn.execute(
            delete(operation_runs).where(
                operation_runs.c.pipeline_run_id.in_(runs), operation_runs.c.step_position == 2
            )
        )
        conn.execute(update(pipeline_runs).where(pipeline_runs.c.id.in_(runs)).values(status="running"))
    snapshot_steps = row.blueprint_snapshot["steps"]
    job = ChunkJob(
        scope=Scope(row.org_id, row.company_id, row.id, row.blueprint_id, row.blueprint_version),
        run_ids=tuple(runs),
        steps=tuple(snapshot_steps),
    )
    plan = build_plan(snapshot_steps, {})
    report = run_chunk_locally(job, settings, gateway_handles(plan.providers, settings.providers))
    assert report.succeeded == len(runs) and report.steps_executed == len(runs)
    assert outcomes() == {1: {("skipped", "entity_state_fresh")}, 2: {("succeeded", None)}}


def test_a_provider_out_of_credits_is_called_a_handful_of_times_not_once_per_entity(
    api: ApiClient, engine: Engine, world: World, settings: Any, sandbox: Any
) -> None:
    import ray

    from cluster.actors import gateway_handles
    from tests.support.sandbox import knobs

    tenant = make_tenant(api)
    handle = gateway_handles(["leadmagic"], settings.providers)["leadmagic"]
    entities = [{"input": {"company_domain": d}} for d in world.sample_domains(300, seed_offset=41)]
    before = sandbox.stats()["leadmagic"]["requests"]
    try:
        with knobs(sandbox, "leadmagic", credits=0):
            submission = submit(
                api, tenant, [{"position": 1, "operation_id": "company.enrich.technographics"}], entities
            )
            assert wait_for(engine, submission) in ("completed", "failed")
            sent = sandbox.stats()["leadmagic"]["requests"] - before
            assert ray.get(handle.health.remote())["exhausted"] is True
    finally:
        # Credits are back: a check clears the mark for the tests that follow (it would last 10 minutes).
        assert ray.get(handle.check_credits.remote())["exhausted"] is False
    assert 1 <= sent <= 12, sent
    with engine.connect() as conn:
        ended = conn.execute(
            select(func.count())
            .select_from(pipeline_runs)
            .where(
                pipeline_runs.c.submission_id == submission,
                pipeline_runs.c.status.in_(["failed", "succeeded"]),
            )
        ).scalar_one()
    assert ended == 300  # every run ended, none waited on the provider
