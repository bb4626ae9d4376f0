"""company.derive.pricing_intelligence against the sandbox (14 concurrent analyses), and its contract."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from config import ProviderSettings
from operations.contracts.pricing import PricingIntelligenceOutput
from providers.base import ErrorClass, Outcome, ProviderResult
from providers.revenueinfra.pricing import FIELDS
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.operations.conftest import run_op

OP = "company.derive.pricing_intelligence"


def _priced(world: World) -> Company:
    for domain in world.sample_domains(400, seed_offset=25):
        company = world.company(domain)
        if company and company.pricing and company.pricing_page_url and world.knows("revenueinfra", domain):
            return company
    raise AssertionError("no priced company in the sample")


def _expected(company: Company) -> dict[str, Any]:
    assert company.pricing is not None
    facts: dict[str, Any] = {field: getattr(company.pricing, field) for field in FIELDS}
    tiers = facts["number_of_tiers"]
    facts["number_of_tiers"] = int(tiers) if tiers.isdigit() else tiers
    return facts


class SlowCounting:
    """Delays every call a little and records how many were in flight at once."""

    def __init__(self, inner: GatewayPool, failing: frozenset[str] = frozenset()) -> None:
        self.inner = inner
        self.failing = failing
        self.in_flight = 0
        self.peak = 0

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.05)
            if action in self.failing:
                return ProviderResult(
                    provider, action, Outcome.FAILED, error_class=ErrorClass.SERVER_ERROR, message="down"
                )
            return await self.inner.call(provider, action, inputs)
        finally:
            self.in_flight -= 1


@pytest.fixture
async def keyless(sandbox: SandboxServer) -> AsyncIterator[GatewayPool]:
    """Gateways without a RevenueInfra key."""
    settings = ProviderSettings.for_sandbox(sandbox.url, sandbox.api_key, revenueinfra_api_key=None)
    gateways = GatewayPool(settings, max_backoff_s=0.5)
    yield gateways
    await gateways.close()


async def test_all_fourteen_facts_of_a_pricing_page_concurrently(pool: GatewayPool, world: World) -> None:
    company = _priced(world)
    caller = SlowCounting(pool)
    context = {"pricing_page_url": company.pricing_page_url, "company_domain": company.domain}
    result = await run_op(caller, OP, context)
    assert result.status == "found" and result.provider_order_used == ["revenueinfra"]
    output = result.output or {}
    assert {field: output[field] for field in FIELDS} == _expected(company)
    assert output["pricing_page_url"] == company.pricing_page_url
    assert output["fields_resolved"] == 15 and output["source_provider"] == "revenueinfra"
    assert sorted(a.action for a in result.attempts) == sorted(f"pricing_{f}" for f in FIELDS)
    assert caller.peak == len(FIELDS)  # all asked at once, not one after another


async def test_partial_answers_still_count(pool: GatewayPool, world: World) -> None:
    company = _priced(world)
    caller = SlowCounting(pool, failing=frozenset({"pricing_free_trial", "pricing_minimum_seats"}))
    page = company.pricing_page_url
    assert page is not None
    result = await run_op(caller, OP, {"pricing_page_url": page.removeprefix("https://")})
    assert result.status == "found"
    output = result.output or {}
    assert output["free_trial"] is None and output["minimum_seats"] is None
    assert output["pricing_model"] == _expected(company)["pricing_model"]
    assert output["fields_resolved"] == 13
    assert sum(a.status == "failed" for a in result.attempts) == 2


async def test_a_page_that_is_not_the_companys_is_not_found(pool: GatewayPool, world: World) -> None:
    company = _priced(world)
    context = {"pricing_page_url": f"https://{company.domain}/plans-and-stuff", "company_name": company.name}
    result = await run_op(pool, OP, context)
    assert result.status == "not_found" and result.output is None
    assert len(result.attempts) == len(FIELDS)


async def test_all_failing_fails(pool: GatewayPool, world: World) -> None:
    company = _priced(world)
    caller = SlowCounting(pool, failing=frozenset(f"pricing_{f}" for f in FIELDS))
    result = await run_op(caller, OP, {"pricing_page_url": company.pricing_page_url})
    assert result.status == "failed" and result.output is None


async def test_no_key_fails(keyless: GatewayPool, world: World) -> None:
    company = _priced(world)
    result = await run_op(keyless, OP, {"pricing_page_url": company.pricing_page_url})
    assert result.status == "failed" and {a.status for a in result.attempts} == {"skipped"}


async def test_missing_or_unusable_url(pool: GatewayPool) -> None:
    result = await run_op(pool, OP, {"company_domain": "acme.com"})
    assert result.status == "failed" and result.missing_inputs == ["pricing_page_url"]
    for garbage in ("not a url", "ftp://acme.com/pricing", 42, "https://"):
        result = await run_op(pool, OP, {"pricing_page_url": garbage})
        assert result.status == "failed" and result.attempts == [], garbage


def test_pricing_contract() -> None:
    PricingIntelligenceOutput.model_validate(
        {
            "pricing_page_url": "https://acme.com/pricing",
            "free_trial": "yes",
            "number_of_tiers": "4+",
            "fields_resolved": 3,
            "source_provider": "revenueinfra",
        }
    )
    PricingIntelligenceOutput.model_validate(
        {"number_of_tiers": 3, "fields_resolved": 2, "source_provider": "ri"}
    )
    with pytest.raises(ValidationError):
        PricingIntelligenceOutput.model_validate({"free_trial": "yes", "source_provider": "ri"})
    with pytest.raises(ValidationError):
        PricingIntelligenceOutput.model_validate(
            {"free_trial": ["yes"], "fields_resolved": 2, "source_provider": "ri"}
        )
