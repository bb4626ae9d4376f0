"""Small factories that build tenants through the HTTP API, as a client would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, insert

from store.tables import pipeline_runs, submissions

TEST_SECRETS = {
    "jwt_secret": "test-jwt-secret-0123456789abcdef0123456789",
    "super_admin_jwt_secret": "test-super-admin-jwt-secret-0123456789abcdef",
    "super_admin_api_key": "test-super-admin-api-key-0123456789",
    "internal_api_key": "test-internal-api-key-0123456789",
}
SUPER_KEY = TEST_SECRETS["super_admin_api_key"]
PASSWORD = "correct horse battery staple"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class ApiClient:
    """Posts JSON with a chosen credential and unwraps the envelope."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def post(self, path: str, body: Any = None, token: str | None = None, **kwargs: Any) -> Response:
        headers = {**(bearer(token) if token else {}), **kwargs.pop("headers", {})}
        return self.client.post(path, json={} if body is None else body, headers=headers, **kwargs)

    def ok(self, path: str, body: Any = None, token: str | None = None) -> Any:
        response = self.post(path, body, token)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()["data"]

    def sa(self, path: str, body: Any = None) -> Any:
        """Call a super-admin endpoint with the API key."""
        return self.ok(f"/api/super-admin/{path}", body, SUPER_KEY)

    def login(self, email: str, password: str = PASSWORD) -> str:
        return str(self.ok("/api/auth/login", {"email": email, "password": password})["access_token"])


@dataclass
class TenantWorld:
    """One org with two companies and a user of each role, with logins and an API token."""

    org_id: UUID
    company_ids: list[UUID]
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    api_token: str = ""
    api_token_id: UUID | None = None
    blueprint_id: UUID | None = None
    submission_ids: list[UUID] = field(default_factory=list)


def make_tenant(api: ApiClient, label: str | None = None) -> TenantWorld:
    """Create an org, two companies, an org_admin, a company_admin and a member, all logged in."""
    label = label or uuid4().hex[:8]
    org = api.sa("orgs/create", {"name": f"Org {label}", "slug": f"org-{label}"})
    companies = [
        api.sa(
            "companies/create", {"org_id": org["id"], "name": f"{label} company {i}", "domain": f"c{i}.test"}
        )
        for i in (1, 2)
    ]
    world = TenantWorld(org_id=UUID(org["id"]), company_ids=[UUID(c["id"]) for c in companies])
    for role, company in (("org_admin", None), ("company_admin", companies[0]), ("member", companies[0])):
        body = {
            "org_id": org["id"],
            "email": f"{role}.{label}@example.com",
            "password": PASSWORD,
            "role": role,
            "company_id": company["id"] if company else None,
        }
        world.users[role] = api.sa("users/create", body)
        world.tokens[role] = api.login(body["email"])
    issued = api.sa("api-tokens/create", {"user_id": world.users["org_admin"]["id"], "name": "ci"})
    world.api_token, world.api_token_id = issued["token"], UUID(issued["id"])
    return world


def add_blueprint(api: ApiClient, world: TenantWorld, name: str = "outbound") -> dict[str, Any]:
    """Create a two-step blueprint as the org admin."""
    body = {
        "name": name,
        "steps": [
            {"position": 1, "operation_id": "company.enrich.profile"},
            {
                "position": 2,
                "operation_id": "person.search",
                "fan_out": True,
                "step_config": {"max_results": 5},
            },
        ],
    }
    blueprint: dict[str, Any] = api.ok("/api/blueprints/create", body, world.tokens["org_admin"])
    world.blueprint_id = UUID(blueprint["id"])
    return blueprint


def add_submission(engine: Engine, world: TenantWorld, company_id: UUID, runs: int = 2) -> UUID:
    """Write a submission and its root runs directly (the batch API arrives with the engine)."""
    assert world.blueprint_id is not None
    with engine.begin() as conn:
        submission_id = conn.execute(
            insert(submissions)
            .values(
                org_id=world.org_id,
                company_id=company_id,
                blueprint_id=world.blueprint_id,
                source="test",
                input_payload={"entities": []},
                status="queued",
            )
            .returning(submissions.c.id)
        ).scalar_one()
        conn.execute(
            insert(pipeline_runs),
            [
                {
                    "org_id": world.org_id,
                    "company_id": company_id,
                    "submission_id": submission_id,
                    "blueprint_id": world.blueprint_id,
                    "entity_index": i,
                }
                for i in range(runs)
            ],
        )
    world.submission_ids.append(submission_id)
    return UUID(str(submission_id))
