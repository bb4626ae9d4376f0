"""Spending caps (real Ray, PostgreSQL, the sandbox over HTTP): never crossed, resumable, shared by an org."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, text

from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from tests.cluster.test_engine import wait_for
from tests.factories import ApiClient, TenantWorld, make_tenant
from tests.support.sandbox import knobs
from tests.support.spend import account

pytestmark = pytest.mark.usefixtures("ray_cluster")

STEPS = [{"position": 1, "operation_id": "company.enrich.technographics"}]


def _submit(api: ApiClient, tenant: TenantWorld, domains: list[str], **extra: Any) -> UUID:
    blueprint = api.ok(
        "/api/blueprints/create",
        {"name": f"capped-{len(domains)}-{domains[0]}", "steps": STEPS},
        tenant.tokens["org_admin"],
    )
    body = {
        "blueprint_id": blueprint["id"],
        "company_id": str(tenant.company_ids[0]),
        "entities": [{"input": {"company_domain": d}} for d in domains],
        **extra,
    }
    return UUID(api.ok("/api/v1/batch/submit", body, tenant.api_token)["submission_id"])


def _spent(engine: Engine, where: str, params: dict[str, Any]) -> float:
    with engine.connect() as conn:
        return float(
            conn.execute(
                text(f"SELECT coalesce(sum(cost_usd), 0) FROM operation_attempts WHERE {where}"), params
            ).scalar_one()
        )


def _runs(engine: Engine, submission_id: UUID) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, count(*) FROM pipeline_runs WHERE submission_id = :s GROUP BY 1"),
            {"s": submission_id},
        )
        return {status: int(n) for status, n in rows}


def test_a_capped_batch_stops_at_its_cap_and_completes_under_a_higher_one(
    api: ApiClient, engine: Engine, world: World, sandbox: SandboxServer
) -> None:
    tenant = make_tenant(api)
    domains = world.sample_domains(150, seed_offset=811)
    cap = 0.75
    with knobs(sandbox, "leadmagic", latency_ms=30):
        submission_id = _submit(api, tenant, domains, max_cost_usd=cap)
        assert wait_for(engine, submission_id, timeout_s=300) == "budget_exhausted"
        spent = _spent(engine, "submission_id = :s", {"s": submission_id})
        runs = _runs(engine, submission_id)
        assert 0 < spent <= cap + 1e-9, f"spent ${spent} under a ${cap} cap"
        assert runs.get("succeeded", 0) > 0 and runs.get("budget_exhausted", 0) > 0, runs

        status = api.ok("/api/v1/batch/status", {"submission_id": str(submission_id)}, tenant.api_token)
        assert status["submission"]["status"] == "budget_exhausted"
        assert status["summary"]["budget_exhausted"] == runs["budget_exhausted"]
        assert status["spend"]["max_cost_usd"] == cap
        assert abs(status["spend"]["spent_usd"] - spent) < 1e-6 and set(status["spend"]["by_provider"]) == {
            "leadmagic"
        }

        too_low = api.post(
            "/api/v1/batch/resume",
            {"submission_id": str(submission_id), "max_cost_usd": spent / 2},
            tenant.api_token,
        )
        assert too_low.status_code == 409, too_low.text
        resumed = api.ok(
            "/api/v1/batch/resume",
            {"submission_id": str(submission_id), "max_cost_usd": 50.0},
            tenant.api_token,
        )
        assert resumed["requeued_runs"] == runs["budget_exhausted"]
        assert wait_for(engine, submission_id, timeout_s=300) == "completed"
    assert _runs(engine, submission_id) == {"succeeded": len(domains)}
    books = account(engine, submission_id, {"leadmagic": 0})
    assert books.bought_twice == 0 and books.steps_twice == 0


def test_an_org_cap_holds_across_two_batches_running_at_once(
    api: ApiClient, engine: Engine, world: World, sandbox: SandboxServer
) -> None:
    tenant = make_tenant(api)
    cap = 1.0
    api.sa("orgs/update", {"id": str(tenant.org_id), "monthly_budget_usd": cap})
    with knobs(sandbox, "leadmagic", latency_ms=30):
        first = _submit(api, tenant, world.sample_domains(120, seed_offset=821))
        second = _submit(api, tenant, world.sample_domains(120, seed_offset=831))
        statuses = {wait_for(engine, first, timeout_s=300), wait_for(engine, second, timeout_s=300)}
    spent = _spent(engine, "org_id = :o", {"o": tenant.org_id})
    assert 0 < spent <= cap + 1e-9, f"the org spent ${spent} under a ${cap} monthly cap"
    assert "budget_exhausted" in statuses
    both = _runs(engine, first) | {f"2:{k}": v for k, v in _runs(engine, second).items()}
    assert both.get("succeeded", 0) + both.get("2:succeeded", 0) > 0, both
    # Another org is not held back by this one's cap.
    other = make_tenant(api)
    with knobs(sandbox, "leadmagic", latency_ms=30):
        free = _submit(api, other, world.sample_domains(40, seed_offset=841))
        assert wait_for(engine, free, timeout_s=300) == "completed"
