"""Prospeo adapter: building requests, parsers on documented bodies, then real HTTP against the sandbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

from providers import prospeo
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Person, World
from tests.providers.conftest import knobs, sandbox_endpoint

ENRICH_PERSON = prospeo.PROVIDER.actions["enrich_person"]
ENRICH_COMPANY = prospeo.PROVIDER.actions["enrich_company"]
SEARCH_PERSON = prospeo.PROVIDER.actions["search_person"]
SEARCH_COMPANY = prospeo.PROVIDER.actions["search_company"]
KEY = Credentials(api_key="k")


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


# Shaped as prospeo.io/api-docs documents its answers, written by us.
COMPANY = {
    "company_id": "cccc00000000000000000abc", "name": "Northwind Labs", "website": "https://northwind.io",
    "domain": "northwind.io", "description": "Northwind builds data pipelines.", "type": "Private",
    "industry": "Software Development", "employee_count": 240, "employee_range": "201-500",
    "location": {"country": "United States", "country_code": "US", "state": "Texas", "city": "Austin"},
    "linkedin_url": "https://www.linkedin.com/company/northwind-labs", "linkedin_id": None, "founded": 2015,
    "revenue_range": {"min": 10000000, "max": 50000000}, "revenue_range_printed": "10M",
    "keywords": ["Data Pipelines", "ETL"], "logo_url": "https://cdn.example/northwind.png",
}  # fmt: skip
PERSON = {
    "person_id": "aaaa0000000000000000beef", "first_name": "Dana", "last_name": "Okafor",
    "full_name": "Dana Okafor", "linkedin_url": "https://www.linkedin.com/in/dana-okafor",
    "current_job_title": "VP of Engineering", "current_job_key": "k2", "headline": "Building data teams",
    "job_history": [
        {"title": "Tech Lead", "company_name": "Acme", "current": False, "start_year": 2016, "start_month": 3,
         "end_year": 2019, "end_month": 8, "departments": ["Engineering"], "seniority": "Senior",
         "company_id": "cccc00000000000000000111", "job_key": "k1"},
        {"title": "VP of Engineering", "company_name": "Northwind Labs", "current": True, "start_year": 2019,
         "start_month": 9, "end_year": None, "end_month": None, "departments": ["Engineering"],
         "seniority": "Vice President", "company_id": "cccc00000000000000000abc", "job_key": "k2"},
    ],
    "mobile": {"status": "VERIFIED", "revealed": False, "mobile": "+1 512-5**-****"},
    "email": {"status": "VERIFIED", "revealed": True, "email": "dana@northwind.io",
              "verification_method": "SMTP"},
    "location": {"country": "United States", "country_code": "US", "state": "Texas", "city": "Austin"},
    "skills": ["Python", "Leadership"],
}  # fmt: skip
ENRICHED = {"error": False, "free_enrichment": False, "person": PERSON, "company": COMPANY}
SEARCH_PAGE = {
    "error": False,
    "results": [
        {"person": {k: v for k, v in PERSON.items() if k not in ("email", "mobile")}, "company": COMPANY}
    ],
    "pagination": {"current_page": 1, "per_page": 25, "total_page": 1, "total_count": 1},
}


def _error(code: str, **extra: Any) -> dict[str, Any]:
    return {"error": True, "error_code": code, **extra}


# -- building requests ---------------------------------------------------------------------------------


def test_enrich_person_request_cleans_a_website_and_sends_the_key() -> None:
    inputs = {
        "full_name": "Dana Okafor",
        "company_website": "https://www.Northwind.io/about",
        "enrich_mobile": True,
    }
    spec = prospeo.build_enrich_person(inputs, KEY)
    assert isinstance(spec, RequestSpec) and spec.method == "POST" and spec.path == "/enrich-person"
    assert spec.headers["X-KEY"] == "k"
    assert spec.json == {
        "data": {"full_name": "Dana Okafor", "company_website": "northwind.io"},
        "enrich_mobile": True,
    }


def test_enrich_person_skips_without_enough_to_match() -> None:
    nothing = prospeo.build_enrich_person({"company_domain": "northwind.io"}, KEY)
    assert isinstance(nothing, Skip) and nothing.missing[0].startswith("linkedin_url|email|person_id")
    name_only = prospeo.build_enrich_person({"first_name": "Dana", "last_name": "Okafor"}, KEY)
    assert isinstance(name_only, Skip) and name_only.missing == (
        "company_domain|company_website|company_name|company_linkedin_url",
    )
    # An id learned from another provider is not a Prospeo person id.
    foreign = prospeo.build_enrich_person({"source_person_id": "12345"}, KEY)
    assert isinstance(foreign, Skip)
    assert prospeo.build_enrich_person({"email": "dana@northwind.io"}, Credentials(api_key=None)).reason == (
        "missing_provider_api_key"
    )


def test_search_person_filters_merge_caller_filters_under_computed_ones() -> None:
    inputs = {
        "job_title": "VP Engineering",
        "location": "United States",
        "company_website": "https://northwind.io",
        "company_name": "ignored when a domain is known",
        "page": 3,
        "provider_filters": {
            "prospeo": {
                "person_job_title": {"include": ["CTO"], "exclude": ["Intern"]},
                "person_seniority": {"include": ["Vice President"]},
            },
            "blitzapi": {"not": "ours"},
        },
    }
    spec = prospeo.build_search_person(inputs, KEY)
    assert isinstance(spec, RequestSpec) and spec.path == "/search-person"
    assert spec.json == {
        "page": 3,
        "filters": {
            "person_job_title": {"include": ["VP Engineering"], "exclude": ["Intern"]},
            "person_seniority": {"include": ["Vice President"]},
            "person_location_search": {"include": ["United States"]},
            "company": {"websites": {"include": ["northwind.io"]}},
        },
    }
    by_name = prospeo.build_search_company({"query": "Northwind"}, KEY)
    assert isinstance(by_name, RequestSpec) and by_name.json["filters"] == {
        "company": {"names": {"include": ["Northwind"]}}
    }
    assert isinstance(prospeo.build_search_person({"page": 2}, KEY), Skip)


# -- parsing documented answers ------------------------------------------------------------------------


def test_parse_enriched_person_normalizes_the_profile() -> None:
    parsed = prospeo.parse_enrich_person(_response(200, ENRICHED))
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == prospeo.USD_PER_CREDIT
    data = parsed.data
    assert data is not None
    assert data["full_name"] == "Dana Okafor" and data["current_title"] == "VP of Engineering"
    assert data["seniority"] == "Vice President" and data["department"] == "Engineering"
    assert data["email"] == "dana@northwind.io" and data["email_status"] == "verified"
    assert data["mobile_phone"] is None and data["mobile_status"] == "verified"  # exists, not revealed
    assert (
        data["current_company_domain"] == "northwind.io"
        and data["location"] == "Austin, Texas, United States"
    )
    assert data["work_history"] == [
        {"title": "Tech Lead", "company_name": "Acme", "company_domain": None, "company_linkedin_url": None,
         "start_date": "2016-03", "end_date": "2019-08", "is_current": False},
        {"title": "VP of Engineering", "company_name": "Northwind Labs", "company_domain": "northwind.io",
         "company_linkedin_url": "https://www.linkedin.com/company/northwind-labs", "start_date": "2019-09",
         "end_date": None, "is_current": True},
    ]  # fmt: skip
    assert data["source_person_id"] == "aaaa0000000000000000beef" and data["skills"] == [
        "Python",
        "Leadership",
    ]


def test_parse_prices_a_mobile_reveal_and_a_free_re_enrichment() -> None:
    mobile = {"status": "VERIFIED", "revealed": True, "mobile": "+15125550134"}
    with_mobile = prospeo.parse_enrich_person(
        _response(200, {**ENRICHED, "person": {**PERSON, "mobile": mobile}})
    )
    assert with_mobile.data is not None and with_mobile.data["mobile_phone"] == "+15125550134"
    assert with_mobile.cost_usd == 10 * prospeo.USD_PER_CREDIT
    again = prospeo.parse_enrich_person(_response(200, {**ENRICHED, "free_enrichment": True}))
    assert (
        again.outcome is Outcome.FOUND and again.cost_usd == 0 and again.provider_status == "free_enrichment"
    )


def test_parse_ignores_a_masked_email() -> None:
    masked = {"status": "VERIFIED", "revealed": True, "email": "dana.*****@northwind.io"}
    parsed = prospeo.parse_enrich_person(_response(200, {**ENRICHED, "person": {**PERSON, "email": masked}}))
    assert parsed.data is not None and parsed.data["email"] is None


def test_parse_misses_and_errors_by_error_code() -> None:
    miss = prospeo.parse_enrich_person(_response(400, _error("NO_MATCH")))
    assert miss.outcome is Outcome.NOT_FOUND and miss.provider_status == "NO_MATCH" and miss.cost_usd == 0
    empty = prospeo.parse_search_person(_response(400, _error("NO_RESULTS")))
    assert empty.outcome is Outcome.NOT_FOUND
    cases = {
        (400, "INSUFFICIENT_CREDITS"): ErrorClass.NO_CREDITS,
        (400, "INVALID_DATAPOINTS"): ErrorClass.BAD_INPUT,
        (400, "INVALID_REQUEST"): ErrorClass.BAD_INPUT,
        (401, "INVALID_API_KEY"): ErrorClass.BAD_KEY,
    }
    for (status, code), error in cases.items():
        parsed = prospeo.parse_enrich_person(_response(status, _error(code)))
        assert (
            parsed.outcome is Outcome.FAILED
            and parsed.error_class is error
            and parsed.provider_status == code
        )
    filters = prospeo.parse_search_person(_response(400, _error("INVALID_FILTERS", filter_error="Bad `x`.")))
    assert filters.error_class is ErrorClass.BAD_INPUT and filters.message == "Bad `x`."


def test_parse_retryable_answers() -> None:
    internal = prospeo.parse_enrich_person(_response(400, _error("INTERNAL_ERROR")))
    assert internal.outcome is Outcome.RETRYABLE and internal.error_class is ErrorClass.SERVER_ERROR
    minute = {"x-minute-request-left": "0", "x-minute-reset-seconds": "42"}
    throttled = prospeo.parse_search_person(_response(429, _error("RATE_LIMITED"), minute))
    assert throttled.error_class is ErrorClass.RATE_LIMITED and throttled.retry_after_s == 42
    per_second = prospeo.parse_search_person(
        _response(429, _error("RATE_LIMITED"), {"x-second-rate-limit": "1"})
    )
    assert per_second.outcome is Outcome.RETRYABLE and per_second.retry_after_s == 1
    assert prospeo.parse_enrich_company(_response(502, b"<html>bad gateway</html>")).error_class is (
        ErrorClass.SERVER_ERROR
    )
    assert prospeo.parse_enrich_company(_response(200, b"{not json")).error_class is ErrorClass.MALFORMED_BODY


def test_parse_company_and_search_pages() -> None:
    company = prospeo.parse_enrich_company(
        _response(200, {"error": False, "free_enrichment": False, "company": COMPANY})
    )
    assert company.outcome is Outcome.FOUND and company.data is not None
    assert company.data["annual_revenue_range"] == "$10M-$50M" and company.data["specialties"] == [
        "Data Pipelines",
        "ETL",
    ]
    assert company.data["employee_count"] == 240 and company.data["hq_locality"] == "Austin"
    people = prospeo.parse_search_person(_response(200, SEARCH_PAGE))
    assert (
        people.outcome is Outcome.FOUND
        and people.data is not None
        and people.cost_usd == prospeo.USD_PER_CREDIT
    )
    assert people.data["results"][0] == {
        "full_name": "Dana Okafor", "first_name": "Dana", "last_name": "Okafor",
        "linkedin_url": "https://www.linkedin.com/in/dana-okafor", "headline": "Building data teams",
        "current_title": "VP of Engineering", "current_company_name": "Northwind Labs",
        "current_company_domain": "northwind.io", "location_name": "Austin, Texas, United States",
        "country_code": "US", "source_person_id": "aaaa0000000000000000beef",
    }  # fmt: skip
    assert people.data["pagination"] == {"page": 1, "page_size": 25, "total_pages": 1, "total_items": 1}
    free = prospeo.parse_search_company(_response(200, {**SEARCH_PAGE, "free": True}))
    assert (
        free.data is not None
        and free.data["results"][0]["company_domain"] == "northwind.io"
        and free.cost_usd == 0
    )


# -- against the sandbox -------------------------------------------------------------------------------


def _people(world: World, *, known: bool, offset: int) -> Iterator[Person]:
    for domain in world.sample_domains(400, seed_offset=offset):
        for person in world.people(domain):
            if world.knows(prospeo.NAME, person.person_id) is known:
                yield person


async def test_enrich_person_found_then_free(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, prospeo.NAME)
    person = next(_people(world, known=True, offset=101))
    first = await execute(
        ENRICH_PERSON, {"linkedin_url": person.linkedin_url}, endpoint=endpoint, client=client
    )
    assert (
        first.outcome is Outcome.FOUND and first.data is not None and first.cost_usd == prospeo.USD_PER_CREDIT
    )
    assert first.data["full_name"] == person.full_name and first.data["current_title"] == person.title
    assert first.data["email"] == world.email_guess(prospeo.NAME, person)
    assert (
        first.data["current_company_domain"] == person.company_domain and first.data["mobile_phone"] is None
    )
    by_name = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company_website": f"https://www.{person.company_domain}/",
    }
    again = await execute(ENRICH_PERSON, by_name, endpoint=endpoint, client=client)
    assert (
        again.outcome is Outcome.FOUND and again.cost_usd == 0 and again.provider_status == "free_enrichment"
    )


async def test_enrich_person_with_mobile_costs_ten(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    person = next(p for p in _people(world, known=True, offset=102) if p.mobile_phone)
    inputs = {"linkedin_url": person.linkedin_url, "enrich_mobile": True}
    outcome = await execute(
        ENRICH_PERSON, inputs, endpoint=sandbox_endpoint(sandbox, prospeo.NAME), client=client
    )
    assert outcome.data is not None and outcome.data["mobile_phone"] == person.mobile_phone
    assert outcome.cost_usd == 10 * prospeo.USD_PER_CREDIT
    by_id = await execute(
        ENRICH_PERSON,
        {"person_id": outcome.data["source_person_id"]},
        endpoint=sandbox_endpoint(sandbox, prospeo.NAME),
        client=client,
    )
    assert (
        by_id.data is not None and by_id.data["linkedin_url"] == person.linkedin_url and by_id.cost_usd == 0
    )


async def test_unknown_person_is_not_found(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    person = next(_people(world, known=False, offset=103))
    outcome = await execute(
        ENRICH_PERSON,
        {"email": person.work_email},
        endpoint=sandbox_endpoint(sandbox, prospeo.NAME),
        client=client,
    )
    assert (
        outcome.outcome is Outcome.NOT_FOUND
        and outcome.http_status == 400
        and outcome.provider_status == "NO_MATCH"
    )


async def test_enrich_company(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, prospeo.NAME)
    domains = world.sample_domains(60, seed_offset=104)
    known = next(d for d in domains if world.knows(prospeo.NAME, d))
    unknown = next(d for d in domains if not world.knows(prospeo.NAME, d))
    found = await execute(
        ENRICH_COMPANY, {"company_website": f"http://{known}/team"}, endpoint=endpoint, client=client
    )
    company = world.company(known)
    assert found.outcome is Outcome.FOUND and found.data is not None and company is not None
    assert (
        found.data["company_name"] == company.name and found.data["employee_count"] == company.employee_count
    )
    assert (
        found.data["company_linkedin_url"] == company.linkedin_url
        and found.data["hq_country_code"] == company.hq_country_code
    )
    missed = await execute(ENRICH_COMPANY, {"company_domain": unknown}, endpoint=endpoint, client=client)
    assert missed.outcome is Outcome.NOT_FOUND


async def test_searches(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, prospeo.NAME)
    person = next(_people(world, known=True, offset=105))
    inputs = {"company_domain": person.company_domain, "job_title": person.title}
    people = await execute(SEARCH_PERSON, inputs, endpoint=endpoint, client=client)
    assert (
        people.outcome is Outcome.FOUND
        and people.data is not None
        and people.cost_usd == prospeo.USD_PER_CREDIT
    )
    hit = next(r for r in people.data["results"] if r["linkedin_url"] == person.linkedin_url)
    assert (
        hit["current_company_domain"] == person.company_domain and hit["country_code"] == person.country_code
    )
    domain = next(d for d in world.sample_domains(50, seed_offset=105) if world.knows(prospeo.NAME, d))
    company = world.company(domain)
    assert company is not None
    companies = await execute(SEARCH_COMPANY, {"query": company.name}, endpoint=endpoint, client=client)
    assert companies.outcome is Outcome.FOUND and companies.data is not None
    assert all(company.name.lower() in r["company_name"].lower() for r in companies.data["results"])
    nothing = await execute(
        SEARCH_PERSON, {**inputs, "job_title": "Chief Astronaut"}, endpoint=endpoint, client=client
    )
    assert (
        nothing.outcome is Outcome.NOT_FOUND
        and nothing.provider_status == "NO_RESULTS"
        and nothing.cost_usd == 0
    )


async def test_bad_key(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, prospeo.NAME, key="wrong")
    outcome = await execute(
        ENRICH_COMPANY, {"company_domain": "example.com"}, endpoint=endpoint, client=client
    )
    assert (
        outcome.outcome is Outcome.FAILED
        and outcome.error_class is ErrorClass.BAD_KEY
        and outcome.http_status == 401
    )


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, prospeo.NAME)
    inputs = {"linkedin_url": next(_people(world, known=True, offset=106)).linkedin_url}
    with knobs(sandbox, prospeo.NAME, rate_per_second=1, burst=1):
        first = await execute(ENRICH_PERSON, inputs, endpoint=endpoint, client=client)
        second = await execute(ENRICH_PERSON, inputs, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.http_status == 429 and second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(ENRICH_PERSON, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_timeout_malformed_and_no_credits(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, prospeo.NAME)
    inputs = {"company_domain": "example.com"}
    with knobs(sandbox, prospeo.NAME, error_rate=1.0):
        outcome = await execute(ENRICH_COMPANY, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, prospeo.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(ENRICH_COMPANY, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, prospeo.NAME, malformed_rate=1.0):
        outcome = await execute(SEARCH_COMPANY, {"query": "a"}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.MALFORMED_BODY
    with knobs(sandbox, prospeo.NAME, credits=0):
        outcome = await execute(ENRICH_COMPANY, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS
        assert outcome.http_status == 400 and outcome.provider_status == "INSUFFICIENT_CREDITS"


async def test_missing_inputs_and_key_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, prospeo.NAME)
    for action in (ENRICH_PERSON, ENRICH_COMPANY, SEARCH_PERSON, SEARCH_COMPANY):
        skipped = await execute(action, {"job_level": "VP"}, endpoint=endpoint, client=client)
        assert skipped.outcome is Outcome.SKIPPED and skipped.skip_reason == "missing_required_inputs"
    no_key = await execute(
        ENRICH_COMPANY,
        {"company_domain": "a.co"},
        endpoint=sandbox_endpoint(sandbox, prospeo.NAME, key=None),
        client=client,
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
