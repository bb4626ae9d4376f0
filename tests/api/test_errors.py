"""Bad input gets the one error envelope with a field name, never a 500."""

from __future__ import annotations

import pytest

from tests.factories import SUPER_KEY, ApiClient, bearer


def _error(response) -> dict:  # type: ignore[no-untyped-def, type-arg]
    body = response.json()
    assert set(body) == {"error", "code", "details"}, body
    return body  # type: ignore[no-any-return]


def test_malformed_json_is_422_naming_the_body(api: ApiClient) -> None:
    headers = {**bearer(SUPER_KEY), "content-type": "application/json"}
    response = api.client.post("/api/super-admin/orgs/create", content=b'{"name": "x", ', headers=headers)
    assert response.status_code == 422
    assert _error(response)["details"][0]["field"] == "body"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "Org", "slug": "ok", "extra": 1}, "extra", "unknown field"),
        ({"name": 5, "slug": "ok"}, "name", None),
        ({"slug": "ok"}, "name", "Field required"),
        ({"name": "Org", "slug": "NOT A SLUG"}, "slug", None),
        ({"name": "x" * 201, "slug": "ok"}, "name", None),
        ({"name": "   ", "slug": "ok"}, "name", None),
    ],
)
def test_schema_errors_name_the_field(api: ApiClient, body: dict, field: str, message: str | None) -> None:  # type: ignore[type-arg]
    response = api.post("/api/super-admin/orgs/create", body, SUPER_KEY)
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "validation_error"
    detail = next(d for d in error["details"] if d["field"] == field)
    if message:
        assert detail["message"] == message
    assert field in error["error"]


@pytest.mark.parametrize("payload", [b"[]", b"null", b"42", b'"text"', b""])
def test_non_object_bodies_are_422(api: ApiClient, payload: bytes) -> None:
    headers = {**bearer(SUPER_KEY), "content-type": "application/json"}
    response = api.client.post("/api/super-admin/orgs/create", content=payload, headers=headers)
    assert response.status_code == 422, response.text
    _error(response)


def test_bad_uuid_is_422(api: ApiClient) -> None:
    response = api.post("/api/super-admin/orgs/get", {"id": "not-a-uuid"}, SUPER_KEY)
    assert response.status_code == 422 and _error(response)["details"][0]["field"] == "id"


def test_oversized_body_is_413_before_auth_or_parsing(api: ApiClient) -> None:
    huge = {"name": "x", "slug": "y", "pad": "z" * 300_000}
    response = api.post("/api/super-admin/orgs/create", huge, SUPER_KEY)
    assert response.status_code == 413 and _error(response)["code"] == "payload_too_large"


def test_unknown_route_and_wrong_method_use_the_envelope(api: ApiClient) -> None:
    assert _error(api.post("/api/nope"))["code"] == "not_found"
    response = api.client.get("/api/auth/me")
    assert response.status_code == 405 and _error(response)["code"] == "method_not_allowed"


def test_missing_rows_are_404_with_the_envelope(api: ApiClient) -> None:
    response = api.post(
        "/api/super-admin/orgs/get", {"id": "00000000-0000-4000-8000-000000000000"}, SUPER_KEY
    )
    assert response.status_code == 404 and _error(response)["error"] == "org not found"


def test_health(api: ApiClient) -> None:
    assert api.client.get("/health").json() == {"status": "healthy"}


def test_hostile_bodies_never_500(api: ApiClient) -> None:
    hostile = [
        {"name": "\x00", "slug": "a"},
        {"name": {"$gt": ""}, "slug": "a"},
        {"name": ["a"], "slug": ["b"]},
        {"name": "a", "slug": "a" * 10_000},
        {"id": "00000000-0000-0000-0000-000000000000", "name": None},
        {"name": "😀" * 50, "slug": "emoji"},
    ]
    for path in (
        "orgs/create",
        "orgs/update",
        "companies/create",
        "users/create",
        "api-tokens/create",
        "steps/register",
    ):
        for body in hostile:
            response = api.post(f"/api/super-admin/{path}", body, SUPER_KEY)
            assert response.status_code < 500, (path, body, response.text)


def test_nul_characters_are_refused_naming_the_field(api: ApiClient) -> None:
    response = api.post("/api/super-admin/orgs/create", {"name": "a\x00b", "slug": "ok"}, SUPER_KEY)
    assert response.status_code == 422 and _error(response)["details"][0]["field"] == "name"
