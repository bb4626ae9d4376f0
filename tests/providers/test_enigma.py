"""Enigma adapter: parsers on documented GraphQL bodies, then the real HTTP path against the sandbox."""

from __future__ import annotations

import asyncio
import json

from providers import enigma as en
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.execute import execute
from providers.http import HttpClient, HttpRequest, HttpResponse
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.providers.conftest import knobs, sandbox_endpoint

CARD_REVENUE = en.PROVIDER.actions["card_revenue"]


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


def _connection(*nodes: dict[str, object]) -> dict[str, object]:
    return {"edges": [{"node": node} for node in nodes]}


# Shaped like the documented brand search answer (data.search[] of Brand), aliased as our query asks.
DOCUMENTED_BRAND = {
    "__typename": "Brand",
    "id": "5f1147ed-8e99-477d-827a-51094b2de153",
    "names": _connection({"name": "HARBOR BAGELS"}),
    "count": 41,
    "annual_card_revenue": _connection(
        {"projectedQuantity": 18_250_000.5, "periodStartDate": "2025-10-01", "periodEndDate": "2026-09-30"}
    ),
    "monthly_revenue": _connection(
        {"projectedQuantity": 1_600_000, "periodStartDate": "2026-09-01", "periodEndDate": "2026-09-30"},
        {"projectedQuantity": 1_500_000, "periodStartDate": "2026-08-01", "periodEndDate": "2026-08-31"},
    ),
    "annual_card_revenue_yoy_growth": _connection(
        {"projectedQuantity": 0.12, "periodStartDate": "2025-10-01"}
    ),
    "monthly_transactions": _connection(),
}


def test_parse_brand_normalizes_to_card_revenue_fields() -> None:
    parsed = en.parse_card_revenue(_response(200, {"data": {"search": [DOCUMENTED_BRAND]}}))
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == 0.25
    data = parsed.data
    assert data is not None
    assert data["enigma_brand_id"] == DOCUMENTED_BRAND["id"] and data["brand_name"] == "HARBOR BAGELS"
    assert data["location_count"] == 41 and data["annual_card_revenue"] == 18_250_000.5
    assert data["annual_card_revenue_yoy_growth"] == 0.12 and data["annual_refunds"] is None
    assert data["monthly_revenue"] == [
        {"period_start": "2026-08-01", "value": 1_500_000.0},
        {"period_start": "2026-09-01", "value": 1_600_000.0},
    ]
    assert data["monthly_transactions"] == [] and data["monthly_refunds"] == []


def test_brand_without_card_data_costs_one_credit_and_empty_search_is_a_miss() -> None:
    bare = {"__typename": "Brand", "id": "b1", "names": _connection({"name": "X"}), "count": 1}
    parsed = en.parse_card_revenue(_response(200, {"data": {"search": [bare]}}))
    assert (
        parsed.outcome is Outcome.FOUND and parsed.cost_usd == 0.01 and parsed.provider_status == "brand_only"
    )
    miss = en.parse_card_revenue(_response(200, {"data": {"search": []}}))
    assert miss.outcome is Outcome.NOT_FOUND and miss.cost_usd == 0


def test_graphql_errors_in_a_200_are_failures() -> None:
    auth = {"data": None, "errors": [{"message": "Invalid API key for this operation"}]}
    assert en.parse_card_revenue(_response(200, auth)).error_class is ErrorClass.BAD_KEY
    other = {"data": {"search": None}, "errors": [{"message": "searchInput needs a name"}]}
    failed = en.parse_card_revenue(_response(200, other))
    assert failed.outcome is Outcome.FAILED and failed.error_class is ErrorClass.PROVIDER_ERROR
    assert failed.message == "searchInput needs a name"


def test_http_errors_including_slow_down() -> None:
    plain = en.parse_card_revenue(_response(429, b"Slow Down", {"retry-after": "2"}))
    assert plain.outcome is Outcome.RETRYABLE and plain.retry_after_s == 2 and plain.message == "Slow Down"
    as_json = en.parse_card_revenue(_response(429, {"message": "Slow Down"}))
    assert as_json.error_class is ErrorClass.RATE_LIMITED and as_json.retry_after_s == 1
    assert (
        en.parse_card_revenue(_response(401, {"message": "Unauthorized"})).error_class is ErrorClass.BAD_KEY
    )
    assert (
        en.parse_card_revenue(_response(402, {"errors": [{"message": "x"}]})).error_class
        is ErrorClass.NO_CREDITS
    )
    bad = en.parse_card_revenue(_response(400, {"errors": [{"message": 'Cannot query field "x"'}]}))
    assert bad.error_class is ErrorClass.BAD_INPUT and bad.message == 'Cannot query field "x"'
    assert en.parse_card_revenue(_response(200, b"{")).error_class is ErrorClass.MALFORMED_BODY


def test_build_sends_one_brand_query_with_the_key_header() -> None:
    spec = en.build_card_revenue(
        {"company_website": "https://www.harborbagels.com/menu", "months_back": 99}, Credentials("k")
    )
    assert isinstance(spec, RequestSpec) and spec.path == "/graphql" and spec.headers == {"x-api-key": "k"}
    variables = spec.json["variables"]
    assert variables == {
        "searchInput": {"entityType": "BRAND", "name": "harborbagels.com", "website": "harborbagels.com"},
        "monthsBack": 24,
    }
    assert all(quantity in spec.json["query"] for quantity in en.METRICS)
    skipped = en.build_card_revenue({"company_linkedin_url": "x"}, Credentials("k"))
    assert isinstance(skipped, Skip) and skipped.missing == ("company_name|company_domain|company_website",)


def _brand(world: World) -> Company:
    for domain in world.sample_domains(600):
        company = world.company(domain)
        if company is not None and company.card_revenue is not None and world.knows(en.NAME, company.domain):
            return company
    raise AssertionError("the world has no known consumer brand")


async def test_found_against_the_sandbox(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    company = _brand(world)
    card = company.card_revenue
    assert card is not None
    outcome = await execute(
        CARD_REVENUE,
        {"company_name": company.name},
        endpoint=sandbox_endpoint(sandbox, en.NAME),
        client=client,
    )
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None and outcome.cost_usd == 0.25
    data = outcome.data
    assert data["enigma_brand_id"] == card.brand_id and data["brand_name"] == company.name.upper()
    assert data["location_count"] == card.location_count
    assert data["annual_card_revenue"] == card.annual_card_revenue
    assert data["annual_transaction_count"] == card.transaction_count
    assert data["monthly_revenue"] == [
        {"period_start": m.period_start, "value": m.card_revenue} for m in card.monthly
    ]
    assert len(data["monthly_refunds"]) == 12 and all(
        p["value"] > 0 for p in data["monthly_avg_daily_customers"]
    )


async def test_months_back_and_lookup_by_website(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = _brand(world)
    assert company.card_revenue is not None
    inputs = {"company_domain": company.domain, "months_back": 3}
    outcome = await execute(CARD_REVENUE, inputs, endpoint=sandbox_endpoint(sandbox, en.NAME), client=client)
    assert outcome.data is not None
    latest = [m.period_start for m in company.card_revenue.monthly[-3:]]
    assert [p["period_start"] for p in outcome.data["monthly_transactions"]] == latest


async def test_unknown_or_non_consumer_brand_is_not_found(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, en.NAME)
    software = next(
        c for d in world.sample_domains(200) if (c := world.company(d)) and c.card_revenue is None
    )
    for inputs in ({"company_name": "No Such Brand Anywhere"}, {"company_domain": software.domain}):
        outcome = await execute(CARD_REVENUE, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.NOT_FOUND and outcome.cost_usd == 0


async def test_sandbox_answers_only_what_is_asked(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = _brand(world)
    card = company.card_revenue
    assert card is not None
    url, headers = f"{sandbox.url}/enigma/graphql", {"x-api-key": DEFAULT_SANDBOX_KEY}
    query = (
        "query Q($s: SearchInput!) { search(searchInput: $s) { ... on Brand {"
        ' brandId: id locations: count(field: "operatingLocations") } } }'
    )
    variables = {"s": {"entityType": "BRAND", "name": company.name}}
    body = {"query": query, "variables": variables}
    response = await client.send(HttpRequest("POST", url, headers=headers, json=body))
    assert response.status == 200
    assert response.json() == {
        "data": {"search": [{"brandId": card.brand_id, "locations": card.location_count}]}
    }
    body["query"] = query.replace("brandId: id", "brandId: id revenueRank")
    response = await client.send(HttpRequest("POST", url, headers=headers, json=body))
    assert response.status == 400 and "revenueRank" in response.json()["errors"][0]["message"]


async def test_bad_key(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, en.NAME, key="wrong")
    outcome = await execute(
        CARD_REVENUE, {"company_name": _brand(world).name}, endpoint=endpoint, client=client
    )
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    assert outcome.http_status == 401


async def test_429_slow_down_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, en.NAME)
    inputs = {"company_name": _brand(world).name}
    with knobs(sandbox, en.NAME, rate_per_second=1, burst=1):
        first = await execute(CARD_REVENUE, inputs, endpoint=endpoint, client=client)
        second = await execute(CARD_REVENUE, inputs, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert (
            second.message == "Slow Down" and second.retry_after_s is not None and second.retry_after_s >= 1
        )
        await asyncio.sleep(second.retry_after_s)
        third = await execute(CARD_REVENUE, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_timeout_and_no_credits(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, en.NAME)
    inputs = {"company_name": _brand(world).name}
    with knobs(sandbox, en.NAME, error_rate=1.0):
        outcome = await execute(CARD_REVENUE, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, en.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(CARD_REVENUE, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, en.NAME, credits=0):
        outcome = await execute(CARD_REVENUE, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS


async def test_missing_inputs_and_key_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, en.NAME)
    skipped = await execute(CARD_REVENUE, {"full_name": "Jane Doe"}, endpoint=endpoint, client=client)
    assert skipped.outcome is Outcome.SKIPPED
    no_key = await execute(
        CARD_REVENUE,
        {"company_name": "Acme"},
        endpoint=sandbox_endpoint(sandbox, en.NAME, key=None),
        client=client,
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
