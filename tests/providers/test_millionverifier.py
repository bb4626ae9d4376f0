"""MillionVerifier adapter: parsers on documented bodies, then the real HTTP path against the sandbox."""

from __future__ import annotations

import asyncio
import json

from providers import millionverifier as mv
from providers.base import ErrorClass, Outcome
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from tests.providers.conftest import knobs, sandbox_endpoint

VERIFY = mv.PROVIDER.actions["verify"]


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


# Shaped as the provider documents its answers (developer.millionverifier.com), written by us.
DOCUMENTED_OK = {
    "email": "jane.doe@acme.com", "quality": "good", "result": "ok", "resultcode": 1, "subresult": "ok",
    "free": False, "role": False, "didyoumean": "", "credits": 9999, "executiontime": 1, "error": "",
    "livemode": True,
}  # fmt: skip
DOCUMENTED_BAD_KEY = {
    "email": "jane.doe@acme.com", "quality": "", "result": "error", "resultcode": 4, "subresult": "",
    "free": False, "role": False, "didyoumean": "", "credits": 0, "executiontime": 0,
    "error": "Apikey not found", "livemode": False,
}  # fmt: skip


def test_parse_ok_is_a_valid_verdict() -> None:
    outcome = mv.parse_verify(_response(200, DOCUMENTED_OK))
    assert outcome.outcome is Outcome.FOUND and outcome.cost_usd == mv.COST_PER_CHECK_USD
    assert outcome.data is not None and outcome.data["status"] == "valid" and not outcome.data["inconclusive"]


def test_parse_catch_all_is_found_but_inconclusive_and_unknown_is_not_found() -> None:
    catch_all = mv.parse_verify(_response(200, {**DOCUMENTED_OK, "result": "catch_all", "resultcode": 2}))
    assert (
        catch_all.outcome is Outcome.FOUND and catch_all.data is not None and catch_all.data["inconclusive"]
    )
    unknown = mv.parse_verify(_response(200, {**DOCUMENTED_OK, "result": "unknown", "resultcode": 3}))
    assert unknown.outcome is Outcome.NOT_FOUND and unknown.provider_status == "unknown"


def test_parse_disposable_and_invalid_are_invalid() -> None:
    for verdict in ("invalid", "disposable"):
        parsed = mv.parse_verify(_response(200, {**DOCUMENTED_OK, "result": verdict}))
        assert parsed.data is not None and parsed.data["status"] == "invalid"


def test_parse_bad_key_hides_in_a_200() -> None:
    parsed = mv.parse_verify(_response(200, DOCUMENTED_BAD_KEY))
    assert parsed.outcome is Outcome.FAILED and parsed.error_class is ErrorClass.BAD_KEY
    no_credits = mv.parse_verify(_response(200, {**DOCUMENTED_BAD_KEY, "error": "Insufficient credits"}))
    assert no_credits.error_class is ErrorClass.NO_CREDITS


def test_parse_http_errors_and_garbage() -> None:
    throttled = mv.parse_verify(_response(429, {"error": "slow down"}, {"retry-after": "7"}))
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 7
    assert mv.parse_verify(_response(503, b"")).error_class is ErrorClass.SERVER_ERROR
    assert mv.parse_verify(_response(200, b"<html>")).error_class is ErrorClass.MALFORMED_BODY


def _person_email(world: World) -> str:
    for domain in world.sample_domains(200):
        company = world.company(domain)
        if company is None or company.is_catch_all:
            continue
        for person in world.people(domain):
            if world.verify(mv.NAME, person.work_email) == "valid":
                return person.work_email
    raise AssertionError("the world has no verifiable address")


async def test_found_against_the_sandbox(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    email = _person_email(world)
    outcome = await execute(
        VERIFY, {"email": email}, endpoint=sandbox_endpoint(sandbox, mv.NAME), client=client
    )
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    assert outcome.data["email"] == email and outcome.data["status"] == "valid"
    assert outcome.http_status == 200 and outcome.duration_ms is not None and outcome.raw["result"] == "ok"


async def test_unknown_domain_is_not_found(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, mv.NAME)
    outcome = await execute(
        VERIFY, {"email": "someone@no-such-company.example"}, endpoint=endpoint, client=client
    )
    assert outcome.outcome is Outcome.NOT_FOUND


async def test_bad_key(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, mv.NAME, key="wrong")
    outcome = await execute(VERIFY, {"email": _person_email(world)}, endpoint=endpoint, client=client)
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    assert outcome.http_status == 200


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, mv.NAME)
    email = _person_email(world)
    with knobs(sandbox, mv.NAME, rate_per_second=1, burst=1):
        first = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        second = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_and_timeout_are_retryable(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, mv.NAME)
    email = _person_email(world)
    with knobs(sandbox, mv.NAME, error_rate=1.0):
        outcome = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, mv.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
        assert outcome.duration_ms is not None and 2_500 < outcome.duration_ms < 8_000


async def test_malformed_body_and_no_credits(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, mv.NAME)
    email = _person_email(world)
    with knobs(sandbox, mv.NAME, malformed_rate=1.0):
        outcome = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.MALFORMED_BODY
    with knobs(sandbox, mv.NAME, credits=0):
        outcome = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        assert outcome.error_class is ErrorClass.NO_CREDITS


async def test_missing_inputs_and_key_are_skipped(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    # Counted from here: earlier tests (or none, alone or on another xdist worker) made their own calls.
    before = sandbox.stats()[mv.NAME]["requests"]
    endpoint = sandbox_endpoint(sandbox, mv.NAME)
    skipped = await execute(VERIFY, {"full_name": "Jane Doe"}, endpoint=endpoint, client=client)
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == ("email|work_email",)
    no_key = await execute(
        VERIFY, {"email": "a@b.co"}, endpoint=sandbox_endpoint(sandbox, mv.NAME, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
    assert sandbox.stats()[mv.NAME]["requests"] == before, "a skipped call sends no request"
    # The same endpoint, given an address, does reach the sandbox.
    verified = await execute(VERIFY, {"email": _person_email(world)}, endpoint=endpoint, client=client)
    assert verified.outcome is Outcome.FOUND
    assert sandbox.stats()[mv.NAME]["requests"] == before + 1
