"""Adyntel adapter: parsers on documented bodies, then the real HTTP path against the sandbox."""

from __future__ import annotations

import asyncio
import json

from providers import adyntel as ad
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.execute import Endpoint, execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.providers.conftest import knobs, sandbox_endpoint

LINKEDIN = ad.PROVIDER.actions["linkedin_ads"]
META = ad.PROVIDER.actions["meta_ads"]
META_SEARCH = ad.PROVIDER.actions["meta_ad_search"]
GOOGLE = ad.PROVIDER.actions["google_ads"]
EMAIL = "ops@acme.test"
CREDS = Credentials(api_key="k", extra={"email": EMAIL})


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


# Shaped like docs.adyntel.com's documented answers, written by us.
LINKEDIN_BODY = {
    "ads": [
        {
            "ad_id": "612003911",
            "advertiser": {"logo_url": "https://media.licdn.com/x", "name": "Tideway", "promoted": True},
            "carousel": None,
            "commentary": {"link": None, "text": "Ship translations twice as fast."},
            "creative_type": "SPONSORED_VIDEO",
            "headline": {"description": "Promoted", "title": "Localize in a week"},
            "image": {"alt_text": None, "url": "https://media.licdn.com/y"},
            "raw": None,
            "type": "video",
            "view_details_link": "https://www.linkedin.com/ad-library/detail/612003911",
        }
    ],
    "continuation_token": "612003911-1730975030000",
    "is_last_page": False,
    "page_id": 20117,
    "total_ads": 41,
}
META_AD = {"adArchiveID": "1186", "isActive": True, "pageName": "Tideway", "snapshot": {"title": "Try it"}}
META_BODY = {
    "active_status": "active",
    "continuation_token": None,
    "country_code": "US",
    "is_result_complete": True,
    "media_types": "all",
    "number_of_ads": 3,
    "page_id": "31415",
    "platform": ["facebook", "instagram"],
    "results": [[META_AD, {**META_AD, "adArchiveID": "1187"}], [{**META_AD, "adArchiveID": "2001"}]],
}
GOOGLE_BODY = {
    "ads": [
        {
            "advertiser_id": "AR1410",
            "advertiser_name": "Tideway Inc",
            "creative_id": "CR1012",
            "format": "Text",
            "last_seen": "2026-10-02",
            "original_url": "https://adstransparency.google.com/advertiser/AR1410/creative/CR1012",
            "start": "2026-01-09",
            "variants": [{"content": "<img src=x>", "height": 219, "width": 380}],
        }
    ],
    "continuation_token": "CgoAP7zn",
    "country_code": "anywhere",
}


def test_parse_linkedin_ads() -> None:
    parsed = ad.parse_linkedin_ads(_response(200, LINKEDIN_BODY))
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == ad.COST_PER_CALL_USD
    assert parsed.data is not None and parsed.data["ads_count"] == 1 and parsed.data["total_ads"] == 41
    assert parsed.data["page_id"] == "20117" and parsed.data["is_last_page"] is False
    assert parsed.data["ads"][0]["ad_id"] == "612003911"


def test_parse_meta_flattens_the_list_of_lists() -> None:
    parsed = ad.parse_meta_ads(_response(200, META_BODY))
    assert parsed.outcome is Outcome.FOUND and parsed.data is not None
    assert [a["adArchiveID"] for a in parsed.data["results"]] == ["1186", "1187", "2001"]
    assert parsed.data["results_count"] == 3 and parsed.data["endpoint_used"] == "facebook"
    search = ad.parse_meta_ad_search(_response(200, {**META_BODY, "search_type": "keyword_unordered"}))
    assert search.data is not None and search.data["search_type"] == "keyword_unordered"
    assert search.data["endpoint_used"] == "facebook_ad_search"


def test_parse_google_ads() -> None:
    parsed = ad.parse_google_ads(_response(200, GOOGLE_BODY))
    assert parsed.outcome is Outcome.FOUND and parsed.data is not None
    assert parsed.data["ads_count"] == 1 and parsed.data["continuation_token"] == "CgoAP7zn"


def test_204_is_a_free_miss_and_an_empty_list_a_billed_one() -> None:
    for parse in (ad.parse_linkedin_ads, ad.parse_meta_ads, ad.parse_google_ads, ad.parse_meta_ad_search):
        parsed = parse(_response(204, b""))
        assert parsed.outcome is Outcome.NOT_FOUND and parsed.cost_usd == 0
    empty = ad.parse_google_ads(
        _response(200, {"ads": [], "continuation_token": None, "country_code": "anywhere"})
    )
    assert empty.outcome is Outcome.NOT_FOUND and empty.cost_usd == ad.COST_PER_CALL_USD


def test_parse_errors() -> None:
    bad_key = ad.parse_google_ads(_response(401, {"message": "Invalid API key or email"}))
    assert bad_key.error_class is ErrorClass.BAD_KEY and bad_key.message == "Invalid API key or email"
    no_credits = ad.parse_google_ads(_response(400, {"error": {"message": "Not enough credits"}}))
    assert no_credits.outcome is Outcome.FAILED and no_credits.error_class is ErrorClass.NO_CREDITS
    throttled = ad.parse_meta_ads(_response(429, {"message": "Too many requests"}, {"retry-after": "30"}))
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 30
    assert ad.parse_linkedin_ads(_response(502, b"")).error_class is ErrorClass.SERVER_ERROR
    assert ad.parse_linkedin_ads(_response(200, {"unexpected": 1})).error_class is ErrorClass.MALFORMED_BODY


def test_build_puts_credentials_in_the_body() -> None:
    spec = ad.build_google_ads(
        {"company_website": "https://www.Tideway.io/about", "media_type": "video"}, CREDS
    )
    assert isinstance(spec, RequestSpec) and spec.method == "POST" and spec.path == "/google"
    assert spec.json == {
        "api_key": "k",
        "email": EMAIL,
        "company_domain": "tideway.io",
        "media_type": "video",
    }
    assert not spec.headers
    by_page = ad.build_linkedin_ads({"linkedin_page_id": 20117}, CREDS)
    assert isinstance(by_page, RequestSpec) and by_page.json["linkedin_page_id"] == "20117"
    no_email = ad.build_google_ads({"company_domain": "tideway.io"}, Credentials(api_key="k"))
    assert isinstance(no_email, Skip) and no_email.reason == "missing_provider_api_key"


def _company_with(world: World, platform: str) -> Company:
    for domain in world.sample_domains(300):
        company = world.company(domain)
        if company is not None and getattr(company.ads, platform):
            return company
    raise AssertionError(f"the world has no {platform} ads")


def _endpoint(sandbox: SandboxServer, key: str | None = DEFAULT_SANDBOX_KEY) -> Endpoint:
    return sandbox_endpoint(sandbox, ad.NAME, key=key, email=EMAIL)


async def test_ads_found_on_each_platform(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = _endpoint(sandbox)
    company = _company_with(world, "linkedin")
    linkedin = await execute(LINKEDIN, {"company_domain": company.domain}, endpoint=endpoint, client=client)
    assert linkedin.outcome is Outcome.FOUND and linkedin.data is not None
    assert [a["ad_id"] for a in linkedin.data["ads"]] == [a.ad_id for a in company.ads.linkedin]
    assert linkedin.data["page_id"] == company.linkedin_id
    by_page = await execute(
        LINKEDIN, {"linkedin_page_id": company.linkedin_id}, endpoint=endpoint, client=client
    )
    assert by_page.data is not None and by_page.data["ads_count"] == len(company.ads.linkedin)

    company = _company_with(world, "google")
    google = await execute(
        GOOGLE, {"company_website": f"https://www.{company.domain}"}, endpoint=endpoint, client=client
    )
    assert google.outcome is Outcome.FOUND and google.data is not None
    assert [a["creative_id"] for a in google.data["ads"]] == [a.ad_id for a in company.ads.google]

    company = _company_with(world, "meta")
    meta = await execute(
        META, {"company_domain": company.domain, "active_status": "all"}, endpoint=endpoint, client=client
    )
    assert meta.outcome is Outcome.FOUND and meta.data is not None
    assert sorted(a["adArchiveID"] for a in meta.data["results"]) == sorted(a.ad_id for a in company.ads.meta)
    assert meta.data["results_count"] == meta.data["number_of_ads"] == len(company.ads.meta)


async def test_meta_keyword_search(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    company = _company_with(world, "meta")
    outcome = await execute(
        META_SEARCH, {"keyword": company.name}, endpoint=_endpoint(sandbox), client=client
    )
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    assert {a.ad_id for a in company.ads.meta} <= {a["adArchiveID"] for a in outcome.data["results"]}
    assert outcome.data["search_type"] == "keyword_unordered"


async def test_unknown_domain_is_204_and_no_ads_is_an_empty_miss(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = _endpoint(sandbox)
    unknown = await execute(
        GOOGLE, {"company_domain": "no-such-company.example"}, endpoint=endpoint, client=client
    )
    assert unknown.outcome is Outcome.NOT_FOUND and unknown.http_status == 204 and unknown.cost_usd == 0
    quiet = next(c for d in world.sample_domains(200) if (c := world.company(d)) and not c.ads.linkedin)
    outcome = await execute(LINKEDIN, {"company_domain": quiet.domain}, endpoint=endpoint, client=client)
    assert outcome.outcome is Outcome.NOT_FOUND and outcome.http_status == 200
    assert outcome.data is not None and outcome.data["ads_count"] == 0


async def test_bad_key_and_no_credits(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    inputs = {"company_domain": _company_with(world, "google").domain}
    outcome = await execute(GOOGLE, inputs, endpoint=_endpoint(sandbox, key="wrong"), client=client)
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    with knobs(sandbox, ad.NAME, credits=0):
        outcome = await execute(GOOGLE, inputs, endpoint=_endpoint(sandbox), client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = _endpoint(sandbox)
    inputs = {"company_domain": _company_with(world, "google").domain}
    with knobs(sandbox, ad.NAME, rate_per_second=1, burst=1):
        first = await execute(GOOGLE, inputs, endpoint=endpoint, client=client)
        second = await execute(GOOGLE, inputs, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(GOOGLE, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_and_timeout_are_retryable(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = _endpoint(sandbox)
    inputs = {"company_domain": _company_with(world, "linkedin").domain}
    with knobs(sandbox, ad.NAME, error_rate=1.0):
        outcome = await execute(LINKEDIN, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, ad.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(LINKEDIN, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT


async def test_missing_inputs_key_and_email_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    skipped = await execute(META, {"company_name": "Tideway"}, endpoint=_endpoint(sandbox), client=client)
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == ("facebook_url|company_domain",)
    no_key = await execute(
        GOOGLE, {"company_domain": "a.io"}, endpoint=_endpoint(sandbox, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
    no_email = sandbox_endpoint(sandbox, ad.NAME)
    skipped = await execute(GOOGLE, {"company_domain": "a.io"}, endpoint=no_email, client=client)
    assert skipped.outcome is Outcome.SKIPPED and skipped.skip_reason == "missing_provider_api_key"
