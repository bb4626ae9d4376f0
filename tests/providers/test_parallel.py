"""Parallel adapter: parsers on documented bodies, then create, poll and result against the sandbox."""

from __future__ import annotations

import asyncio
import json

from providers import parallel as par
from providers.base import Credentials, ErrorClass, Outcome, Pending, ProviderResult, Ready, RequestSpec
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, Person, World
from tests.providers.conftest import knobs, sandbox_endpoint

TASK = par.PROVIDER.actions["task_run"]
FIND_EMAIL = par.PROVIDER.actions["find_email"]
KEY = Credentials(api_key="pk")
RUN_ID = "trun_0c5a1e7d2b8f4e66a1d3c9b0e4f7a215"


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


async def _quick(seconds: float) -> None:
    """Sleep briefly instead of the 2 s poll interval: the sandbox counts polls, not seconds."""
    await asyncio.sleep(min(seconds, 0.05))


# Shaped like the documented run and result objects, written by us.
def _run(status: str, **extra: object) -> dict[str, object]:
    return {
        "run_id": RUN_ID, "status": status, "is_active": status in ("queued", "running", "cancelling"),
        "processor": "base", "metadata": None, "created_at": "2026-03-02T09:15:00.100000Z",
        "modified_at": "2026-03-02T09:15:30.200000Z", **extra,
    }  # fmt: skip


def _result(content: object, basis: list[dict[str, object]] | None = None, processor: str = "base") -> dict:
    return {
        "run": {**_run("completed"), "processor": processor},
        "output": {
            "type": "json" if isinstance(content, dict) else "text",
            "content": content,
            "basis": basis or [],
        },
    }


BASIS = [
    {"field": "company_linkedin_url", "confidence": "high", "reasoning": "Listed on the site footer.",
     "citations": [{"title": "Tidewater", "url": "https://tidewater.io", "excerpts": ["LinkedIn"]}]},
    {"field": "employee_range", "confidence": "low", "reasoning": "Not stated anywhere.", "citations": []},
]  # fmt: skip


def test_task_inputs_and_the_request_they_build() -> None:
    inputs = par.task_inputs({"company_domain": "tidewater.io"}, {"company_linkedin_url": "string"}, "lite")
    spec = par.build_task_run(inputs, KEY)
    assert isinstance(spec, RequestSpec) and (spec.method, spec.path) == ("POST", "/v1/tasks/runs")
    assert spec.headers == {"x-api-key": "pk"} and spec.json["processor"] == "lite"
    assert spec.json["input"] == {"company_domain": "tidewater.io"}
    output = spec.json["task_spec"]["output_schema"]
    assert (
        output["type"] == "json"
        and output["json_schema"]["properties"]["company_linkedin_url"]["type"] == "string"
    )
    assert spec.json["task_spec"]["input_schema"]["json_schema"]["properties"] == {
        "company_domain": {"type": "string"}
    }


def test_parse_create_and_poll_statuses() -> None:
    created = par.parse_submit(_response(202, _run("queued")))
    assert isinstance(created, Pending) and created.job_id == RUN_ID
    for status in ("queued", "running", "cancelling"):
        assert isinstance(par.parse_poll(_response(200, _run(status)), RUN_ID), Pending)
    assert isinstance(par.parse_poll(_response(200, _run("completed")), RUN_ID), Ready)
    failed = par.parse_poll(
        _response(
            200, _run("failed", error={"ref_id": "r1", "message": "Run exceeded its budget", "detail": None})
        ),
        RUN_ID,
    )
    assert isinstance(failed, ProviderResult) and failed.outcome is Outcome.FAILED
    assert failed.message == "Run exceeded its budget" and failed.provider_status == "failed"
    for status in ("cancelled", "action_required"):
        ended = par.parse_poll(_response(200, _run(status)), RUN_ID)
        assert isinstance(ended, ProviderResult) and ended.error_class is ErrorClass.PROVIDER_ERROR


def test_parse_result_gives_content_and_confidence() -> None:
    content = {"company_linkedin_url": "https://www.linkedin.com/company/tidewater", "employee_range": "N/A"}
    parsed = par.parse_task_result(_response(200, _result(content, BASIS, "core")), RUN_ID)
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == 0.025
    assert parsed.data == {
        "company_linkedin_url": "https://www.linkedin.com/company/tidewater",
        "employee_range": None,
        "confidence": {"company_linkedin_url": "high", "employee_range": "low"},
    }
    empty = par.parse_task_result(_response(200, _result({"company_linkedin_url": None})), RUN_ID)
    assert empty.outcome is Outcome.NOT_FOUND and empty.cost_usd == 0.01  # a run is billed anyway
    text = par.parse_task_result(_response(200, _result("Tidewater builds tide gauges.")), RUN_ID)
    assert text.data is not None and text.data["text"] == "Tidewater builds tide gauges."


def test_parse_find_email_result() -> None:
    found = par.parse_find_email(_response(200, _result({"work_email": "Ana.Lopez@tidewater.io"})), RUN_ID)
    assert found.outcome is Outcome.FOUND and found.data == {
        "email": "ana.lopez@tidewater.io",
        "confidence": None,
    }
    for value in ("", "unknown", "not an email"):
        missing = par.parse_find_email(_response(200, _result({"work_email": value})), RUN_ID)
        assert missing.outcome is Outcome.NOT_FOUND and missing.action == "find_email"


def test_parse_error_bodies() -> None:
    def error(status: int, message: str, headers: dict[str, str] | None = None) -> HttpResponse:
        return _response(status, {"type": "error", "error": {"ref_id": "r", "message": message}}, headers)

    expected = {
        401: (Outcome.FAILED, ErrorClass.BAD_KEY),
        402: (Outcome.FAILED, ErrorClass.NO_CREDITS),
        422: (Outcome.FAILED, ErrorClass.BAD_INPUT),
        429: (Outcome.RETRYABLE, ErrorClass.RATE_LIMITED),
        503: (Outcome.RETRYABLE, ErrorClass.SERVER_ERROR),
    }
    for status, (outcome, error_class) in expected.items():
        parsed = par.parse_submit(error(status, f"status {status}", {"retry-after": "3"}))
        assert isinstance(parsed, ProviderResult) and (parsed.outcome, parsed.error_class) == (
            outcome,
            error_class,
        )
        assert parsed.message == f"status {status}"
    late = par.parse_task_result(error(408, "Run still active"), RUN_ID)
    assert late.outcome is Outcome.RETRYABLE and late.error_class is ErrorClass.TIMEOUT
    garbage = par.parse_submit(_response(202, b"{"))
    assert isinstance(garbage, ProviderResult) and garbage.error_class is ErrorClass.MALFORMED_BODY


def _company(world: World, *, known: bool) -> Company:
    for domain in world.sample_domains(200, seed_offset=5):
        company = world.company(domain)
        if company is not None and world.knows(par.NAME, domain) is known:
            return company
    raise AssertionError("no suitable company")


def _person(world: World, *, known: bool) -> Person:
    for domain in world.sample_domains(300, seed_offset=6):
        for person in world.people(domain)[:5]:
            guess = world.email_guess(par.NAME, person)
            if (guess == person.work_email) if known else guess is None:
                return person
    raise AssertionError("no suitable person")


FIELDS = {"company_linkedin_url": "string", "description": "string", "hq_location": "string"}


async def test_task_run_found_after_several_polls(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = _company(world, known=True)
    polls_before = sandbox.stats()[par.NAME]["requests"]
    inputs = par.task_inputs({"company_domain": f"https://www.{company.domain}/"}, FIELDS)
    outcome = await execute(
        TASK, inputs, endpoint=sandbox_endpoint(sandbox, par.NAME), client=client
    )  # real 2 s
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    assert outcome.data["company_linkedin_url"] == company.linkedin_url
    assert outcome.data["description"] == company.description
    assert outcome.data["confidence"]["company_linkedin_url"] == "high" and outcome.cost_usd == 0.01
    requests = sandbox.stats()[par.NAME]["requests"] - polls_before
    assert requests >= 4  # create, at least two polls (running, completed), result
    assert outcome.duration_ms is not None and outcome.duration_ms >= 2 * 2_000


async def test_task_run_about_an_unknown_company_is_not_found(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, par.NAME)
    for domain in ("no-such-company.example", _company(world, known=False).domain):
        inputs = par.task_inputs({"company_domain": domain}, FIELDS)
        outcome = await execute(TASK, inputs, endpoint=endpoint, client=client, sleep=_quick)
        assert outcome.outcome is Outcome.NOT_FOUND and outcome.cost_usd == 0.01


async def test_find_email(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, par.NAME)
    known = _person(world, known=True)
    inputs = {
        "first_name": known.first_name,
        "last_name": known.last_name,
        "company_domain": known.company_domain,
    }
    found = await execute(FIND_EMAIL, inputs, endpoint=endpoint, client=client, sleep=_quick)
    assert (
        found.outcome is Outcome.FOUND and found.data is not None and found.data["email"] == known.work_email
    )
    unknown = _person(world, known=False)
    inputs = {"full_name": unknown.full_name, "company_domain": unknown.company_domain}
    missed = await execute(FIND_EMAIL, inputs, endpoint=endpoint, client=client, sleep=_quick)
    assert missed.outcome is Outcome.NOT_FOUND


async def test_invalid_task_is_bad_input(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, par.NAME)
    no_properties = {"task_input": {"company_domain": "x.io"}, "output_schema": {"type": "object"}}
    refused = await execute(TASK, no_properties, endpoint=endpoint, client=client)
    assert refused.outcome is Outcome.FAILED and refused.error_class is ErrorClass.BAD_INPUT
    assert refused.http_status == 422
    bad_processor = par.task_inputs({"company_domain": "x.io"}, {"domain": "string"}, processor="turbo")
    unsent = await execute(TASK, bad_processor, endpoint=endpoint, client=client)
    assert unsent.error_class is ErrorClass.BAD_INPUT and unsent.http_status is None


async def test_bad_key(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, par.NAME, key="wrong")
    outcome = await execute(
        TASK, par.task_inputs({"company_domain": "x.io"}, FIELDS), endpoint=endpoint, client=client
    )
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    assert outcome.http_status == 401


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, par.NAME)
    inputs = par.task_inputs({"company_domain": _company(world, known=True).domain}, FIELDS)
    with knobs(sandbox, par.NAME, rate_per_second=1, burst=1):
        first = await execute(
            TASK, inputs, endpoint=sandbox_endpoint(sandbox, par.NAME, key="wrong"), client=client
        )
        second = await execute(TASK, inputs, endpoint=endpoint, client=client)
        assert first.error_class is ErrorClass.BAD_KEY
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        # Throttled polls and a throttled result fetch are waited out (real sleeps, Retry-After honoured),
        # so the finished run's result is still collected rather than paid for twice.
        third = await execute(TASK, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_timeout_and_no_credits(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, par.NAME)
    inputs = par.task_inputs({"company_domain": "x.io"}, FIELDS)
    with knobs(sandbox, par.NAME, error_rate=1.0):
        outcome = await execute(TASK, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, par.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(TASK, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, par.NAME, credits=0):
        outcome = await execute(TASK, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS


async def test_missing_inputs_and_key_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, par.NAME)
    no_fields = await execute(
        TASK, {"task_input": {"company_domain": "x.io"}}, endpoint=endpoint, client=client
    )
    assert no_fields.outcome is Outcome.SKIPPED and no_fields.missing_inputs == (
        "output_fields|output_schema",
    )
    no_company = await execute(FIND_EMAIL, {"full_name": "Ana Lopez"}, endpoint=endpoint, client=client)
    assert no_company.missing_inputs == ("company_domain|company_website|company_name",)
    first_only = await execute(
        FIND_EMAIL, {"first_name": "Ana", "company_name": "X"}, endpoint=endpoint, client=client
    )
    assert first_only.missing_inputs == ("full_name|first_name+last_name",)
    no_key = await execute(
        FIND_EMAIL,
        {"full_name": "Ana Lopez", "company_name": "X"},
        endpoint=sandbox_endpoint(sandbox, par.NAME, key=None),
        client=client,
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
