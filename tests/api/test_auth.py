"""Every auth path accepted; every bad credential rejected with the one 401 envelope."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.factories import PASSWORD, SUPER_KEY, TEST_SECRETS, ApiClient, bearer, make_tenant


def _unsigned(claims: dict[str, object]) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _claims_for(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def assert_401(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["code"] == "unauthorized" and isinstance(body["error"], str)
    assert response.headers["www-authenticate"] == "Bearer"


def test_login_issues_a_jwt_that_identifies_the_user(api: ApiClient) -> None:
    world = make_tenant(api)
    # Email is trimmed and lower-cased before lookup.
    email = "  " + world.users["org_admin"]["email"].upper() + "  "
    data = api.ok("/api/auth/login", {"email": email, "password": PASSWORD})
    assert data["token_type"] == "bearer"
    me = api.ok("/api/auth/me", token=data["access_token"])
    assert me == {
        "user_id": world.users["org_admin"]["id"],
        "org_id": str(world.org_id),
        "company_id": None,
        "role": "org_admin",
        "auth_method": "jwt",
    }
    claims = _claims_for(data["access_token"])
    assert claims["type"] == "session" and claims["exp"] > time.time() + 23 * 3600


@pytest.mark.parametrize(
    "body",
    [
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "org_admin.{label}@example.com", "password": "wrong password"},
    ],
)
def test_login_failures_are_one_401(api: ApiClient, body: dict[str, str]) -> None:
    make_tenant(api, "lf")
    body = {k: v.format(label="lf") for k, v in body.items()}
    response = api.post("/api/auth/login", body)
    assert_401(response)
    assert response.json()["error"] == "Invalid credentials"


def test_api_token_authenticates_as_its_user(api: ApiClient) -> None:
    world = make_tenant(api)
    me = api.ok("/api/auth/me", token=world.api_token)
    assert me["auth_method"] == "api_token"
    assert me["user_id"] == world.users["org_admin"]["id"] and me["role"] == "org_admin"


def test_company_scoped_user_carries_their_company(api: ApiClient) -> None:
    world = make_tenant(api)
    me = api.ok("/api/auth/me", token=world.tokens["member"])
    assert me["role"] == "member" and me["company_id"] == str(world.company_ids[0])


def test_revoked_api_token_is_rejected_at_once(api: ApiClient) -> None:
    world = make_tenant(api)
    api.sa("api-tokens/revoke", {"id": str(world.api_token_id)})
    assert_401(api.post("/api/auth/me", token=world.api_token))


def test_expired_api_token_is_rejected(api: ApiClient, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from store.tables import api_tokens

    world = make_tenant(api)
    with engine.begin() as conn:
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == world.api_token_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert_401(api.post("/api/auth/me", token=world.api_token))


def test_token_with_future_expiry_works_and_past_expiry_is_refused(api: ApiClient) -> None:
    world = make_tenant(api)
    user_id = world.users["member"]["id"]
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    issued = api.sa("api-tokens/create", {"user_id": user_id, "name": "short", "expires_at": later})
    assert api.ok("/api/auth/me", token=issued["token"])["role"] == "member"
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    response = api.post(
        "/api/super-admin/api-tokens/create", {"user_id": user_id, "name": "x", "expires_at": past}, SUPER_KEY
    )
    assert response.status_code == 422


def test_deactivation_revokes_jwts_and_api_tokens_immediately(api: ApiClient) -> None:
    world = make_tenant(api)
    jwt_token = world.tokens["org_admin"]
    assert api.post("/api/auth/me", token=jwt_token).status_code == 200
    api.sa("users/deactivate", {"id": world.users["org_admin"]["id"]})
    assert_401(api.post("/api/auth/me", token=jwt_token))
    assert_401(api.post("/api/auth/me", token=world.api_token))
    assert_401(
        api.post("/api/auth/login", {"email": world.users["org_admin"]["email"], "password": PASSWORD})
    )


def test_deactivated_org_locks_out_its_users(api: ApiClient) -> None:
    world = make_tenant(api)
    api.sa("orgs/update", {"id": str(world.org_id), "is_active": False})
    assert_401(api.post("/api/auth/me", token=world.tokens["member"]))
    assert_401(api.post("/api/auth/me", token=world.api_token))


def _forged(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {"type": "session", "sub": "", "org_id": "", "iat": now, "exp": now + 600, **overrides}


def test_bad_jwts_are_rejected(api: ApiClient) -> None:
    world = make_tenant(api)
    user = world.users["org_admin"]
    good = _forged(sub=user["id"], org_id=user["org_id"])
    secret = TEST_SECRETS["jwt_secret"]
    now = int(time.time())
    cases = {
        "expired": jwt.encode({**good, "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256"),
        "wrong signature": jwt.encode(good, "another-secret-0123456789abcdef0123", algorithm="HS256"),
        "alg none": _unsigned(good),
        "super-admin secret": jwt.encode(good, TEST_SECRETS["super_admin_jwt_secret"], algorithm="HS256"),
        "wrong type": jwt.encode({**good, "type": "super_admin"}, secret, algorithm="HS256"),
        "no exp": jwt.encode({k: v for k, v in good.items() if k != "exp"}, secret, algorithm="HS256"),
        "sub not a uuid": jwt.encode({**good, "sub": "admin"}, secret, algorithm="HS256"),
        "org mismatch": jwt.encode({**good, "org_id": str(world.company_ids[0])}, secret, algorithm="HS256"),
        "HS512": jwt.encode(good, secret, algorithm="HS512"),
        "garbage": "not.a.jwt",
    }
    # The forged-but-valid token is accepted, so each rejection below is due to its one defect.
    assert api.post("/api/auth/me", token=jwt.encode(good, secret, algorithm="HS256")).status_code == 200
    for name, token in cases.items():
        response = api.post("/api/auth/me", token=token)
        assert response.status_code == 401, name


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer   "},
    ],
)
def test_missing_or_malformed_authorization_is_401(api: ApiClient, headers: dict[str, str]) -> None:
    assert_401(api.client.post("/api/auth/me", json={}, headers=headers))


def test_unknown_api_token_is_401(api: ApiClient) -> None:
    assert_401(api.post("/api/auth/me", token="dex_" + "A" * 54))


def test_super_admin_key_and_jwt(api: ApiClient) -> None:
    me = api.ok("/api/super-admin/me", token=SUPER_KEY)
    assert me["auth_method"] == "api_key" and me["super_admin_id"] == "00000000-0000-0000-0000-000000000000"
    assert_401(api.post("/api/super-admin/me", token=SUPER_KEY + "x"))


def test_super_admin_login_and_inactive_super_admin(api: ApiClient, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from api.auth.passwords import hash_password
    from store.repositories.super_admins import create_super_admin
    from store.tables import super_admins

    with engine.begin() as conn:
        admin = create_super_admin(conn=conn, email="ops@example.com", password_hash=hash_password(PASSWORD))
    token = api.ok("/api/super-admin/login", {"email": "ops@example.com", "password": PASSWORD})[
        "access_token"
    ]
    me = api.ok("/api/super-admin/me", token=token)
    assert me == {"super_admin_id": str(admin["id"]), "email": "ops@example.com", "auth_method": "jwt"}
    assert_401(api.post("/api/super-admin/login", {"email": "ops@example.com", "password": "nope-nope"}))
    with engine.begin() as conn:
        conn.execute(update(super_admins).values(is_active=False))
    assert_401(api.post("/api/super-admin/me", token=token))
    response = api.post("/api/super-admin/login", {"email": "ops@example.com", "password": PASSWORD})
    assert_401(response)
    assert response.json()["error"] == "Super admin is inactive"


def test_credentials_do_not_cross_realms(api: ApiClient) -> None:
    world = make_tenant(api)
    assert_401(api.post("/api/super-admin/orgs/list", token=world.tokens["org_admin"]))
    assert_401(api.post("/api/super-admin/orgs/list", token=world.api_token))
    assert_401(api.post("/api/auth/me", token=SUPER_KEY))
    tenant_claims = _claims_for(world.tokens["org_admin"])
    as_super = jwt.encode({**tenant_claims, "type": "super_admin"}, TEST_SECRETS["super_admin_jwt_secret"])
    assert_401(api.post("/api/super-admin/me", token=as_super))


def test_internal_service_key_needs_a_real_org(api: ApiClient) -> None:
    world = make_tenant(api)
    key = TEST_SECRETS["internal_api_key"]
    headers = {**bearer(key), "x-internal-org-id": str(world.org_id)}
    me = api.client.post("/api/auth/me", json={}, headers=headers).json()["data"]
    assert me["auth_method"] == "internal" and me["role"] == "org_admin" and me["user_id"] is None
    other = make_tenant(api)
    foreign_company = {**headers, "x-internal-company-id": str(other.company_ids[0])}
    assert_401(api.client.post("/api/auth/me", json={}, headers=foreign_company))
    assert_401(api.client.post("/api/auth/me", json={}, headers=bearer(key)))
    assert_401(api.client.post("/api/auth/me", json={}, headers={**bearer(key), "x-internal-org-id": "nope"}))
