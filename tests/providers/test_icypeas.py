"""Icypeas adapter: parsers on documented bodies, then submit-and-poll against the sandbox."""

from __future__ import annotations

import asyncio
import json

from providers import icypeas as icy
from providers.base import Credentials, ErrorClass, Outcome, Pending, RequestSpec
from providers.execute import execute
from providers.http import HttpClient, HttpRequest, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Person, World
from tests.providers.conftest import knobs, sandbox_endpoint

SEARCH = icy.PROVIDER.actions["email_search"]
KEY = Credentials(api_key="k-123")


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


async def _quick(seconds: float) -> None:
    """Sleep briefly instead of the 3 s poll interval: the sandbox counts reads, not seconds."""
    await asyncio.sleep(min(seconds, 0.05))


def _read_body(status: str, emails: list[dict[str, object]] | None = None, search_id: str = "s1") -> dict:
    # Shaped like the documented /bulk-single-searchs/read answer, written by us.
    return {
        "success": True,
        "items": [
            {
                "_id": search_id, "status": status, "order": 0, "name": "single",
                "results": {"firstname": "Ana", "lastname": "Lopez", "fullname": "Ana Lopez",
                            "gender": "FEMALE", "emails": emails or [], "phones": []},
                "system": {"createdAt": "2026-02-01T10:00:00.000Z", "modifiedAt": "2026-02-01T10:00:04.000Z"},
                "userData": {"externalId": "x"},
            }
        ],
        "total": 1,
        "sorts": [[1760000000000, search_id]],
    }  # fmt: skip


EMAILS = [
    {"email": "alopez@northwind.io", "certainty": "probable", "mxProvider": "google", "mxRecords": []},
    {"email": "Ana.Lopez@northwind.io", "certainty": "ultra_sure", "mxProvider": "google", "mxRecords": []},
]


def test_build_sends_the_bare_key_and_splits_a_full_name() -> None:
    spec = icy.build_email_search(
        {"full_name": "Anne van der Berg", "company_website": "https://www.Northwind.io/about"},
        Credentials(api_key="Bearer k-123"),
    )
    assert isinstance(spec, RequestSpec) and spec.path == "/email-search"
    assert spec.headers["Authorization"] == "k-123"
    assert spec.json == {"firstname": "Anne", "lastname": "van der Berg", "domainOrCompany": "northwind.io"}
    by_name = icy.build_email_search({"last_name": "Lopez", "company_name": "Northwind"}, KEY)
    assert isinstance(by_name, RequestSpec)
    assert by_name.json == {"firstname": "", "lastname": "Lopez", "domainOrCompany": "Northwind"}


def test_parse_submit_and_pending_reads() -> None:
    started = icy.parse_submit(_response(200, {"success": True, "item": {"_id": "s1", "status": "NONE"}}))
    assert isinstance(started, Pending) and started.job_id == "s1"
    for status in ("NONE", "SCHEDULED", "IN_PROGRESS"):
        assert isinstance(icy.parse_read(_response(200, _read_body(status)), "s1"), Pending)


def test_parse_found_picks_the_surest_email_and_charges() -> None:
    for status in ("FOUND", "DEBITED"):
        found = icy.parse_read(_response(200, _read_body(status, EMAILS)), "s1")
        assert not isinstance(found, Pending) and found.outcome is Outcome.FOUND
        assert found.data is not None and found.data["email"] == "ana.lopez@northwind.io"
        assert found.data["certainty"] == "ultra_sure" and len(found.data["emails"]) == 2
        assert found.cost_usd == icy.COST_PER_FOUND_EMAIL_USD and found.provider_status == status


def test_parse_final_statuses() -> None:
    expected = {
        "NOT_FOUND": (Outcome.NOT_FOUND, None),
        "DEBITED_NOT_FOUND": (Outcome.NOT_FOUND, None),
        "BAD_INPUT": (Outcome.FAILED, ErrorClass.BAD_INPUT),
        "INSUFFICIENT_FUNDS": (Outcome.FAILED, ErrorClass.NO_CREDITS),
        "ABORTED": (Outcome.RETRYABLE, ErrorClass.PROVIDER_ERROR),
    }
    for status, (outcome, error) in expected.items():
        parsed = icy.parse_read(_response(200, _read_body(status)), "s1")
        assert not isinstance(parsed, Pending)
        assert (parsed.outcome, parsed.error_class, parsed.cost_usd) == (outcome, error, 0.0), status


def test_parse_singular_item_and_validation_errors_in_a_200() -> None:
    singular = {"success": True, "item": _read_body("FOUND", EMAILS)["items"][0]}
    parsed = icy.parse_read(_response(200, singular), "s1")
    assert not isinstance(parsed, Pending) and parsed.outcome is Outcome.FOUND
    invalid = {
        "success": False,
        "validationErrors": [
            {"expected": "string", "actual": None, "type": "required", "field": "domainOrCompany",
             "message": "validation_required"}
        ],
    }  # fmt: skip
    refused = icy.parse_submit(_response(200, invalid))
    assert not isinstance(refused, Pending)
    assert refused.error_class is ErrorClass.BAD_INPUT and "domainOrCompany" in (refused.message or "")
    unpaid = icy.parse_submit(_response(200, {"success": False, "message": "UnpaidSubscriptionError"}))
    assert not isinstance(unpaid, Pending) and unpaid.error_class is ErrorClass.NO_CREDITS


def test_parse_http_errors_and_garbage() -> None:
    bad_key = icy.parse_submit(_response(401, {"success": False, "message": "Unauthorized access."}))
    assert not isinstance(bad_key, Pending) and bad_key.error_class is ErrorClass.BAD_KEY
    throttled = icy.parse_read(_response(429, {"success": False}, {"retry-after": "20"}), "s1")
    assert not isinstance(throttled, Pending) and throttled.retry_after_s == 20
    garbage = icy.parse_submit(_response(200, b"<html>"))
    assert not isinstance(garbage, Pending) and garbage.error_class is ErrorClass.MALFORMED_BODY


def _subject(world: World, *, known: bool) -> Person:
    for domain in world.sample_domains(300, seed_offset=11):
        for person in world.people(domain)[:5]:
            guess = world.email_guess(icy.NAME, person)
            if (guess == person.work_email) if known else guess is None:
                return person
    raise AssertionError("no suitable person in the world")


def _inputs(person: Person) -> dict[str, str]:
    return {"full_name": person.full_name, "company_domain": person.company_domain}


async def test_found_after_several_polls(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    person = _subject(world, known=True)
    reads_before = sandbox.stats()[icy.NAME]["paths"].get("/icypeas/bulk-single-searchs/read", 0)
    endpoint = sandbox_endpoint(sandbox, icy.NAME)
    outcome = await execute(SEARCH, _inputs(person), endpoint=endpoint, client=client)  # real 3 s polls
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    assert outcome.data["email"] == person.work_email and outcome.cost_usd > 0
    reads = sandbox.stats()[icy.NAME]["paths"].get("/icypeas/bulk-single-searchs/read", 0) - reads_before
    assert reads >= 2 and outcome.duration_ms is not None and outcome.duration_ms >= 3_000 * reads - 500


async def test_not_found_for_unknown_people_and_companies(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, icy.NAME)
    unknown_person = _inputs(_subject(world, known=False))
    unknown_company = {"first_name": "Ana", "last_name": "Lopez", "company_domain": "no-such-company.example"}
    for inputs in (unknown_person, unknown_company):
        outcome = await execute(SEARCH, inputs, endpoint=endpoint, client=client, sleep=_quick)
        assert outcome.outcome is Outcome.NOT_FOUND and outcome.cost_usd == 0


async def test_bad_key_and_bearer_prefix_are_rejected(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    wrong = sandbox_endpoint(sandbox, icy.NAME, key="wrong")
    outcome = await execute(SEARCH, _inputs(_subject(world, known=True)), endpoint=wrong, client=client)
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    assert outcome.http_status == 401
    bearer = await client.send(
        HttpRequest(
            "POST",
            f"{sandbox.url}/icypeas/email-search",
            headers={"Authorization": "Bearer sandbox-key"},
            json={"firstname": "Ana", "lastname": "Lopez", "domainOrCompany": "northwind.io"},
        )
    )
    assert bearer.status == 401


async def test_validation_error_is_a_200(sandbox: SandboxServer, client: HttpClient) -> None:
    answer = await client.send(
        HttpRequest(
            "POST",
            f"{sandbox.url}/icypeas/email-search",
            headers={"Authorization": "sandbox-key"},
            json={"firstname": "Ana", "lastname": "Lopez"},
        )
    )
    parsed = icy.parse_submit(answer)
    assert answer.status == 200 and not isinstance(parsed, Pending)
    assert parsed.error_class is ErrorClass.BAD_INPUT


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    inputs = _inputs(_subject(world, known=True))
    endpoint = sandbox_endpoint(sandbox, icy.NAME)
    with knobs(sandbox, icy.NAME, rate_per_second=1, burst=1):
        first = await execute(
            SEARCH, inputs, endpoint=sandbox_endpoint(sandbox, icy.NAME, key="wrong"), client=client
        )
        second = await execute(SEARCH, inputs, endpoint=endpoint, client=client)
        assert first.error_class is ErrorClass.BAD_KEY
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(SEARCH, inputs, endpoint=endpoint, client=client, sleep=_quick)
        assert third.outcome is Outcome.FOUND  # throttled reads in between are waited out


async def test_5xx_timeout_and_no_credits(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    inputs = _inputs(_subject(world, known=True))
    endpoint = sandbox_endpoint(sandbox, icy.NAME)
    with knobs(sandbox, icy.NAME, error_rate=1.0):
        outcome = await execute(SEARCH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, icy.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(SEARCH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, icy.NAME, credits=0):
        outcome = await execute(SEARCH, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS


async def test_missing_inputs_and_key_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, icy.NAME)
    no_company = await execute(SEARCH, {"full_name": "Ana Lopez"}, endpoint=endpoint, client=client)
    assert no_company.outcome is Outcome.SKIPPED
    assert no_company.missing_inputs == ("company_domain|company_website|company_name",)
    no_name = await execute(SEARCH, {"company_domain": "northwind.io"}, endpoint=endpoint, client=client)
    assert no_name.missing_inputs == ("first_name|last_name|full_name",)
    no_key = await execute(
        SEARCH,
        {"full_name": "Ana Lopez", "company_name": "Northwind"},
        endpoint=sandbox_endpoint(sandbox, icy.NAME, key=None),
        client=client,
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"


def test_a_list_read_answers_each_wanted_search_it_shows() -> None:
    found = {"email": "ana@acme.com", "certainty": "ultra_sure", "mxProvider": "google"}
    body = _read_body("FOUND", [found], search_id="s1")
    body["items"] += [
        {**_read_body("IN_PROGRESS", search_id="s2")["items"][0]},
        {**_read_body("NOT_FOUND", search_id="other")["items"][0]},
    ]
    spec = icy.build_read_many(["s1", "s2", "s3"], KEY)
    assert spec.path == icy.READ_PATH and spec.json == {"mode": "single", "limit": 100}
    answers = icy.parse_read_many(_response(200, body), ["s1", "s2", "s3"])
    assert not isinstance(answers, icy.ProviderResult) and set(answers) == {"s1", "s2"}  # s3 unseen
    first = answers["s1"]
    assert not isinstance(first, Pending) and first.outcome is Outcome.FOUND
    assert first.raw["_id"] == "s1"  # the stored answer is this search's item, not the whole list
    assert isinstance(answers["s2"], Pending)
    throttled = icy.parse_read_many(_response(429, {"success": False}, {"retry-after": "20"}), ["s1"])
    assert isinstance(throttled, icy.ProviderResult) and throttled.error_class is ErrorClass.RATE_LIMITED
    refused = icy.parse_read_many(_response(200, {"success": False, "message": "Unauthorized"}), ["s1"])
    assert isinstance(refused, icy.ProviderResult) and refused.error_class is ErrorClass.BAD_KEY
