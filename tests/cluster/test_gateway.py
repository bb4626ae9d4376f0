"""The provider gateway against the sandbox: limits honoured, retries, pause on 429, circuit breaker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from cluster.gateway import GatewayPool, ProviderGateway
from config import ProviderSettings
from providers.base import ErrorClass, Outcome, PolledAction, RateLimit, RateLimits
from providers.http import HttpClient
from providers.registry import endpoint_for, get_provider, rate_limits_for
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from tests.support.sandbox import knobs

NAME = "millionverifier"


def _emails(world: World, n: int) -> list[str]:
    return [p.work_email for d in world.sample_domains(n) for p in world.people(d)[:1]][:n]


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    async with HttpClient(max_connections=100, default_timeout_s=10) as client:
        yield client


def _gateway(
    sandbox: SandboxServer, http: HttpClient, limit: RateLimit | RateLimits, **options: object
) -> ProviderGateway:
    settings = ProviderSettings.for_sandbox(sandbox.url, DEFAULT_SANDBOX_KEY)
    provider = get_provider(NAME)
    return ProviderGateway(provider, endpoint_for(provider, settings), limit, client=http, **options)  # type: ignore[arg-type]


async def test_paced_at_the_providers_limit_no_429(
    sandbox: SandboxServer, world: World, http: HttpClient
) -> None:
    gateway = _gateway(sandbox, http, RateLimit(rate=10, concurrency=8))
    emails = _emails(world, 35)
    sandbox.reset()
    with knobs(sandbox, NAME, rate_per_second=10, burst=10, latency_ms=20):
        started = time.monotonic()
        results = await gateway.call_many([("verify", {"email": e}) for e in emails])
        elapsed = time.monotonic() - started
    assert all(r.outcome in (Outcome.FOUND, Outcome.NOT_FOUND) for r in results)
    assert sandbox.stats()[NAME]["rate_limited"] == 0
    assert 2.0 <= elapsed < 6.0, elapsed  # 35 calls at 10/s with a burst of 10
    assert gateway.stats.retries == 0


async def test_429s_are_retried_and_pause_the_gateway(
    sandbox: SandboxServer, world: World, http: HttpClient
) -> None:
    # The gateway believes in 50/s; the provider allows 5/s: it must back off and still finish.
    gateway = _gateway(sandbox, http, RateLimit(rate=50, concurrency=20), max_attempts=8)
    emails = _emails(world, 12)
    sandbox.reset()
    with knobs(sandbox, NAME, rate_per_second=5, burst=5):
        results = await gateway.call_many([("verify", {"email": e}) for e in emails])
    assert all(r.outcome in (Outcome.FOUND, Outcome.NOT_FOUND) for r in results), [
        r.error_class for r in results
    ]
    assert sandbox.stats()[NAME]["rate_limited"] > 0
    assert gateway.stats.rate_limited == sandbox.stats()[NAME]["rate_limited"]
    assert gateway.stats.retries >= gateway.stats.rate_limited


async def test_server_errors_are_retried(sandbox: SandboxServer, world: World, http: HttpClient) -> None:
    gateway = _gateway(sandbox, http, RateLimit(rate=100, concurrency=10), max_attempts=10, max_backoff_s=0.2)
    with knobs(sandbox, NAME, error_rate=0.5):
        results = await gateway.call_many([("verify", {"email": e}) for e in _emails(world, 10)])
    assert all(r.outcome in (Outcome.FOUND, Outcome.NOT_FOUND) for r in results)
    assert (
        gateway.stats.errors["server_error"] > 0
        and gateway.stats.retries >= gateway.stats.errors["server_error"]
    )
    # Every earlier try travels with the answer, so the history can show it.
    tries = [t for r in results for t in r.retried]
    assert len(tries) + len(results) == gateway.stats.attempts
    assert tries and all(t.error_class is ErrorClass.SERVER_ERROR and t.http_status == 500 for t in tries)


async def test_final_failures_are_not_retried_and_the_circuit_opens(
    sandbox: SandboxServer, http: HttpClient
) -> None:
    gateway = _gateway(
        sandbox,
        http,
        RateLimit(rate=100, concurrency=1),
        max_attempts=3,
        circuit_threshold=4,
        max_backoff_s=0.1,
    )
    with knobs(sandbox, NAME, error_rate=1.0):
        first = await gateway.call("verify", {"email": "a@b.co"})
        assert first.outcome is Outcome.RETRYABLE and gateway.stats.attempts == 3
        second = await gateway.call("verify", {"email": "a@b.co"})
    assert second.outcome is Outcome.FAILED and second.message is not None and "circuit" in second.message
    assert gateway.health()["circuit_opened"] == 1 and gateway.health()["circuit_open"] is True
    bad_key = ProviderSettings.for_sandbox(sandbox.url, "wrong-key")
    provider = get_provider(NAME)
    wrong = ProviderGateway(provider, endpoint_for(provider, bad_key), RateLimit(rate=100), client=http)
    result = await wrong.call("verify", {"email": "a@b.co"})
    assert result.error_class is ErrorClass.BAD_KEY and wrong.stats.attempts == 1


async def test_skips_cost_no_request(sandbox: SandboxServer, http: HttpClient) -> None:
    gateway = _gateway(sandbox, http, RateLimit(rate=1, concurrency=1))
    results = await asyncio.wait_for(gateway.call_many([("verify", {}) for _ in range(20)]), timeout=2)
    assert {r.outcome for r in results} == {Outcome.SKIPPED} and gateway.stats.attempts == 0
    unknown = await gateway.call("no_such_action", {})
    assert unknown.outcome is Outcome.FAILED


async def test_pool_routes_by_provider_and_reports_health(
    sandbox: SandboxServer, world: World, http: HttpClient
) -> None:
    pool = GatewayPool(ProviderSettings.for_sandbox(sandbox.url, DEFAULT_SANDBOX_KEY), client=http)
    result = await pool.call(NAME, "verify", {"email": _emails(world, 1)[0]})
    assert result.outcome in (Outcome.FOUND, Outcome.NOT_FOUND) and result.http_status == 200
    assert (await pool.call("nope", "verify", {})).outcome is Outcome.FAILED
    health = pool.health()[NAME]
    assert (
        health["calls"] == 1 and health["has_key"] is True and health["base_url"].endswith("/millionverifier")
    )


async def test_request_problems_never_open_the_circuit(sandbox: SandboxServer, http: HttpClient) -> None:
    # A wrong key fails every call, but the provider is healthy: no circuit.
    settings = ProviderSettings.for_sandbox(sandbox.url, "wrong-key")
    provider = get_provider(NAME)
    gateway = ProviderGateway(
        provider, endpoint_for(provider, settings), RateLimit(rate=100, concurrency=1), client=http,
        circuit_threshold=3,
    )  # fmt: skip
    results = [await gateway.call("verify", {"email": f"p{i}@b.co"}) for i in range(8)]
    assert {r.error_class for r in results} == {ErrorClass.BAD_KEY}
    assert gateway.stats.attempts == 8 and gateway.health()["circuit_opened"] == 0
    assert gateway.health()["circuit_open"] is False


async def test_a_credential_out_of_credits_is_skipped_not_called_again(
    sandbox: SandboxServer, http: HttpClient
) -> None:
    gateway = _gateway(sandbox, http, RateLimit(rate=100, concurrency=4))
    sandbox.reset()
    with knobs(sandbox, NAME, credits=0):
        first = await gateway.call("verify", {"email": "p0@b.co"})
        rest = await gateway.call_many([("verify", {"email": f"p{i}@b.co"}) for i in range(1, 30)])
    assert first.error_class is ErrorClass.NO_CREDITS
    assert {(r.outcome, r.skip_reason) for r in rest} == {(Outcome.SKIPPED, "no_credits")}
    assert sandbox.stats()[NAME]["requests"] == 1
    health = gateway.health()
    assert health["exhausted"] is True and health["attempts"] == 1 and health["circuit_open"] is False


async def test_the_exhausted_mark_stays_while_the_balance_is_zero_and_clears_when_it_comes_back(
    sandbox: SandboxServer, http: HttpClient
) -> None:
    # Recheck every 2 s: the balance is looked at in the last second before the mark runs out.
    gateway = _gateway(sandbox, http, RateLimit(rate=100, concurrency=4), credits_recheck_s=2.0)
    assert gateway.book is not None
    sandbox.reset()
    with knobs(sandbox, NAME, credits=0):
        first = await gateway.call("verify", {"email": "p0@b.co"})
        await asyncio.sleep(0.05)  # the report reaches the book with the holder's next lease call
        assert first.error_class is ErrorClass.NO_CREDITS and gateway.book.exhausted()
        await asyncio.sleep(1.2)
        skipped = await gateway.call("verify", {"email": "p1@b.co"})  # due: starts a balance check
        assert skipped.skip_reason == "no_credits" and gateway.credits_check is not None
        checked = await gateway.credits_check
        assert checked is not None and checked.data is not None and checked.data["credits_remaining"] == 0
        await asyncio.sleep(1.0)  # past the first mark's end: the zero balance kept it
        kept = await gateway.call("verify", {"email": "p2@b.co"})
        assert kept.skip_reason == "no_credits"
        assert sandbox.stats()[NAME]["requests"] == 1
        sandbox.set_knobs({NAME: {"credits": 50}})
        if gateway.credits_check is not None:
            await gateway.credits_check  # started by the last call: it may see the credits already
        if gateway.book.exhausted():
            until = gateway.book.credits_state()["exhausted_until"]
            await asyncio.sleep(max(0.0, until - time.time() - 0.8))
            await gateway.call("verify", {"email": "p3@b.co"})  # due again: this check finds 50 credits
            assert gateway.credits_check is not None
            await gateway.credits_check
        assert not gateway.book.exhausted()
        served = await gateway.call("verify", {"email": "p4@b.co"})
    assert served.outcome in (Outcome.FOUND, Outcome.NOT_FOUND)
    stats = sandbox.stats()[NAME]
    assert stats["requests"] == 2 and stats["balance_checks"] >= 2


async def test_a_balance_check_on_demand_clears_or_sets_the_mark(
    sandbox: SandboxServer, http: HttpClient
) -> None:
    gateway = _gateway(sandbox, http, RateLimit(rate=100, concurrency=4))
    assert gateway.book is not None
    with knobs(sandbox, NAME, credits=0):
        zero = await gateway.check_credits()
        assert zero is not None and gateway.book.exhausted()  # nobody has called it yet: marked anyway
    again = await gateway.check_credits()
    assert again is not None and again.outcome is Outcome.FOUND and not gateway.book.exhausted()
    no_endpoint = _icypeas_gateway(sandbox, http)
    assert await no_endpoint.check_credits() is None


def _icypeas_gateway(sandbox: SandboxServer, http: HttpClient) -> ProviderGateway:
    settings = ProviderSettings.for_sandbox(sandbox.url, DEFAULT_SANDBOX_KEY)
    provider = get_provider("icypeas")
    return ProviderGateway(provider, endpoint_for(provider, settings), provider.rate_limits, client=http)


def _icypeas_subjects(world: World, n: int) -> list[dict[str, str]]:
    people = [p for d in world.sample_domains(n, seed_offset=5) for p in world.people(d)[:1]][:n]
    return [{"full_name": p.full_name, "company_domain": p.company_domain} for p in people]


async def test_icypeas_searches_share_reads_within_the_read_limit(
    sandbox: SandboxServer, world: World, http: HttpClient
) -> None:
    # Icypeas allows 10 submits/s but 30 reads/min for the whole account. Read one by one, 40 searches
    # would take minutes; read together they finish in a few list reads, and no read is refused.
    gateway = _icypeas_gateway(sandbox, http)
    read = "/icypeas/bulk-single-searchs/read"
    sandbox.reset()
    with knobs(sandbox, "icypeas", rate_per_second=10, path_rates={"/bulk-single-searchs/read": 30 / 60}):
        started = time.monotonic()
        results = await gateway.call_many([("email_search", s) for s in _icypeas_subjects(world, 40)])
        elapsed = time.monotonic() - started
    stats = sandbox.stats()["icypeas"]
    assert stats["rate_limited"] == 0
    assert all(r.outcome in (Outcome.FOUND, Outcome.NOT_FOUND) for r in results), [
        (r.outcome, r.error_class, r.message) for r in results
    ]
    assert sum(r.outcome is Outcome.FOUND for r in results) >= 10
    reads = stats["paths"][read]
    assert stats["paths"]["/icypeas/email-search"] == 40
    assert reads <= elapsed / 2 + 1, (reads, elapsed)  # never above 30/min
    assert reads <= 8 and elapsed < 30, (reads, elapsed)  # a handful of list reads, not 40 times 1-3 reads
    health = gateway.health()
    assert health["lanes"]["/bulk-single-searchs/read"]["rate_per_second"] == 0.5
    assert health["open_jobs"] == 0 and health["in_flight"] == 0 and health["waiting"] == 0


async def test_endpoints_with_their_own_limit_do_not_wait_for_each_other(
    sandbox: SandboxServer, world: World, http: HttpClient
) -> None:
    # While the slow read lane waits for tokens, submits keep their own 10/s pace.
    holder = _icypeas_gateway(sandbox, http).holder
    read = "/bulk-single-searchs/read"
    assert holder.lane_of("/email-search") == holder.lane_of("") != holder.lane_of(read)
    await holder.admit(read)  # spend the read lane's first send time
    started = time.monotonic()
    waiting = asyncio.ensure_future(holder.admit(read))
    for _ in range(5):
        await holder.admit("/email-search")
    assert time.monotonic() - started < 1.0 and not waiting.done()
    await waiting
    assert time.monotonic() - started >= 1.5  # a read token comes every 2 s


async def test_an_account_cap_holds_across_endpoint_lanes(sandbox: SandboxServer, http: HttpClient) -> None:
    # Two endpoints at 10/s each, but the key may send 10/s in all: 30 requests take about 3 s.
    limits = RateLimits(RateLimit(rate=10, concurrency=20), per_path=True, account=RateLimit(rate=10))
    gateway = _gateway(sandbox, http, limits)
    started = time.monotonic()
    await asyncio.gather(*(gateway.holder.admit(f"/endpoint-{i % 2}") for i in range(30)))
    elapsed = time.monotonic() - started
    assert 2.5 <= elapsed < 4.5, elapsed
    assert {k: v["requests"] for k, v in gateway.health()["lanes"].items()} == {
        "/endpoint-0": 15,
        "/endpoint-1": 15,
    }


def test_open_searches_never_outgrow_one_list_read(sandbox: SandboxServer, http: HttpClient) -> None:
    settings = ProviderSettings.for_sandbox(
        sandbox.url, DEFAULT_SANDBOX_KEY, provider_limits={"icypeas": {"concurrency": 500}}
    )
    provider = get_provider("icypeas")
    gateway = ProviderGateway(
        provider, endpoint_for(provider, settings), rate_limits_for(provider, settings), client=http
    )
    assert gateway.limit.concurrency == 500 and gateway.health()["concurrency"] == 100


def test_shared_reads_and_single_reads_stay_within_the_read_limit(
    sandbox: SandboxServer, http: HttpClient
) -> None:
    search = get_provider("icypeas").actions["email_search"]
    assert isinstance(search, PolledAction)
    documented = _icypeas_gateway(sandbox, http)._poller(search)
    # 30/min: a list read every documented 3 s, and one single read beside each.
    assert documented is not None and (documented.interval_s, documented.single_reads) == (3.0, 1)
    provider = get_provider("icypeas")

    def poller(reads_per_s: float) -> tuple[float, int]:
        limits = {"icypeas": {"path_rates": {"/bulk-single-searchs/read": reads_per_s}}}
        settings = ProviderSettings.for_sandbox(sandbox.url, DEFAULT_SANDBOX_KEY, provider_limits=limits)
        gateway = ProviderGateway(
            provider, endpoint_for(provider, settings), rate_limits_for(provider, settings), client=http
        )
        found = gateway._poller(search)
        assert found is not None
        return found.interval_s, found.single_reads

    # A plan that reads faster reads sooner: list reads take two thirds of the limit, at most 1/s.
    assert poller(0.75) == (2.0, 1)
    assert poller(4) == (1.0, 3)
    assert poller(1000) == (1.0, 100)  # single reads never more than one list holds
