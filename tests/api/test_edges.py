"""Edges of every request body: numbers the store cannot hold, JSON types as declared, declared inputs."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import BaseModel
from sqlalchemy import Engine, func, select

import api.routers
import api.schemas
from api.schemas.common import RequestModel
from store.tables import pipeline_runs, steps, submissions
from tests.factories import SUPER_KEY, ApiClient, TenantWorld, bearer, make_tenant

OUT_OF_RANGE = "integer out of range (must fit in 64 bits)"
TECH = [{"position": 1, "operation_id": "company.enrich.technographics"}]
PROFILE = [{"position": 1, "operation_id": "company.enrich.profile"}]


def post_raw(api: ApiClient, path: str, body: dict[str, Any], token: str, **literals: str) -> Response:
    """Post body as JSON text, with each "@name" string replaced by the raw JSON token literals[name]."""
    text = json.dumps(body)
    for name, token_text in literals.items():
        text = text.replace(json.dumps(f"@{name}"), token_text)
    headers = {**bearer(token), "content-type": "application/json"}
    return api.client.post(path, content=text.encode(), headers=headers)


def refused(response: Response) -> dict[str, Any]:
    """Assert a 422 in the envelope and return the body."""
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "code", "details"} and body["code"] == "validation_error", body
    return body


def field_messages(response: Response) -> dict[str, str]:
    return {d["field"]: d["message"] for d in refused(response)["details"]}


@pytest.fixture
def tenant(api: ApiClient, engine: Engine) -> TenantWorld:
    tenant = make_tenant(api)
    body = {"name": "tech", "steps": TECH}
    tenant.blueprint_id = api.ok("/api/blueprints/create", body, tenant.tokens["org_admin"])["id"]
    return tenant


def _submit(tenant: TenantWorld, entities: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "blueprint_id": str(tenant.blueprint_id),
        "company_id": str(tenant.company_ids[0]),
        "entities": [{"input": e} for e in entities],
        **extra,
    }


# --- numbers JSON can carry but the store cannot ----------------------------------------------------

Body = Callable[[TenantWorld], dict[str, Any]]
TENANT_BIG_INTEGERS: list[tuple[str, Body, str]] = [
    (
        "/api/blueprints/create",
        lambda t: {"name": "x", "steps": [{**TECH[0], "step_config": {"max_results": "@n"}}]},
        "steps.0.step_config.max_results",
    ),
    (
        "/api/v1/batch/submit",
        lambda t: _submit(t, [{"company_domain": f"c{i}.com"} for i in range(3)] + [{"employees": "@n"}]),
        "entities.3.input.employees",
    ),
    (
        "/api/v1/batch/submit",
        lambda t: _submit(t, [{"company_domain": "a.com"}], metadata={"crm": {"ids": [1, "@n"]}}),
        "metadata.crm.ids.1",
    ),
    (
        "/api/v1/batch/estimate",
        lambda t: _submit(t, [{"company_domain": "a.com", "n": "@n"}]),
        "entities.0.input.n",
    ),
    ("/api/v1/execute", lambda t: {"operation_id": "x.y.z", "input": {"n": "@n"}}, "input.n"),
]
SUPER_ADMIN_BIG_INTEGERS: list[tuple[str, dict[str, Any], str]] = [
    (
        "/api/super-admin/steps/register",
        {"slug": "s", "name": "S", "step_type": "enrich", "executor_config": {"timeout": "@n"}},
        "executor_config.timeout",
    ),
    (
        "/api/super-admin/steps/register",
        {"slug": "s", "name": "S", "step_type": "enrich", "input_schema": {"max": ["@n"]}},
        "input_schema.max.0",
    ),
    (
        "/api/super-admin/steps/update",
        {"id": str(uuid4()), "executor_config": {"a": {"b": "@n"}}},
        "executor_config.a.b",
    ),
    (
        "/api/super-admin/blueprints/create",
        {"org_id": str(uuid4()), "name": "x", "steps": [{**TECH[0], "step_config": {"x": "@n"}}]},
        "steps.0.step_config.x",
    ),
]
BEYOND_64_BITS = [str(2**63), str(-(2**63) - 1), "1" + "0" * 40]


def test_an_integer_beyond_64_bits_is_422_naming_its_path(
    api: ApiClient, engine: Engine, tenant: TenantWorld
) -> None:
    cases = [
        (path, body(tenant), field, tenant.tokens["org_admin"]) for path, body, field in TENANT_BIG_INTEGERS
    ]
    cases += [(path, body, field, SUPER_KEY) for path, body, field in SUPER_ADMIN_BIG_INTEGERS]
    for path, body, field, token in cases:
        for number in BEYOND_64_BITS:
            response = post_raw(api, path, body, token, n=number)
            assert field_messages(response) == {field: OUT_OF_RANGE}, (path, number)
            assert field in refused(response)["error"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(steps)).scalar_one() == 0


@pytest.mark.parametrize("token", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_422_and_never_stored_as_null(
    api: ApiClient, engine: Engine, token: str
) -> None:
    register = {"slug": "s", "name": "S", "step_type": "enrich", "executor_config": {"a": [1.5, "@x"]}}
    messages = field_messages(post_raw(api, "/api/super-admin/steps/register", register, SUPER_KEY, x=token))
    assert list(messages) == ["executor_config.a.1"] and "finite" in messages["executor_config.a.1"]
    # A typed number too.
    budget = {"id": str(uuid4()), "monthly_budget_usd": "@x"}
    response = post_raw(api, "/api/super-admin/orgs/update", budget, SUPER_KEY, x=token)
    assert list(field_messages(response)) == ["monthly_budget_usd"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(steps)).scalar_one() == 0


def test_a_batch_with_non_finite_numbers_names_each(
    api: ApiClient, engine: Engine, tenant: TenantWorld
) -> None:
    entities = [{"company_domain": "a.com", "revenue": "@x"}, {"company_domain": "b.com", "n": [1, "@y"]}]
    capped = _submit(tenant, entities, max_cost_usd="@y")
    response = post_raw(api, "/api/v1/batch/submit", capped, tenant.api_token, x="1e400", y="NaN")
    assert set(field_messages(response)) == {
        "max_cost_usd",
        "entities.0.input.revenue",
        "entities.1.input.n.1",
    }
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(submissions)).scalar_one() == 0


def test_the_64_bit_bounds_and_large_doubles_are_stored_exactly(api: ApiClient, engine: Engine) -> None:
    config = {"max": 2**63 - 1, "min": -(2**63), "big": 1e300, "tiny": 5e-324, "nested": [{"n": 2**62}]}
    body = {"slug": "edges", "name": "Edges", "step_type": "enrich", "executor_config": config}
    stored = api.ok("/api/super-admin/steps/register", body, SUPER_KEY)
    assert stored["executor_config"] == config
    assert api.sa("steps/get", {"id": stored["id"]})["executor_config"] == config
    # PostgreSQL prints 1e300 with all its digits: it still reads back as the number it was.
    assert api.sa("steps/update", {"id": stored["id"], "name": "again"})["executor_config"] == config


def test_a_body_nested_too_deeply_is_refused_never_500(api: ApiClient, engine: Engine) -> None:
    def nested(depth: int) -> str:
        return "[" * depth + "1" + "]" * depth

    # Past the JSON parser's own depth (5,000) the body cannot even be read: a 422 all the same.
    for depth, status in ((100, 200), (101, 422), (400, 422), (5_000, 422)):
        register = {"slug": f"d{depth}", "name": "S", "step_type": "enrich", "executor_config": {"a": "@x"}}
        response = post_raw(api, "/api/super-admin/steps/register", register, SUPER_KEY, x=nested(depth - 1))
        assert response.status_code == status, (depth, response.text[:300])
        if status == 422:
            assert "nested too deeply" in refused(response)["error"]


# --- JSON types as declared -------------------------------------------------------------------------

# What each declared type refuses: booleans are only true/false, integers only JSON integers.
NOT_AN_INTEGER = ["true", "false", '"5"', "1.5", "2.0", "null"]
NOT_A_BOOLEAN = ["0", "1", '"true"', '"false"', '"yes"', "null"]
TENANT_STRICT: list[tuple[str, Body, str, list[str]]] = [
    ("/api/blueprints/list", lambda t: {"page": "@v"}, "page", NOT_AN_INTEGER),
    ("/api/blueprints/list", lambda t: {"per_page": "@v"}, "per_page", NOT_AN_INTEGER),
    ("/api/blueprints/list", lambda t: {"is_active": "@v"}, "is_active", NOT_A_BOOLEAN[:-1]),
    (
        "/api/blueprints/create",
        lambda t: {"name": "x", "steps": [{**TECH[0], "position": "@v"}]},
        "steps.0.position",
        NOT_AN_INTEGER,
    ),
    (
        "/api/blueprints/create",
        lambda t: {"name": "x", "steps": [{**TECH[0], "fan_out": "@v"}]},
        "steps.0.fan_out",
        NOT_A_BOOLEAN,
    ),
    (
        "/api/v1/batch/status",
        lambda t: {"submission_id": str(uuid4()), "include_steps": "@v"},
        "include_steps",
        NOT_A_BOOLEAN,
    ),
    (
        "/api/v1/batch/submit",
        lambda t: _submit(t, [{"company_domain": "a.com"}], max_cost_usd="@v"),
        "max_cost_usd",
        ['"5"', "true"],
    ),
    (
        "/api/v1/batch/submit",
        lambda t: {**_submit(t, []), "entities": [{"input": "@v"}]},
        "entities.0.input",
        ['"x"', "[]", "1"],
    ),
]
SUPER_ADMIN_STRICT: list[tuple[str, dict[str, Any], str, list[str]]] = [
    (
        "/api/super-admin/orgs/update",
        {"id": str(uuid4()), "is_active": "@v"},
        "is_active",
        NOT_A_BOOLEAN[:-1],
    ),
    ("/api/super-admin/steps/list", {"include_inactive": "@v"}, "include_inactive", NOT_A_BOOLEAN),
    ("/api/super-admin/orgs/create", {"name": "@v", "slug": "ok"}, "name", ["5", "true", "1.5", "[]"]),
    ("/api/super-admin/orgs/get", {"id": "@v"}, "id", ["1", "true"]),
]


def test_a_value_of_the_wrong_json_type_is_422_naming_the_field(api: ApiClient, tenant: TenantWorld) -> None:
    cases = [(p, body(tenant), f, values, tenant.tokens["org_admin"]) for p, body, f, values in TENANT_STRICT]
    cases += [(p, body, f, values, SUPER_KEY) for p, body, f, values in SUPER_ADMIN_STRICT]
    for path, body, field, values, token in cases:
        for value in values:
            assert field in field_messages(post_raw(api, path, body, token, v=value)), (path, value)


def test_ids_datetimes_enums_and_integral_numbers_keep_their_json_forms(
    api: ApiClient, tenant: TenantWorld
) -> None:
    token = tenant.tokens["org_admin"]
    page = api.ok("/api/blueprints/list", {"page": 1, "per_page": 10, "is_active": True}, token)
    assert page["pagination"] == {"page": 1, "per_page": 10, "returned": 1, "has_more": False}
    assert api.ok("/api/blueprints/get", {"id": str(tenant.blueprint_id)}, token)["name"] == "tech"
    issued = api.sa(
        "api-tokens/create",
        {"user_id": tenant.users["member"]["id"], "name": "ci", "expires_at": "2999-01-02T03:04:05+00:00"},
    )
    assert issued["expires_at"].startswith("2999-01-02T03:04:05")
    # A date-time is text: a number is no Unix time here.
    when = api.post(
        "/api/super-admin/api-tokens/create",
        {"user_id": issued["user_id"], "name": "x", "expires_at": 32503680000},
        SUPER_KEY,
    )
    assert "expires_at" in field_messages(when)
    # An integer is a number for a float field; an enum is its string.
    estimate = {**_submit(tenant, [{"company_domain": "a.com"}]), "max_cost_usd": 5}
    assert api.post("/api/v1/batch/estimate", estimate, token).status_code == 200
    assert api.ok("/api/operations/list", {"entity_type": "person"}, token)
    assert "entity_type" in field_messages(api.post("/api/operations/list", {"entity_type": 1}, token))


def _schema_nodes(model: type[BaseModel]) -> Iterator[dict[str, Any]]:
    """Yield every node of the model's validation schema."""
    stack: list[Any] = [model.__pydantic_core_schema__]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)


def _strictness_problems(model: type[BaseModel]) -> list[str]:
    problems = []
    for node in _schema_nodes(model):
        kind = node.get("type")
        if kind == "model" and node.get("config", {}).get("strict") is not True:
            problems.append(f"{node['cls'].__name__} is not strict: derive it from RequestModel")
        elif kind in ("uuid", "datetime") and node.get("strict") is not False:
            problems.append(
                f"a {kind} field of {model.__name__} refuses JSON text: declare it Id/IsoDateTime"
            )
        elif kind in ("int", "bool", "float", "str") and node.get("strict") is False:
            problems.append(f"a {kind} field of {model.__name__} is lax")
    return problems


def _all_request_models() -> list[type[RequestModel]]:
    for package in (api.schemas, api.routers):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    found, stack = [], [RequestModel]
    while stack:
        model = stack.pop()
        found.append(model)
        stack.extend(model.__subclasses__())
    return found


def test_every_route_takes_a_strict_json_body(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    checked = 0
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        assert not [p.name for p in route.dependant.query_params], f"{route.path} reads the query string"
        for param in route.dependant.body_params:
            model = param.field_info.annotation
            assert isinstance(model, type) and issubclass(model, RequestModel), route.path
            assert _strictness_problems(model) == [], route.path
            checked += 1
    assert checked > 40


def test_every_request_model_is_strict_except_form_fields() -> None:
    # A form (the file upload's fields) carries text only: it converts, by design.
    lax = {"UploadFields"}
    models = [m for m in _all_request_models() if m.__name__ not in lax and not m.__name__.startswith("_")]
    assert len(models) > 30
    assert {m.__name__: _strictness_problems(m) for m in models if _strictness_problems(m)} == {}


# --- declared entity inputs -------------------------------------------------------------------------


@pytest.fixture
def declared(api: ApiClient, tenant: TenantWorld) -> TenantWorld:
    """The tenant with a blueprint whose entities must each bring company_domain."""
    body = {"name": "needs a domain", "entity_inputs": ["company_domain"], "steps": PROFILE}
    tenant.blueprint_id = api.ok("/api/blueprints/create", body, tenant.tokens["org_admin"])["id"]
    return tenant


def test_submit_lists_every_entity_without_a_declared_input(
    api: ApiClient, engine: Engine, declared: TenantWorld
) -> None:
    entities = [
        {"company_domain": "acme.com"},
        {"company_name": "Acme"},  # enough for company.enrich.profile, not for the blueprint
        {"company_domain": "", "company_name": "Globex"},
        {"company_domain": "umbrella.io", "company_name": "Umbrella"},
        {"company_website": "https://initech.com"},  # nothing derives the domain in a JSON batch
    ]
    for path in ("/api/v1/batch/submit", "/api/v1/batch/estimate"):
        body = refused(api.post(path, _submit(declared, entities), declared.tokens["org_admin"]))
        assert [d["field"] for d in body["details"]] == [
            "entities.1.input",
            "entities.2.input",
            "entities.4.input",
        ]
        assert all("missing company_domain" in d["message"] for d in body["details"])
        assert body["error"].startswith("3 entities cannot run this blueprint (entities.1.input: missing")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(pipeline_runs)).scalar_one() == 0


def test_a_domain_that_names_no_website_is_refused_as_dex_enrich_refuses_it(
    api: ApiClient, engine: Engine, declared: TenantWorld
) -> None:
    entities = [
        {"company_domain": "https://www.Acme.com/pricing"},  # a URL names its domain: fine
        {"company_domain": "jane.doe@gmail.com"},
        {"company_domain": "10.0.0.7"},
        {"company_domain": "intranet"},
        {"company_domain": "münchen.de"},  # an IDN is a domain
        {"company_domain": 42},
        {"company_domain": "globex.com", "company_website": "localhost:8080"},
    ]
    for path in ("/api/v1/batch/submit", "/api/v1/batch/estimate"):
        body = refused(api.post(path, _submit(declared, entities), declared.tokens["org_admin"]))
        assert {d["field"]: d["message"] for d in body["details"]} == {
            "entities.1.input": "company_domain 'jane.doe@gmail.com' is an email address, not a website",
            "entities.2.input": "company_domain '10.0.0.7' is an IP address, not a website",
            "entities.3.input": "company_domain 'intranet' is a single name with no dot, not a website",
            "entities.5.input": "company_domain must be text, a domain or website",
            "entities.6.input": "company_website 'localhost:8080' is a local host name, not a website",
        }
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(pipeline_runs)).scalar_one() == 0


def test_the_first_100_offending_entities_are_listed_and_all_counted(
    api: ApiClient, declared: TenantWorld
) -> None:
    entities = [{"company_domain": "acme.com"}] + [{"company_name": f"n{i}"} for i in range(250)]
    body = refused(api.post("/api/v1/batch/submit", _submit(declared, entities), declared.api_token))
    assert len(body["details"]) == 100
    assert (
        body["details"][0]["field"] == "entities.1.input"
        and body["details"][-1]["field"] == "entities.100.input"
    )
    assert body["error"].startswith("250 entities cannot run this blueprint, the first 100 listed")


def test_without_declared_inputs_the_first_step_decides(api: ApiClient, tenant: TenantWorld) -> None:
    body = {"name": "profile", "steps": PROFILE}
    tenant.blueprint_id = api.ok("/api/blueprints/create", body, tenant.tokens["org_admin"])["id"]
    estimate = _submit(tenant, [{"company_name": "Acme"}, {"company_domain": "acme.com"}])
    assert api.post("/api/v1/batch/estimate", estimate, tenant.api_token).status_code == 200
    one_bad = refused(
        api.post("/api/v1/batch/estimate", _submit(tenant, [{"email": "a@b.co"}]), tenant.api_token)
    )
    assert one_bad["error"].startswith("1 entity cannot run this blueprint")
