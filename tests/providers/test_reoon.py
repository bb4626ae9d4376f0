"""Reoon adapter: parsers on documented bodies, then the real HTTP path against the sandbox."""

from __future__ import annotations

import asyncio
import json

from providers import reoon
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.providers.conftest import knobs, sandbox_endpoint

VERIFY = reoon.PROVIDER.actions["verify"]


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


# Shaped as Reoon documents its answers (quick and power mode), written by us.
QUICK = {
    "email": "maria.sanz@brightpath.io", "status": "valid", "username": "maria.sanz",
    "domain": "brightpath.io",
    "is_valid_syntax": True, "is_disposable": False, "is_role_account": False, "mx_accepts_mail": True,
    "is_spamtrap": False, "is_free_email": False, "mx_records": ["mx1.brightpath.io"],
    "verification_mode": "quick",
}  # fmt: skip
POWER = {
    **QUICK, "status": "safe", "overall_score": 96, "is_safe_to_send": True, "can_connect_smtp": True,
    "has_inbox_full": False, "is_catch_all": False, "is_deliverable": True, "is_disabled": False,
    "verification_mode": "power",
}  # fmt: skip


def test_build_defaults_to_power_mode_with_the_key_in_the_query() -> None:
    spec = reoon.build_verify({"work_email": "a@b.co"}, Credentials(api_key="k"))
    assert isinstance(spec, RequestSpec) and spec.path == "/verify"
    assert spec.params == {"email": "a@b.co", "key": "k", "mode": "power"}
    quick = reoon.build_verify({"email": "a@b.co", "mode": "quick"}, Credentials(api_key="k"))
    assert isinstance(quick, RequestSpec) and quick.params is not None and quick.params["mode"] == "quick"


def test_parse_power_safe_is_valid_and_conclusive() -> None:
    parsed = reoon.parse_verify(_response(200, POWER))
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == reoon.COST_PER_CHECK_USD
    assert parsed.data is not None
    assert (parsed.data["status"], parsed.data["inconclusive"], parsed.data["overall_score"]) == (
        "valid",
        False,
        96,
    )
    assert parsed.data["is_deliverable"] is True and parsed.data["is_catch_all"] is False


def test_parse_power_statuses() -> None:
    expected = {
        "catch_all": ("catch_all", True, Outcome.FOUND),
        "unknown": ("unknown", True, Outcome.NOT_FOUND),
        "disabled": ("invalid", False, Outcome.FOUND),
        "role_account": ("role_account", True, Outcome.FOUND),
        "inbox_full": ("inbox_full", False, Outcome.FOUND),
    }
    for verdict, (status, inconclusive, outcome) in expected.items():
        parsed = reoon.parse_verify(_response(200, {**POWER, "status": verdict, "is_deliverable": False}))
        assert parsed.data is not None and parsed.outcome is outcome, verdict
        assert (parsed.data["status"], parsed.data["inconclusive"]) == (status, inconclusive), verdict


def test_parse_quick_valid_is_inconclusive() -> None:
    parsed = reoon.parse_verify(_response(200, QUICK))
    assert parsed.data is not None and parsed.data["status"] == "valid" and parsed.data["inconclusive"]
    assert parsed.data["overall_score"] is None and parsed.data["mode"] == "quick"


def test_parse_errors_by_words_and_status() -> None:
    in_200 = reoon.parse_verify(_response(200, {"status": "error", "reason": "Invalid API key"}))
    assert in_200.outcome is Outcome.FAILED and in_200.error_class is ErrorClass.BAD_KEY
    as_401 = reoon.parse_verify(_response(401, {"status": "error", "reason": "Unauthorized"}))
    assert as_401.error_class is ErrorClass.BAD_KEY
    credits = reoon.parse_verify(_response(402, {"status": "error", "reason": "Not enough credits"}))
    assert credits.error_class is ErrorClass.NO_CREDITS
    message = reoon.parse_verify(_response(200, {"message": "Daily credit balance exhausted"}))
    assert message.error_class is ErrorClass.NO_CREDITS
    throttled = reoon.parse_verify(_response(429, {"status": "error"}, {"retry-after": "4"}))
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 4
    assert reoon.parse_verify(_response(502, b"")).error_class is ErrorClass.SERVER_ERROR
    assert reoon.parse_verify(_response(200, b"<html>")).error_class is ErrorClass.MALFORMED_BODY


def _company(world: World) -> Company:
    for domain in world.sample_domains(200, seed_offset=3):
        company = world.company(domain)
        if company is not None and not company.is_catch_all:
            return company
    raise AssertionError("no plain company in the world")


def _valid_email(world: World) -> str:
    company = _company(world)
    for person in world.people(company.domain):
        if world.verify(reoon.NAME, person.work_email) == "valid":
            return person.work_email
    raise AssertionError("no verifiable address")


async def test_valid_against_the_sandbox(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    email = _valid_email(world)
    outcome = await execute(
        VERIFY, {"email": email}, endpoint=sandbox_endpoint(sandbox, reoon.NAME), client=client
    )
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    assert outcome.data["email"] == email and outcome.data["status"] == "valid"
    assert outcome.data["inconclusive"] is False and outcome.raw["verification_mode"] == "power"


async def test_quick_mode_calls_a_missing_inbox_valid(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    email = f"nobody.here.{world.seed}@{_company(world).domain}"
    endpoint = sandbox_endpoint(sandbox, reoon.NAME)
    quick = await execute(VERIFY, {"email": email, "mode": "quick"}, endpoint=endpoint, client=client)
    power = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
    assert quick.data is not None and quick.data["status"] == "valid" and quick.data["inconclusive"]
    assert power.data is not None and power.data["status"] == "invalid"


async def test_unknown_domain_is_not_found(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, reoon.NAME)
    outcome = await execute(VERIFY, {"email": "jane@gmail.com"}, endpoint=endpoint, client=client)
    assert outcome.outcome is Outcome.NOT_FOUND and outcome.provider_status == "unknown"


async def test_bad_key(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, reoon.NAME, key="wrong")
    outcome = await execute(VERIFY, {"email": "jane@gmail.com"}, endpoint=endpoint, client=client)
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    assert outcome.http_status == 401


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, reoon.NAME)
    email = _valid_email(world)
    with knobs(sandbox, reoon.NAME, rate_per_second=1, burst=1):
        first = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        second = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(VERIFY, {"email": email}, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_timeout_malformed_and_no_credits(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, reoon.NAME)
    inputs = {"email": _valid_email(world)}
    with knobs(sandbox, reoon.NAME, error_rate=1.0):
        outcome = await execute(VERIFY, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, reoon.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(VERIFY, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
        assert outcome.duration_ms is not None and 2_500 < outcome.duration_ms < 8_000
    with knobs(sandbox, reoon.NAME, malformed_rate=1.0):
        outcome = await execute(VERIFY, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.MALFORMED_BODY
    with knobs(sandbox, reoon.NAME, credits=0):
        outcome = await execute(VERIFY, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS


async def test_missing_inputs_bad_mode_and_key(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, reoon.NAME)
    skipped = await execute(VERIFY, {"full_name": "Jane Doe"}, endpoint=endpoint, client=client)
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == ("email|work_email",)
    bad_mode = await execute(VERIFY, {"email": "a@b.co", "mode": "deep"}, endpoint=endpoint, client=client)
    assert bad_mode.outcome is Outcome.FAILED and bad_mode.error_class is ErrorClass.BAD_INPUT
    no_key = await execute(
        VERIFY, {"email": "a@b.co"}, endpoint=sandbox_endpoint(sandbox, reoon.NAME, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
