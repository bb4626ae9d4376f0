"""Competitors, similar companies and customers (RevenueInfra) against the sandbox, and their contracts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from config import ProviderSettings
from operations.contracts.research import CompetitorsOutput, CustomersOutput, SimilarCompaniesOutput
from operations.registry import get_operation
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.operations.conftest import run_op
from tests.support.sandbox import knobs


def _company(world: World, wanted: Callable[[Company], bool], *, known: bool = True) -> Company:
    for domain in world.sample_domains(400, seed_offset=21):
        company = world.company(domain)
        if company and world.knows("revenueinfra", domain) == known and wanted(company):
            return company
    raise AssertionError("no such company in the sample")


@pytest.fixture
async def keyless(sandbox: SandboxServer) -> AsyncIterator[GatewayPool]:
    """Gateways without a RevenueInfra key."""
    settings = ProviderSettings.for_sandbox(sandbox.url, sandbox.api_key, revenueinfra_api_key=None)
    gateways = GatewayPool(settings, max_backoff_s=0.5)
    yield gateways
    await gateways.close()


async def test_competitors_are_the_worlds_rivals(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: len(c.competitors) >= 3)
    result = await run_op(pool, "company.research.discover_competitors", {"company_domain": company.domain})
    assert result.status == "found" and result.provider_order_used == ["revenueinfra"]
    output = result.output or {}
    assert [c["domain"] for c in output["competitors"]] == list(company.competitors)
    assert output["competitor_count"] == len(company.competitors)
    assert output["source_provider"] == "revenueinfra"
    rival = world.company(company.competitors[0])
    assert rival is not None and output["competitors"][0]["name"] == rival.name


async def test_competitors_by_name_alone(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: bool(c.competitors))
    result = await run_op(pool, "company.research.discover_competitors", {"company_name": company.name})
    assert result.status == "found"
    assert [c["domain"] for c in (result.output or {})["competitors"]] == list(company.competitors)


async def test_competitors_fan_out_into_companies(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: bool(c.competitors))
    result = await run_op(pool, "company.research.discover_competitors", {"company_domain": company.domain})
    spec = get_operation("company.research.discover_competitors")
    assert spec is not None and spec.fan_out is not None and spec.fan_out.entity_type == "company"
    items = (result.output or {})[spec.fan_out.field]
    child = spec.fan_out.child_input(items[0])
    rival = world.company(company.competitors[0])
    assert rival is not None
    assert child == {
        "company_domain": rival.domain,
        "company_name": rival.name,
        "company_linkedin_url": rival.linkedin_url,
    }


async def test_a_known_company_without_competitors_is_found_with_an_empty_list(
    pool: GatewayPool, world: World
) -> None:
    company = _company(world, lambda c: not c.competitors)
    result = await run_op(pool, "company.research.discover_competitors", {"company_domain": company.domain})
    assert result.status == "found"
    assert (result.output or {})["competitors"] == [] and (result.output or {})["competitor_count"] == 0


async def test_an_unknown_company_is_not_found(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: True, known=False)
    for operation_id in ("company.research.discover_competitors", "company.research.lookup_customers"):
        result = await run_op(pool, operation_id, {"company_domain": company.domain})
        assert result.status == "not_found" and result.output is None


async def test_missing_and_unusable_inputs(pool: GatewayPool) -> None:
    result = await run_op(pool, "company.research.discover_competitors", {"company_linkedin_url": "x"})
    assert result.status == "failed"
    assert result.missing_inputs == ["company_domain|company_website|company_name"]
    result = await run_op(pool, "company.research.find_similar_companies", {"company_name": "Acme"})
    assert result.missing_inputs == ["company_domain|company_website"] and result.attempts == []
    result = await run_op(pool, "company.research.lookup_customers", {"company_domain": 12345})
    assert result.status == "failed" and result.attempts == [] and result.error is not None


async def test_no_key_fails_rather_than_skips(keyless: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: bool(c.similar))
    result = await run_op(
        keyless, "company.research.find_similar_companies", {"company_domain": company.domain}
    )
    assert result.status == "failed" and result.attempts[0].status == "skipped"
    assert result.error is not None and "missing_provider_api_key" in result.error["message"]


async def test_a_provider_outage_fails(pool: GatewayPool, sandbox: SandboxServer, world: World) -> None:
    company = _company(world, lambda c: bool(c.customers))
    with knobs(sandbox, "revenueinfra", error_rate=1.0):
        result = await run_op(pool, "company.research.lookup_customers", {"company_domain": company.domain})
    assert result.status == "failed" and result.output is None
    assert result.provider_order_used == ["revenueinfra"]


async def test_similar_companies_carry_scores_and_honour_max_results(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: len(c.similar) >= 5)
    context = {"company_website": f"https://www.{company.domain}/", "max_results": 50}
    result = await run_op(pool, "company.research.find_similar_companies", context, params={"max_results": 3})
    assert result.status == "found"
    output = result.output or {}
    assert [(s["company_domain"], s["similarity_score"]) for s in output["similar_companies"]] == list(
        company.similar[:3]
    )
    assert output["similar_count"] == 3


async def test_customers_fan_out_under_canonical_names(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: bool(c.customers))
    result = await run_op(pool, "company.research.lookup_customers", {"company_domain": company.domain})
    output = result.output or {}
    assert result.status == "found"
    assert [c["customer_domain"] for c in output["customers"]] == list(company.customers)
    assert output["customer_count"] == len(company.customers)
    assert {c["origin_company_domain"] for c in output["customers"]} == {company.domain}
    spec = get_operation("company.research.lookup_customers")
    assert spec is not None and spec.fan_out is not None
    child = spec.fan_out.child_input(output["customers"][0])
    assert child["company_domain"] == company.customers[0] and "customer_domain" not in child


def test_relation_contracts() -> None:
    CompetitorsOutput.model_validate(
        {
            "competitors": [{"name": "A", "domain": "a.com", "linkedin_url": None}],
            "competitor_count": 1,
            "source_provider": "revenueinfra",
        }
    )
    with pytest.raises(ValidationError):
        CompetitorsOutput.model_validate(
            {
                "competitors": [{"name": "A", "website": "a.com"}],
                "competitor_count": 1,
                "source_provider": "x",
            }
        )
    SimilarCompaniesOutput.model_validate(
        {
            "similar_companies": [{"company_domain": "b.com", "similarity_score": 0.8}],
            "similar_count": 1,
            "source_provider": "revenueinfra",
        }
    )
    with pytest.raises(ValidationError):
        SimilarCompaniesOutput.model_validate(
            {"similar_companies": [{"similarity_score": "high"}], "similar_count": 1, "source_provider": "x"}
        )
    CustomersOutput.model_validate({"customers": [], "customer_count": 0, "source_provider": "revenueinfra"})
    with pytest.raises(ValidationError):
        CustomersOutput.model_validate({"customers": [], "customer_count": 0})
