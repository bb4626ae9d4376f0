"""The `dex` command: admin commands create a tenant; `dex serve` answers real HTTP with every endpoint."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.factories import TEST_SECRETS

DEX = str(Path(sys.executable).parent / "dex")

ENDPOINTS = [
    "/api/auth/login", "/api/auth/me",
    *(f"/api/blueprints/{a}" for a in ("create", "list", "get", "update")),
    *(f"/api/{r}/{a}" for r in ("companies", "steps", "users", "submissions") for a in ("list", "get")),
    "/api/super-admin/login",
    *(f"/api/super-admin/orgs/{a}" for a in ("create", "list", "get", "update")),
    *(f"/api/super-admin/companies/{a}" for a in ("create", "list", "get")),
    *(f"/api/super-admin/users/{a}" for a in ("create", "list", "get", "deactivate")),
    *(f"/api/super-admin/api-tokens/{a}" for a in ("create", "list", "revoke")),
    *(f"/api/super-admin/blueprints/{a}" for a in ("create", "list", "get", "update")),
    *(f"/api/super-admin/steps/{a}" for a in ("register", "list", "get", "update", "deactivate")),
]  # fmt: skip


@pytest.fixture
def cli_env(scratch_database: str, engine: Engine) -> dict[str, str]:
    """Environment for a `dex` subprocess on the test database (engine requested so tables are cleaned)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEX_")}
    env.update({k.upper(): v for k, v in TEST_SECRETS.items()})
    env.update({"DATABASE_URL": scratch_database, "DEX_ENV": "test"})
    return env


def dex(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DEX, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def dex_json(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = dex(env, *args)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(cli_env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [DEX, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-cluster"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"dex serve exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("dex serve did not answer /health within 60 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_admin_commands_create_a_tenant_that_can_call_the_served_api(
    cli_env: dict[str, str], server: str
) -> None:
    org = dex_json(cli_env, "admin", "org", "create", "CLI Org", "--slug", "cli-org")
    company = dex_json(
        cli_env, "admin", "company", "create", "CLI Co", "--org", org["id"], "--domain", "cli.test"
    )
    user = dex_json(
        cli_env, "admin", "user", "create", "cli@example.com", "--org", org["id"], "--role", "member",
        "--company", company["id"], "--password", "a-long-password",
    )  # fmt: skip
    token = dex_json(cli_env, "admin", "token", "create", "--user", user["id"], "--name", "cli")["token"]
    me = httpx.post(f"{server}/api/auth/me", json={}, headers={"Authorization": f"Bearer {token}"}).json()[
        "data"
    ]
    assert me["org_id"] == org["id"] and me["company_id"] == company["id"] and me["role"] == "member"
    login = httpx.post(
        f"{server}/api/auth/login", json={"email": "cli@example.com", "password": "a-long-password"}
    )
    assert login.status_code == 200
    listed = dex(cli_env, "admin", "org", "list")
    assert "cli-org" in listed.stdout


def test_openapi_lists_every_endpoint(server: str) -> None:
    spec = httpx.get(f"{server}/openapi.json").json()
    missing = [p for p in ENDPOINTS if p not in spec["paths"] or "post" not in spec["paths"][p]]
    assert missing == []


def test_errors_are_one_line(cli_env: dict[str, str]) -> None:
    missing_org = "00000000-0000-4000-8000-000000000000"
    result = dex(cli_env, "admin", "company", "create", "X", "--org", missing_org)
    assert result.returncode == 1 and result.stderr.strip() == "error: org not found"
    result = dex(
        cli_env, "admin", "user", "create", "bad-email", "--org", missing_org, "--password", "long-enough"
    )
    assert (
        result.returncode == 1 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: email")
    )
    result = dex({**cli_env, "DEX_ENV": "production", "JWT_SECRET": "short"}, "db", "current")
    assert result.returncode == 1 and "Traceback" not in result.stderr and "JWT_SECRET" in result.stderr


def test_unreachable_database_is_one_line(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{_free_port()}/nope"}
    result = dex(env, "admin", "org", "list")
    assert result.returncode == 1 and result.stderr.startswith("error: cannot reach the database")
    assert "Traceback" not in result.stderr
