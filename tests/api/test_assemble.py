"""POST /api/blueprints/assemble: structured goals planned, refused plainly, saved, and run on the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.app import create_app
from config import Settings
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.tables import pipeline_runs, step_results
from tests.cluster.test_engine import wait_for
from tests.factories import ApiClient, TenantWorld, make_tenant
from tests.support.sandbox import knobs

ASSEMBLE = "/api/blueprints/assemble"
ISSUE_GOAL = {
    "outputs": ["work_email", "email_status"],
    "conditions": [{"field": "employee_count", "op": "gte", "value": 50}],
    "search": {"job_title": "VP of Sales"},
    "limits": {"max_results": 2},
}


@pytest.fixture
def tenant(api: ApiClient) -> TenantWorld:
    return make_tenant(api)


def _body(goal: Any, **extra: Any) -> dict[str, Any]:
    return {"goal": goal, "entity_type": "company", "available_inputs": ["company_domain"], **extra}


def test_a_structured_goal_answers_a_blueprint_with_reasons_cost_and_fields(
    api: ApiClient, tenant: TenantWorld
) -> None:
    data = api.ok(ASSEMBLE, _body(ISSUE_GOAL), tenant.tokens["member"])
    assert data["read_by"] is None and data["saved"] is None and data["unsatisfied"] == []
    steps = data["blueprint"]["steps"]
    assert [s["position"] for s in steps] == [1, 2, 3, 4]
    assert steps[1]["operation_id"] == "person.search" and steps[1]["fan_out"]
    assert steps[1]["step_config"]["condition"] == ISSUE_GOAL["conditions"][0]
    assert all(s["why"] for s in data["steps"])
    cost = data["cost_per_entity_usd"]
    assert 0 < cost["low"] <= cost["expected"] <= cost["high"]
    assert set(data["outputs"]) == {"work_email", "email_status"}
    assert [p["entity_type"] for p in data["produces"]] == ["company", "person"]
    # The answer's blueprint is one /api/blueprints/create takes as it is.
    created = api.ok("/api/blueprints/create", data["blueprint"], tenant.tokens["org_admin"])
    assert len(created["blueprint_steps"]) == 4


def test_what_cannot_be_done_is_listed_beside_what_can(api: ApiClient, tenant: TenantWorld) -> None:
    goal = {"outputs": ["technologies", "wrk_email"]}
    data = api.ok(ASSEMBLE, _body(goal), tenant.tokens["member"])
    assert [s["operation_id"] for s in data["steps"]] and list(data["outputs"]) == ["technologies"]
    assert data["unsatisfied"] == [
        "output 'wrk_email' is not in the registry (did you mean work_email, email, personal_email?)"
    ]


def test_an_impossible_goal_is_refused_with_each_reason(api: ApiClient, tenant: TenantWorld) -> None:
    body = {
        "goal": {"outputs": ["annual_card_revenue"]},
        "entity_type": "person",
        "available_inputs": ["full_name"],
    }
    response = api.post(ASSEMBLE, body, tenant.tokens["member"])
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "goal_unsatisfiable"
    assert "no operation on a person produces annual_card_revenue" in error["error"]
    assert {d["field"] for d in error["details"]} == {"goal"}


ISSUE_SENTENCE = (
    "for each company, find its VP of Sales or Head of Revenue and a verified work email; "
    "skip companies under 50 employees"
)


@contextmanager
def api_with(settings: Settings, engine: Engine, *without_key: str) -> Iterator[ApiClient]:
    """An app of its own whose providers named in without_key have no key."""
    credentials = {
        name: own.model_copy(update={"api_key": None}) if name in without_key else own
        for name, own in settings.providers.credentials.items()
    }
    providers = settings.providers.model_copy(update={"credentials": credentials})
    app = create_app(settings.model_copy(update={"providers": providers}), engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield ApiClient(client)


def test_a_plain_language_goal_without_a_model_shows_the_structured_form(
    settings: Settings, engine: Engine, tenant: TenantWorld
) -> None:
    with api_with(settings, engine, "openai", "gemini") as bare:
        response = bare.post(ASSEMBLE, _body("find the VP of Sales of each company"), tenant.tokens["member"])
    assert response.status_code == 400, response.text
    error = response.json()
    assert (
        error["code"] == "goal_needs_model" and '"outputs": ["work_email", "email_status"]' in error["error"]
    )


def test_the_issues_sentence_read_by_openai_plans_as_its_structured_form(
    api: ApiClient, tenant: TenantWorld
) -> None:
    data = api.ok(ASSEMBLE, _body(ISSUE_SENTENCE), tenant.tokens["member"])
    assert data["read_by"] == "openai" and data["repairs"] == 0
    assert data["goal"] == {
        "outputs": ["work_email", "email_status"],
        "conditions": [{"field": "employee_count", "op": "gte", "value": 50}],
        "each": "person",
        "search": {"job_title": "VP of Sales"},
    }
    structured = api.ok(ASSEMBLE, _body(data["goal"]), tenant.tokens["member"])
    assert structured["blueprint"]["steps"] == data["blueprint"]["steps"]
    assert data["blueprint"]["description"] == ISSUE_SENTENCE


def test_gemini_reads_the_goal_when_openai_has_no_key(
    settings: Settings, engine: Engine, tenant: TenantWorld
) -> None:
    with api_with(settings, engine, "openai") as gemini_only:
        data = gemini_only.ok(ASSEMBLE, _body(ISSUE_SENTENCE), tenant.tokens["member"])
    assert data["read_by"] == "gemini" and data["repairs"] == 0
    assert data["goal"]["outputs"] == ["work_email", "email_status"]


@pytest.mark.parametrize("model", ["openai", "gemini"])
def test_an_answer_naming_an_unknown_field_is_repaired(
    settings: Settings, engine: Engine, tenant: TenantWorld, sandbox: SandboxServer, model: str
) -> None:
    # The sandbox's models answer a "direct dial" as `direct_dial` first, `mobile_phone` once told.
    others = ("openai",) if model == "gemini" else ()
    calls = sandbox.stats()[model]["requests"]
    with api_with(settings, engine, *others) as client:
        data = client.ok(
            ASSEMBLE, _body("the direct dial of the CFO of each company"), tenant.tokens["member"]
        )
    assert data["read_by"] == model and data["repairs"] == 1
    assert data["goal"]["outputs"] == ["mobile_phone"] and data["goal"]["search"] == {"job_title": "CFO"}
    assert sandbox.stats()[model]["requests"] - calls == 2
    first = data["steps"][0]
    assert first["operation_id"] == "person.search" and first["fan_out"] and data["unsatisfied"] == []


def test_an_answer_still_wrong_after_two_repairs_is_refused_and_never_saved(
    api: ApiClient, tenant: TenantWorld, sandbox: SandboxServer
) -> None:
    calls = sandbox.stats()["openai"]["requests"]
    body = _body("the fax number of each company", save=True, name="fax")
    response = api.post(ASSEMBLE, body, tenant.tokens["org_admin"])
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "goal_unreadable" and "still wrong after 2 repairs" in error["error"]
    assert "output 'fax_number' is not in the registry" in error["details"][0]["message"]
    assert sandbox.stats()["openai"]["requests"] - calls == 3
    assert api.ok("/api/blueprints/list", {}, tenant.tokens["member"])["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"goal": {"outputs": []}, "available_inputs": ["company_domain"]},
        {"goal": {"outputs": ["email"], "colour": "red"}, "available_inputs": ["company_domain"]},
        {"goal": {"outputs": ["email"]}, "available_inputs": []},
        {"goal": {"outputs": ["email"]}, "available_inputs": ["Company Domain"]},
        {"goal": {"outputs": ["email"]}, "entity_type": "deal", "available_inputs": ["company_domain"]},
    ],
)
def test_a_malformed_request_is_a_422(api: ApiClient, tenant: TenantWorld, body: dict[str, Any]) -> None:
    response = api.post(ASSEMBLE, body, tenant.tokens["member"])
    assert response.status_code == 422 and response.json()["code"] == "validation_error", response.text


def test_saving_is_for_admins_and_goes_through_the_create_path(api: ApiClient, tenant: TenantWorld) -> None:
    body = _body({"outputs": ["technologies"]}, save=True, name="tech stack")
    assert api.post(ASSEMBLE, body, tenant.tokens["member"]).status_code == 403
    data = api.ok(ASSEMBLE, body, tenant.tokens["org_admin"])
    assert data["saved"]["name"] == "tech stack" and data["saved"]["entity_inputs"] == ["company_domain"]
    stored = api.ok("/api/blueprints/get", {"id": data["saved"]["id"]}, tenant.tokens["member"])
    assert [s["operation_id"] for s in stored["blueprint_steps"]] == [
        s["operation_id"] for s in data["steps"]
    ]
    again = api.post(ASSEMBLE, body, tenant.tokens["org_admin"])
    assert again.status_code == 409, again.text


@pytest.mark.usefixtures("ray_cluster")
def test_an_assembled_blueprint_runs_end_to_end_on_the_sandbox(
    api: ApiClient, engine: Engine, tenant: TenantWorld, world: World
) -> None:
    data = api.ok(ASSEMBLE, _body(ISSUE_GOAL, save=True, name="vp of sales"), tenant.tokens["org_admin"])
    fan_at = next(s["position"] for s in data["steps"] if s["fan_out"])
    email_at = data["outputs"]["work_email"]["step"]
    domains = world.sample_domains(12, seed_offset=73)
    submitted = api.ok(
        "/api/v1/batch/submit",
        {
            "blueprint_id": data["saved"]["id"],
            "company_id": str(tenant.company_ids[0]),
            "entities": [{"input": {"company_domain": d}} for d in domains],
        },
        tenant.api_token,
    )
    submission_id = UUID(submitted["submission_id"])
    assert wait_for(engine, submission_id) == "completed"
    with engine.connect() as conn:
        runs = conn.execute(select(pipeline_runs).where(pipeline_runs.c.submission_id == submission_id)).all()
        results = conn.execute(
            select(step_results).where(step_results.c.submission_id == submission_id)
        ).all()
    roots = [r for r in runs if r.parent_pipeline_run_id is None]
    children = [r for r in runs if r.parent_pipeline_run_id is not None]
    assert len(roots) == len(domains)
    by_run = {(r.pipeline_run_id, r.step_position): r for r in results}

    def found(row: Any, field: str) -> bool:
        outcome = (row.output_payload or {}).get("operation_result") or {}
        return outcome.get("status") == "found" and field in outcome.get("fields", [])

    listed = 0
    for root in roots:
        fan = by_run[(root.id, fan_at)]
        # The condition decides on what step 1 found: a company of unknown size lists nobody.
        if fan.status == "skipped":
            assert fan.skip_reason == "condition_not_met"
        else:
            assert fan.status == "succeeded" and found(by_run[(root.id, 1)], "employee_count")
            listed += 1
    assert 0 < listed < len(roots)
    assert children and all(c.entity_type == "person" and c.start_position == fan_at + 1 for c in children)
    assert any(found(by_run[(c.id, email_at)], "work_email") for c in children)


def test_the_reading_goes_through_the_gateway_a_rate_limit_is_waited_out(
    api: ApiClient, tenant: TenantWorld, sandbox: SandboxServer
) -> None:
    # One reading a second at most: the second reading meets a 429, and the gateway waits it out.
    before = sandbox.stats()["openai"]
    with knobs(sandbox, "openai", rate_per_second=1, burst=1):
        for _ in range(2):
            data = api.ok(ASSEMBLE, _body(ISSUE_SENTENCE), tenant.tokens["member"])
            assert data["read_by"] == "openai" and data["repairs"] == 0
            assert data["reading_cost_usd"] > 0  # priced from the answer's token usage
    after = sandbox.stats()["openai"]
    assert after["rate_limited"] - before["rate_limited"] >= 1
    assert after["served"] - before["served"] == 2


def test_a_model_that_keeps_failing_is_a_503_after_the_gateways_retries(
    api: ApiClient, tenant: TenantWorld, sandbox: SandboxServer
) -> None:
    before = sandbox.stats()["openai"]["requests"]
    with knobs(sandbox, "openai", error_rate=1.0, error_retry_after_s=0):
        response = api.post(ASSEMBLE, _body(ISSUE_SENTENCE), tenant.tokens["member"])
    assert response.status_code == 503, response.text
    error = response.json()
    assert (
        error["code"] == "model_unavailable" and "openai did not read the goal (HTTP 500)" in error["error"]
    )
    assert sandbox.stats()["openai"]["requests"] - before > 1  # retried before giving up
