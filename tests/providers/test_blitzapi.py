"""BlitzAPI adapter: parsers on documented bodies, then the real HTTP path against the sandbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from providers import blitzapi as bz
from providers import leadmagic as lm
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.blitzapi import enrichment, search
from providers.blitzapi.protocol import USD_PER_CREDIT
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, Person, World
from tests.providers.conftest import knobs, sandbox_endpoint

ACTIONS = bz.PROVIDER.actions
KEY = Credentials(api_key="k")


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


# Shaped as BlitzAPI documents its answers (docs.blitz-api.ai API reference), written by us.
PERSON = {
    "first_name": "Lena", "last_name": "Okafor", "full_name": "Lena Okafor", "nickname": None,
    "civility_title": None, "headline": "Head of Growth at Tidewell", "about_me": None,
    "location": {"city": "Berlin", "state_code": None, "country_code": "DE", "continent": "Europe"},
    "linkedin_url": "https://www.linkedin.com/in/lena-okafor", "connections_count": 480,
    "profile_picture_url": None,
    "experiences": [
        {"job_title": "Growth Lead", "company_linkedin_url": "https://www.linkedin.com/company/dunepoint",
         "job_start_date": "2019-01-01", "job_end_date": "2022-03-01", "job_is_current": False},
        {"job_title": "Head of Growth", "company_linkedin_url": "https://www.linkedin.com/company/tidewell",
         "company_linkedin_id": "7c1d", "job_start_date": "2022-04-01", "job_end_date": None,
         "job_is_current": True},
    ],
    "education": [], "skills": ["SEO"], "certifications": [],
}  # fmt: skip
COMPANY = {
    "found": True,
    "company": {
        "linkedin_url": "https://www.linkedin.com/company/tidewell", "linkedin_id": 90210, "name": "Tidewell",
        "about": "Harbour logistics software.", "specialties": ["Ports", "Scheduling"],
        "industry": "Software Development", "type": "Privately Held", "size": "51-200",
        "employees_on_linkedin": 73, "followers": 1850, "founded_year": 2016,
        "hq": {"city": "Hamburg", "state": None, "postcode": None, "country_code": "DE",
               "country_name": "Germany", "region": None, "continent": "Europe", "street": None},
        "domain": "tidewell.de", "website": "https://tidewell.de",
    },
}  # fmt: skip


def test_enrichment_answers_and_found_false() -> None:
    email = enrichment.parse_find_work_email(
        _response(200, {"found": True, "email": "Lena@Tidewell.de", "all_emails": [
            {"email": "lena@tidewell.de", "job_order_in_profile": 1, "email_domain": "tidewell.de",
             "company_linkedin_url": "https://www.linkedin.com/company/tidewell"}]})
    )  # fmt: skip
    assert email.outcome is Outcome.FOUND and email.data is not None
    assert (
        email.data["email"] == "lena@tidewell.de"
        and email.data["all_emails"][0]["email_domain"] == "tidewell.de"
    )
    assert email.cost_usd == pytest.approx(USD_PER_CREDIT)
    phone = enrichment.parse_find_phone(_response(200, {"found": True, "phone": "+14155550123"}))
    assert phone.data == {"mobile_phone": "+14155550123"} and phone.cost_usd == pytest.approx(
        5 * USD_PER_CREDIT
    )
    for parse in (
        enrichment.parse_find_work_email,
        enrichment.parse_find_phone,
        enrichment.parse_domain_to_linkedin,
    ):
        for miss in ({"found": False}, {"found": False, "email": None, "phone": None}, {}):
            parsed = parse(_response(200, miss))
            assert parsed.outcome is Outcome.NOT_FOUND and parsed.cost_usd == 0
    linked = enrichment.parse_domain_to_linkedin(
        _response(200, {"found": True, "company_linkedin_url": "https://www.linkedin.com/company/tidewell"})
    )
    assert linked.data == {"company_linkedin_url": "https://www.linkedin.com/company/tidewell"}
    domain = enrichment.parse_linkedin_to_domain(
        _response(200, {"found": True, "email_domain": "Tidewell.de"})
    )
    assert domain.data == {"company_domain": "tidewell.de"}


def test_company_enrichment_maps_profile_fields_and_404_is_not_found() -> None:
    parsed = enrichment.parse_enrich_company(_response(200, COMPANY))
    assert parsed.outcome is Outcome.FOUND and parsed.data is not None
    assert parsed.data["company_name"] == "Tidewell" and parsed.data["company_domain"] == "tidewell.de"
    assert parsed.data["company_linkedin_id"] == "90210" and parsed.data["employee_range"] == "51-200"
    assert parsed.data["hq_locality"] == "Hamburg" and parsed.data["hq_country_code"] == "DE"
    assert (
        parsed.data["follower_count"] == 1850
        and parsed.data["description_raw"] == "Harbour logistics software."
    )
    gone = enrichment.parse_enrich_company(_response(404, {"success": False, "message": "Not Found"}))
    assert gone.outcome is Outcome.NOT_FOUND and gone.provider_status == "Not Found"


def test_searches_normalize_people_and_companies() -> None:
    page = {"company_linkedin_url": "https://www.linkedin.com/company/tidewell", "max_results": 1,
            "results_length": 1, "page": 1, "total_pages": 7, "results": [PERSON]}  # fmt: skip
    staff = search.parse_employee_finder(_response(200, page))
    assert staff.data is not None and staff.data["total_pages"] == 7
    assert staff.data["results"] == [
        {
            "full_name": "Lena Okafor", "first_name": "Lena", "last_name": "Okafor",
            "linkedin_url": "https://www.linkedin.com/in/lena-okafor",
            "headline": "Head of Growth at Tidewell", "current_title": "Head of Growth",
            "current_company_name": None, "current_company_domain": None,
            "location_name": "Berlin, DE", "country_code": "DE", "source_person_id": None,
        }
    ]  # fmt: skip
    assert search.parse_employee_finder(_response(200, {**page, "results": []})).outcome is Outcome.NOT_FOUND

    icp = {"company_linkedin_url": "x", "max_results": 2, "results_length": 1, "results": [
        {"person": PERSON, "icp": 2, "ranking": 1,
         "what_matched": [{"key": "job_title", "value": "Head of Growth"}]}
    ]}  # fmt: skip
    matched = search.parse_waterfall_icp(_response(200, icp))
    assert matched.data is not None and matched.data["results"][0]["icp_tier"] == 2
    assert (
        matched.data["results"][0]["icp_ranking"] == 1
        and matched.data["results"][0]["full_name"] == "Lena Okafor"
    )

    found = {
        "total_results": 120,
        "results_length": 1,
        "max_results": 1,
        "cursor": "abc",
        "results": [COMPANY["company"]],
    }
    companies = search.parse_search_companies(_response(200, found))
    assert (
        companies.data is not None
        and companies.data["cursor"] == "abc"
        and companies.data["total_results"] == 120
    )
    assert companies.data["results"][0]["company_domain"] == "tidewell.de"
    assert companies.data["results"][0]["source_company_id"] == 90210
    assert (
        search.parse_search_companies(_response(200, {**found, "results": []})).outcome is Outcome.NOT_FOUND
    )


def test_error_statuses() -> None:
    parse = enrichment.parse_find_work_email
    missing_key = {"message": "Missing API key, please provide a valid API key in the 'x-api-key' header"}
    assert parse(_response(401, missing_key)).error_class is ErrorClass.BAD_KEY
    assert parse(_response(404, {"message": "API key does not exist"})).error_class is ErrorClass.BAD_KEY
    broke = parse(_response(402, {"message": "Insufficient credits balance"}))
    assert broke.error_class is ErrorClass.NO_CREDITS and broke.message == "Insufficient credits balance"
    invalid = {"success": False, "error": {"code": "INVALID_INPUT", "message": "Missing required fields"}}
    bad = parse(_response(422, invalid))
    assert bad.error_class is ErrorClass.BAD_INPUT and bad.provider_status == "INVALID_INPUT"
    limited = {"success": False, "message": "Rate limit exceeded, please try again later"}
    assert parse(_response(429, limited)).retry_after_s == 1.0
    assert parse(_response(429, limited, {"retry-after": "4"})).retry_after_s == 4
    assert parse(_response(500, {"success": False, "message": "boom"})).error_class is ErrorClass.SERVER_ERROR
    assert parse(_response(200, b"not json")).error_class is ErrorClass.MALFORMED_BODY


def test_builders() -> None:
    spec = search.build_employee_finder(
        {"company_linkedin_url": "https://www.linkedin.com/company/tidewell", "job_level": ["vp", "c-team"],
         "location": ["us", "Berlin"], "max_results": 5}, KEY,
    )  # fmt: skip
    assert isinstance(spec, RequestSpec) and spec.headers["x-api-key"] == "k"
    assert spec.json == {
        "company_linkedin_url": "https://www.linkedin.com/company/tidewell", "job_level": ["VP", "C-Team"],
        "country_code": ["US"], "max_results": 5, "page": 1,
    }  # fmt: skip
    companies = search.build_search_companies(
        {"query": "ports", "country_code": "de", "max_results": 500}, KEY
    )
    assert isinstance(companies, RequestSpec) and companies.json is not None
    assert companies.json["company"] == {"keywords": {"include": ["ports"]}, "hq": {"country_code": ["DE"]}}
    assert companies.json["max_results"] == 50
    domain = enrichment.build_domain_to_linkedin({"company_website": "https://www.Tidewell.de/about"}, KEY)
    assert isinstance(domain, RequestSpec) and domain.json == {"domain": "tidewell.de"}
    skip = search.build_waterfall_icp({"cascade": [{"include_title": ["ceo"]}]}, KEY)
    assert isinstance(skip, Skip) and skip.missing == ("company_linkedin_url",)


# -- against the sandbox -------------------------------------------------------------------------------


def _companies(world: World, keep: Callable[[Company], object]) -> list[Company]:
    picked = []
    for domain in world.sample_domains(300, seed_offset=77):
        company = world.company(domain)
        assert company is not None
        if keep(company):
            picked.append(company)
    return picked


def _person(world: World, keep: Callable[[Person], object]) -> Person:
    for domain in world.sample_domains(400, seed_offset=78):
        for person in world.people(domain):
            if keep(person):
                return person
    raise AssertionError("no such person in the sample")


async def test_enrichment_against_the_sandbox(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, bz.NAME)
    person = _person(world, lambda p: world.email_guess(bz.NAME, p) == p.work_email)
    email = await execute(
        ACTIONS["find_work_email"], {"linkedin_url": person.linkedin_url}, endpoint=endpoint, client=client
    )
    assert (
        email.outcome is Outcome.FOUND and email.data is not None and email.data["email"] == person.work_email
    )

    american = _person(
        world, lambda p: p.country_code == "US" and p.mobile_phone and world.knows(bz.NAME, p.person_id)
    )
    phone = await execute(
        ACTIONS["find_phone"], {"linkedin_url": american.linkedin_url}, endpoint=endpoint, client=client
    )
    assert phone.data == {"mobile_phone": american.mobile_phone}
    abroad = _person(
        world, lambda p: p.country_code != "US" and p.mobile_phone and world.knows(bz.NAME, p.person_id)
    )
    missed = await execute(
        ACTIONS["find_phone"], {"linkedin_url": abroad.linkedin_url}, endpoint=endpoint, client=client
    )
    assert missed.outcome is Outcome.NOT_FOUND and missed.http_status == 200

    company = _companies(world, lambda c: world.knows(bz.NAME, c.domain))[0]
    linked = await execute(
        ACTIONS["domain_to_linkedin"], {"company_website": company.website}, endpoint=endpoint, client=client
    )
    assert linked.data == {"company_linkedin_url": company.linkedin_url}
    profile = await execute(
        ACTIONS["enrich_company"],
        {"company_linkedin_url": company.linkedin_url},
        endpoint=endpoint,
        client=client,
    )
    assert profile.outcome is Outcome.FOUND and profile.data is not None
    assert (
        profile.data["company_domain"] == company.domain
        and profile.data["employee_count"] == company.employee_count
    )
    back = await execute(
        ACTIONS["linkedin_to_domain"],
        {"company_linkedin_url": company.linkedin_url},
        endpoint=endpoint,
        client=client,
    )
    assert back.data == {"company_domain": company.domain}


async def test_providers_know_different_companies(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    # A waterfall matters: a company BlitzAPI does not know (404) is one LeadMagic can enrich.
    company = _companies(
        world, lambda c: world.knows(lm.NAME, c.domain) and not world.knows(bz.NAME, c.domain)
    )[0]
    blitz = await execute(
        ACTIONS["enrich_company"], {"company_linkedin_url": company.linkedin_url},
        endpoint=sandbox_endpoint(sandbox, bz.NAME), client=client,
    )  # fmt: skip
    assert blitz.outcome is Outcome.NOT_FOUND and blitz.http_status == 404
    leadmagic = await execute(
        lm.PROVIDER.actions["company_search"], {"company_linkedin_url": company.linkedin_url},
        endpoint=sandbox_endpoint(sandbox, lm.NAME), client=client,
    )  # fmt: skip
    assert leadmagic.outcome is Outcome.FOUND and leadmagic.data is not None
    assert leadmagic.data["company_domain"] == company.domain


async def test_searches_against_the_sandbox(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, bz.NAME)
    company = _companies(
        world, lambda c: world.knows(bz.NAME, c.domain) and len(world.people(c.domain)) >= 12
    )[0]
    url = company.linkedin_url
    first = await execute(
        ACTIONS["employee_finder"],
        {"company_linkedin_url": url, "max_results": 3},
        endpoint=endpoint,
        client=client,
    )
    second = await execute(
        ACTIONS["employee_finder"],
        {"company_linkedin_url": url, "max_results": 3, "page": 2},
        endpoint=endpoint,
        client=client,
    )
    assert first.data is not None and second.data is not None and first.data["total_pages"] >= 2
    names = {item["linkedin_url"] for item in first.data["results"] + second.data["results"]}
    assert len(names) == 6 and names <= {p.linkedin_url for p in world.people(company.domain)}
    leaders = await execute(
        ACTIONS["employee_finder"],
        {"company_linkedin_url": url, "job_level": "c-team"},
        endpoint=endpoint,
        client=client,
    )
    assert leaders.data is not None
    titles = {p.linkedin_url: p.seniority for p in world.people(company.domain)}
    assert all(titles[item["linkedin_url"]] == "c_suite" for item in leaders.data["results"])

    cascade = [
        {"include_title": ["chief technology"], "location": ["WORLD"]},
        {"include_title": ["ceo", "founder"]},
    ]
    icp = await execute(
        ACTIONS["waterfall_icp"],
        {"company_linkedin_url": url, "cascade": cascade, "max_results": 2},
        endpoint=endpoint,
        client=client,
    )
    assert icp.outcome is Outcome.FOUND and icp.data is not None
    assert [r["icp_ranking"] for r in icp.data["results"]] == list(range(1, len(icp.data["results"]) + 1))
    assert {r["icp_tier"] for r in icp.data["results"]} <= {1, 2}

    inputs = {"industry": company.industry, "max_results": 5}
    page = await execute(ACTIONS["search_companies"], inputs, endpoint=endpoint, client=client)
    assert page.outcome is Outcome.FOUND and page.data is not None and page.data["cursor"]
    assert all(r["industry_primary"] == company.industry for r in page.data["results"])
    following = await execute(
        ACTIONS["search_companies"],
        {**inputs, "cursor": page.data["cursor"]},
        endpoint=endpoint,
        client=client,
    )
    assert following.data is not None
    assert not {r["company_domain"] for r in page.data["results"]} & {
        r["company_domain"] for r in following.data["results"]
    }

    info = await execute(ACTIONS["key_info"], {}, endpoint=endpoint, client=client)
    assert info.data is not None and info.data["valid"] and info.data["max_requests_per_seconds"] == 5


async def test_bad_key_no_credits_bad_input_and_skips(sandbox: SandboxServer, client: HttpClient) -> None:
    action, inputs = (
        ACTIONS["find_work_email"],
        {"linkedin_url": "https://www.linkedin.com/in/nobody-zzzzzzzz"},
    )
    bad = await execute(
        action, inputs, endpoint=sandbox_endpoint(sandbox, bz.NAME, key="wrong"), client=client
    )
    assert bad.outcome is Outcome.FAILED and bad.error_class is ErrorClass.BAD_KEY and bad.http_status == 401
    endpoint = sandbox_endpoint(sandbox, bz.NAME)
    with knobs(sandbox, bz.NAME, credits=0):
        broke = await execute(action, inputs, endpoint=endpoint, client=client)
        assert broke.error_class is ErrorClass.NO_CREDITS and broke.http_status == 402
    unknown = await execute(action, inputs, endpoint=endpoint, client=client)
    assert unknown.outcome is Outcome.NOT_FOUND
    skipped = await execute(
        ACTIONS["enrich_company"], {"company_domain": "tidewell.de"}, endpoint=endpoint, client=client
    )
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == ("company_linkedin_url",)
    no_key = await execute(
        action, inputs, endpoint=sandbox_endpoint(sandbox, bz.NAME, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"


async def test_429_then_success(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, bz.NAME)
    action = ACTIONS["key_info"]
    with knobs(sandbox, bz.NAME, rate_per_second=1, burst=1):
        first = await execute(action, {}, endpoint=endpoint, client=client)
        second = await execute(action, {}, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(action, {}, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_and_timeout_are_retryable(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, bz.NAME)
    action = ACTIONS["key_info"]
    with knobs(sandbox, bz.NAME, error_rate=1.0):
        crashed = await execute(action, {}, endpoint=endpoint, client=client)
        assert crashed.outcome is Outcome.RETRYABLE and crashed.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, bz.NAME, timeout_rate=1.0, timeout_s=10):
        hung = await execute(action, {}, endpoint=endpoint, client=client)
        assert hung.outcome is Outcome.RETRYABLE and hung.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, bz.NAME, malformed_rate=1.0):
        broken = await execute(action, {}, endpoint=endpoint, client=client)
        assert broken.outcome is Outcome.FAILED and broken.error_class is ErrorClass.MALFORMED_BODY
