"""AmpleLeads adapter: building requests, parsers on documented bodies, then HTTP against the sandbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

from providers import ampleleads as al
from providers import prospeo
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Person, World
from tests.providers.conftest import knobs, sandbox_endpoint

ENRICH = al.PROVIDER.actions["person_enrich"]
KEY = Credentials(api_key="k")


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


# The documented envelope and top-level fields; nested shapes as the adapter assumes them. Written by us.
PROFILE = {
    "success": True,
    "data": {
        "first_name": "Lena", "last_name": "Fischer", "headline": "Head of Growth at Brightline",
        "location": "Berlin, Berlin, Germany", "linkedin_url": "https://www.linkedin.com/in/lena-fischer",
        "about": "I grow B2B products.", "followers": 2100, "connections": 500,
        "contact_details": {"email": "lena@brightline.de"},
        "experience": [
            {"title": "Head of Growth", "company_name": "Brightline",
             "company_linkedin_url": "https://www.linkedin.com/company/brightline",
             "start_date": "2021-04", "end_date": None, "is_current": True},
            {"title": "Growth Manager", "company": "Oldco", "start_date": {"year": 2017, "month": 2},
             "end_date": "2021-03-31"},
        ],
        "education": [
            {"school": "TU Berlin", "degree": "MSc", "field_of_study": "Economics", "end_year": 2016},
        ],
        "skills": ["SEO", {"name": "Analytics"}],
        "recommendations": [],
        "people_also_viewed": [
            {"first_name": "Gracie", "last_name": "Long", "headline": "Designer",
             "linkedin_url": "https://linkedin.com/in/gracie-long", "followers": 87, "is_premium": False,
             "urn": "urn:li:fsd_profile:ABC", "public_identifier": "gracie-long",
             "profile_picture_url": None},
        ],
    },
}  # fmt: skip


def test_request_puts_the_key_in_the_query_and_the_url_in_the_body() -> None:
    spec = al.build_person_enrich({"linkedin_url": " https://www.linkedin.com/in/lena-fischer/ "}, KEY)
    assert isinstance(spec, RequestSpec) and (spec.method, spec.path) == ("POST", "/linkedin/person/enrich")
    assert spec.params == {"api_key": "k"} and spec.json == {
        "url": "https://www.linkedin.com/in/lena-fischer/"
    }
    assert al.build_person_enrich({"full_name": "Lena Fischer"}, KEY) == Skip(
        "missing_required_inputs", ("linkedin_url",)
    )
    no_key = al.build_person_enrich({"linkedin_url": "https://linkedin.com/in/x"}, Credentials(api_key=None))
    assert isinstance(no_key, Skip) and no_key.reason == "missing_provider_api_key"


def test_parse_profile_with_work_history_and_education() -> None:
    parsed = al.parse_person_enrich(_response(200, PROFILE))
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == 4 * al.USD_PER_CREDIT
    data = parsed.data
    assert data is not None
    assert data["full_name"] == "Lena Fischer" and data["current_title"] == "Head of Growth"
    assert data["current_company_name"] == "Brightline" and data["country"] == "Germany"
    assert data["current_company_linkedin_url"] == "https://www.linkedin.com/company/brightline"
    assert data["work_history"] == [
        {"title": "Head of Growth", "company_name": "Brightline", "company_domain": None,
         "company_linkedin_url": "https://www.linkedin.com/company/brightline", "start_date": "2021-04",
         "end_date": None, "is_current": True},
        {"title": "Growth Manager", "company_name": "Oldco", "company_domain": None,
         "company_linkedin_url": None, "start_date": "2017-02", "end_date": "2021-03", "is_current": False},
    ]  # fmt: skip
    assert data["education"] == [
        {
            "school": "TU Berlin",
            "degree": "MSc",
            "field_of_study": "Economics",
            "start_year": None,
            "end_year": 2016,
        }
    ]
    assert data["skills"] == ["SEO", "Analytics"] and data["email"] == "lena@brightline.de"
    assert data["bio"] == "I grow B2B products." and (data["follower_count"], data["connections_count"]) == (
        2100,
        500,
    )
    assert data["people_also_viewed"] == [
        {"full_name": "Gracie Long", "headline": "Designer", "linkedin_url": "https://linkedin.com/in/gracie-long",
         "follower_count": 87}
    ]  # fmt: skip
    assert data["recommendations"] is None and data["seniority"] is None


def test_parse_empty_data_is_a_miss() -> None:
    for empty in ({}, None, []):
        parsed = al.parse_person_enrich(_response(200, {"success": True, "data": empty}))
        assert parsed.outcome is Outcome.NOT_FOUND and parsed.cost_usd == 0


def test_parse_success_false_is_classified_by_its_message() -> None:
    cases = [
        (200, "Invalid API key", ErrorClass.BAD_KEY),
        (200, "Insufficient credits", ErrorClass.NO_CREDITS),
        (400, "Invalid LinkedIn profile URL.", ErrorClass.BAD_INPUT),
        (200, "Profile is private", ErrorClass.PROVIDER_ERROR),
        (401, "Unauthorized", ErrorClass.BAD_KEY),
        (403, "API key revoked", ErrorClass.BAD_KEY),
        (402, "Payment required", ErrorClass.NO_CREDITS),
    ]
    for status, message, error in cases:
        parsed = al.parse_person_enrich(_response(status, {"success": False, "message": message}))
        assert parsed.outcome is Outcome.FAILED and parsed.error_class is error, message
        assert parsed.message == message


def test_parse_retryable_and_unreadable_answers() -> None:
    throttled = al.parse_person_enrich(_response(429, {"success": False}, {"retry-after": "9"}))
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 9
    assert al.parse_person_enrich(_response(502, b"<html>")).error_class is ErrorClass.SERVER_ERROR
    assert al.parse_person_enrich(_response(200, b"<html>")).error_class is ErrorClass.MALFORMED_BODY
    assert al.parse_person_enrich(_response(200, {"data": {}})).error_class is ErrorClass.MALFORMED_BODY


# -- against the sandbox -------------------------------------------------------------------------------


def _people(world: World, offset: int) -> Iterator[Person]:
    for domain in world.sample_domains(300, seed_offset=offset):
        yield from world.people(domain)


async def test_found_profile_matches_the_world(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    person = next(
        p for p in _people(world, 301) if world.knows(al.NAME, p.person_id) and len(p.work_history) > 1
    )
    outcome = await execute(
        ENRICH,
        {"linkedin_url": person.linkedin_url},
        endpoint=sandbox_endpoint(sandbox, al.NAME),
        client=client,
    )
    assert (
        outcome.outcome is Outcome.FOUND
        and outcome.data is not None
        and outcome.cost_usd == 4 * al.USD_PER_CREDIT
    )
    data = outcome.data
    assert data["full_name"] == person.full_name and data["current_title"] == person.title
    assert [job["title"] for job in data["work_history"]] == [job.title for job in person.work_history]
    assert data["work_history"][0]["is_current"] and data["work_history"][1]["end_date"] is not None
    assert [school["school"] for school in data["education"]] == [s.name for s in person.education]
    assert data["skills"] == list(person.skills) and data["linkedin_url"] == person.linkedin_url
    assert sandbox.stats()[al.NAME]["credits_used"] >= 4


async def test_not_found_and_bad_input(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, al.NAME)
    person = next(p for p in _people(world, 302) if not world.knows(al.NAME, p.person_id))
    missed = await execute(ENRICH, {"linkedin_url": person.linkedin_url}, endpoint=endpoint, client=client)
    assert missed.outcome is Outcome.NOT_FOUND and missed.http_status == 200 and missed.cost_usd == 0
    company_page = {"linkedin_url": "https://www.linkedin.com/company/brightline"}
    refused = await execute(ENRICH, company_page, endpoint=endpoint, client=client)
    assert refused.outcome is Outcome.FAILED and refused.error_class is ErrorClass.BAD_INPUT
    assert refused.http_status == 400


async def test_providers_know_different_people(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    """Each provider knows its own share of the world, so a waterfall that moves on finds more."""
    people = list(_people(world, 303))
    only_prospeo = next(
        p for p in people if world.knows(prospeo.NAME, p.person_id) and not world.knows(al.NAME, p.person_id)
    )
    only_ample = next(
        p for p in people if world.knows(al.NAME, p.person_id) and not world.knows(prospeo.NAME, p.person_id)
    )
    prospeo_enrich = prospeo.PROVIDER.actions["enrich_person"]
    for person, prospeo_outcome, ample_outcome in (
        (only_prospeo, Outcome.FOUND, Outcome.NOT_FOUND),
        (only_ample, Outcome.NOT_FOUND, Outcome.FOUND),
    ):
        inputs = {"linkedin_url": person.linkedin_url}
        from_prospeo = await execute(
            prospeo_enrich, inputs, endpoint=sandbox_endpoint(sandbox, prospeo.NAME), client=client
        )
        from_ample = await execute(ENRICH, inputs, endpoint=sandbox_endpoint(sandbox, al.NAME), client=client)
        assert (from_prospeo.outcome, from_ample.outcome) == (prospeo_outcome, ample_outcome)


async def test_bad_key_and_skips(sandbox: SandboxServer, client: HttpClient) -> None:
    inputs = {"linkedin_url": "https://www.linkedin.com/in/someone-abcdefgh"}
    wrong = await execute(
        ENRICH, inputs, endpoint=sandbox_endpoint(sandbox, al.NAME, key="wrong"), client=client
    )
    assert (
        wrong.outcome is Outcome.FAILED
        and wrong.error_class is ErrorClass.BAD_KEY
        and wrong.http_status == 401
    )
    skipped = await execute(
        ENRICH, {"email": "a@b.co"}, endpoint=sandbox_endpoint(sandbox, al.NAME), client=client
    )
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == ("linkedin_url",)
    no_key = await execute(
        ENRICH, inputs, endpoint=sandbox_endpoint(sandbox, al.NAME, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, al.NAME)
    person = next(p for p in _people(world, 304) if world.knows(al.NAME, p.person_id))
    inputs = {"linkedin_url": person.linkedin_url}
    with knobs(sandbox, al.NAME, rate_per_second=1, burst=1):
        first = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        second = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_timeout_malformed_and_no_credits(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, al.NAME)
    inputs = {"linkedin_url": "https://www.linkedin.com/in/someone-abcdefgh"}
    with knobs(sandbox, al.NAME, error_rate=1.0):
        outcome = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, al.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, al.NAME, malformed_rate=1.0):
        outcome = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.MALFORMED_BODY
    with knobs(sandbox, al.NAME, credits=0):
        outcome = await execute(ENRICH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS
