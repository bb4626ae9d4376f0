"""Two tenants: every tenant endpoint tried with the other org's ids answers 404; lists never leak."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine

from tests.factories import ApiClient, TenantWorld, add_blueprint, add_submission, make_tenant


@pytest.fixture
def two_tenants(api: ApiClient, engine: Engine) -> tuple[TenantWorld, TenantWorld]:
    worlds = []
    for label in ("alpha", "beta"):
        world = make_tenant(api, label)
        add_blueprint(api, world)
        for company_id in world.company_ids:
            add_submission(engine, world, company_id)
        worlds.append(world)
    return worlds[0], worlds[1]


def _foreign_ids(other: TenantWorld) -> dict[str, UUID]:
    assert other.blueprint_id is not None
    return {
        "blueprint": other.blueprint_id,
        "company": other.company_ids[0],
        "user": UUID(other.users["member"]["id"]),
        "submission": other.submission_ids[0],
    }


GET_CALLS = [
    ("/api/blueprints/get", "blueprint"),
    ("/api/companies/get", "company"),
    ("/api/users/get", "user"),
    ("/api/submissions/get", "submission"),
]


@pytest.mark.parametrize(("path", "kind"), GET_CALLS)
@pytest.mark.parametrize("credential", ["jwt", "api_token"])
def test_other_orgs_ids_answer_404_like_missing_ones(
    api: ApiClient, two_tenants: tuple[TenantWorld, TenantWorld], path: str, kind: str, credential: str
) -> None:
    mine, theirs = two_tenants
    token = mine.tokens["org_admin"] if credential == "jwt" else mine.api_token
    foreign = api.post(path, {"id": str(_foreign_ids(theirs)[kind])}, token)
    missing = api.post(path, {"id": "00000000-0000-4000-8000-000000000000"}, token)
    assert foreign.status_code == 404, foreign.text
    assert foreign.json() == missing.json()


def test_blueprint_update_of_another_org_is_404_and_changes_nothing(
    api: ApiClient, two_tenants: tuple[TenantWorld, TenantWorld]
) -> None:
    mine, theirs = two_tenants
    body = {"id": str(theirs.blueprint_id), "name": "hijacked", "is_active": False}
    assert api.post("/api/blueprints/update", body, mine.tokens["org_admin"]).status_code == 404
    still = api.ok("/api/blueprints/get", {"id": str(theirs.blueprint_id)}, theirs.tokens["org_admin"])
    assert still["name"] == "outbound" and still["is_active"] is True and still["version"] == 1


LIST_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("/api/blueprints/list", {}, "org_id"),
    ("/api/companies/list", {}, "org_id"),
    ("/api/users/list", {}, "org_id"),
    ("/api/submissions/list", {}, "org_id"),
]


@pytest.mark.parametrize(("path", "body", "org_field"), LIST_CALLS)
def test_lists_show_only_the_callers_org(
    api: ApiClient,
    two_tenants: tuple[TenantWorld, TenantWorld],
    path: str,
    body: dict[str, Any],
    org_field: str,
) -> None:
    for mine, theirs in (two_tenants, two_tenants[::-1]):
        page = api.ok(path, {**body, "per_page": 100}, mine.tokens["org_admin"])
        assert page["items"], "the caller's own rows are listed"
        assert {item[org_field] for item in page["items"]} == {str(mine.org_id)}
        their_ids = {str(v) for v in _foreign_ids(theirs).values()} | {str(c) for c in theirs.company_ids}
        assert not their_ids & {item["id"] for item in page["items"]}


def test_filtering_by_another_orgs_company_returns_nothing(
    api: ApiClient, two_tenants: tuple[TenantWorld, TenantWorld]
) -> None:
    mine, theirs = two_tenants
    body = {"company_id": str(theirs.company_ids[0])}
    assert api.ok("/api/submissions/list", body, mine.tokens["org_admin"])["items"] == []
    assert api.ok("/api/users/list", body, mine.tokens["org_admin"])["items"] == []


def test_super_admin_sees_both_orgs(api: ApiClient, two_tenants: tuple[TenantWorld, TenantWorld]) -> None:
    orgs = {o["id"] for o in api.sa("orgs/list", {"per_page": 100})["items"]}
    assert {str(w.org_id) for w in two_tenants} <= orgs
    for world in two_tenants:
        listed = api.sa("companies/list", {"org_id": str(world.org_id)})["items"]
        assert {c["id"] for c in listed} == {str(c) for c in world.company_ids}
