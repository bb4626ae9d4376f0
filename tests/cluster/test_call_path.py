"""The call path under load: a hanging call holds only its own run; interactive calls go first."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine, func, select

from cluster.gateway import ProviderGateway
from cluster.leases import BATCH, INTERACTIVE, LeaseAsk, LeaseBook, LeaseGrant, LeaseHolder
from config import ProviderSettings
from providers.base import Outcome, RateLimit, RateLimits
from providers.http import HttpClient
from providers.registry import endpoint_for, get_provider
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.tables import entity_timeline, pipeline_runs
from tests.cluster.test_engine import submit, wait_for
from tests.factories import ApiClient, make_tenant
from tests.support.sandbox import knobs


@pytest.mark.usefixtures("ray_cluster")
def test_a_hanging_call_holds_only_its_own_run(
    api: ApiClient, engine: Engine, world: World, sandbox: SandboxServer
) -> None:
    tenant = make_tenant(api)
    domains = world.sample_domains(50, seed_offset=77)  # one chunk
    steps = [{"position": 1, "operation_id": "company.enrich.technographics"}]
    ended_early = None
    with knobs(sandbox, "leadmagic", timeout_rate=0.2, timeout_s=10):
        submission_id = submit(api, tenant, steps, [{"input": {"company_domain": d}} for d in domains])
        deadline = time.monotonic() + 120  # a loaded machine may take a while to start the chunk
        while time.monotonic() < deadline and ended_early is None:
            with engine.connect() as conn:
                runs = conn.execute(
                    select(pipeline_runs.c.id, pipeline_runs.c.status, pipeline_runs.c.entity_id).where(
                        pipeline_runs.c.submission_id == submission_id
                    )
                ).all()
                events = conn.execute(
                    select(func.count(func.distinct(entity_timeline.c.pipeline_run_id))).where(
                        entity_timeline.c.submission_id == submission_id
                    )
                ).scalar_one()
            done = [r for r in runs if r.status == "succeeded"]
            if len(done) >= 20 and any(r.status == "running" for r in runs):
                ended_early = (done, events)
            time.sleep(0.2)
    assert ended_early is not None, "no moment where finished runs were written while others still hung"
    done, events = ended_early
    # Each run that ended was written whole: its entity and its timeline, not just its status.
    assert all(r.entity_id is not None for r in done) and events >= len(done)
    assert wait_for(engine, submission_id, timeout_s=120) in ("completed", "failed")


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    async with HttpClient(max_connections=100, default_timeout_s=10) as client:
        yield client


def _holder(book: LeaseBook, name: str, priority: str) -> LeaseHolder:
    async def lease(ask: LeaseAsk) -> LeaseGrant:
        await asyncio.sleep(0.001)  # a lease call crosses to another process
        return book.lease(name, ask)

    return LeaseHolder(book.limits, lease, priority=priority)


async def test_interactive_calls_go_ahead_of_a_rate_limited_batch(
    sandbox: SandboxServer, world: World, http: HttpClient
) -> None:
    # One credential at 20/s: a batch of 120 calls needs 6 s; an interactive call made a second
    # in must not wait behind the batch's backlog.
    name = "millionverifier"
    provider = get_provider(name)
    endpoint = endpoint_for(provider, ProviderSettings.for_sandbox(sandbox.url, DEFAULT_SANDBOX_KEY))
    limits = RateLimits(RateLimit(rate=20, concurrency=20))
    book = LeaseBook(limits)
    batch = ProviderGateway(provider, endpoint, limits, client=http, holder=_holder(book, "chunk", BATCH))
    api = ProviderGateway(provider, endpoint, limits, client=http, holder=_holder(book, "api", INTERACTIVE))
    emails = [p.work_email for d in world.sample_domains(130, seed_offset=9) for p in world.people(d)[:1]]
    sandbox.reset()
    with knobs(sandbox, name, rate_per_second=20, burst=20):
        started = time.monotonic()
        backlog = asyncio.ensure_future(batch.call_many([("verify", {"email": e}) for e in emails[:120]]))
        await asyncio.sleep(1.0)
        waits = []
        for email in emails[120:125]:
            asked = time.monotonic()
            answer = await api.call("verify", {"email": email})
            assert answer.outcome in (Outcome.FOUND, Outcome.NOT_FOUND)
            waits.append(time.monotonic() - asked)
        assert not backlog.done()  # the batch was still queued all along
        results = await backlog
        elapsed = time.monotonic() - started
    assert all(r.outcome in (Outcome.FOUND, Outcome.NOT_FOUND) for r in results)
    assert sandbox.stats()[name]["rate_limited"] == 0
    # The first interactive call waits at most the batch's granted horizon; the next take the
    # reserved share at once, while the batch itself still finishes at about the rate.
    assert waits[0] < 0.6 and max(waits[1:]) < 0.6, waits
    assert elapsed < 125 / 20 * 1.35, elapsed
    await batch.close()
    await api.close()


@pytest.mark.usefixtures("ray_cluster")
def test_a_failed_run_names_each_providers_failure(
    api: ApiClient, engine: Engine, world: World, sandbox: SandboxServer
) -> None:
    tenant = make_tenant(api)
    domains = world.sample_domains(3, seed_offset=91)
    steps = [{"position": 1, "operation_id": "company.enrich.technographics"}]
    # LeadMagic documents "wait 30 s" after a 500 without Retry-After; the sandbox says 0, so only
    # the gateway's own backoff is waited out.
    with knobs(sandbox, "leadmagic", error_rate=1.0, error_retry_after_s=0):
        submission_id = submit(api, tenant, steps, [{"input": {"company_domain": d}} for d in domains])
        assert wait_for(engine, submission_id, timeout_s=120) == "failed"
    with engine.connect() as conn:
        runs = conn.execute(
            select(pipeline_runs.c.error_message, pipeline_runs.c.error_details).where(
                pipeline_runs.c.submission_id == submission_id
            )
        ).all()
    assert len(runs) == 3
    for message, details in runs:
        # Every try is named: the first answer and each retry, all 500s.
        said = "Operation failed: company.enrich.technographics: leadmagic: 500 \N{MULTIPLICATION SIGN}"
        assert message.startswith(said)
        assert details["code"] == "providers_failed" and details["message"] in message
        assert {d["http_status"] for d in details["details"]} == {500}
