"""LinkedIn, Meta and Google ads (Adyntel) against the sandbox, and their contracts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from config import ProviderSettings
from operations.contracts.ads import GoogleAdsOutput, LinkedInAdsOutput, MetaAdsOutput
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import AS_OF, Company, World
from tests.operations.conftest import run_op

LINKEDIN, META, GOOGLE = "company.ads.search.linkedin", "company.ads.search.meta", "company.ads.search.google"


def _company(world: World, wanted: Callable[[Company], bool]) -> Company:
    for domain in world.sample_domains(400, seed_offset=26):
        company = world.company(domain)
        if company and wanted(company):
            return company
    raise AssertionError("no such company in the sample")


def _active_meta(company: Company) -> int:
    # The sandbox, like Adyntel by default, lists ads seen in the last two weeks as active.
    return sum((AS_OF - date.fromisoformat(ad.last_seen)).days <= 14 for ad in company.ads.meta)


@pytest.fixture
async def no_account_email(sandbox: SandboxServer) -> AsyncIterator[GatewayPool]:
    """Gateways with an Adyntel key but no account email."""
    settings = ProviderSettings.for_sandbox(sandbox.url, sandbox.api_key, adyntel_account_email=None)
    gateways = GatewayPool(settings, max_backoff_s=0.5)
    yield gateways
    await gateways.close()


async def test_linkedin_ads_of_a_company(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: len(c.ads.linkedin) >= 2)
    result = await run_op(pool, LINKEDIN, {"company_domain": f"www.{company.domain}"})
    assert result.status == "found" and result.provider_order_used == ["adyntel"]
    output = result.output or {}
    assert [ad["ad_id"] for ad in output["ads"]] == [ad.ad_id for ad in company.ads.linkedin]
    assert output["ads_count"] == output["total_ads"] == len(company.ads.linkedin)
    assert output["page_id"] == company.linkedin_id and output["is_last_page"] is True


async def test_linkedin_ads_by_page_id(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: bool(c.ads.linkedin))
    result = await run_op(pool, LINKEDIN, {"linkedin_page_id": int(company.linkedin_id), "company_domain": 7})
    assert result.status == "found"
    assert (result.output or {})["ads_count"] == len(company.ads.linkedin)


async def test_no_ads_is_not_found(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: not c.ads.linkedin and not c.ads.google)
    for operation_id in (LINKEDIN, GOOGLE):
        result = await run_op(pool, operation_id, {"company_domain": company.domain})
        assert result.status == "not_found" and result.output is None
    result = await run_op(pool, GOOGLE, {"company_domain": "not-in-the-world.example"})
    assert result.status == "not_found"


async def test_without_an_account_email_adyntel_is_skipped(
    no_account_email: GatewayPool, world: World
) -> None:
    company = _company(world, lambda c: bool(c.ads.linkedin))
    result = await run_op(no_account_email, LINKEDIN, {"company_domain": company.domain})
    assert result.status == "skipped" and result.error is None
    assert result.attempts[0].skip_reason == "missing_provider_api_key" and result.provider_order_used == []


async def test_meta_ads_of_a_company_and_its_filters(pool: GatewayPool, world: World) -> None:
    company = _company(
        world,
        lambda c: (
            0 < _active_meta(c) < len(c.ads.meta) and any(ad.media_type == "video" for ad in c.ads.meta)
        ),
    )
    result = await run_op(pool, META, {"company_domain": company.domain})
    output = result.output or {}
    assert result.status == "found"
    assert output["endpoint_used"] == "facebook" and output["search_type"] == "company"
    assert output["results_count"] == len(output["results"]) == _active_meta(company)
    result = await run_op(pool, META, {"company_domain": company.domain}, params={"active_status": "ALL"})
    assert (result.output or {})["results_count"] == len(company.ads.meta)
    videos = sum(ad.media_type == "video" for ad in company.ads.meta)
    params = {"active_status": "all", "media_type": "video"}
    result = await run_op(
        pool, META, {"company_domain": company.domain, "media_type": "image"}, params=params
    )
    ads = (result.output or {})["results"]
    assert len(ads) == videos and {ad["snapshot"]["display_format"] for ad in ads} == {"video"}


async def test_meta_keyword_search_pages(pool: GatewayPool, world: World) -> None:
    companies, _ = world.search_companies(name_contains="goods", limit=60)
    total = sum(len(c.ads.meta) for c in companies)
    context = {"keyword": "goods", "company_domain": companies[0].domain, "country_code": "us"}
    first = await run_op(pool, META, context)
    output = first.output or {}
    assert first.status == "found" and output["endpoint_used"] == "facebook_ad_search"
    assert output["number_of_ads"] == total and output["results_count"] == 30
    assert output["is_result_complete"] is False and output["continuation_token"]
    second = await run_op(pool, META, {**context, "continuation_token": output["continuation_token"]})
    ids = {ad["adArchiveID"] for ad in (second.output or {})["results"]}
    assert second.status == "found" and ids.isdisjoint(ad["adArchiveID"] for ad in output["results"])


async def test_google_ads_and_media_type(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: len({ad.media_type for ad in c.ads.google}) >= 2)
    result = await run_op(pool, GOOGLE, {"company_website": f"https://{company.domain}/ads"})
    output = result.output or {}
    assert result.status == "found" and output["ads_count"] == len(company.ads.google)
    assert [ad["creative_id"] for ad in output["ads"]] == [ad.ad_id for ad in company.ads.google]
    media = company.ads.google[0].media_type
    result = await run_op(
        pool, GOOGLE, {"company_domain": company.domain}, params={"media_type": media.upper()}
    )
    expected = [ad.ad_id for ad in company.ads.google if ad.media_type == media]
    assert [ad["creative_id"] for ad in (result.output or {})["ads"]] == expected


async def test_missing_and_unusable_inputs(pool: GatewayPool) -> None:
    result = await run_op(pool, META, {"country_code": "US"})
    assert result.missing_inputs == ["keyword|company_domain|company_website|facebook_url"]
    result = await run_op(pool, LINKEDIN, {"linkedin_page_id": "not-an-id"})
    assert result.status == "failed" and result.attempts == []
    result = await run_op(pool, GOOGLE, {"company_domain": ["acme.com"]})
    assert result.status == "failed" and result.attempts == []


def test_ads_contracts() -> None:
    LinkedInAdsOutput.model_validate({"ads": [{"ad_id": "1"}], "ads_count": 1, "page_id": "123"})
    with pytest.raises(ValidationError):
        LinkedInAdsOutput.model_validate({"ads": [{"ad_id": "1"}]})
    MetaAdsOutput.model_validate({"results": [], "results_count": 0, "endpoint_used": "facebook"})
    with pytest.raises(ValidationError):
        MetaAdsOutput.model_validate(
            {"results": [[{"ad": 1}]], "results_count": 1, "endpoint_used": "facebook"}
        )
    GoogleAdsOutput.model_validate({"ads": [], "ads_count": 0, "country_code": "anywhere"})
    with pytest.raises(ValidationError):
        GoogleAdsOutput.model_validate({"ads": [], "ads_count": 0, "page_id": "x"})
