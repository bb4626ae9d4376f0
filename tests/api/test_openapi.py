"""The OpenAPI document tells the truth: the errors it lists are those the API answers, in the envelope."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from httpx import Response

from api.openapi import ErrorResponse
from api.routers.super_admin import steps as steps_router
from tests.factories import SUPER_KEY, ApiClient, TenantWorld, make_tenant

ERROR_REF = "#/components/schemas/ErrorResponse"
STEPS = [{"position": 1, "operation_id": "company.enrich.profile"}]
USER = {"email": "someone@example.com", "password": "long enough password", "role": "org_admin"}


@pytest.fixture
def document(api: ApiClient) -> dict[str, Any]:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def _documented(document: dict[str, Any], path: str) -> set[int]:
    return {int(status) for status in document["paths"][path]["post"]["responses"]}


def _assert_envelope(response: Response) -> None:
    body = response.json()
    assert set(body) == {"error", "code", "details"}, body
    ErrorResponse.model_validate(body)


def test_no_operation_documents_fastapis_detail_shape(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert "HTTPValidationError" not in text and "#/components/schemas/ValidationError" not in text
    assert '"detail"' not in text
    assert "ErrorResponse" in document["components"]["schemas"]


def test_every_documented_error_is_the_envelope(document: dict[str, Any]) -> None:
    for path, method, op in _operations(document):
        if path == "/health":
            continue  # a probe: its 503 is {"status": "unhealthy"}, documented as such
        errors = {status: r for status, r in op["responses"].items() if int(status) >= 400}
        assert errors, (path, method)
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (path, method, status)
            assert response["description"], (path, method, status)


def test_every_route_documents_the_errors_of_its_kind(document: dict[str, Any]) -> None:
    for path, method, op in _operations(document):
        assert "500" in op["responses"], (path, method)
        if "requestBody" in op:
            assert {413, 422} <= {int(s) for s in op["responses"]}, (path, method)
        if op.get("security"):
            assert "401" in op["responses"], (path, method)


def _provocations(tenant: TenantWorld, label: str) -> list[tuple[str, str | None, Any, int]]:
    member, admin = tenant.tokens["member"], tenant.tokens["org_admin"]
    return [
        ("/api/blueprints/list", None, {}, 401),
        ("/api/auth/login", None, {"email": "nobody@example.com", "password": "wrong password"}, 401),
        ("/api/super-admin/orgs/list", admin, {}, 401),
        ("/api/users/list", member, {}, 403),
        ("/api/blueprints/create", member, {"name": "x", "steps": STEPS}, 403),
        ("/api/companies/get", member, {"id": str(tenant.company_ids[1])}, 403),
        ("/api/blueprints/get", admin, {"id": str(uuid4())}, 404),
        ("/api/super-admin/orgs/get", SUPER_KEY, {"id": str(uuid4())}, 404),
        ("/api/super-admin/companies/create", SUPER_KEY, {"org_id": str(uuid4()), "name": "x"}, 404),
        ("/api/super-admin/users/create", SUPER_KEY, {**USER, "org_id": str(uuid4())}, 404),
        ("/api/v1/batch/status", admin, {"submission_id": str(uuid4())}, 404),
        ("/api/super-admin/orgs/create", SUPER_KEY, {"name": "Again", "slug": f"org-{label}"}, 409),
        ("/api/super-admin/orgs/create", SUPER_KEY, {"name": "x", "slug": "y", "pad": "z" * 300_000}, 413),
        ("/api/webhooks/create", admin, {"url": "x" * 300_000}, 413),
        ("/api/super-admin/orgs/create", SUPER_KEY, {"name": 5, "slug": "ok"}, 422),
        ("/api/v1/entities/companies", admin, {"limit": "many"}, 422),
    ]


def test_documented_errors_are_answered_in_the_envelope(api: ApiClient, document: dict[str, Any]) -> None:
    label = uuid4().hex[:8]
    tenant = make_tenant(api, label)
    for path, token, body, status in _provocations(tenant, label):
        response = api.post(path, body, token)
        assert response.status_code == status, (path, status, response.text)
        assert status in _documented(document, path), (path, status)
        _assert_envelope(response)


def test_every_route_answers_documented_401_and_422(api: ApiClient, document: dict[str, Any]) -> None:
    tenant = make_tenant(api)
    for path, method, op in _operations(document):
        if path == "/health":
            continue
        documented = {int(s) for s in op["responses"]}
        assert method == "post", path
        if op.get("security"):
            response = api.post(path, {})
            assert response.status_code == 401 and 401 in documented, (path, response.text)
            _assert_envelope(response)
        if "requestBody" in op:
            token = SUPER_KEY if path.startswith("/api/super-admin/") else tenant.tokens["org_admin"]
            response = api.post(path, [], token)
            assert response.status_code == 422 and 422 in documented, (path, response.text)
            _assert_envelope(response)


def test_a_body_that_is_not_utf8_is_malformed_json(api: ApiClient, document: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {SUPER_KEY}", "Content-Type": "application/json"}
    response = api.client.post("/api/super-admin/orgs/create", content=b'{"name": "\xff"}', headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["details"] == [
        {"field": "body", "message": "malformed JSON", "type": "json_invalid"}
    ]
    _assert_envelope(response)


def test_an_unexpected_failure_is_a_documented_500_in_the_envelope(
    api: ApiClient, document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(steps_router.steps, "list_steps", broken)
    response = api.post("/api/super-admin/steps/list", {}, SUPER_KEY)
    assert response.status_code == 500 and 500 in _documented(document, "/api/super-admin/steps/list")
    assert response.json()["code"] == "internal_error" and "a bug" not in response.text
    _assert_envelope(response)
