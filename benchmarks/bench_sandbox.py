"""How many requests a second one sandbox process serves, as a ratio to a bare ASGI app on the same server.

The sandbox must never be what binds a benchmark of the engine. Both servers run in their own
process under the same uvicorn (uvloop + httptools when installed); the load comes from this process
through providers.http at a fixed concurrency, with zero added latency and no rate limits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from benchmarks.bench_http_clients import echo_server
from providers.http import HttpClient, HttpRequest
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World

CONCURRENCY = 64
SEED = 7
COMPANIES = 20_000

UrlFor = Callable[[int], HttpRequest]


async def _load(request_for: UrlFor, requests: int) -> float:
    async with HttpClient(max_connections=CONCURRENCY, default_timeout_s=30) as client:
        next_index = 0

        async def worker() -> None:
            nonlocal next_index
            while next_index < requests:
                index = next_index
                next_index += 1
                response = await client.send(request_for(index))
                if response.status != 200:
                    raise RuntimeError(f"unexpected {response.status}: {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(CONCURRENCY))), timeout=300)
        return requests / (time.perf_counter() - started)


def _measure(request_for: UrlFor, requests: int) -> float:
    asyncio.run(_load(request_for, min(200, requests)))  # warm-up: connections, caches
    return asyncio.run(_load(request_for, requests))


def run(quick: bool) -> None:
    """Print req/s of the bare app and of sandbox endpoints, and their ratio."""
    requests = 1_000 if quick else 6_000
    world = World(seed=SEED, company_count=COMPANIES)
    emails = [p.work_email for d in world.sample_domains(100) for p in world.people(d)[:10]]
    rows: list[tuple[str, float]] = []
    with echo_server() as base:
        rows.append(
            (
                "bare ASGI app, GET /health (baseline)",
                _measure(lambda i: HttpRequest("GET", f"{base}/health"), requests),
            )
        )
    with SandboxServer(seed=SEED, companies=COMPANIES) as sandbox:
        health = f"{sandbox.url}/_sandbox/health"
        rows.append(
            (
                "sandbox control route, GET /_sandbox/health",
                _measure(lambda i: HttpRequest("GET", health), requests),
            )
        )
        verify = f"{sandbox.url}/millionverifier/api/v3/"

        def verify_request(i: int) -> HttpRequest:
            return HttpRequest(
                "GET", verify, params={"api": DEFAULT_SANDBOX_KEY, "email": emails[i % len(emails)]}
            )

        rows.append(("millionverifier verify (gate + world lookup)", _measure(verify_request, requests)))
    baseline = rows[0][1]
    print(f"concurrency {CONCURRENCY}, {requests} requests per case, server and load generator share 2 cores")
    print(f"{'case':<48} {'req/s':>8} {'vs bare':>8}")
    for label, rate in rows:
        print(f"{label:<48} {rate:>8.0f} {rate / baseline:>7.2f}x")
