"""StoreLeads adapter: parsers on documented bodies, then the real HTTP path against the sandbox."""

from __future__ import annotations

import asyncio
import json

from providers import storeleads as sl
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.execute import execute
from providers.http import HttpClient, HttpRequest, HttpResponse
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.providers.conftest import knobs, sandbox_endpoint

DOMAIN = sl.PROVIDER.actions["domain"]
SEARCH = sl.PROVIDER.actions["search"]
KEY = Credentials(api_key="k")


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


# Shaped like the Domain object of StoreLeads' OpenAPI, written by us.
DOCUMENTED_DOMAIN = {
    "name": "www.brightkettle.com",
    "merchant_name": "Bright Kettle",
    "platform": "shopify",
    "plan": "Shopify Plus",
    "rank": 1204,
    "platform_rank": 733,
    "estimated_sales": 8_450_000,
    "monthly_app_spend": 12_800,
    "product_count": 214,
    "employee_count": 35,
    "apps": [
        {
            "token": "klaviyo-email-marketing",
            "name": "Klaviyo: Email Marketing & SMS",
            "categories": ["marketing", "email"],
            "plans": [
                {"name": "Free", "monthly_cost": "Free"},
                {"name": "Email", "monthly_cost": "$45/month", "monthly_cost_cents": 4500},
                {"name": "Email and SMS", "monthly_cost": "$60/month", "monthly_cost_cents": 6000},
            ],
            "platform": "shopify",
        },
        {"token": "afterpay", "name": "Afterpay", "categories": ["payments"], "plans": [{"name": "Free"}]},
    ],
    "technologies": [{"name": "Google Analytics", "description": "Web analytics"}],
    "contact_info": [
        {"company": True, "source": "/", "type": "instagram", "value": "https://instagram.com/bk"}
    ],
    "country_code": "US",
    "city": "Portland",
    "state": "Active",
    "description": "Small-batch kettles and teaware.",
    "created_at": "2017-03-02T00:00:00",
    "shipping_carriers": ["USPS", "UPS"],
    "features": ["Free Shipping"],
}


def test_parse_domain_normalizes_to_ecommerce_fields() -> None:
    parsed = sl.parse_domain(_response(200, DOCUMENTED_DOMAIN))
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == sl.COST_PER_CALL_USD
    data = parsed.data
    assert data is not None
    assert data["merchant_name"] == "Bright Kettle" and data["ecommerce_platform"] == "shopify"
    assert data["estimated_monthly_sales_cents"] == 8_450_000 and data["global_rank"] == 1204
    assert data["domain_state"] == "Active" and data["store_created_at"] == "2017-03-02T00:00:00"
    assert data["installed_apps"][0] == {
        "name": "Klaviyo: Email Marketing & SMS",
        "categories": ["marketing", "email"],
        "monthly_cost": "$45/month",
    }
    assert data["installed_apps"][1]["monthly_cost"] is None
    assert data["contact_info"] == [{"type": "instagram", "value": "https://instagram.com/bk", "source": "/"}]
    assert data["sales_carriers"] == [] and data["technologies"][0]["name"] == "Google Analytics"


def test_parse_domain_miss_and_errors() -> None:
    miss = sl.parse_domain(_response(404, {"error": "ErrNotFound could not find Domain with name=nope.com"}))
    assert miss.outcome is Outcome.NOT_FOUND and miss.provider_status == "ErrNotFound"
    no_auth = sl.parse_domain(_response(401, {"error": "missing Authorization header"}))
    assert no_auth.error_class is ErrorClass.BAD_KEY and no_auth.message == "missing Authorization header"
    throttled = sl.parse_domain(_response(429, {"error": "Too many requests"}, {"retry-after": "3"}))
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 3
    broken = sl.parse_domain(_response(500, {"error": "Something went wrong."}))
    assert broken.outcome is Outcome.RETRYABLE and broken.error_class is ErrorClass.SERVER_ERROR
    assert sl.parse_domain(_response(200, b"<html>")).error_class is ErrorClass.MALFORMED_BODY


def test_parse_search_202_is_retryable_after_five_seconds() -> None:
    body = {"message": "Request accepted, poll the same url once every 5 seconds until HTTP 200 is returned."}
    parsed = sl.parse_search(_response(202, body))
    assert parsed.outcome is Outcome.RETRYABLE and parsed.retry_after_s == 5
    assert parsed.provider_status == "accepted" and parsed.cost_usd == 0


def test_parse_search_results_strip_www_and_empty_is_a_miss() -> None:
    listed = {"domains": [{k: DOCUMENTED_DOMAIN[k] for k in ("name", "merchant_name", "platform", "rank")}]}
    parsed = sl.parse_search(_response(200, listed))
    assert parsed.outcome is Outcome.FOUND and parsed.data is not None
    assert parsed.data["result_count"] == 1
    assert parsed.data["results"][0]["domain"] == "brightkettle.com"
    assert parsed.data["results"][0]["global_rank"] == 1204
    assert sl.parse_search(_response(200, {"domains": []})).outcome is Outcome.NOT_FOUND


def test_build_search_maps_inputs_to_documented_filters() -> None:
    spec = sl.build_search({"platform": "shopify", "rank_max": 5000, "page_size": 500, "page": 2}, KEY)
    assert isinstance(spec, RequestSpec) and spec.params is not None
    assert spec.headers["Authorization"] == "Bearer k" and spec.path == "/json/api/v1/all/domain"
    assert spec.params["f:p"] == "shopify" and spec.params["f:rankmax"] == "5000"
    assert spec.params["f:ds"] == "Active" and spec.params["page_size"] == "50" and spec.params["page"] == "2"
    skipped = sl.build_search({"country_code": "US"}, KEY)
    assert isinstance(skipped, Skip) and skipped.missing == ("platform|category|app_installed",)


def test_build_domain_accepts_a_website_url() -> None:
    spec = sl.build_domain({"company_website": "https://www.Example.com/shop?x=1"}, KEY)
    assert isinstance(spec, RequestSpec) and spec.path == "/json/api/v1/all/domain/example.com"


def _store_company(world: World) -> Company:
    for domain in world.sample_domains(400):
        company = world.company(domain)
        if company is not None and company.store is not None and world.knows(sl.NAME, company.domain):
            return company
    raise AssertionError("the world has no store")


async def test_domain_found_against_the_sandbox(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = _store_company(world)
    assert company.store is not None
    outcome = await execute(
        DOMAIN,
        {"company_website": f"https://{company.domain}/"},
        endpoint=sandbox_endpoint(sandbox, sl.NAME),
        client=client,
    )
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    assert outcome.data["merchant_name"] == company.name
    assert outcome.data["ecommerce_platform"] == company.store.platform
    assert outcome.data["estimated_monthly_sales_cents"] == company.store.estimated_monthly_sales_cents
    assert [app["name"] for app in outcome.data["installed_apps"]] == [
        a.name for a in company.store.installed_apps
    ]


async def test_bare_key_is_accepted_too(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    company = _store_company(world)
    url = f"{sandbox.url}/storeleads/json/api/v1/all/domain/{company.domain}"
    response = await client.send(HttpRequest("GET", url, headers={"Authorization": DEFAULT_SANDBOX_KEY}))
    assert response.status == 200 and response.json()["merchant_name"] == company.name


async def test_unknown_and_storeless_domains_are_not_found(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, sl.NAME)
    storeless = next(d for d in world.sample_domains(100) if (c := world.company(d)) and c.store is None)
    for domain in ("no-such-store.example", storeless):
        outcome = await execute(DOMAIN, {"company_domain": domain}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.NOT_FOUND and outcome.http_status == 404


async def test_search_answers_202_first_then_the_stores(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, sl.NAME)
    inputs = {"platform": "shopify", "country_code": "US", "page_size": 5}
    first = await execute(SEARCH, inputs, endpoint=endpoint, client=client)
    assert first.outcome is Outcome.RETRYABLE and first.http_status == 202 and first.retry_after_s == 5
    second = await execute(SEARCH, inputs, endpoint=endpoint, client=client)
    assert second.outcome is Outcome.FOUND and second.data is not None
    expected, _ = world.search_stores(platform="shopify", country_code="US", limit=5)
    assert [r["domain"] for r in second.data["results"]] == [c.domain for c in expected]
    assert all(r["ecommerce_platform"] == "shopify" for r in second.data["results"])


async def test_bad_key(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, sl.NAME, key="wrong")
    outcome = await execute(
        DOMAIN, {"company_domain": _store_company(world).domain}, endpoint=endpoint, client=client
    )
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    assert outcome.http_status == 401


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, sl.NAME)
    inputs = {"company_domain": _store_company(world).domain}
    with knobs(sandbox, sl.NAME, rate_per_second=1, burst=1):
        first = await execute(DOMAIN, inputs, endpoint=endpoint, client=client)
        second = await execute(DOMAIN, inputs, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(DOMAIN, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_and_timeout_are_retryable(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, sl.NAME)
    inputs = {"company_domain": _store_company(world).domain}
    with knobs(sandbox, sl.NAME, error_rate=1.0):
        outcome = await execute(DOMAIN, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
        assert outcome.raw == {"error": "Something went wrong."}
    with knobs(sandbox, sl.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(DOMAIN, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT


async def test_missing_inputs_and_key_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, sl.NAME)
    skipped = await execute(DOMAIN, {"company_name": "Acme"}, endpoint=endpoint, client=client)
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == (
        "company_domain|company_website",
    )
    no_key = await execute(
        SEARCH, {"platform": "shopify"}, endpoint=sandbox_endpoint(sandbox, sl.NAME, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
