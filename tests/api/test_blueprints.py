"""Blueprints: create, read, list, update with atomic step replacement, 409 on a duplicate name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import ApiClient, make_tenant

STEPS: list[dict[str, Any]] = [
    {"position": 2, "operation_id": "person.search", "fan_out": True, "step_config": {"max_results": 3}},
    {"position": 1, "operation_id": "company.enrich.profile", "step_config": None},
]


def test_create_returns_steps_in_order_with_their_config(api: ApiClient) -> None:
    world = make_tenant(api)
    created = api.ok("/api/blueprints/create", {"name": "bp", "steps": STEPS}, world.tokens["org_admin"])
    assert created["org_id"] == str(world.org_id) and created["version"] == 1
    assert created["created_by_user_id"] == world.users["org_admin"]["id"]
    steps = created["blueprint_steps"]
    assert [s["position"] for s in steps] == [1, 2]
    assert steps[0] == {
        **steps[0],
        "operation_id": "company.enrich.profile",
        "step_config": {},
        "fan_out": False,
    }
    assert steps[1]["step_config"] == {"max_results": 3} and steps[1]["fan_out"] is True
    assert api.ok("/api/blueprints/get", {"id": created["id"]}, world.api_token) == created


def test_duplicate_name_in_the_same_org_is_409_but_other_orgs_may_reuse_it(api: ApiClient) -> None:
    first, second = make_tenant(api), make_tenant(api)
    body = {"name": "same", "steps": STEPS}
    api.ok("/api/blueprints/create", body, first.tokens["org_admin"])
    response = api.post("/api/blueprints/create", body, first.tokens["org_admin"])
    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and response.json()["details"][0]["field"] == "name"
    api.ok("/api/blueprints/create", body, second.tokens["org_admin"])


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "steps"),
        ([{"position": 1, "operation_id": "a.b"}, {"position": 1, "operation_id": "c.d"}], "steps"),
        ([{"position": 0, "operation_id": "a.b"}], "steps.0.position"),
        ([{"position": 1, "operation_id": "Not An Op"}], "steps.0.operation_id"),
        ([{"position": 1, "operation_id": "a.b", "bogus": 1}], "steps.0.bogus"),
        ([{"position": "one", "operation_id": "a.b"}], "steps.0.position"),
        ([{"position": 1, "operation_id": "a.b", "step_config": []}], "steps.0.step_config"),
    ],
)
def test_invalid_steps_are_422_naming_the_field(api: ApiClient, steps: list[Any], field: str) -> None:
    world = make_tenant(api)
    response = api.post("/api/blueprints/create", {"name": "bad", "steps": steps}, world.tokens["org_admin"])
    assert response.status_code == 422, response.text
    assert field in {d["field"] for d in response.json()["details"]}
    assert api.ok("/api/blueprints/list", {}, world.tokens["org_admin"])["items"] == []


def test_update_replaces_steps_atomically_and_bumps_the_version(api: ApiClient) -> None:
    world = make_tenant(api)
    token = world.tokens["org_admin"]
    created = api.ok("/api/blueprints/create", {"name": "bp", "steps": STEPS}, token)
    new_steps = [{"position": 1, "operation_id": "person.contact.verify_email"}]
    updated = api.ok("/api/blueprints/update", {"id": created["id"], "steps": new_steps}, token)
    assert updated["version"] == 2 and updated["name"] == "bp"
    assert [s["operation_id"] for s in updated["blueprint_steps"]] == ["person.contact.verify_email"]
    renamed = api.ok("/api/blueprints/update", {"id": created["id"], "description": "d"}, token)
    assert renamed["description"] == "d" and len(renamed["blueprint_steps"]) == 1 and renamed["version"] == 3


def test_failed_update_changes_nothing(api: ApiClient) -> None:
    world = make_tenant(api)
    token = world.tokens["org_admin"]
    api.ok("/api/blueprints/create", {"name": "taken", "steps": STEPS}, token)
    created = api.ok("/api/blueprints/create", {"name": "bp", "steps": STEPS}, token)
    body = {
        "id": created["id"],
        "name": "taken",
        "steps": [{"position": 1, "operation_id": "person.contact.verify_email"}],
    }
    assert api.post("/api/blueprints/update", body, token).status_code == 409
    assert api.ok("/api/blueprints/get", {"id": created["id"]}, token) == created


def test_list_filters_and_paginates(api: ApiClient) -> None:
    world = make_tenant(api)
    token = world.tokens["org_admin"]
    ids = [
        api.ok("/api/blueprints/create", {"name": f"bp{i}", "steps": STEPS}, token)["id"] for i in range(5)
    ]
    api.ok("/api/blueprints/update", {"id": ids[0], "is_active": False}, token)
    first = api.ok("/api/blueprints/list", {"per_page": 2}, token)
    assert first["pagination"] == {"page": 1, "per_page": 2, "returned": 2, "has_more": True}
    last = api.ok("/api/blueprints/list", {"per_page": 2, "page": 3}, token)
    assert last["pagination"]["returned"] == 1 and last["pagination"]["has_more"] is False
    seen = [
        b["id"]
        for p in (1, 2, 3)
        for b in api.ok("/api/blueprints/list", {"per_page": 2, "page": p}, token)["items"]
    ]
    assert sorted(seen) == sorted(ids)
    active = api.ok("/api/blueprints/list", {"is_active": True}, token)["items"]
    assert {b["id"] for b in active} == set(ids[1:]) and all("blueprint_steps" not in b for b in active)


def test_super_admin_manages_blueprints_of_any_org(api: ApiClient) -> None:
    world = make_tenant(api)
    created = api.sa("blueprints/create", {"org_id": str(world.org_id), "name": "ops", "steps": STEPS})
    assert created["created_by_user_id"] is None
    tenant_view = api.ok("/api/blueprints/get", {"id": created["id"]}, world.tokens["member"])
    assert tenant_view["name"] == "ops"
    updated = api.sa("blueprints/update", {"id": created["id"], "is_active": False})
    assert updated["is_active"] is False and updated["version"] == 2
    listed = api.sa("blueprints/list", {"org_id": str(world.org_id)})["items"]
    assert [b["id"] for b in listed] == [created["id"]]
    missing_org = {"org_id": "00000000-0000-4000-8000-000000000000", "name": "x", "steps": STEPS}
    assert (
        api.post(
            "/api/super-admin/blueprints/create", missing_org, "test-super-admin-api-key-0123456789"
        ).status_code
        == 404
    )


def test_static_validation_names_the_step_and_the_problem(api: ApiClient) -> None:
    world = make_tenant(api)
    token = world.tokens["org_admin"]
    cases = [
        (
            [{"position": 1, "operation_id": "company.enrich.nope"}],
            "steps.0.operation_id",
            "unknown operation",
        ),
        (
            [
                {"position": 1, "operation_id": "company.enrich.technographics"},
                {"position": 2, "operation_id": "person.contact.resolve_email"},
            ],
            "steps.1.operation_id",
            "first_name|last_name|full_name",
        ),
        (
            [{"position": 1, "operation_id": "company.enrich.profile", "fan_out": True}],
            "steps.0.fan_out",
            "no list of entities",
        ),
        (
            [
                {
                    "position": 1,
                    "operation_id": "company.enrich.profile",
                    "step_config": {"condition": {"field": "x", "op": "gt", "value": "many"}},
                }
            ],
            "steps.0.step_config.condition.value",
            "must be a number for op gt",
        ),
    ]
    for steps, field, text in cases:
        response = api.post("/api/blueprints/create", {"name": "bad", "steps": steps}, token)
        assert response.status_code == 422, response.text
        details = response.json()["details"]
        assert any(d["field"] == field and text in d["message"] for d in details), details
    assert api.ok("/api/blueprints/list", {}, token)["items"] == []


def test_entity_inputs_are_declared_checked_and_returned(api: ApiClient) -> None:
    world = make_tenant(api)
    token = world.tokens["org_admin"]
    steps = [
        {"position": 1, "operation_id": "person.search", "fan_out": True},
        {"position": 2, "operation_id": "person.contact.resolve_email"},
    ]
    created = api.ok(
        "/api/blueprints/create",
        {"name": "outbound", "entity_inputs": ["company_domain"], "steps": steps},
        token,
    )
    assert created["entity_inputs"] == ["company_domain"]
    wrong = api.post("/api/blueprints/update", {"id": created["id"], "entity_inputs": ["email"]}, token)
    assert wrong.status_code == 422 and "steps.0.operation_id" in {
        d["field"] for d in wrong.json()["details"]
    }
    unchanged = api.ok("/api/blueprints/get", {"id": created["id"]}, token)
    assert unchanged["entity_inputs"] == ["company_domain"] and unchanged["version"] == 1
