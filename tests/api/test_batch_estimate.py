"""POST /api/v1/batch/estimate: a dry run that stores nothing, calls no provider, and reads only its org."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, func, insert, select

from providers.sandbox.server import SandboxServer
from store.repositories.operation_history import insert_operation_history
from store.tables import company_entities, operation_runs, pipeline_runs, submissions
from tests.factories import ApiClient, TenantWorld, make_tenant

ESTIMATE = "/api/v1/batch/estimate"
OUTBOUND = [
    {"position": 1, "operation_id": "company.enrich.profile"},
    {"position": 2, "operation_id": "person.search", "fan_out": True, "step_config": {"max_results": 3}},
    {"position": 3, "operation_id": "person.contact.resolve_email"},
    {
        "position": 4,
        "operation_id": "person.contact.verify_email",
        "step_config": {"condition": {"field": "email", "op": "exists"}},
    },
]
TECH = [
    {
        "position": 1,
        "operation_id": "company.enrich.technographics",
        "step_config": {"skip_if_fresh": {"max_age_hours": 24}},
    }
]


def _tenant(api: ApiClient, steps: list[dict[str, Any]]) -> TenantWorld:
    tenant = make_tenant(api)
    body = {"name": "estimated", "steps": steps}
    tenant.blueprint_id = UUID(api.ok("/api/blueprints/create", body, tenant.tokens["org_admin"])["id"])
    return tenant


def _body(tenant: TenantWorld, domains: list[str]) -> dict[str, Any]:
    return {
        "blueprint_id": str(tenant.blueprint_id),
        "company_id": str(tenant.company_ids[0]),
        "entities": [{"input": {"company_domain": d}} for d in domains],
    }


def _sent(sandbox: SandboxServer) -> dict[str, int]:
    return {name: int(stats.get("requests", 0)) for name, stats in sandbox.stats().items()}


def test_an_estimate_calls_no_provider_and_stores_nothing(
    api: ApiClient, engine: Engine, sandbox: SandboxServer
) -> None:
    tenant = _tenant(api, OUTBOUND)
    sandbox.reset()
    data = api.ok(ESTIMATE, _body(tenant, [f"c{i}.example.com" for i in range(40)]), tenant.api_token)
    assert sum(_sent(sandbox).values()) == 0, sandbox.stats()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(submissions)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(pipeline_runs)).scalar_one() == 0
    assert data["entities"] == 40 and data["fresh_entities"] == 0
    assert [s["operation_id"] for s in data["steps"]] == [s["operation_id"] for s in OUTBOUND]
    cost = data["cost_usd"]
    assert 0 < cost["low"] <= cost["expected"] <= cost["high"]
    profile, search, emails, _ = data["steps"]
    # company.enrich.profile merges: every provider is asked for every entity.
    assert {p["provider"]: p["calls"]["expected"] for p in profile["providers"]}["prospeo"] == 40
    # The fan-out is ranged from max_results: 0 to 3 children per parent, half of it expected.
    assert search["children_per_parent"] == {"low": 0.0, "expected": 1.5, "high": 3.0}
    assert emails["entities"] == {"low": 0.0, "expected": 60.0, "high": 120.0}
    # With no history every figure is a stated default.
    assert any("person.search: no history in this org" in line for line in data["assumptions"])
    assert all(s["history_runs"] == 0 for s in data["steps"])
    prices = {a["action"]: a["price_usd"] for p in profile["providers"] for a in p["actions"]}
    assert prices["enrich_company"] > 0  # the adapter's documented price


def test_bad_input_is_a_clear_4xx(api: ApiClient) -> None:
    tenant = _tenant(api, OUTBOUND)
    good = _body(tenant, ["a.example.com"])
    cases = [
        ({**good, "blueprint_id": str(uuid4())}, 404, "not found"),
        ({**good, "blueprint_id": "nope"}, 422, "blueprint_id"),
        ({**good, "entities": []}, 422, "entities"),
        ({**good, "entities": [{"input": {"nothing": "usable"}}]}, 422, "cannot run this blueprint"),
        ({**good, "company_id": str(uuid4())}, 404, "company"),
        ({**good, "surprise": 1}, 422, "surprise"),
    ]
    for body, status, said in cases:
        response = api.post(ESTIMATE, body, tenant.api_token)
        assert response.status_code == status, (body, response.text)
        assert said in response.text, response.text
    assert api.post(ESTIMATE, good).status_code == 401


def _history(engine: Engine, org_id: UUID, runs: int, cost: float) -> None:
    """Write `runs` technographics runs in which LeadMagic found the company at `cost` each."""
    run_rows, attempts = [], []
    for _ in range(runs):
        run_id = uuid4()
        run_rows.append(
            {
                "run_id": run_id,
                "org_id": org_id,
                "operation_id": "company.enrich.technographics",
                "entity_type": "company",
                "status": "found",
                "cost_usd": cost,
            }
        )
        attempts.append(
            {
                "run_id": run_id,
                "attempt_index": 0,
                "org_id": org_id,
                "provider": "leadmagic",
                "action": "technographics",
                "status": "found",
                "cost_usd": cost,
            }
        )
    with engine.begin() as conn:
        insert_operation_history(conn=conn, runs=run_rows, attempts=attempts)


def test_only_the_orgs_own_history_is_used(api: ApiClient, engine: Engine) -> None:
    ours, theirs = _tenant(api, TECH), _tenant(api, TECH)
    _history(engine, theirs.org_id, runs=30, cost=0.5)
    domains = [f"c{i}.example.com" for i in range(10)]
    mine = api.ok(ESTIMATE, _body(ours, domains), ours.api_token)
    other = api.ok(ESTIMATE, _body(theirs, domains), theirs.api_token)
    # Ours knows nothing: LeadMagic's documented price, stated as a default.
    assert mine["steps"][0]["history_runs"] == 0
    assert mine["cost_usd"]["expected"] == pytest.approx(10 * 0.0245)
    assert any("no history" in line for line in mine["assumptions"])
    # Theirs pays what its history paid.
    assert other["steps"][0]["history_runs"] == 30
    assert other["cost_usd"]["expected"] == pytest.approx(10 * 0.5)
    assert other["steps"][0]["providers"][0]["hit_rate"] == 1.0
    assert not any("no history" in line for line in other["assumptions"])


def test_entities_already_fresh_cost_nothing(api: ApiClient, engine: Engine) -> None:
    tenant, stranger = _tenant(api, TECH), _tenant(api, TECH)
    with engine.begin() as conn:
        for org_id, domain in ((tenant.org_id, "fresh.example.com"), (stranger.org_id, "theirs.example.com")):
            conn.execute(
                insert(company_entities).values(
                    org_id=org_id, entity_id=uuid4(), canonical_domain=domain, last_enriched_at=func.now()
                )
            )
    domains = ["fresh.example.com", "theirs.example.com", "new.example.com"]
    data = api.ok(ESTIMATE, _body(tenant, domains), tenant.api_token)
    assert data["fresh_entities"] == 1 and data["steps"][0]["fresh"] == 1
    assert data["steps"][0]["executed"]["expected"] == 2
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(operation_runs)).scalar_one() == 0
