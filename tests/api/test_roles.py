"""Roles inside one org: members read, admins write, company-scoped users stay in their company."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.factories import ApiClient, add_blueprint, add_submission, make_tenant

STEPS = [{"position": 1, "operation_id": "company.enrich.profile"}]


def test_members_cannot_write_blueprints_but_can_read_them(api: ApiClient) -> None:
    world = make_tenant(api)
    blueprint = add_blueprint(api, world)
    member = world.tokens["member"]
    response = api.post("/api/blueprints/create", {"name": "mine", "steps": STEPS}, member)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert api.post("/api/blueprints/update", {"id": blueprint["id"], "name": "x"}, member).status_code == 403
    assert api.ok("/api/blueprints/get", {"id": blueprint["id"]}, member)["name"] == "outbound"
    assert api.ok("/api/blueprints/create", {"name": "ca", "steps": STEPS}, world.tokens["company_admin"])


def test_company_scoped_users_see_only_their_company(api: ApiClient, engine: Engine) -> None:
    world = make_tenant(api)
    add_blueprint(api, world)
    own, other = world.company_ids
    own_submission = add_submission(engine, world, own)
    other_submission = add_submission(engine, world, other)
    for role in ("company_admin", "member"):
        token = world.tokens[role]
        companies = api.ok("/api/companies/list", {}, token)["items"]
        assert [c["id"] for c in companies] == [str(own)]
        assert api.post("/api/companies/get", {"id": str(other)}, token).status_code == 403
        assert api.ok("/api/companies/get", {"id": str(own)}, token)["id"] == str(own)
        listed = api.ok("/api/submissions/list", {}, token)["items"]
        assert [s["id"] for s in listed] == [str(own_submission)]
        response = api.post("/api/submissions/list", {"company_id": str(other)}, token)
        assert response.status_code == 403 and response.json()["error"] == "Forbidden company access"
        assert api.post("/api/submissions/get", {"id": str(other_submission)}, token).status_code == 403
    admin_view = api.ok("/api/submissions/list", {}, world.tokens["org_admin"])["items"]
    assert {s["id"] for s in admin_view} == {str(own_submission), str(other_submission)}


def test_users_endpoints_are_for_org_admins(api: ApiClient) -> None:
    world = make_tenant(api)
    for role in ("company_admin", "member"):
        assert api.post("/api/users/list", {}, world.tokens[role]).status_code == 403
        assert (
            api.post("/api/users/get", {"id": world.users[role]["id"]}, world.tokens[role]).status_code == 403
        )
    users = api.ok("/api/users/list", {}, world.tokens["org_admin"])["items"]
    assert len(users) == 3 and all("password_hash" not in u for u in users)


def test_role_is_read_from_the_database_not_the_token(api: ApiClient, engine: Engine) -> None:
    from sqlalchemy import update

    from store.tables import users

    world = make_tenant(api)
    admin_jwt = world.tokens["org_admin"]
    with engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.id == world.users["org_admin"]["id"])
            .values(role="member", company_id=world.company_ids[0])
        )
    assert api.ok("/api/auth/me", token=admin_jwt)["role"] == "member"
    assert api.post("/api/users/list", {}, admin_jwt).status_code == 403
    assert api.post("/api/users/list", {}, world.api_token).status_code == 403


def test_submission_detail_counts_runs(api: ApiClient, engine: Engine) -> None:
    world = make_tenant(api)
    add_blueprint(api, world)
    submission_id = add_submission(engine, world, world.company_ids[0], runs=3)
    detail = api.ok("/api/submissions/get", {"id": str(submission_id)}, world.tokens["org_admin"])
    assert detail["run_counts"]["queued"] == 3 and detail["status"] == "queued"
