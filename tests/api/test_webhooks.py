"""Webhook registration: the secret shown once, roles, tenant isolation, refused targets, the delivery log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from config import Environment, Settings
from store.repositories import engine_runs
from tests.factories import ApiClient
from tests.support.engine_rows import Tenant, add_runs, add_submission, make_tenant

PUBLIC_URL = "https://93.184.215.14/hooks/dex"  # a public address: no lookup needed
EVENTS = ["submission.completed", "submission.failed"]


@pytest.fixture
def tenant(engine: Engine) -> Tenant:
    return make_tenant(engine, "hooks")


@pytest.fixture
def dev_api(settings: Settings, engine: Engine) -> Iterator[ApiClient]:
    """The API as `dex serve` runs in development (its deliverer off: nothing here is delivered)."""
    dev = settings.model_copy(update={"dex_env": Environment.DEVELOPMENT})
    with TestClient(create_app(dev, engine), raise_server_exceptions=False) as client:
        yield ApiClient(client)


def _create(api: ApiClient, token: str, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = api.ok(
        "/api/webhooks/create", {"url": PUBLIC_URL, "events": EVENTS, **body}, token
    )
    return created


def _finish_submission(engine: Engine, tenant: Tenant, company: int = 0) -> UUID:
    submission_id = add_submission(engine, tenant, company=company)
    add_runs(engine, tenant, submission_id, ["succeeded"])
    with engine.begin() as conn:
        assert engine_runs.sync_submission_status(conn=conn, submission_id=submission_id) == "completed"
    return submission_id


def test_create_answers_the_secret_once_and_nothing_shows_it_again(
    api: ApiClient, engine: Engine, tenant: Tenant
) -> None:
    token = tenant.tokens["org_admin"]
    created = _create(api, token, description="CRM sync")
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created["url"] == PUBLIC_URL and created["events"] == EVENTS and created["company_id"] is None
    listed = api.ok("/api/webhooks/list", {}, token)["items"]
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0] and "secret_sealed" not in listed[0]
    assert secret not in api.post("/api/webhooks/list", {}, token).text
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT row_to_json(w)::text FROM webhooks w")).scalar_one()
    assert secret not in stored and secret[6:20] not in stored and '"secret_sealed":"v1.' in stored


def test_delete_removes_the_webhook_and_a_second_delete_is_404(api: ApiClient, tenant: Tenant) -> None:
    token = tenant.tokens["org_admin"]
    created = _create(api, token)
    deleted = api.ok("/api/webhooks/delete", {"id": created["id"]}, token)
    assert deleted == {"id": created["id"], "deleted": True}
    assert api.ok("/api/webhooks/list", {}, token)["items"] == []
    again = api.post("/api/webhooks/delete", {"id": created["id"]}, token)
    assert again.status_code == 404 and again.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC_URL, "events": []},
        {"url": PUBLIC_URL, "events": ["submission.started"]},
        {"url": PUBLIC_URL},
        {"events": EVENTS},
        {"url": PUBLIC_URL, "events": EVENTS, "secret": "mine"},
    ],
    ids=["no events", "unknown event", "no events key", "no url", "unknown field"],
)
def test_bodies_are_validated(api: ApiClient, tenant: Tenant, body: dict[str, Any]) -> None:
    response = api.post("/api/webhooks/create", body, tenant.tokens["org_admin"])
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_every_final_status_is_an_event_and_repeats_are_dropped(api: ApiClient, tenant: Tenant) -> None:
    events = ["submission.canceled", "submission.budget_exhausted", "submission.canceled"]
    created = _create(api, tenant.tokens["org_admin"], events=events)
    assert created["events"] == ["submission.canceled", "submission.budget_exhausted"]


REFUSED_OUTSIDE_DEVELOPMENT = [
    ("http://127.0.0.1:8080/hook", "loopback"),
    ("http://localhost/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://10.0.0.5/hook", "private"),
    ("https://192.168.1.20/hook", "private"),
    ("http://[fd12:3456::1]/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://224.0.0.251/hook", "multicast"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("ftp://93.184.215.14/hook", "http:// or https://"),
    ("https://user:pw@93.184.215.14/hook", "credentials"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_OUTSIDE_DEVELOPMENT)
def test_private_loopback_and_link_local_targets_are_refused_outside_development(
    api: ApiClient, tenant: Tenant, url: str, reason: str
) -> None:
    response = api.post("/api/webhooks/create", {"url": url, "events": EVENTS}, tenant.tokens["org_admin"])
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error" and reason in body["error"]
    assert body["details"][0]["field"] == "url"
    assert api.ok("/api/webhooks/list", {}, tenant.tokens["org_admin"])["items"] == []


def test_development_accepts_loopback_and_nothing_else_private(dev_api: ApiClient, tenant: Tenant) -> None:
    token = tenant.tokens["org_admin"]
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook"):
        assert _create(dev_api, token, url=url)["url"] == url
    refused = dev_api.post("/api/webhooks/create", {"url": "http://10.0.0.5/hook", "events": EVENTS}, token)
    assert refused.status_code == 422 and "private" in refused.json()["error"]


def test_members_read_admins_write_and_company_admins_stay_in_their_company(
    api: ApiClient, tenant: Tenant
) -> None:
    org_wide = _create(api, tenant.tokens["org_admin"])
    other_company = _create(api, tenant.tokens["org_admin"], company_id=str(tenant.company_ids[1]))
    member, company_admin = tenant.tokens["member"], tenant.tokens["company_admin"]
    denied = api.post("/api/webhooks/create", {"url": PUBLIC_URL, "events": EVENTS}, member)
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    own = _create(api, company_admin)
    assert own["company_id"] == str(tenant.company_ids[0])  # pinned to the caller's company
    asked_other = {"url": PUBLIC_URL, "events": EVENTS, "company_id": str(tenant.company_ids[1])}
    assert api.post("/api/webhooks/create", asked_other, company_admin).status_code == 403
    for token in (member, company_admin):
        assert [w["id"] for w in api.ok("/api/webhooks/list", {}, token)["items"]] == [own["id"]]
    everything = api.ok("/api/webhooks/list", {}, tenant.tokens["org_admin"])["items"]
    assert {w["id"] for w in everything} == {org_wide["id"], other_company["id"], own["id"]}
    for hook in (org_wide, other_company):
        assert api.post("/api/webhooks/delete", {"id": hook["id"]}, company_admin).status_code == 403
    assert api.post("/api/webhooks/delete", {"id": own["id"]}, member).status_code == 403
    assert api.ok("/api/webhooks/delete", {"id": own["id"]}, company_admin)["deleted"] is True


def test_another_org_can_neither_list_nor_delete_nor_see_deliveries(
    api: ApiClient, engine: Engine, tenant: Tenant
) -> None:
    mine = _create(api, tenant.tokens["org_admin"])
    submission_id = _finish_submission(engine, tenant)
    other = make_tenant(engine, "hooks-other")
    theirs = other.tokens["org_admin"]
    assert api.ok("/api/webhooks/list", {}, theirs)["items"] == []
    foreign = api.post("/api/webhooks/delete", {"id": mine["id"]}, theirs)
    missing = api.post("/api/webhooks/delete", {"id": "00000000-0000-4000-8000-000000000000"}, theirs)
    assert foreign.status_code == 404 and foreign.json() == missing.json()
    for body in ({}, {"webhook_id": mine["id"]}, {"submission_id": str(submission_id)}):
        assert api.ok("/api/webhooks/deliveries", body, theirs) == {"items": [], "next_cursor": None}
    [delivery] = api.ok("/api/webhooks/deliveries", {}, tenant.tokens["org_admin"])["items"]
    assert delivery["webhook_id"] == mine["id"] and delivery["submission_id"] == str(submission_id)


def test_the_delivery_log_pages_filters_and_scopes(api: ApiClient, engine: Engine, tenant: Tenant) -> None:
    admin = tenant.tokens["org_admin"]
    org_wide = _create(api, admin)
    pinned = _create(api, admin, company_id=str(tenant.company_ids[0]))
    submissions = [_finish_submission(engine, tenant) for _ in range(3)]
    first = api.ok("/api/webhooks/deliveries", {"limit": 4}, admin)
    assert len(first["items"]) == 4 and first["next_cursor"]
    rest = api.ok("/api/webhooks/deliveries", {"limit": 4, "cursor": first["next_cursor"]}, admin)
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    every = first["items"] + rest["items"]
    assert len({d["id"] for d in every}) == 6
    assert [d["created_at"] for d in every] == sorted((d["created_at"] for d in every), reverse=True)
    item = every[0]
    assert item["status"] == "pending" and item["attempts"] == [] and item["next_attempt_at"]
    assert item["payload"]["type"] == item["event_type"] == "submission.completed"
    by_hook = api.ok("/api/webhooks/deliveries", {"webhook_id": pinned["id"]}, admin)["items"]
    assert {d["webhook_id"] for d in by_hook} == {pinned["id"]} and len(by_hook) == 3
    by_submission = api.ok("/api/webhooks/deliveries", {"submission_id": str(submissions[0])}, admin)
    assert {d["webhook_id"] for d in by_submission["items"]} == {org_wide["id"], pinned["id"]}
    assert api.ok("/api/webhooks/deliveries", {"status": "delivered"}, admin)["items"] == []
    member_view = api.ok("/api/webhooks/deliveries", {}, tenant.tokens["member"])["items"]
    assert {d["webhook_id"] for d in member_view} == {pinned["id"]}
    bad = api.post("/api/webhooks/deliveries", {"cursor": "not-a-cursor"}, admin)
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "cursor"
