"""The page readers in a batch on Ray: a G2 URL resolved, then it and the pricing page read and journaled."""

from __future__ import annotations

from uuid import UUID

import pytest
from sqlalchemy import Engine, select

from providers.sandbox.web_pages import g2_truth, pricing_truth
from providers.sandbox.world import World
from store.tables import operation_attempts, operation_runs
from tests.cluster.test_engine import wait_for
from tests.factories import ApiClient, make_tenant
from tests.support.web import priced_companies

pytestmark = pytest.mark.usefixtures("ray_cluster")


def test_a_batch_reads_pricing_and_g2_pages_as_the_world_says(
    api: ApiClient, engine: Engine, world: World
) -> None:
    tenant = make_tenant(api)
    companies = [c for c in priced_companies(world, 40) if g2_truth(world, c) is not None][:6]
    steps = [
        {"position": 1, "operation_id": "company.research.extract_pricing"},
        {"position": 2, "operation_id": "company.research.resolve_g2_url"},
        {"position": 3, "operation_id": "company.research.extract_g2"},
    ]
    entities = [{"input": {"company_domain": c.domain, "company_name": c.name}} for c in companies]
    blueprint = api.ok(
        "/api/blueprints/create",
        {"name": "pages", "entity_inputs": ["company_domain", "company_name"], "steps": steps},
        tenant.tokens["org_admin"],
    )
    body = {"blueprint_id": blueprint["id"], "company_id": str(tenant.company_ids[0]), "entities": entities}
    submission_id = UUID(api.ok("/api/v1/batch/submit", body, tenant.api_token)["submission_id"])
    assert wait_for(engine, submission_id) == "completed"
    with engine.connect() as conn:
        runs = conn.execute(
            select(operation_runs).where(operation_runs.c.submission_id == submission_id)
        ).all()
        attempts = conn.execute(
            select(operation_attempts.c.provider, operation_attempts.c.action).where(
                operation_attempts.c.run_id.in_([r.run_id for r in runs])
            )
        ).all()
    # A run's declared inputs are all its input_payload keeps: the pricing step's name the domain.
    domains = {
        r.pipeline_run_id: r.input_payload["company_domain"]
        for r in runs
        if r.operation_id == "company.research.extract_pricing"
    }
    by_domain = {(domains[r.pipeline_run_id], r.operation_id): r for r in runs}
    for company in companies:
        pricing = by_domain[(company.domain, "company.research.extract_pricing")]
        truth = pricing_truth(world, company)
        assert truth is not None and pricing.status == "found", pricing.error
        assert pricing.output_payload["plans"] == [p.facts() for p in truth.plans]
        g2 = by_domain[(company.domain, "company.research.extract_g2")]
        expected = g2_truth(world, company)
        assert expected is not None and g2.status == "found", g2.error
        assert (g2.output_payload["rating"], g2.output_payload["alternatives"]) == (
            expected.rating,
            list(expected.alternatives),
        )
    assert {("web", "fetch_robots"), ("web", "fetch_page")} <= set(attempts)
