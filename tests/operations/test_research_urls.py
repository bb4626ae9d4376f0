"""G2 and pricing page URL resolution (Gemini, then OpenAI) against the sandbox, and their contracts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.research import G2UrlOutput, PricingPageUrlOutput
from providers._research_prompts import ResearchPrompt
from providers.base import Outcome, ProviderResult
from providers.sandbox.routes.gemini import research_answer
from providers.sandbox.world import Company, World
from tests.operations.conftest import run_op

G2 = "company.research.resolve_g2_url"
PRICING = "company.research.resolve_pricing_page_url"


def _says(world: World, provider: str, action: str, company: Company) -> Any:
    """What the sandbox's model answers for the company (asked with its domain)."""
    return research_answer(world, provider, ResearchPrompt(action, company.name, company.domain))["url"]


def _company(world: World, action: str, *, gemini_right: bool, openai_right: bool) -> Company:
    for domain in world.sample_domains(600, seed_offset=24):
        company = world.company(domain)
        truth = company and (company.g2_url if action == "resolve_g2_url" else company.pricing_page_url)
        if not company or not truth:
            continue
        gemini = _says(world, "gemini", action, company)
        openai = _says(world, "openai", action, company)
        # A wrong guess might still pass the URL check: a wrong Gemini must answer nothing at all.
        if (
            (gemini == truth) == gemini_right
            and (openai == truth) == openai_right
            and (gemini_right or gemini is None)
        ):
            return company
    raise AssertionError("no such company in the sample")


async def test_gemini_finds_the_g2_page(pool: GatewayPool, world: World) -> None:
    company = _company(world, "resolve_g2_url", gemini_right=True, openai_right=True)
    context = {"company_name": company.name, "company_domain": company.domain}
    result = await run_op(pool, G2, context)
    assert result.status == "found" and result.provider_order_used == ["gemini"]
    output = result.output or {}
    assert output["g2_url"] == company.g2_url and output["provider_used"] == "gemini"
    assert output["company_name"] == company.name and output["company_domain"] == company.domain
    assert 0.8 <= output["confidence"] <= 1


async def test_openai_finds_what_gemini_does_not_know(pool: GatewayPool, world: World) -> None:
    company = _company(world, "resolve_pricing_page_url", gemini_right=False, openai_right=True)
    context = {"company_name": company.name, "company_website": f"https://{company.domain}/about"}
    result = await run_op(pool, PRICING, context)
    assert result.status == "found" and result.provider_order_used == ["gemini", "openai"]
    assert [a.status for a in result.attempts] == ["not_found", "found"]
    output = result.output or {}
    assert output["pricing_page_url"] == company.pricing_page_url and output["provider_used"] == "openai"


async def test_order_can_put_openai_first(pool: GatewayPool, world: World) -> None:
    company = _company(world, "resolve_g2_url", gemini_right=True, openai_right=True)
    context = {"company_name": company.name, "company_domain": company.domain}
    result = await run_op(pool, G2, context, order=["openai", "gemini"])
    assert result.status == "found" and result.provider_order_used == ["openai"]
    assert (result.output or {})["provider_used"] == "openai"


async def test_an_unknown_company_is_not_found_by_either_model(pool: GatewayPool) -> None:
    result = await run_op(pool, G2, {"company_name": "Zzyzx Nonexistent Holdings"})
    assert result.status == "not_found" and result.output is None
    assert result.provider_order_used == ["gemini", "openai"]


async def test_missing_or_unusable_name(pool: GatewayPool) -> None:
    result = await run_op(pool, PRICING, {"company_domain": "acme.com"})
    assert result.status == "failed" and result.missing_inputs == ["company_name"]
    result = await run_op(pool, PRICING, {"company_name": ["Acme"]})
    assert result.status == "failed" and result.attempts == []


class OffSiteModel:
    """Every model answers a confident pricing page on another company's site."""

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        data = {
            "company_name": inputs["company_name"],
            "company_domain": "other.com",
            "pricing_page_url": "https://other.com/pricing",
            "confidence": 0.9,
        }
        return ProviderResult(provider=provider, action=action, outcome=Outcome.FOUND, data=data)


async def test_a_pricing_page_off_the_companys_site_is_refused() -> None:
    result = await run_op(OffSiteModel(), PRICING, {"company_name": "Acme", "company_domain": "acme.com"})
    assert result.status == "not_found" and result.output is None
    assert result.provider_order_used == ["gemini", "openai"]


def test_url_contracts() -> None:
    G2UrlOutput.model_validate({"company_name": "Acme", "g2_url": "https://www.g2.com/products/acme/reviews"})
    assert G2UrlOutput.model_validate({"company_name": "Acme"}).confidence == 0
    with pytest.raises(ValidationError):
        G2UrlOutput.model_validate({"company_name": "Acme", "provider_used": "bing"})
    PricingPageUrlOutput.model_validate(
        {"company_name": "Acme", "pricing_page_url": "https://acme.com/pricing", "confidence": 0.9}
    )
    with pytest.raises(ValidationError):
        PricingPageUrlOutput.model_validate({"company_name": "Acme", "confidence": None})
