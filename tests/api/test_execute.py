"""/api/v1/execute through HTTP with tenant auth, and /api/operations/list."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from api.services.execution import catalogue
from config import ProviderSettings
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.tables import operation_attempts, operation_runs
from tests.factories import ApiClient, make_tenant
from tests.support.sandbox import knobs


def _known_domain(world: World) -> str:
    for domain in world.sample_domains(100):
        if world.knows("leadmagic", domain) and world.company(domain):
            return domain
    raise AssertionError("no company known to leadmagic")


def test_execute_runs_the_operation_and_records_history(api: ApiClient, engine: Engine, world: World) -> None:
    tenant = make_tenant(api)
    body = {
        "operation_id": "company.enrich.technographics",
        "input": {"company_domain": _known_domain(world)},
    }
    data = api.ok("/api/v1/execute", body, tenant.api_token)
    assert data["status"] == "found" and data["output"]["technology_count"] == len(
        data["output"]["technologies"]
    )
    assert data["output"]["source_provider"] == "leadmagic" and data["provider_order_used"] == ["leadmagic"]
    attempt = data["provider_attempts"][0]
    assert (
        attempt["status"] == "found" and attempt["http_status"] == 200 and attempt["duration_ms"] is not None
    )
    with engine.connect() as conn:
        run = conn.execute(select(operation_runs)).one()
        attempts = conn.execute(select(func.count()).select_from(operation_attempts)).scalar_one()
    assert str(run.run_id) == data["run_id"] and run.org_id == tenant.org_id and run.status == "found"
    assert run.auth_method == "api_token" and attempts == 1


def test_unknown_operation_and_wrong_entity_type_are_422(api: ApiClient) -> None:
    tenant = make_tenant(api)
    response = api.post("/api/v1/execute", {"operation_id": "company.enrich.nope"}, tenant.api_token)
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "operation_id"
    body = {"operation_id": "company.enrich.technographics", "entity_type": "person"}
    response = api.post("/api/v1/execute", body, tenant.api_token)
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "entity_type"


def test_missing_inputs_are_reported_not_500(api: ApiClient) -> None:
    tenant = make_tenant(api)
    data = api.ok(
        "/api/v1/execute",
        {"operation_id": "person.contact.verify_email", "input": {"x": 1}},
        tenant.api_token,
    )
    assert data["status"] == "failed" and data["missing_inputs"] == ["email|work_email"]
    assert data["provider_attempts"] == [] and data["error"]["code"] == "missing_inputs"


def test_a_malformed_provider_body_is_a_structured_error(
    api: ApiClient, sandbox: SandboxServer, world: World
) -> None:
    tenant = make_tenant(api)
    body = {
        "operation_id": "company.enrich.technographics",
        "input": {"company_domain": _known_domain(world)},
    }
    with knobs(sandbox, "leadmagic", malformed_rate=1.0):
        response = api.post("/api/v1/execute", body, tenant.tokens["member"])
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "failed" and data["output"] is None
    assert data["provider_attempts"][0]["error_class"] == "malformed_body"


def test_company_scope_is_enforced(api: ApiClient) -> None:
    first, second = make_tenant(api), make_tenant(api)
    body = {"operation_id": "person.contact.verify_email", "input": {"email": "a@b.co"}}
    foreign = api.post("/api/v1/execute", {**body, "company_id": str(second.company_ids[0])}, first.api_token)
    assert foreign.status_code == 404
    pinned = api.post(
        "/api/v1/execute", {**body, "company_id": str(first.company_ids[1])}, first.tokens["member"]
    )
    assert pinned.status_code == 403


def test_operations_list_describes_inputs_outputs_and_providers(api: ApiClient) -> None:
    tenant = make_tenant(api)
    listed = {op["operation_id"]: op for op in api.ok("/api/operations/list", {}, tenant.api_token)}
    verify = listed["person.contact.verify_email"]
    assert verify["inputs"]["required"] == [["email", "work_email"]]
    assert verify["providers"] == ["millionverifier", "reoon"] and "verification" in verify["outputs"]
    people = api.ok("/api/operations/list", {"entity_type": "person"}, tenant.api_token)
    assert all(op["entity_type"] == "person" for op in people)
    assert all(op["providers_without_credentials"] == {} for op in listed.values())  # all keyed here


def test_operations_list_names_the_providers_that_will_be_skipped() -> None:
    providers = ProviderSettings.for_sandbox(
        "http://127.0.0.1:9", "k", adyntel_account_email=None, millionverifier_api_key=None
    )
    listed = {op["operation_id"]: op for op in catalogue(None, providers)}
    unconfigured = listed["company.ads.search.meta"]["providers_without_credentials"]
    assert unconfigured == {"adyntel": ["ADYNTEL_ACCOUNT_EMAIL"]}
    verify = listed["person.contact.verify_email"]["providers_without_credentials"]
    assert verify == {"millionverifier": ["MILLIONVERIFIER_API_KEY"]}


def test_execute_stops_at_the_orgs_monthly_budget(api: ApiClient, world: World) -> None:
    tenant = make_tenant(api)
    domains = [d for d in world.sample_domains(200, seed_offset=5) if world.knows("leadmagic", d)][:3]
    # Room for one technographics call ($0.0245 worst case), not two.
    api.sa("orgs/update", {"id": str(tenant.org_id), "monthly_budget_usd": 0.03})
    first = {"operation_id": "company.enrich.technographics", "input": {"company_domain": domains[0]}}
    assert api.ok("/api/v1/execute", first, tenant.api_token)["status"] == "found"
    second = {"operation_id": "company.enrich.technographics", "input": {"company_domain": domains[1]}}
    refused = api.post("/api/v1/execute", second, tenant.api_token)
    assert refused.status_code == 402, refused.text
    assert refused.json()["code"] == "budget_exhausted" and "monthly budget" in refused.json()["error"]
    # Another org is not held back by this one's cap.
    other = make_tenant(api)
    third = {"operation_id": "company.enrich.technographics", "input": {"company_domain": domains[2]}}
    assert api.ok("/api/v1/execute", third, other.api_token)["status"] == "found"
