"""CompanyEnrich adapter: building requests, parsers on documented bodies, then HTTP against the sandbox."""

from __future__ import annotations

import asyncio
import json

from providers import companyenrich as ce
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from tests.providers.conftest import knobs, sandbox_endpoint

ENRICH = ce.PROVIDER.actions["enrich_company"]
BY_PROPERTIES = ce.PROVIDER.actions["enrich_company_by_properties"]
SEARCH = ce.PROVIDER.actions["search_companies"]
SIMILAR = ce.PROVIDER.actions["similar_companies"]
PEOPLE = ce.PROVIDER.actions["search_people"]
KEY = Credentials(api_key="k")
PROBLEM = {"content-type": "application/problem+json"}


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


def _problem(status: int, title: str, detail: str) -> dict[str, object]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}


# Shaped as the CompanyEnrich API reference documents its answers, written by us.
COMPANY = {
    "id": "0f5c8a8e-3b9b-4c1e-9a57-1f2d3c4b5a69", "name": "Harbor Freight Labs", "domain": "harborlabs.com",
    "website": "https://harborlabs.com", "type": "private", "industry": "Logistics",
    "industries": ["Logistics"],
    "employees": "501-1K", "revenue": "50m-100m", "description": "Harbor Labs moves containers.",
    "keywords": ["Freight", "Shipping"], "founded_year": 2009,
    "location": {"country": {"code": "NL", "name": "Netherlands"}, "city": {"id": 7, "name": "Rotterdam"}},
    "socials": {"linkedin_url": "https://www.linkedin.com/company/harborlabs", "linkedin_id": "12345"},
    "logo_url": "https://cdn.example/harbor.png",
}  # fmt: skip
PERSON = {
    "id": 98765, "name": "Ines Vermeer", "first_name": "Ines", "last_name": "Vermeer",
    "position": "Head of Ops", "seniority": "head", "department": "operations",
    "location": {"country": {"code": "NL", "name": "Netherlands"}, "address": "Rotterdam, Netherlands"},
    "socials": {"linkedin_url": "https://www.linkedin.com/in/ines-vermeer"},
    "experiences": [
        {"type": "unknown", "companyName": "Port Co", "startDate": "2015-01-01", "endDate": "2019-12-01",
         "isCurrent": False, "isMatched": False, "position": "Planner"},
        {"type": "company",
         "company": {"id": "0f5c8a8e", "name": "Harbor Freight Labs", "domain": "harborlabs.com"},
         "startDate": "2020-01-01", "endDate": None, "isCurrent": True, "isMatched": True,
         "position": "Head of Ops"},
    ],
}  # fmt: skip


def _page(items: list[object], total: int | None = None) -> dict[str, object]:
    count = len(items) if total is None else total
    return {"items": items, "page": 1, "totalPages": 1 if count else 0, "totalItems": count}


# -- building requests ---------------------------------------------------------------------------------


def test_requests_use_bearer_auth_and_documented_shapes() -> None:
    enrich = ce.build_enrich_company({"company_website": "https://www.HarborLabs.com/about"}, KEY)
    assert isinstance(enrich, RequestSpec) and (enrich.method, enrich.path) == ("GET", "/companies/enrich")
    assert enrich.params == {"domain": "harborlabs.com"} and enrich.headers["Authorization"] == "Bearer k"
    by_props = ce.build_enrich_company_by_properties(
        {"company_name": "Harbor", "company_linkedin_url": "https://linkedin.com/company/harborlabs"}, KEY
    )
    assert isinstance(by_props, RequestSpec) and by_props.method == "POST"
    assert by_props.json == {"name": "Harbor", "linkedinUrl": "https://linkedin.com/company/harborlabs"}
    similar = ce.build_similar_companies({"company_domain": "harborlabs.com", "page": 2}, KEY)
    assert isinstance(similar, RequestSpec) and similar.path == "/companies/similar"
    assert similar.json == {"domains": ["harborlabs.com"], "page": 2, "pageSize": 25}


def test_people_search_body_maps_canonical_inputs() -> None:
    inputs = {
        "company_domain": "harborlabs.com",
        "job_title": "operations",
        "job_level": ["C-Team", "Director"],
        "job_function": "Engineering",
        "location": ["NL", "Rotterdam"],
        "max_results": 500,
        "provider_filters": {"companyenrich": {"countries": ["DE"], "exclude": {"seniority": ["intern"]}}},
    }
    spec = ce.build_search_people(inputs, KEY)
    assert isinstance(spec, RequestSpec) and spec.path == "/people/search"
    assert spec.json == {
        "exclude": {"seniority": ["intern"]},
        "countries": ["NL"],  # computed values win over the caller's; only ISO codes are countries
        "domains": ["harborlabs.com"],
        "positionQuery": ["operations"],
        "seniority": ["c-suite", "director"],
        "department": ["engineering-technical"],
        "page": 1,
        "pageSize": 100,
    }
    by_name = ce.build_search_people({"company_name": "Harbor Freight Labs"}, KEY)
    assert isinstance(by_name, RequestSpec) and by_name.json["companyFilter"] == {
        "query": "Harbor Freight Labs"
    }


def test_missing_inputs_and_key() -> None:
    assert ce.build_enrich_company({"company_name": "Harbor"}, KEY) == Skip(
        "missing_required_inputs", ("company_domain|company_website",)
    )
    assert isinstance(ce.build_search_companies({"page": 2}, KEY), Skip)
    assert isinstance(ce.build_search_people({"location": "Rotterdam"}, KEY), Skip)
    no_key = ce.build_enrich_company({"company_domain": "harborlabs.com"}, Credentials(api_key=None))
    assert isinstance(no_key, Skip) and no_key.reason == "missing_provider_api_key"


# -- parsing documented answers ------------------------------------------------------------------------


def test_parse_enriched_company_to_profile() -> None:
    parsed = ce.parse_enrich_company(_response(200, COMPANY))
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == ce.USD_PER_CREDIT
    assert parsed.data == {
        "company_name": "Harbor Freight Labs", "company_domain": "harborlabs.com",
        "company_website": "https://harborlabs.com",
        "company_linkedin_url": "https://www.linkedin.com/company/harborlabs", "company_linkedin_id": "12345",
        "company_type": "private", "industry_primary": "Logistics", "industry_derived": ["Logistics"],
        "employee_count": None, "employee_range": "501-1000", "founded_year": 2009,
        "hq_locality": "Rotterdam", "hq_country_code": "NL",
        "description_raw": "Harbor Labs moves containers.",
        "specialties": ["Freight", "Shipping"], "annual_revenue_range": "50m-100m", "follower_count": None,
        "logo_url": "https://cdn.example/harbor.png",
        "source_company_id": "0f5c8a8e-3b9b-4c1e-9a57-1f2d3c4b5a69",
    }  # fmt: skip
    charged = ce.parse_enrich_company(_response(200, COMPANY, {"x-credit-cost": "3"}))
    assert charged.cost_usd == 3 * ce.USD_PER_CREDIT


def test_parse_problem_answers() -> None:
    missing = ce.parse_enrich_company(_response(404, _problem(404, "Not Found", "No such company."), PROBLEM))
    assert (
        missing.outcome is Outcome.NOT_FOUND
        and missing.message == "No such company."
        and missing.cost_usd == 0
    )
    invalid = ce.parse_search_companies(
        _response(422, _problem(422, "Unprocessable", "pageSize too big."), PROBLEM)
    )
    assert invalid.outcome is Outcome.FAILED and invalid.error_class is ErrorClass.BAD_INPUT
    assert invalid.message == "pageSize too big."
    # A 404 means a miss only for enrichment; elsewhere it is a request we got wrong.
    assert ce.parse_search_people(_response(404, _problem(404, "Not Found", "?"))).outcome is Outcome.FAILED
    assert ce.parse_enrich_company(_response(401, _problem(401, "Unauthorized", "x"))).error_class is (
        ErrorClass.BAD_KEY
    )
    assert ce.parse_similar_companies(_response(402, _problem(402, "Payment Required", "x"))).error_class is (
        ErrorClass.NO_CREDITS
    )
    throttled = ce.parse_search_people(_response(429, _problem(429, "Too Many", "x"), {"retry-after": "4"}))
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 4
    assert ce.parse_enrich_company(_response(503, b"")).error_class is ErrorClass.SERVER_ERROR
    assert ce.parse_enrich_company(_response(200, b"<html>")).error_class is ErrorClass.MALFORMED_BODY


def test_parse_searches_charge_their_minimum_even_when_empty() -> None:
    companies = ce.parse_search_companies(_response(200, _page([COMPANY, COMPANY])))
    assert companies.outcome is Outcome.FOUND and companies.cost_usd == 2 * ce.USD_PER_CREDIT
    assert companies.data is not None and companies.data["results"][0]["employee_range"] == "501-1000"
    assert companies.data["pagination"] == {"page": 1, "page_size": None, "total_pages": 1, "total_items": 2}
    for parse, minimum in (
        (ce.parse_search_companies, 1),
        (ce.parse_similar_companies, 5),
        (ce.parse_search_people, 2),
    ):
        empty = parse(_response(200, _page([])))
        assert empty.outcome is Outcome.NOT_FOUND and empty.cost_usd == minimum * ce.USD_PER_CREDIT


def test_parse_people_reads_the_current_experience() -> None:
    parsed = ce.parse_search_people(_response(200, _page([PERSON])))
    assert (
        parsed.outcome is Outcome.FOUND
        and parsed.cost_usd == 2 * ce.USD_PER_CREDIT
        and parsed.data is not None
    )
    assert parsed.data["results"] == [
        {
            "full_name": "Ines Vermeer", "first_name": "Ines", "last_name": "Vermeer",
            "linkedin_url": "https://www.linkedin.com/in/ines-vermeer", "headline": None,
            "current_title": "Head of Ops", "current_company_name": "Harbor Freight Labs",
            "current_company_domain": "harborlabs.com", "location_name": "Rotterdam, Netherlands",
            "country_code": "NL", "source_person_id": "98765",
        }
    ]  # fmt: skip


# -- against the sandbox -------------------------------------------------------------------------------


def _domains(world: World, *, known: bool, offset: int) -> list[str]:
    return [d for d in world.sample_domains(80, seed_offset=offset) if world.knows(ce.NAME, d) is known]


def _similar(world: World, domain: str) -> tuple[tuple[str, float], ...]:
    company = world.company(domain)
    return company.similar if company is not None else ()


async def test_enrich_found_and_not_found(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, ce.NAME)
    domain = _domains(world, known=True, offset=201)[0]
    company = world.company(domain)
    assert company is not None
    found = await execute(
        ENRICH, {"company_website": f"https://www.{domain}/"}, endpoint=endpoint, client=client
    )
    assert found.outcome is Outcome.FOUND and found.data is not None and found.cost_usd == ce.USD_PER_CREDIT
    assert (
        found.data["company_name"] == company.name
        and found.data["hq_country_code"] == company.hq_country_code
    )
    assert found.data["company_linkedin_url"] == company.linkedin_url
    by_linkedin = await execute(
        BY_PROPERTIES, {"company_linkedin_url": company.linkedin_url}, endpoint=endpoint, client=client
    )
    assert by_linkedin.data is not None and by_linkedin.data["company_domain"] == domain
    unknown = _domains(world, known=False, offset=201)[0]
    missed = await execute(ENRICH, {"company_domain": unknown}, endpoint=endpoint, client=client)
    assert missed.outcome is Outcome.NOT_FOUND and missed.http_status == 404 and missed.cost_usd == 0


async def test_searches(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, ce.NAME)
    company = world.company(_domains(world, known=True, offset=202)[0])
    assert company is not None
    found = await execute(SEARCH, {"query": company.name}, endpoint=endpoint, client=client)
    assert found.outcome is Outcome.FOUND and found.data is not None
    assert company.domain in [r["company_domain"] for r in found.data["results"]]
    assert found.cost_usd == len(found.data["results"]) * ce.USD_PER_CREDIT
    before = sandbox.stats()[ce.NAME]["credits_used"]
    empty = await execute(SEARCH, {"query": "no company is called this"}, endpoint=endpoint, client=client)
    assert empty.outcome is Outcome.NOT_FOUND and empty.cost_usd == ce.USD_PER_CREDIT
    assert sandbox.stats()[ce.NAME]["credits_used"] == before + 1

    seed = next(d for d in _domains(world, known=True, offset=203) if len(_similar(world, d)) >= 5)
    similar = await execute(SIMILAR, {"company_domain": seed}, endpoint=endpoint, client=client)
    assert similar.outcome is Outcome.FOUND and similar.data is not None
    expected = {d for d, _ in _similar(world, seed) if world.knows(ce.NAME, d)}
    assert {r["company_domain"] for r in similar.data["results"]} == expected
    assert similar.cost_usd == 5 * len(expected) * ce.USD_PER_CREDIT


async def test_people_search(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, ce.NAME)
    domain = next(d for d in _domains(world, known=True, offset=204) if len(world.people(d)) >= 20)
    known = [p for p in world.people(domain) if world.knows(ce.NAME, p.person_id)]
    managers = [p for p in known if p.seniority == "manager"]
    found = await execute(
        PEOPLE,
        {"company_domain": domain, "job_level": "Manager", "max_results": 100},
        endpoint=endpoint,
        client=client,
    )
    assert found.outcome is Outcome.FOUND and found.data is not None
    assert [r["linkedin_url"] for r in found.data["results"]] == [p.linkedin_url for p in managers]
    assert all(r["current_company_domain"] == domain for r in found.data["results"])
    assert found.cost_usd == 2 * len(managers) * ce.USD_PER_CREDIT
    nobody = await execute(
        PEOPLE, {"company_domain": domain, "job_title": "Astronaut"}, endpoint=endpoint, client=client
    )
    assert nobody.outcome is Outcome.NOT_FOUND and nobody.cost_usd == 2 * ce.USD_PER_CREDIT


async def test_bad_key_and_skips(sandbox: SandboxServer, client: HttpClient) -> None:
    wrong = sandbox_endpoint(sandbox, ce.NAME, key="wrong")
    outcome = await execute(ENRICH, {"company_domain": "example.com"}, endpoint=wrong, client=client)
    assert (
        outcome.outcome is Outcome.FAILED
        and outcome.error_class is ErrorClass.BAD_KEY
        and outcome.http_status == 401
    )
    assert outcome.message == "Missing or invalid API key."
    endpoint = sandbox_endpoint(sandbox, ce.NAME)
    for action in (ENRICH, BY_PROPERTIES, SEARCH, SIMILAR, PEOPLE):
        skipped = await execute(action, {"location": "Berlin"}, endpoint=endpoint, client=client)
        assert skipped.outcome is Outcome.SKIPPED and skipped.skip_reason == "missing_required_inputs"
    no_key = sandbox_endpoint(sandbox, ce.NAME, key=None)
    skipped = await execute(SEARCH, {"query": "a"}, endpoint=no_key, client=client)
    assert skipped.outcome is Outcome.SKIPPED and skipped.skip_reason == "missing_provider_api_key"


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, ce.NAME)
    inputs = {"company_domain": _domains(world, known=True, offset=205)[0]}
    with knobs(sandbox, ce.NAME, rate_per_second=1, burst=1):
        first = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        second = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_timeout_malformed_and_no_credits(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, ce.NAME)
    inputs = {"company_domain": "example.com"}
    with knobs(sandbox, ce.NAME, error_rate=1.0):
        outcome = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, ce.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, ce.NAME, malformed_rate=1.0):
        outcome = await execute(SEARCH, {"query": "a"}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.MALFORMED_BODY
    with knobs(sandbox, ce.NAME, credits=0):
        outcome = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS
        assert outcome.http_status == 402
