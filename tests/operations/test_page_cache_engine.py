"""The page cache in a batch on Ray: what one batch (or worker) fetched, the next reads from PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, select

from providers.sandbox.server import SandboxServer
from providers.sandbox.web_pages import pricing_html, pricing_truth
from providers.sandbox.world import World
from store.repositories.web_cache import put_page
from store.tables import operation_attempts, operation_runs, web_pages
from tests.cluster.test_engine import wait_for
from tests.factories import ApiClient, TenantWorld, make_tenant
from tests.support.web import priced_companies

pytestmark = pytest.mark.usefixtures("ray_cluster")

STEPS = [{"position": 1, "operation_id": "company.research.extract_pricing"}]


def _submit(api: ApiClient, engine: Engine, tenant: TenantWorld, domains: Sequence[str]) -> list[Any]:
    """Run extract_pricing over domains in a batch; return its runs with their web attempts."""
    blueprint = api.ok(
        "/api/blueprints/create",
        {"name": "pricing", "entity_inputs": ["company_domain"], "steps": STEPS},
        tenant.tokens["org_admin"],
    )
    entities = [{"input": {"company_domain": d}} for d in domains]
    body = {"blueprint_id": blueprint["id"], "company_id": str(tenant.company_ids[0]), "entities": entities}
    submission_id = UUID(api.ok("/api/v1/batch/submit", body, tenant.api_token)["submission_id"])
    assert wait_for(engine, submission_id) == "completed"
    with engine.connect() as conn:
        runs = conn.execute(
            select(operation_runs).where(operation_runs.c.submission_id == submission_id)
        ).all()
        attempts = conn.execute(
            select(operation_attempts.c.action).where(
                operation_attempts.c.run_id.in_([r.run_id for r in runs]),
                operation_attempts.c.provider == "web",
            )
        ).all()
    return [runs, [a.action for a in attempts]]


def _web_requests(sandbox: SandboxServer, domains: Sequence[str]) -> int:
    paths = sandbox.stats()["web"]["paths"]
    return sum(n for path, n in paths.items() if any(d in path for d in domains))


def test_a_second_batch_for_the_same_domains_fetches_no_page(
    api: ApiClient, engine: Engine, world: World, sandbox: SandboxServer
) -> None:
    domains = [c.domain for c in priced_companies(world, 60)[-3:]]
    before = _web_requests(sandbox, domains)
    runs, actions = _submit(api, engine, make_tenant(api), domains)
    assert all(r.status == "found" for r in runs), [r.error for r in runs]
    assert actions.count("fetch_page") >= len(domains)
    fetched = _web_requests(sandbox, domains) - before
    assert fetched >= 2 * len(domains)  # robots.txt and the page (or more, when redirected)
    with engine.connect() as conn:
        cached = conn.execute(select(web_pages.c.url)).scalars().all()
    assert {f"https://{d}/pricing" for d in domains} <= set(cached)

    # Another tenant's batch for the same domains: public pages are shared, nothing is sent.
    again, again_actions = _submit(api, engine, make_tenant(api), domains)
    assert all(r.status == "found" for r in again), [r.error for r in again]
    plans = {r.input_payload["company_domain"]: r.output_payload["plans"] for r in runs}
    assert {r.input_payload["company_domain"]: r.output_payload["plans"] for r in again} == plans
    assert again_actions == []
    assert _web_requests(sandbox, domains) - before == fetched


def test_a_page_in_postgres_is_read_by_a_worker_that_never_fetched_it(
    api: ApiClient, engine: Engine, world: World, sandbox: SandboxServer
) -> None:
    # A domain no worker has fetched: only the table can answer for it.
    company = priced_companies(world, 80)[-1]
    truth = pricing_truth(world, company)
    assert truth is not None
    url = f"https://{company.domain}/pricing"
    page = {
        "url": url,
        "final_url": url,
        "html": pricing_html(company, truth),
        "etag": None,
        "last_modified": None,
        "fetched_at": time.time(),
    }
    with engine.begin() as conn:
        put_page(conn, page=page)
    before = _web_requests(sandbox, [company.domain])
    runs, actions = _submit(api, engine, make_tenant(api), [company.domain])
    assert [r.status for r in runs] == ["found"], [r.error for r in runs]
    assert runs[0].output_payload["plans"] == [p.facts() for p in truth.plans]
    assert actions == [] and _web_requests(sandbox, [company.domain]) == before
