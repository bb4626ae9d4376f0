"""LeadMagic adapter: parsers on documented bodies, then the real HTTP path against the sandbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator

import pytest

from providers import leadmagic as lm
from providers.base import NO_KEY, Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.leadmagic import companies, emails, people
from providers.leadmagic.protocol import USD_PER_CREDIT
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, Person, World
from tests.providers.conftest import knobs, sandbox_endpoint

ACTIONS = lm.PROVIDER.actions
KEY = Credentials(api_key="k")


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


def _problem(status: int, code: str, **extra: object) -> dict[str, object]:
    error = {"type": f"https://api.leadmagic.io/errors/{code}", "title": code, "status": status, "code": code}
    return {"success": False, "errors": [{**error, **extra}], "meta": {"request_id": "r1"}}


# Shaped as LeadMagic documents its answers (leadmagic.io/docs v1 reference), written by us.
FINDER_VALID = {
    "email": "Maria.Lopez@Brightwave.io", "status": "valid", "credits_consumed": 1,
    "message": "Valid email found.", "first_name": "Maria", "last_name": "Lopez", "domain": "brightwave.io",
    "mx_record": "aspmx.l.google.com", "mx_provider": "Google Workspace", "has_mx": True,
    "employment_verified": True, "company_name": "Brightwave", "company_size": "51-200",
}  # fmt: skip
FINDER_MISS = {"email": None, "status": "not_found", "credits_consumed": 0, "message": "No email found."}
VALIDATION = {
    "email": "maria.lopez@brightwave.io", "email_status": "valid", "credits_consumed": 0.05,
    "message": "Email is valid.", "is_domain_catch_all": False, "mx_provider": "Google Workspace",
    "company_name": "Brightwave",
}  # fmt: skip
COMPANY = {
    "companyName": "Brightwave", "companyId": 4411, "industry": "Computer Software",
    "description": "Tools for tide-pool research.", "employeeCount": 88,
    "employeeCountRange": {"start": 51, "end": 200}, "founded_year": "2017",
    "foundedOn": {"year": 2017, "month": None, "day": None},
    "headquarter": {"city": "Lisbon", "geographicArea": None, "country": "PT", "postalCode": "1100"},
    "revenue": 9000000, "revenue_formatted": "9M", "ownership_status": "Private", "followerCount": 1200,
    "b2b_profile_url": "brightwave", "logo_url": "https://logo.leadmagic.io/brightwave.io",
    "specialities": ["Oceanography", "Data"], "websiteUrl": "https://www.brightwave.io",
    "credits_consumed": 1, "message": "Company found",
}  # fmt: skip


def test_email_finder_found_not_found_and_catch_all() -> None:
    found = emails.parse_email_finder(_response(200, FINDER_VALID))
    assert found.outcome is Outcome.FOUND and found.cost_usd == pytest.approx(USD_PER_CREDIT)
    assert found.data is not None and found.data["email"] == "maria.lopez@brightwave.io"
    assert found.data["email_status"] == "valid" and found.data["company_domain"] == "brightwave.io"
    miss = emails.parse_email_finder(_response(200, FINDER_MISS))
    assert miss.outcome is Outcome.NOT_FOUND and miss.cost_usd == 0
    catch_all = emails.parse_email_finder(_response(200, {**FINDER_VALID, "status": "catch_all"}))
    assert catch_all.data is not None and catch_all.data["email_status"] == "catch_all"
    assert catch_all.data["is_catch_all"] and catch_all.provider_status == "catch_all"


@pytest.mark.parametrize(
    ("verdict", "outcome", "status", "inconclusive", "credits"),
    [
        ("valid", Outcome.FOUND, "valid", False, 0.05),
        ("valid_catch_all", Outcome.FOUND, "valid", False, 0.05),
        ("catch_all", Outcome.FOUND, "catch_all", True, 0),
        ("invalid", Outcome.FOUND, "invalid", False, 0.05),
        ("unknown", Outcome.NOT_FOUND, "unknown", True, 0),
    ],
)
def test_email_validation_verdicts(
    verdict: str, outcome: Outcome, status: str, inconclusive: bool, credits: float
) -> None:
    parsed = emails.parse_email_validation(
        _response(200, {**VALIDATION, "email_status": verdict, "credits_consumed": credits})
    )
    assert parsed.outcome is outcome and parsed.provider_status == verdict
    assert parsed.data is not None and parsed.data["status"] == status
    assert parsed.data["inconclusive"] is inconclusive
    assert parsed.cost_usd == pytest.approx(credits * USD_PER_CREDIT)


def test_mobile_role_and_employee_answers() -> None:
    mobile = people.parse_mobile_finder(
        _response(200, {"profile_url": "linkedin.com/in/mlopez", "mobile_number": "+351912345678",
                        "credits_consumed": 5, "message": "Mobile number found."})
    )  # fmt: skip
    assert mobile.data == {
        "mobile_phone": "+351912345678", "linkedin_url": "https://www.linkedin.com/in/mlopez", "email": None
    }  # fmt: skip
    assert mobile.cost_usd == pytest.approx(5 * USD_PER_CREDIT)
    no_mobile = {
        "mobile_number": None,
        "credits_consumed": 0,
        "message": "No mobile number found for this contact.",
    }
    assert people.parse_mobile_finder(_response(200, no_mobile)).outcome is Outcome.NOT_FOUND

    role = people.parse_role_finder(
        _response(200, {"first_name": "Maria", "last_name": "Lopez", "full_name": "Maria Lopez",
                        "profile_url": "mlopez", "job_title": "VP of Sales", "company_name": "Brightwave",
                        "company_website": "brightwave.io", "credits_consumed": 2, "message": "Role Found"})
    )  # fmt: skip
    assert role.outcome is Outcome.FOUND and role.data is not None and role.data["result_count"] == 1
    assert role.data["results"][0] == {
        "full_name": "Maria Lopez", "first_name": "Maria", "last_name": "Lopez",
        "linkedin_url": "https://www.linkedin.com/in/mlopez", "headline": None,
        "current_title": "VP of Sales", "current_company_name": "Brightwave",
        "current_company_domain": "brightwave.io", "location_name": None, "country_code": None,
        "source_person_id": None,
    }  # fmt: skip
    no_role = {"full_name": None, "profile_url": None, "message": "No matching role found at this company."}
    assert people.parse_role_finder(_response(200, no_role)).outcome is Outcome.NOT_FOUND

    staff = {
        "employees": [
            {"first_name": "Ana", "last_name": "Reis", "full_name": "Ana Reis",
             "profile_url": "linkedin.com/in/areis", "job_title": "Data Engineer", "location": "Lisbon, PT"},
            {"first_name": "Rui", "last_name": "Sousa", "full_name": "Rui Sousa", "profile_url": "rsousa",
             "job_title": "CTO", "location": "Porto, PT"},
        ],
        "total_count": 87, "credits_consumed": 0.1, "message": "Employees found.",
    }  # fmt: skip
    listed = people.parse_employee_finder(_response(200, staff))
    assert listed.data is not None and listed.data["total_count"] == 87
    assert [p["current_title"] for p in listed.data["results"]] == ["Data Engineer", "CTO"]
    assert listed.data["results"][1]["location_name"] == "Porto, PT"
    assert listed.cost_usd == pytest.approx(0.1 * USD_PER_CREDIT)
    empty = {"employees": [], "total_count": 0, "credits_consumed": 0, "message": "No employees found."}
    assert people.parse_employee_finder(_response(200, empty)).outcome is Outcome.NOT_FOUND


def test_company_search_normalizes_the_mixed_case_answer() -> None:
    parsed = companies.parse_company_search(_response(200, COMPANY))
    assert parsed.outcome is Outcome.FOUND and parsed.data is not None
    assert parsed.data["company_name"] == "Brightwave" and parsed.data["company_domain"] == "brightwave.io"
    assert parsed.data["company_linkedin_url"] == "https://www.linkedin.com/company/brightwave"
    assert parsed.data["founded_year"] == 2017 and parsed.data["employee_range"] == "51-200"
    assert parsed.data["employee_count"] == 88 and parsed.data["hq_country_code"] == "PT"
    assert parsed.data["hq_locality"] == "Lisbon" and parsed.data["specialties"] == ["Oceanography", "Data"]
    assert parsed.data["source_company_id"] == 4411 and parsed.data["company_linkedin_id"] == "4411"
    missing_company = {"credits_consumed": 0, "message": "Company not found"}
    assert companies.parse_company_search(_response(200, missing_company)).outcome is Outcome.NOT_FOUND
    not_found = _problem(404, "resource_not_found")
    assert companies.parse_company_search(_response(404, not_found)).outcome is Outcome.NOT_FOUND


def test_technographics_and_profile() -> None:
    stack = {
        "company_domain": "brightwave.io",
        "technologies": [{"name": "Segment", "category": "Analytics", "website": "segment.com"},
                         {"name": "Fastly", "category": "CDN", "website": "fastly.com"}],
        "categories": {"Analytics": ["Segment"], "CDN": ["Fastly"]}, "credits_consumed": 1,
        "message": "Technologies found.",
    }  # fmt: skip
    parsed = companies.parse_technographics(_response(200, stack))
    assert parsed.data is not None and parsed.data["technology_count"] == 2
    assert parsed.data["technologies"][0] == {
        "name": "Segment", "category": "Analytics", "website": "segment.com", "icon": None
    }  # fmt: skip
    assert parsed.data["categories"] == {"Analytics": ["Segment"], "CDN": ["Fastly"]}
    empty = {**stack, "technologies": [], "categories": {}, "message": "No technologies found."}
    assert companies.parse_technographics(_response(200, empty)).outcome is Outcome.NOT_FOUND

    profile = {
        "profile_url": "mlopez", "first_name": "Maria", "last_name": "Lopez", "full_name": "Maria Lopez",
        "professional_title": "VP of Sales", "bio": "Sells tide pools.", "location": "Lisbon, PT",
        "country": "PT", "company_name": "Brightwave", "company_website": "https://brightwave.io",
        "work_experience": [
            {"position_title": "VP of Sales", "company_name": "Brightwave", "is_current": True}
        ],
        "education": [{"institution_name": "Nova SBE"}], "skills": ["Negotiation", {"name": "CRM"}],
        "total_tenure_years": 11, "connections_count": 500, "follower_count": 640, "credits_consumed": 1,
        "message": "Profile found",
    }  # fmt: skip
    enriched = people.parse_b2b_profile(_response(200, profile))
    assert enriched.outcome is Outcome.FOUND and enriched.data is not None
    assert enriched.data["linkedin_url"] == "https://www.linkedin.com/in/mlopez"
    assert (
        enriched.data["current_title"] == "VP of Sales"
        and enriched.data["current_company_domain"] == "brightwave.io"
    )
    assert enriched.data["skills"] == ["Negotiation", "CRM"] and enriched.data["total_tenure_years"] == "11"
    assert enriched.data["work_history"][0]["title"] == "VP of Sales"
    gone = people.parse_b2b_profile(_response(404, _problem(404, "profile_not_found")))
    assert gone.outcome is Outcome.NOT_FOUND and gone.provider_status == "profile_not_found"


def test_error_bodies_and_statuses() -> None:
    parse = emails.parse_email_finder
    assert parse(_response(400, _problem(400, "validation_error"))).error_class is ErrorClass.BAD_INPUT
    assert parse(_response(401, _problem(401, "invalid_api_key"))).error_class is ErrorClass.BAD_KEY
    assert parse(_response(402, _problem(402, "insufficient_credits"))).error_class is ErrorClass.NO_CREDITS
    throttled = parse(_response(429, _problem(429, "rate_limit_exceeded"), {"retry-after": "42"}))
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 42
    by_reset = parse(_response(429, _problem(429, "rate_limit_exceeded"), {"ratelimit-reset": "17"}))
    assert by_reset.retry_after_s == 17
    by_body = parse(_response(429, _problem(429, "rate_limit_exceeded", context={"retry_after_seconds": 9})))
    assert by_body.retry_after_s == 9
    crashed = parse(_response(500, _problem(500, "INTERNAL_ERROR")))
    assert crashed.error_class is ErrorClass.SERVER_ERROR and crashed.retry_after_s == 30
    assert parse(_response(503, b"")).outcome is Outcome.RETRYABLE
    assert parse(_response(200, b"<html>")).error_class is ErrorClass.MALFORMED_BODY


def test_builders_take_messy_inputs_and_skip_when_incomplete() -> None:
    spec = emails.build_email_finder(
        {"full_name": "Maria Lopez", "company_website": "https://www.Brightwave.io/about"}, KEY
    )
    assert isinstance(spec, RequestSpec) and spec.path == "/v1/people/email-finder"
    assert spec.json == {"full_name": "Maria Lopez", "domain": "brightwave.io"}
    assert spec.headers["X-API-Key"] == "k"
    skip = emails.build_email_finder({"first_name": "Maria"}, KEY)
    assert isinstance(skip, Skip)
    assert skip.missing == ("last_name|full_name", "company_domain|company_website|company_name")
    assert emails.build_email_finder({"full_name": "M L", "company_name": "B"}, Credentials(None)) == NO_KEY
    employees = people.build_employee_finder({"company_name": "Brightwave"}, KEY)
    assert isinstance(employees, RequestSpec) and employees.json == {
        "company_name": "Brightwave",
        "limit": 20,
    }
    profile = people.build_b2b_profile({"linkedin_url": "https://www.linkedin.com/in/mlopez"}, KEY)
    assert isinstance(profile, RequestSpec) and profile.path == "/v1/people/profile-search"


# -- against the sandbox -------------------------------------------------------------------------------


def _people(world: World, keep: Callable[[Company, Person], bool]) -> Iterator[tuple[Company, Person]]:
    for domain in world.sample_domains(400, seed_offset=41):
        company = world.company(domain)
        assert company is not None
        for person in world.people(domain):
            if keep(company, person):
                yield company, person


def _pick(world: World, keep: Callable[[Company, Person], bool]) -> tuple[Company, Person]:
    return next(_people(world, keep))


def _findable(world: World) -> Callable[[Company, Person], bool]:
    def keep(company: Company, person: Person) -> bool:
        guess = world.email_guess(lm.NAME, person)
        return not company.is_catch_all and guess == person.work_email

    return keep


async def test_email_finder_against_the_sandbox(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, lm.NAME)
    company, person = _pick(world, _findable(world))
    inputs = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company_website": company.website,
    }
    found = await execute(ACTIONS["email_finder"], inputs, endpoint=endpoint, client=client)
    assert found.outcome is Outcome.FOUND and found.data is not None
    assert found.data["email"] == person.work_email and found.data["email_status"] == "valid"
    assert found.cost_usd == pytest.approx(USD_PER_CREDIT)

    # LeadMagic sometimes answers a confident but wrong address.
    _, fooled = _pick(world, lambda c, p: world.email_guess(lm.NAME, p) not in (None, p.work_email))
    inputs = {"full_name": fooled.full_name, "company_domain": fooled.company_domain}
    wrong = await execute(ACTIONS["email_finder"], inputs, endpoint=endpoint, client=client)
    assert wrong.data is not None and wrong.data["email"] == world.email_guess(lm.NAME, fooled)
    assert wrong.data["email"] != fooled.work_email

    _, unknown = _pick(world, lambda c, p: not world.knows(lm.NAME, p.person_id))
    inputs = {"full_name": unknown.full_name, "company_domain": unknown.company_domain}
    missed = await execute(ACTIONS["email_finder"], inputs, endpoint=endpoint, client=client)
    assert missed.outcome is Outcome.NOT_FOUND and missed.cost_usd == 0


async def test_validation_and_mobile_against_the_sandbox(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, lm.NAME)
    _, person = _pick(world, lambda c, p: world.verify(lm.NAME, p.work_email) == "valid")
    valid = await execute(
        ACTIONS["email_validation"], {"email": person.work_email}, endpoint=endpoint, client=client
    )
    assert valid.outcome is Outcome.FOUND and valid.data is not None and valid.data["status"] == "valid"
    bogus = await execute(
        ACTIONS["email_validation"], {"email": "not-an-address"}, endpoint=endpoint, client=client
    )
    assert bogus.data is not None and bogus.data["status"] == "invalid"

    _, callable_ = _pick(world, lambda c, p: bool(p.mobile_phone) and world.knows(lm.NAME, p.person_id))
    mobile = await execute(
        ACTIONS["mobile_finder"], {"linkedin_url": callable_.linkedin_url}, endpoint=endpoint, client=client
    )
    assert mobile.outcome is Outcome.FOUND and mobile.data is not None
    assert mobile.data["mobile_phone"] == callable_.mobile_phone and mobile.cost_usd == pytest.approx(0.1225)
    _, silent = _pick(world, lambda c, p: p.mobile_phone is None)
    nothing = await execute(
        ACTIONS["mobile_finder"], {"work_email": silent.work_email}, endpoint=endpoint, client=client
    )
    assert nothing.outcome is Outcome.NOT_FOUND and nothing.cost_usd == 0


async def test_people_search_actions_against_the_sandbox(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, lm.NAME)
    company, ceo = _pick(
        world,
        lambda c, p: p.seniority == "c_suite" and p.title == "CEO"
        and world.knows(lm.NAME, c.domain) and world.knows(lm.NAME, p.person_id),
    )  # fmt: skip
    role = await execute(
        ACTIONS["role_finder"],
        {"job_title": "ceo", "company_domain": company.domain},
        endpoint=endpoint,
        client=client,
    )
    assert role.outcome is Outcome.FOUND and role.data is not None
    assert role.data["results"][0]["linkedin_url"] == ceo.linkedin_url
    assert role.data["results"][0]["current_company_domain"] == company.domain

    inputs = {"company_name": company.name, "max_results": 3}
    staff = await execute(ACTIONS["employee_finder"], inputs, endpoint=endpoint, client=client)
    assert staff.outcome is Outcome.FOUND and staff.data is not None
    assert 1 <= len(staff.data["results"]) <= 3
    linkedin = {p.linkedin_url for p in world.people(company.domain)}
    assert all(item["linkedin_url"] in linkedin for item in staff.data["results"])

    profile = await execute(
        ACTIONS["b2b_profile"], {"linkedin_url": ceo.linkedin_url}, endpoint=endpoint, client=client
    )
    assert profile.outcome is Outcome.FOUND and profile.data is not None
    assert (
        profile.data["full_name"] == ceo.full_name
        and profile.data["current_company_domain"] == company.domain
    )
    _, stranger = _pick(world, lambda c, p: not world.knows(lm.NAME, p.person_id))
    unknown = await execute(
        ACTIONS["b2b_profile"], {"linkedin_url": stranger.linkedin_url}, endpoint=endpoint, client=client
    )
    assert unknown.outcome is Outcome.NOT_FOUND and unknown.http_status == 404


async def test_company_actions_against_the_sandbox(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, lm.NAME)
    domains = world.sample_domains(200, seed_offset=5)
    known = next(d for d in domains if world.knows(lm.NAME, d))
    company = world.company(known)
    assert company is not None
    for inputs in (
        {"company_website": f"https://www.{known}/pricing"},
        {"company_linkedin_url": company.linkedin_url},
        {"company_name": company.name},
    ):
        found = await execute(ACTIONS["company_search"], inputs, endpoint=endpoint, client=client)
        assert found.outcome is Outcome.FOUND and found.data is not None
        assert (
            found.data["company_domain"] == known
            and found.data["company_linkedin_url"] == company.linkedin_url
        )
        assert found.data["founded_year"] == company.founded_year
    stack = await execute(
        ACTIONS["technographics"], {"company_domain": known}, endpoint=endpoint, client=client
    )
    assert stack.outcome is Outcome.FOUND and stack.data is not None
    assert stack.data["technology_count"] == len(company.tech_stack)

    unknown = next(d for d in domains if not world.knows(lm.NAME, d))
    missed = await execute(
        ACTIONS["company_search"], {"company_domain": unknown}, endpoint=endpoint, client=client
    )
    assert missed.outcome is Outcome.NOT_FOUND and missed.provider_status == "Company not found"


async def test_bad_key_no_credits_and_missing_inputs(sandbox: SandboxServer, client: HttpClient) -> None:
    inputs = {"email": "someone@example.com"}
    action = ACTIONS["email_validation"]
    bad = await execute(
        action, inputs, endpoint=sandbox_endpoint(sandbox, lm.NAME, key="wrong"), client=client
    )
    assert bad.outcome is Outcome.FAILED and bad.error_class is ErrorClass.BAD_KEY and bad.http_status == 401
    endpoint = sandbox_endpoint(sandbox, lm.NAME)
    with knobs(sandbox, lm.NAME, credits=0):
        broke = await execute(action, inputs, endpoint=endpoint, client=client)
        assert broke.error_class is ErrorClass.NO_CREDITS and broke.http_status == 402
    skipped = await execute(
        ACTIONS["role_finder"], {"company_name": "Acme"}, endpoint=endpoint, client=client
    )
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == ("job_title",)
    no_key = await execute(
        action, inputs, endpoint=sandbox_endpoint(sandbox, lm.NAME, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"


async def test_429_then_success(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, lm.NAME)
    action, inputs = ACTIONS["email_validation"], {"email": "someone@example.com"}
    with knobs(sandbox, lm.NAME, rate_per_second=1, burst=1):
        first = await execute(action, inputs, endpoint=endpoint, client=client)
        second = await execute(action, inputs, endpoint=endpoint, client=client)
        assert first.outcome is not Outcome.RETRYABLE
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(action, inputs, endpoint=endpoint, client=client)
        assert third.outcome is first.outcome


async def test_5xx_and_timeout_are_retryable(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, lm.NAME)
    action, inputs = ACTIONS["technographics"], {"company_domain": "example.com"}
    with knobs(sandbox, lm.NAME, error_rate=1.0):
        crashed = await execute(action, inputs, endpoint=endpoint, client=client)
        assert crashed.outcome is Outcome.RETRYABLE and crashed.error_class is ErrorClass.SERVER_ERROR
        assert crashed.retry_after_s == 30
    with knobs(sandbox, lm.NAME, timeout_rate=1.0, timeout_s=10):
        hung = await execute(action, inputs, endpoint=endpoint, client=client)
        assert hung.outcome is Outcome.RETRYABLE and hung.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, lm.NAME, malformed_rate=1.0):
        broken = await execute(action, inputs, endpoint=endpoint, client=client)
        assert broken.outcome is Outcome.FAILED and broken.error_class is ErrorClass.MALFORMED_BODY
