"""Webhook delivery end to end: a real HTTP receiver on loopback checks every signature it gets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.services.webhook_delivery import WebhookDeliverer, after_failure, retry_delay
from api.services.webhook_signing import SignatureError, verify_signature
from config import Environment, Settings, WebhookSettings
from store.repositories import engine_runs
from tests.factories import ApiClient
from tests.support.engine_rows import Tenant, add_runs, add_submission, make_tenant


class Receiver:
    """A CRM's endpoint: answers the scripted statuses in turn (the last repeats), verifying each request."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.secret = ""
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    verify_signature(receiver.secret, self.headers["X-Dex-Signature"], body)
                    verified = True
                except SignatureError:
                    verified = False
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": json.loads(body), "verified": verified}
                )
                index = min(len(receiver.requests), len(receiver.answers)) - 1
                self.send_response(receiver.answers[index] if verified else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/dex"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tenant(engine: Engine) -> Tenant:
    return make_tenant(engine, "delivery")


def _fast(settings: Settings, env: Environment, **webhooks: Any) -> Settings:
    """Settings whose deliverer polls every 20 ms and retries after 50 ms (a 24 h window unless given)."""
    config = WebhookSettings(
        webhook_poll_interval_s=0.02,
        webhook_retry_schedule_s=[0.05],
        webhook_retry_jitter=0,
        webhook_timeout_s=2,
        **webhooks,
    )
    return settings.model_copy(update={"dex_env": env, "webhooks": config})


@pytest.fixture
def serving(settings: Settings, engine: Engine, request: pytest.FixtureRequest) -> Iterator[ApiClient]:
    """The API in development with its deliverer running (parametrize with WebhookSettings overrides)."""
    overrides = getattr(request, "param", {})
    app = create_app(_fast(settings, Environment.DEVELOPMENT, **overrides), engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield ApiClient(client)


def _register(api: ApiClient, tenant: Tenant, receiver: Receiver, events: list[str]) -> dict[str, Any]:
    body = {"url": receiver.url, "events": events}
    created: dict[str, Any] = api.ok("/api/webhooks/create", body, tenant.tokens["org_admin"])
    receiver.secret = created["secret"]
    return created


def _end_submission(engine: Engine, tenant: Tenant, run_status: str) -> UUID:
    submission_id = add_submission(engine, tenant)
    add_runs(engine, tenant, submission_id, [run_status, run_status])
    with engine.begin() as conn:
        engine_runs.sync_submission_status(conn=conn, submission_id=submission_id)
    return submission_id


def _wait_for(api: ApiClient, tenant: Tenant, status: str, timeout_s: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        [delivery] = api.ok("/api/webhooks/deliveries", {}, tenant.tokens["org_admin"])["items"]
        if delivery["status"] == status or time.monotonic() > deadline:
            assert delivery["status"] == status, delivery
            return dict(delivery)
        time.sleep(0.05)


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt(
    serving: ApiClient, engine: Engine, tenant: Tenant
) -> None:
    with Receiver([500, 500, 200]) as receiver:
        hook = _register(serving, tenant, receiver, ["submission.completed"])
        submission_id = _end_submission(engine, tenant, "succeeded")
        delivery = _wait_for(serving, tenant, "delivered")
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
    assert [a["attempt_number"] for a in delivery["attempts"]] == [1, 2, 3]
    assert [a["error"] for a in delivery["attempts"]] == ["HTTP 500", "HTTP 500", None]
    assert delivery["attempt_count"] == 3 and delivery["delivered_at"] and delivery["next_attempt_at"] is None
    assert len(receiver.requests) == 3 and all(r["verified"] for r in receiver.requests)
    event_ids = {r["headers"]["X-Dex-Event-Id"] for r in receiver.requests}
    assert event_ids == {delivery["event_id"]}  # the same event on every try: receivers dedupe by it
    sent = receiver.requests[-1]
    assert sent["headers"]["X-Dex-Event-Type"] == "submission.completed"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["body"]["id"] == delivery["event_id"] and sent["body"]["type"] == "submission.completed"
    data = sent["body"]["data"]
    assert data["submission_id"] == str(submission_id) and data["status"] == "completed"
    assert data["runs"]["succeeded"] == 2 and delivery["webhook_id"] == hook["id"]


@pytest.mark.parametrize("serving", [{"webhook_retry_window_s": 0.3}], indirect=True)
def test_a_receiver_that_never_succeeds_is_failed_once_the_window_has_passed(
    serving: ApiClient, engine: Engine, tenant: Tenant
) -> None:
    with Receiver([503]) as receiver:
        _register(serving, tenant, receiver, ["submission.failed"])
        _end_submission(engine, tenant, "failed")
        delivery = _wait_for(serving, tenant, "failed")
    attempts = delivery["attempts"]
    assert len(attempts) >= 2 and {a["status_code"] for a in attempts} == {503}
    assert delivery["last_status_code"] == 503 and delivery["next_attempt_at"] is None
    assert len(receiver.requests) == len(attempts)  # every attempt recorded, no other request made


async def test_the_target_is_checked_again_at_delivery_time(
    api: ApiClient, settings: Settings, engine: Engine, tenant: Tenant
) -> None:
    # Registered in development (loopback allowed), delivered outside it: refused, without a request.
    dev_app = create_app(_fast(settings, Environment.DEVELOPMENT), engine)
    with Receiver([200]) as receiver:
        with TestClient(dev_app) as client:
            _register(ApiClient(client), tenant, receiver, ["submission.completed"])
        _end_submission(engine, tenant, "succeeded")
        deliverer = WebhookDeliverer(_fast(settings, Environment.TEST, webhook_retry_window_s=3600), engine)
        try:
            assert await deliverer.run_once() == 1
            assert await deliverer.run_once() == 0  # the next try waits its backoff
        finally:
            await deliverer.stop()
        assert receiver.requests == []
    [delivery] = api.ok("/api/webhooks/deliveries", {}, tenant.tokens["org_admin"])["items"]
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None and "target refused" in attempt["error"]
    assert "loopback" in attempt["error"] and delivery["status"] == "pending"


def test_the_backoff_follows_the_schedule_with_jitter_and_its_last_step_repeats() -> None:
    schedule = [10, 30, 90]
    assert [retry_delay(n, schedule, 0.2, lambda: 0.5) for n in (1, 2, 3, 4, 9)] == [10, 30, 90, 90, 90]
    assert retry_delay(1, schedule, 0.2, lambda: 0.0) == pytest.approx(8)
    assert retry_delay(2, schedule, 0.2, lambda: 1.0) == pytest.approx(36)


def test_no_try_is_scheduled_past_the_window() -> None:
    event_at = datetime(2026, 12, 6, tzinfo=UTC)
    day = 86400
    inside = after_failure(event_at=event_at, now=event_at + timedelta(hours=20), delay_s=3600, window_s=day)
    assert inside == event_at + timedelta(hours=21)
    late = after_failure(event_at=event_at, now=event_at + timedelta(hours=23.5), delay_s=3600, window_s=day)
    assert late is None
