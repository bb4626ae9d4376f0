"""Super-admin CRUD: orgs, companies, users, API tokens and the step registry."""

from __future__ import annotations

from tests.factories import PASSWORD, SUPER_KEY, ApiClient, make_tenant

MISSING = "00000000-0000-4000-8000-000000000000"


def test_orgs_create_get_update_and_slug_conflict(api: ApiClient) -> None:
    org = api.sa("orgs/create", {"name": "Acme", "slug": "acme"})
    assert api.sa("orgs/get", {"id": org["id"]}) == org
    response = api.post("/api/super-admin/orgs/create", {"name": "Other", "slug": "acme"}, SUPER_KEY)
    assert response.status_code == 409 and response.json()["details"][0]["field"] == "slug"
    renamed = api.sa("orgs/update", {"id": org["id"], "name": "Acme Inc"})
    assert renamed["name"] == "Acme Inc" and renamed["slug"] == "acme"
    assert (
        api.post("/api/super-admin/orgs/update", {"id": MISSING, "name": "x"}, SUPER_KEY).status_code == 404
    )


def test_companies_need_an_existing_org_and_a_unique_name(api: ApiClient) -> None:
    org = api.sa("orgs/create", {"name": "Acme", "slug": "acme"})
    company = api.sa("companies/create", {"org_id": org["id"], "name": "Sales", "domain": "acme.com"})
    assert api.sa("companies/get", {"id": company["id"]}) == company
    duplicate = api.post(
        "/api/super-admin/companies/create", {"org_id": org["id"], "name": "Sales"}, SUPER_KEY
    )
    assert duplicate.status_code == 409
    orphan = api.post("/api/super-admin/companies/create", {"org_id": MISSING, "name": "X"}, SUPER_KEY)
    assert orphan.status_code == 404 and orphan.json()["error"] == "org not found"


def test_users_rules(api: ApiClient) -> None:
    first, second = make_tenant(api), make_tenant(api)
    base = {"org_id": str(first.org_id), "email": "new@example.com", "password": PASSWORD}
    cases = [
        ({**base, "role": "member"}, 422, "company_id is required"),
        ({**base, "role": "member", "company_id": str(second.company_ids[0])}, 422, "does not belong"),
        ({**base, "role": "owner"}, 422, None),
        ({**base, "role": "org_admin", "password": "short"}, 422, None),
        ({**base, "role": "org_admin", "email": "not-an-email"}, 422, None),
        ({**base, "role": "org_admin", "email": first.users["member"]["email"]}, 409, None),
        ({**base, "role": "org_admin", "org_id": MISSING}, 404, None),
    ]
    for body, status, text in cases:
        response = api.post("/api/super-admin/users/create", body, SUPER_KEY)
        assert response.status_code == status, (body, response.text)
        if text:
            assert text in response.text
    user = api.sa("users/create", {**base, "email": "New@Example.com ", "role": "org_admin"})
    assert user["email"] == "new@example.com" and "password_hash" not in user and "password" not in user
    listed = api.sa("users/list", {"org_id": str(first.org_id), "per_page": 100})["items"]
    assert user["id"] in {u["id"] for u in listed} and len(listed) == 4
    assert api.sa("users/deactivate", {"id": user["id"]})["is_active"] is False


def test_api_tokens_are_listed_without_secrets_and_revocable(api: ApiClient) -> None:
    world = make_tenant(api)
    listed = api.sa("api-tokens/list", {"org_id": str(world.org_id)})["items"]
    assert len(listed) == 1 and "token" not in listed[0] and "token_hash" not in listed[0]
    revoked = api.sa("api-tokens/revoke", {"id": str(world.api_token_id)})
    assert revoked["revoked_at"] is not None
    again = api.sa("api-tokens/revoke", {"id": str(world.api_token_id)})
    assert again["revoked_at"] == revoked["revoked_at"]
    missing_user = api.post(
        "/api/super-admin/api-tokens/create", {"user_id": MISSING, "name": "x"}, SUPER_KEY
    )
    assert missing_user.status_code == 404


def test_step_registry(api: ApiClient) -> None:
    world = make_tenant(api)
    step = api.sa("steps/register", {"slug": "clean-domains", "name": "Clean domains", "step_type": "clean"})
    assert step["default_config"] == {} and step["is_active"] is True
    assert api.post("/api/super-admin/steps/register", {**step, "id": None}, SUPER_KEY).status_code == 422
    conflict = {"slug": "clean-domains", "name": "Again", "step_type": "clean"}
    assert api.post("/api/super-admin/steps/register", conflict, SUPER_KEY).status_code == 409
    updated = api.sa("steps/update", {"id": step["id"], "default_config": {"lowercase": True}})
    assert updated["default_config"] == {"lowercase": True}
    member = world.tokens["member"]
    assert [s["slug"] for s in api.ok("/api/steps/list", {}, member)["items"]] == ["clean-domains"]
    assert api.ok("/api/steps/get", {"id": step["id"]}, member)["name"] == "Clean domains"
    api.sa("steps/deactivate", {"id": step["id"]})
    assert api.ok("/api/steps/list", {}, member)["items"] == []
    assert api.post("/api/steps/get", {"id": step["id"]}, member).status_code == 404
    assert [s["id"] for s in api.sa("steps/list", {"include_inactive": True})["items"]] == [step["id"]]
    assert api.sa("steps/get", {"id": step["id"]})["is_active"] is False
