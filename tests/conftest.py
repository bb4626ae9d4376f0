"""Session fixtures: a scratch database (DATABASE_URL's server, else embedded), the app, cleanup."""

from __future__ import annotations

import os

# Before the project is imported: cheap password hashes (api/auth/passwords.py) for the whole suite.
os.environ.setdefault("DEX_ENV", "test")

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from api.app import create_app
from config import ApiSettings, AuthSettings, ClusterSettings, DatabaseSettings, ProviderSettings, Settings
from config.settings import WebhookSettings
from migrations.runner import upgrade
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.embedded import drop_database, ensure_database, start_embedded_postgres
from store.engine import build_engine, libpq_url
from store.tables import metadata
from tests.factories import TEST_SECRETS, ApiClient
from tests.support.sandbox import COMPANIES, SEED


def _server_admin_url(tmp_root: Path) -> str:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return libpq_url(configured)
    return start_embedded_postgres(tmp_root / "embedded-pg", database="postgres")


@pytest.fixture(scope="session")
def server_admin_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A libpq URL to the server the tests use, connected to a database that always exists."""
    return _server_admin_url(tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="session")
def scratch_database(server_admin_url: str) -> Iterator[str]:
    """Create a fresh database for this session (never the one DATABASE_URL names), migrated to head."""
    name = f"dex_test_{uuid4().hex[:10]}"
    ensure_database(server_admin_url, name)
    url = make_url(server_admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    drop_database(server_admin_url, name)


@pytest.fixture(scope="session")
def settings(scratch_database: str, sandbox: SandboxServer) -> Settings:
    """Test settings with explicit secrets, whatever the environment holds; providers are the sandbox."""
    return Settings(
        dex_env="test",
        database=DatabaseSettings(database_url=SecretStr(scratch_database)),
        auth=AuthSettings(**{k: SecretStr(v) for k, v in TEST_SECRETS.items()}),
        api=ApiSettings(max_request_bytes=256 * 1024),
        # A hung provider request ends at 5 s, so tests can make calls hang past the client's timeout.
        providers=ProviderSettings.for_sandbox(sandbox.url, sandbox.api_key, provider_timeout_s=5.0),
        # A throwaway Ray inside the test process: it ends with the session, whatever happens.
        cluster=ClusterSettings(
            ray_local_mode="in_process",
            ray_num_cpus=2,
            ray_include_dashboard=False,
            chunk_size=50,
            max_chunks_in_flight=4,
        ),
        # No deliverer in the session's apps: the webhook tests run their own, on their own settings.
        webhooks=WebhookSettings(webhook_delivery_enabled=False),
    )


@pytest.fixture(scope="session")
def engine(scratch_database: str) -> Iterator[Engine]:
    engine = build_engine(scratch_database, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> ApiClient:
    return ApiClient(client)


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after a test that touched the database."""
    yield
    if "engine" in request.fixturenames:
        engine: Engine = request.getfixturevalue("engine")
        names = ", ".join(t.name for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The provider sandbox as a real HTTP server on loopback, for the whole session."""
    with SandboxServer(seed=SEED, companies=COMPANIES) as server:
        yield server


@pytest.fixture(scope="session")
def world() -> World:
    """The same world the sandbox serves, to pick test subjects and check answers."""
    return World(seed=SEED, company_count=COMPANIES)


@pytest.fixture(scope="session")
def ray_cluster(settings: Settings) -> Iterator[dict[str, object]]:
    """One local Ray cluster for the whole test session (started only when a test needs it)."""
    from cluster.runtime import connect, shutdown

    yield connect(settings.cluster)
    shutdown()
