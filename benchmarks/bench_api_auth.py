"""Head-node throughput per auth path, as ratios to an unauthenticated database ping in the same run.

Starts `dex serve` in a subprocess on a scratch database (DATABASE_URL's server, else an embedded one),
then drives it over real HTTP with aiohttp at a fixed concurrency.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

from api.services import auth as auth_service
from api.services import tenancy
from benchmarks.scratch import scratch_database
from store.engine import build_engine
from store.repositories import orgs

SECRETS = {
    "JWT_SECRET": "bench-jwt-secret-0123456789abcdef0123456789",
    "SUPER_ADMIN_JWT_SECRET": "bench-super-admin-jwt-secret-0123456789abcdef",
    "SUPER_ADMIN_API_KEY": "bench-super-admin-api-key-0123456789",
}
CONCURRENCY = 32


def seed_tenant(url: str) -> dict[str, str]:
    """Create an org, a company, an org admin with a JWT and an API token."""
    from config import Settings

    settings = Settings(dex_env="test", auth={k.lower(): v for k, v in SECRETS.items()})
    engine = build_engine(url, pool_size=1)
    with engine.begin() as conn:
        org = orgs.create_org(conn=conn, name="Bench", slug="bench")
        company = tenancy.create_company(
            conn=conn, org_id=org["id"], name="B", domain=None, external_ref=None
        )
        user = tenancy.create_user(
            conn=conn,
            org_id=org["id"],
            email="bench@example.com",
            password="bench-password",
            role="org_admin",
            company_id=company["id"],
            full_name=None,
        )
        token = auth_service.issue_api_token(
            conn=conn, user_id=user["id"], name="b", expires_at=None, issued_by=None
        )
        jwt = auth_service.login_tenant(
            conn=conn, settings=settings, email=user["email"], password="bench-password"
        )
    engine.dispose()
    return {"api_token": token["token"], "jwt": jwt["access_token"]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(url: str) -> Iterator[str]:
    """Run `dex serve` against url; yield its base address."""
    port = _free_port()
    env = {**os.environ, **SECRETS, "DATABASE_URL": url, "DEX_ENV": "test"}
    dex = str(Path(sys.executable).parent / "dex")
    args = [dex, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-cluster"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _load(base: str, method: str, path: str, token: str | None, requests: int) -> float:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.request(
                    method, base + path, json=None if method == "GET" else {}
                ) as response:
                    await response.read()
                    assert response.status == 200, (path, response.status)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return requests / (time.perf_counter() - started)


def run(quick: bool) -> None:
    """Measure requests/s of each auth path and print it against the /health baseline."""
    requests = 300 if quick else 2000
    with scratch_database() as url:
        creds = seed_tenant(url)
        with served(url) as base:
            cases: list[tuple[str, str, str, str | None]] = [
                ("GET /health (db ping, no auth): baseline", "GET", "/health", None),
                ("POST /api/auth/me, API token", "POST", "/api/auth/me", creds["api_token"]),
                ("POST /api/auth/me, tenant JWT", "POST", "/api/auth/me", creds["jwt"]),
                (
                    "POST /api/super-admin/me, API key",
                    "POST",
                    "/api/super-admin/me",
                    SECRETS["SUPER_ADMIN_API_KEY"],
                ),
                ("POST /api/blueprints/list, JWT", "POST", "/api/blueprints/list", creds["jwt"]),
            ]
            results: list[tuple[str, Any]] = []
            for label, method, path, token in cases:
                asyncio.run(_load(base, method, path, token, 50))  # warm-up
                results.append((label, asyncio.run(_load(base, method, path, token, requests))))
    baseline = results[0][1]
    print(f"concurrency {CONCURRENCY}, {requests} requests per case, one uvicorn worker")
    print(f"{'case':<46} {'req/s':>8} {'vs baseline':>12}")
    for label, rate in results:
        print(f"{label:<46} {rate:>8.0f} {rate / baseline:>11.2f}x")
