"""company.search (accumulated across providers) and company.search.ecommerce against the sandbox.

StoreLeads answers each new list query with a 202 first (the gateway asks again 5 s later), so the
ecommerce tests ask few distinct queries; the first one is the same the hardening tests send.
"""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.search import CompanySearchOutput, EcommerceSearchOutput
from operations.registry import get_operation
from operations.spec import FanOut
from providers.sandbox.world import Company, World
from tests.operations.conftest import run_op

SEARCH = "company.search"
STORES = "company.search.ecommerce"


def _unique_name(world: World, known: tuple[str, ...], unknown: tuple[str, ...]) -> Company:
    """A company whose name no other company's name contains, known to some providers only."""
    for domain in world.sample_domains(2000, seed_offset=53):
        company = world.company(domain)
        if company is None or not all(world.knows(p, domain) for p in known):
            continue
        if any(world.knows(p, domain) for p in unknown):
            continue
        if world.search_companies(name_contains=company.name, limit=2)[1] == 1:
            return company
    raise AssertionError("no company fits")


def _fan_out(operation_id: str) -> FanOut:
    spec = get_operation(operation_id)
    assert spec is not None and spec.fan_out is not None and spec.fan_out.entity_type == "company"
    return spec.fan_out


def _world_name(world: World, domain: str | None) -> str | None:
    company = world.company(domain) if domain else None
    return company.name if company else None


# -- company.search ------------------------------------------------------------------------------------


async def test_a_name_query_finds_the_company(pool: GatewayPool, world: World) -> None:
    company = _unique_name(world, known=("prospeo",), unknown=())

    result = await run_op(pool, SEARCH, {"query": company.name}, params={"max_results": 1})

    assert result.status == "found" and result.output is not None
    (hit,) = result.output["results"]
    assert hit["company_domain"] == company.domain and hit["company_name"] == company.name
    assert hit["hq_country_code"] == company.hq_country_code and hit["source_provider"] == "prospeo"
    assert hit["raw"]["company"]["domain"] == company.domain
    assert result.output["provider_order_used"] == ["prospeo"] == result.provider_order_used
    child = _fan_out(SEARCH).child_input(hit)
    assert child["company_domain"] == company.domain and child["company_name"] == company.name


async def test_results_accumulate_across_providers_up_to_max_results(pool: GatewayPool, world: World) -> None:
    result = await run_op(pool, SEARCH, {"query": "Software", "limit": 100}, params={"max_results": 30})

    assert result.status == "found" and result.output is not None
    results = result.output["results"]
    assert result.output["result_count"] == len(results) == 30
    # Prospeo's page of 25 is not enough, BlitzAPI's tops it up, and CompanyEnrich is never asked.
    assert result.output["provider_order_used"] == ["prospeo", "blitzapi"]
    assert set(result.output["pagination"]) == {"prospeo", "blitzapi"}
    assert {r["source_provider"] for r in results} == {"prospeo", "blitzapi"}
    domains = [r["company_domain"] for r in results]
    assert len(set(domains)) == len(domains)
    assert all(_world_name(world, r["company_domain"]) == r["company_name"] for r in results)


async def test_found_by_the_second_provider_and_deduplicated_with_the_third(
    pool: GatewayPool, world: World
) -> None:
    company = _unique_name(world, known=("blitzapi", "companyenrich"), unknown=("prospeo",))

    result = await run_op(pool, SEARCH, {"query": company.name})

    assert result.status == "found" and result.output is not None
    assert [a.status for a in result.attempts] == ["not_found", "found", "found"]
    (hit,) = result.output["results"]
    assert hit["company_domain"] == company.domain and hit["source_provider"] == "blitzapi"
    assert result.output["provider_order_used"] == ["prospeo", "blitzapi", "companyenrich"]


async def test_page_size_and_order_reach_the_providers(pool: GatewayPool) -> None:
    result = await run_op(
        pool, SEARCH, {"query": "Software"}, params={"page_size": 7, "page": 2}, order=["companyenrich"]
    )

    assert result.status == "found" and result.output is not None
    assert 0 < result.output["result_count"] <= 7
    pagination = result.output["pagination"]["companyenrich"]
    assert pagination["page"] == 2 and pagination["page_size"] == 7
    # CompanyEnrich counted its pages at 7 companies a page, so the size reached it.
    assert pagination["total_pages"] == math.ceil(pagination["total_items"] / 7)


async def test_blitzapi_pages_by_the_cursor_it_returned(pool: GatewayPool) -> None:
    params = {"industry": "Computer Software", "country_code": "us", "page_size": 5}
    first = await run_op(pool, SEARCH, {}, params=params, order=["blitzapi"])
    assert first.status == "found" and first.output is not None
    cursor = first.output["pagination"]["blitzapi"]["cursor"]
    assert all(
        r["industry_primary"] == "Computer Software" and r["hq_country_code"] == "US"
        for r in first.output["results"]
    )

    second = await run_op(
        pool, SEARCH, {}, params={**params, "page": 2, "cursor": cursor}, order=["blitzapi"]
    )
    without_cursor = await run_op(pool, SEARCH, {}, params={**params, "page": 2}, order=["blitzapi"])

    assert second.status == "found" and second.output is not None
    first_domains = {r["company_domain"] for r in first.output["results"]}
    assert first_domains.isdisjoint(r["company_domain"] for r in second.output["results"])
    assert without_cursor.status == "skipped" and without_cursor.attempts == []


async def test_provider_filters_reach_their_provider(pool: GatewayPool) -> None:
    filters = {"prospeo": {"company_industry": {"include": ["Computer Software"]}}, "blitzapi": "nonsense"}

    result = await run_op(pool, SEARCH, {"provider_filters": filters}, params={"max_results": 10})

    assert result.status == "found" and result.output is not None
    assert result.output["provider_order_used"] == ["prospeo"]
    assert all(r["industry_primary"] == "Computer Software" for r in result.output["results"])


async def test_a_query_nobody_matches_is_not_found(pool: GatewayPool) -> None:
    result = await run_op(pool, SEARCH, {"query": "Qzxjvv Nonexistent"})

    assert result.status == "not_found" and result.output is None
    assert result.provider_order_used == ["prospeo", "blitzapi", "companyenrich"]


async def test_search_inputs_unusable_or_missing(pool: GatewayPool) -> None:
    unusable = await run_op(pool, SEARCH, {"query": {"$ne": None}, "country_code": "USA"})
    assert unusable.status == "failed" and unusable.attempts == []
    missing = await run_op(pool, SEARCH, {"company_domain": "acme.com"})
    assert missing.missing_inputs == ["query|provider_filters|industry|country_code|employee_range"]


def test_company_search_contract() -> None:
    item = {"company_name": "Acme", "company_domain": "acme.com", "source_provider": "prospeo", "raw": {}}
    valid = {"results": [item], "result_count": 1, "provider_order_used": ["prospeo"], "pagination": {}}
    dumped = CompanySearchOutput.model_validate(valid).model_dump()
    assert dumped["results"][0]["founded_year"] is None
    with pytest.raises(ValidationError):
        CompanySearchOutput.model_validate({**valid, "results": [{**item, "raw": None}]})
    with pytest.raises(ValidationError):
        CompanySearchOutput.model_validate({**valid, "results": [{**item, "ceo": "x"}]})
    with pytest.raises(ValidationError):
        CompanySearchOutput.model_validate({k: v for k, v in valid.items() if k != "pagination"})


# -- company.search.ecommerce --------------------------------------------------------------------------


async def test_stores_on_a_platform_best_ranked_first(pool: GatewayPool, world: World) -> None:
    result = await run_op(pool, STORES, {"platform": "Shopify"})

    assert result.status == "found" and result.output is not None
    output = result.output
    assert output["page"] == 0 and output["result_count"] == len(output["results"]) == 50
    expected, _ = world.search_stores(platform="shopify", limit=50)
    assert [r["domain"] for r in output["results"]] == [c.domain for c in expected]
    assert all(r["ecommerce_platform"] == "shopify" for r in output["results"])
    first = output["results"][0]
    child = _fan_out(STORES).child_input(first)
    assert child["company_domain"] == expected[0].domain and child["company_name"] == expected[0].name


async def test_store_filters_and_paging_reach_storeleads(pool: GatewayPool, world: World) -> None:
    params = {"platform": "shopify", "country_code": "us", "page": 1, "max_results": 5}

    result = await run_op(pool, STORES, {"platform": "magento"}, params=params)

    assert result.status == "found" and result.output is not None
    assert result.output["page"] == 1 and result.output["result_count"] == 5
    expected, _ = world.search_stores(platform="shopify", country_code="US", offset=5, limit=5)
    assert [r["domain"] for r in result.output["results"]] == [c.domain for c in expected]


async def test_store_inputs_unusable_or_missing(pool: GatewayPool) -> None:
    unusable = await run_op(pool, STORES, {"platform": ["shopify"]})
    assert unusable.status == "failed" and unusable.attempts == []
    missing = await run_op(pool, STORES, {"company_domain": "acme.com"})
    assert missing.missing_inputs == ["platform|category|app_installed"]


def test_ecommerce_search_contract() -> None:
    item = {"merchant_name": "Acme", "domain": "acme.com", "global_rank": 3, "source_provider": "storeleads"}
    valid = {"results": [item], "result_count": 1, "page": 0, "source_provider": "storeleads"}
    assert EcommerceSearchOutput.model_validate(valid).model_dump()["results"][0]["description"] is None
    with pytest.raises(ValidationError):
        EcommerceSearchOutput.model_validate({**valid, "results": [{**item, "global_rank": "first"}]})
    with pytest.raises(ValidationError):
        EcommerceSearchOutput.model_validate({**valid, "page": None})
