"""The sandbox gate: rate limits enforced exactly as a provider would, knobs, stats, determinism."""

from __future__ import annotations

import asyncio
import time

import httpx
from aiolimiter import AsyncLimiter

from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from tests.providers.conftest import COMPANIES, SEED, knobs

PROVIDER = "millionverifier"


def _verify_url(sandbox: SandboxServer) -> str:
    return f"{sandbox.url}/{PROVIDER}/api/v3/"


async def _hit(client: httpx.AsyncClient, url: str, email: str) -> int:
    return (await _get(client, url, email)).status_code


async def _get(client: httpx.AsyncClient, url: str, email: str) -> httpx.Response:
    return await client.get(url, params={"api": DEFAULT_SANDBOX_KEY, "email": email})


def _emails(world: World, n: int) -> list[str]:
    return [p.work_email for d in world.sample_domains(n) for p in world.people(d)[:1]][:n]


async def test_a_burst_above_the_limit_gets_429s_with_retry_after(
    sandbox: SandboxServer, world: World
) -> None:
    emails = _emails(world, 60)
    sandbox.reset()
    with knobs(sandbox, PROVIDER, rate_per_second=20, burst=20):
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=60)) as client:
            responses = await asyncio.gather(*(_get(client, _verify_url(sandbox), e) for e in emails))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) >= 20 and statuses.count(429) >= 30, statuses
    assert all(int(r.headers["retry-after"]) >= 1 for r in responses if r.status_code == 429)
    stats = sandbox.stats()[PROVIDER]
    assert stats["rate_limited"] == statuses.count(429) and stats["served"] == statuses.count(200)


async def test_at_the_limit_no_request_is_refused(sandbox: SandboxServer, world: World) -> None:
    emails = _emails(world, 60)
    sandbox.reset()
    # Paced at 95% of the limit: the margin absorbs send-order jitter of a busy 2-core client, as a
    # real client's margin would; the server itself grants no more than its rate (see the burst test).
    limiter = AsyncLimiter(19, 1)
    with knobs(sandbox, PROVIDER, rate_per_second=20, burst=20):
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=20)) as client:
            health = f"{sandbox.url}/_sandbox/health"
            await asyncio.gather(*(_hit(client, health, "") for _ in range(20)))  # open the connections first
            sandbox.reset()

            async def paced(email: str) -> int:
                async with limiter:
                    return await _hit(client, _verify_url(sandbox), email)

            started = time.monotonic()
            statuses = await asyncio.gather(*(paced(e) for e in emails))
            elapsed = time.monotonic() - started
    assert statuses == [200] * len(emails)
    assert elapsed >= 1.5, "60 requests at 20/s take at least two seconds after the initial burst"
    stats = sandbox.stats()[PROVIDER]
    assert stats["rate_limited"] == 0 and stats["served"] == len(emails)
    assert 20 <= stats["peak_rps"] <= 41


def test_knobs_are_validated_and_reported(sandbox: SandboxServer) -> None:
    bad = httpx.post(f"{sandbox.url}/_sandbox/knobs", json={"nope": {"latency_ms": 1}})
    assert bad.status_code == 422 and "unknown provider" in bad.json()["error"]
    bad = httpx.post(f"{sandbox.url}/_sandbox/knobs", json={PROVIDER: {"error_rate": 2}})
    assert bad.status_code == 422
    with knobs(sandbox, PROVIDER, latency_ms=40, error_rate=0.25):
        current = httpx.get(f"{sandbox.url}/_sandbox/knobs").json()[PROVIDER]
        assert current["latency_ms"] == 40 and current["error_rate"] == 0.25


async def test_latency_knob_is_applied(sandbox: SandboxServer, world: World) -> None:
    email = _emails(world, 1)[0]
    with knobs(sandbox, PROVIDER, latency_ms=200):
        async with httpx.AsyncClient() as client:
            started = time.perf_counter()
            assert await _hit(client, _verify_url(sandbox), email) == 200
            assert time.perf_counter() - started >= 0.19


def test_same_seed_same_answers_other_seed_other_world(sandbox: SandboxServer, world: World) -> None:
    domains = world.sample_domains(5)
    emails = [p.work_email for d in domains for p in world.people(d)[:3]]
    params = [{"api": DEFAULT_SANDBOX_KEY, "email": e} for e in emails]

    def answers(server: SandboxServer) -> list[dict[str, object]]:
        return [httpx.get(f"{server.url}/{PROVIDER}/api/v3/", params=p).json() for p in params]

    with SandboxServer(seed=SEED, companies=COMPANIES) as twin:
        assert answers(twin) == answers(sandbox)
    assert World(seed=SEED + 1, company_count=COMPANIES).sample_domains(5) != domains


def test_an_endpoint_limit_holds_apart_from_the_providers_limit(sandbox: SandboxServer) -> None:
    read, submit = f"{sandbox.url}/icypeas/bulk-single-searchs/read", f"{sandbox.url}/icypeas/email-search"
    auth = {"Authorization": DEFAULT_SANDBOX_KEY}
    bad = httpx.post(f"{sandbox.url}/_sandbox/knobs", json={"icypeas": {"path_rates": {"/x": 0}}})
    assert bad.status_code == 422
    with knobs(sandbox, "icypeas", path_rates={"/bulk-single-searchs/read": 0.5}):
        reads = [httpx.post(read, json={"mode": "single", "limit": 5}, headers=auth) for _ in range(3)]
        submits = [
            httpx.post(
                submit, json={"firstname": "A", "lastname": "B", "domainOrCompany": "x.com"}, headers=auth
            )
            for _ in range(5)
        ]
        assert [r.status_code for r in reads] == [200, 429, 429]
        assert reads[1].headers["retry-after"] == "2" and [r.status_code for r in submits] == [200] * 5
        listed = reads[0].json()
        assert listed["success"] is True and isinstance(listed["items"], list)
        httpx.post(f"{sandbox.url}/_sandbox/knobs", json={"icypeas": {"path_rates": None}}).raise_for_status()
        assert httpx.post(read, json={"mode": "single", "limit": 5}, headers=auth).status_code == 200
    too_many = httpx.post(read, json={"mode": "single", "limit": 101}, headers=auth).json()
    assert too_many["success"] is False and too_many["validationErrors"][0]["field"] == "limit"
