"""POST /api/v1/batch/submit (JSON): answered before the coordinator starts, launched in the background."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from cluster.launch import BackgroundLauncher, launch
from config import ApiSettings, Settings
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.tables import pipeline_runs
from tests.cluster.test_engine import wait_for
from tests.factories import ApiClient, TenantWorld, make_tenant
from tests.support.sandbox import knobs

SUBMIT = "/api/v1/batch/submit"
STEPS = [{"position": 1, "operation_id": "company.enrich.technographics"}]


@pytest.fixture
def launcher(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[BackgroundLauncher]:
    """The app's launcher, with quick retries; each test injects its own launch function."""
    app_launcher: BackgroundLauncher = client.app.state.launcher  # type: ignore[attr-defined]
    monkeypatch.setattr(app_launcher, "first_retry_s", 0.2)
    yield app_launcher
    assert app_launcher.wait_idle(60), "a launch was still pending after the test"


@pytest.fixture
def tenant(api: ApiClient) -> TenantWorld:
    tenant = make_tenant(api)
    blueprint = api.ok(
        "/api/blueprints/create", {"name": "one step", "steps": STEPS}, tenant.tokens["org_admin"]
    )
    tenant.blueprint_id = UUID(blueprint["id"])
    return tenant


def _body(tenant: TenantWorld, domains: list[str]) -> dict[str, Any]:
    return {
        "blueprint_id": str(tenant.blueprint_id),
        "company_id": str(tenant.company_ids[0]),
        "entities": [{"input": {"company_domain": d}} for d in domains],
    }


class Recorder:
    """A launch that only notes the submission (no cluster)."""

    def __init__(self) -> None:
        self.ids: list[UUID] = []

    def __call__(self, submission_id: UUID, settings: Settings) -> None:
        self.ids.append(submission_id)


def test_the_answer_keeps_its_shape(
    api: ApiClient, tenant: TenantWorld, launcher: BackgroundLauncher, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(launcher, "launch_fn", recorder)
    data = api.ok(SUBMIT, _body(tenant, ["a.test", "b.test"]), tenant.api_token)
    assert set(data) == {"submission_id", "status", "run_count", "pipeline_runs", "warnings"}
    assert data["status"] == "queued" and data["run_count"] == 2
    assert [set(r) for r in data["pipeline_runs"]] == [
        {"entity_index", "entity_type", "pipeline_run_id", "pipeline_run_status"}
    ] * 2
    assert [(r["entity_index"], r["pipeline_run_status"]) for r in data["pipeline_runs"]] == [
        (0, "queued"),
        (1, "queued"),
    ]
    assert launcher.wait_idle(10) and recorder.ids == [UUID(data["submission_id"])]


def test_10k_entities_are_stored_and_answered_at_once(
    settings: Settings, engine: Engine, tenant: TenantWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # The session app caps bodies at 256 KiB; 10k entities need the default 16 MiB.
    recorder = Recorder()
    app = create_app(settings.model_copy(update={"api": ApiSettings()}), engine)
    body = _body(tenant, [f"company-{i}.example.com" for i in range(10_000)])
    with TestClient(app) as big:
        launcher: BackgroundLauncher = app.state.launcher
        launcher.launch_fn = recorder
        started = time.perf_counter()
        response = big.post(SUBMIT, json=body, headers={"Authorization": f"Bearer {tenant.api_token}"})
        took = time.perf_counter() - started
        assert launcher.wait_idle(10)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["run_count"] == 10_000 and data["pipeline_runs"] is None  # listed up to 1,000 only
    with engine.connect() as conn:
        count = select(func.count()).where(pipeline_runs.c.submission_id == UUID(data["submission_id"]))
        assert conn.execute(count).scalar_one() == 10_000
    assert recorder.ids == [UUID(data["submission_id"])]
    with capsys.disabled():
        print(f"\nsubmit of 10,000 entities (JSON, through the app): answered in {took * 1000:.0f} ms")


@pytest.mark.usefixtures("ray_cluster")
def test_the_answer_does_not_wait_for_the_coordinator(
    api: ApiClient,
    engine: Engine,
    tenant: TenantWorld,
    world: World,
    launcher: BackgroundLauncher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    held: list[UUID] = []

    def held_launch(submission_id: UUID, settings: Settings) -> None:
        held.append(submission_id)
        assert release.wait(60)
        launch(submission_id, settings)

    monkeypatch.setattr(launcher, "launch_fn", held_launch)
    data = api.ok(SUBMIT, _body(tenant, world.sample_domains(20, seed_offset=51)), tenant.api_token)
    submission_id = UUID(data["submission_id"])
    # Answered while the launch has not even started the coordinator.
    assert data["status"] == "queued" and launcher.pending() == 1
    release.set()
    assert wait_for(engine, submission_id) == "completed"
    assert held == [submission_id]


@pytest.mark.usefixtures("ray_cluster")
def test_a_failed_launch_is_retried_and_the_batch_completes(
    api: ApiClient,
    engine: Engine,
    tenant: TenantWorld,
    world: World,
    launcher: BackgroundLauncher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tries: list[UUID] = []

    def first_launch_fails(submission_id: UUID, settings: Settings) -> None:
        tries.append(submission_id)
        if len(tries) == 1:
            raise ConnectionError("the cluster is not reachable yet")
        launch(submission_id, settings)

    monkeypatch.setattr(launcher, "launch_fn", first_launch_fails)
    data = api.ok(SUBMIT, _body(tenant, world.sample_domains(20, seed_offset=52)), tenant.api_token)
    submission_id = UUID(data["submission_id"])
    assert data["status"] == "queued"
    assert wait_for(engine, submission_id) == "completed"
    assert tries == [submission_id, submission_id]


def test_submit_warns_about_a_keyed_provider_without_credits_and_never_waits_long_for_it(
    api: ApiClient,
    client: TestClient,
    tenant: TenantWorld,
    launcher: BackgroundLauncher,
    monkeypatch: pytest.MonkeyPatch,
    sandbox: SandboxServer,
) -> None:
    monkeypatch.setattr(launcher, "launch_fn", Recorder())
    balances = client.app.state.balances  # type: ignore[attr-defined]
    balances.forget()
    checks = sandbox.stats()["leadmagic"]["balance_checks"]
    with knobs(sandbox, "leadmagic", credits=0):
        warned = api.ok(SUBMIT, _body(tenant, ["a.test"]), tenant.api_token)
        cached = api.ok(SUBMIT, _body(tenant, ["b.test"]), tenant.api_token)
    assert len(warned["warnings"]) == 1 and warned["warnings"][0].startswith("leadmagic has no credits left")
    assert cached["warnings"] == warned["warnings"]  # from the cache: one balance check for both
    assert sandbox.stats()["leadmagic"]["balance_checks"] == checks + 1
    balances.forget()
    assert api.ok(SUBMIT, _body(tenant, ["c.test"]), tenant.api_token)["warnings"] == []
    balances.forget()
    with knobs(sandbox, "leadmagic", timeout_rate=1.0, timeout_s=10):
        started = time.monotonic()
        slow = api.ok(SUBMIT, _body(tenant, ["d.test"]), tenant.api_token)
        waited = time.monotonic() - started
    assert slow["warnings"] == [] and waited < 4.0  # a hanging check neither fails nor holds the submit
    balances.forget()


def test_tenants_see_provider_balances_without_keys(
    api: ApiClient, client: TestClient, tenant: TenantWorld, sandbox: SandboxServer
) -> None:
    client.app.state.balances.forget()  # type: ignore[attr-defined]
    with knobs(sandbox, "prospeo", credits=0):
        listed = api.ok("/api/v1/providers/list", {}, tenant.api_token)
    client.app.state.balances.forget()  # type: ignore[attr-defined]
    found = {p["provider"]: p for p in listed}
    assert found["prospeo"]["state"] == "exhausted" and found["prospeo"]["credits_remaining"] == 0
    assert found["leadmagic"]["state"] == "ok" and found["icypeas"]["state"] == "no balance endpoint"
    assert "sandbox-key" not in str(listed)
