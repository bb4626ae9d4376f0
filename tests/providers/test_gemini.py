"""Gemini adapter (and the shared research prompt): parsers on documented bodies, then the sandbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import pytest

from providers import gemini as gm
from providers._research_prompts import ResearchPrompt, build_prompt, parse_answer, read_prompt, valid_url
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.routes.gemini import research_answer
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.providers.conftest import knobs, sandbox_endpoint

G2 = gm.PROVIDER.actions["resolve_g2_url"]
PRICING = gm.PROVIDER.actions["resolve_pricing_page_url"]


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


def _generated(*texts: str, **extra: object) -> dict[str, object]:
    """A generateContent answer shaped as Google documents it, written by us."""
    return {
        "candidates": [
            {
                "content": {"parts": [{"text": t} for t in texts], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 100, "totalTokenCount": 1100},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "abc",
        **extra,
    }


def _google_error(code: int, status: str, message: str, *details: Mapping[str, object]) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "status": status, "details": list(details)}}


ANSWER = {"company_name": "Tideway", "company_domain": "tideway.io", "url": None, "confidence": 0.9}


@pytest.mark.parametrize(
    ("action", "url", "domain", "ok"),
    [
        ("resolve_g2_url", "https://www.g2.com/products/tideway/reviews", None, True),
        ("resolve_g2_url", "g2.com/products/tideway", None, True),
        ("resolve_g2_url", "https://www.capterra.com/p/tideway/", None, False),
        ("resolve_g2_url", "https://notg2.com/products/tideway", None, False),
        ("resolve_pricing_page_url", "https://tideway.io/pricing", "tideway.io", True),
        ("resolve_pricing_page_url", "https://app.tideway.io/en/pricing", "tideway.io", True),
        ("resolve_pricing_page_url", "https://tideway.io/plans", "tideway.io", False),
        ("resolve_pricing_page_url", "https://tideway.com/pricing", "tideway.io", False),
        ("resolve_pricing_page_url", "ftp://tideway.io/pricing", "tideway.io", False),
        ("resolve_pricing_page_url", "https://tideway.io/pricing", None, True),
    ],
)
def test_url_validation(action: str, url: str, domain: str | None, ok: bool) -> None:
    assert (valid_url(action, url, domain) is not None) is ok


def test_prompt_round_trip_and_fenced_answers() -> None:
    prompt = build_prompt("resolve_pricing_page_url", "Tideway Labs", "tideway.io")
    assert "JSON" in prompt and "Company: Tideway Labs" in prompt
    assert read_prompt(prompt) == ResearchPrompt("resolve_pricing_page_url", "Tideway Labs", "tideway.io")
    assert read_prompt(build_prompt("resolve_g2_url", "Tideway", None)) == ResearchPrompt(
        "resolve_g2_url", "Tideway", None
    )
    assert parse_answer('```json\n{"url": null}\n```') == {"url": None}
    assert parse_answer('Sure! Here it is: {"url": "x"} hope that helps') == {"url": "x"}
    assert parse_answer("no idea") is None


def test_parse_found_concatenates_parts_and_prices_tokens() -> None:
    text = json.dumps({**ANSWER, "url": "https://www.g2.com/products/tideway/reviews"})
    parsed = gm.parse_resolve_g2_url(_response(200, _generated(text[:20], text[20:])))
    assert parsed.outcome is Outcome.FOUND
    assert parsed.data == {
        "company_name": "Tideway",
        "company_domain": "tideway.io",
        "g2_url": "https://www.g2.com/products/tideway/reviews",
        "confidence": 0.9,
    }
    assert parsed.cost_usd == pytest.approx((1000 * 0.30 + 100 * 2.50) / 1e6)


def test_parse_misses() -> None:
    off_site = json.dumps({**ANSWER, "url": "https://other.com/pricing"})
    parsed = gm.parse_resolve_pricing_page_url(_response(200, _generated(f"```json\n{off_site}\n```")))
    assert parsed.outcome is Outcome.NOT_FOUND and parsed.provider_status == "invalid_url"
    no_url = gm.parse_resolve_g2_url(_response(200, _generated(json.dumps(ANSWER))))
    assert no_url.outcome is Outcome.NOT_FOUND and no_url.provider_status == "no_url"
    garbled = gm.parse_resolve_g2_url(_response(200, _generated("I could not find it.")))
    assert garbled.outcome is Outcome.NOT_FOUND and garbled.provider_status == "unreadable_answer"
    blocked = gm.parse_resolve_g2_url(_response(200, {"promptFeedback": {"blockReason": "SAFETY"}}))
    assert blocked.outcome is Outcome.NOT_FOUND and blocked.provider_status == "blocked:SAFETY"
    empty = {"candidates": [{"finishReason": "SAFETY", "index": 0}]}
    assert gm.parse_resolve_g2_url(_response(200, empty)).provider_status == "SAFETY"


def test_parse_errors() -> None:
    bad_key = _google_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"},
    )
    parsed = gm.parse_resolve_g2_url(_response(400, bad_key))
    assert parsed.outcome is Outcome.FAILED and parsed.error_class is ErrorClass.BAD_KEY
    bad_input = gm.parse_resolve_g2_url(_response(400, _google_error(400, "INVALID_ARGUMENT", "bad field")))
    assert bad_input.error_class is ErrorClass.BAD_INPUT
    denied = gm.parse_resolve_g2_url(_response(403, _google_error(403, "PERMISSION_DENIED", "no")))
    assert denied.error_class is ErrorClass.BAD_KEY
    region = gm.parse_resolve_g2_url(_response(400, _google_error(400, "FAILED_PRECONDITION", "billing")))
    assert region.error_class is ErrorClass.PROVIDER_ERROR
    retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}
    throttled = gm.parse_resolve_g2_url(
        _response(429, _google_error(429, "RESOURCE_EXHAUSTED", "slow", retry))
    )
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 17
    daily = {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}],
    }
    spent = gm.parse_resolve_g2_url(
        _response(429, _google_error(429, "RESOURCE_EXHAUSTED", "q", daily, retry))
    )
    assert spent.outcome is Outcome.FAILED and spent.error_class is ErrorClass.NO_CREDITS
    overloaded = gm.parse_resolve_g2_url(_response(503, _google_error(503, "UNAVAILABLE", "overloaded")))
    assert overloaded.outcome is Outcome.RETRYABLE and overloaded.error_class is ErrorClass.SERVER_ERROR
    assert gm.parse_resolve_g2_url(_response(200, b"<html>")).error_class is ErrorClass.MALFORMED_BODY


def test_build_request() -> None:
    spec = gm.build_resolve_g2_url(
        {"company_name": " Tideway  Labs ", "company_website": "https://tideway.io/"}, Credentials("k")
    )
    assert isinstance(spec, RequestSpec)
    assert spec.path == "/v1beta/models/gemini-2.5-flash:generateContent" and spec.headers == {
        "x-goog-api-key": "k"
    }
    assert spec.json["generationConfig"]["responseMimeType"] == "application/json"
    prompt = spec.json["contents"][0]["parts"][0]["text"]
    assert read_prompt(prompt) == ResearchPrompt("resolve_g2_url", "Tideway Labs", "tideway.io")
    pro = gm.build_resolve_g2_url({"company_name": "T", "model": "gemini-2.5-pro"}, Credentials("k"))
    assert isinstance(pro, RequestSpec) and "thinkingConfig" not in pro.json["generationConfig"]


def _sandbox_url(world: World, action: str, company: Company, domain: str | None = None) -> str | None:
    """The URL the sandboxed Gemini answers for a company, when it passes our validation."""
    answer = research_answer(world, gm.NAME, ResearchPrompt(action, company.name, domain))
    return valid_url(action, answer["url"], answer["company_domain"])


def _answerable(world: World, action: str, field: str) -> Company:
    """A company the sandboxed Gemini knows and answers with its true URL."""
    for domain in world.sample_domains(400):
        company = world.company(domain)
        if (
            company
            and getattr(company, field)
            and _sandbox_url(world, action, company, domain) == getattr(company, field)
        ):
            return company
    raise AssertionError(f"no company with a known {field}")


async def test_found_against_the_sandbox(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, gm.NAME)
    company = _answerable(world, "resolve_g2_url", "g2_url")
    inputs = {"company_name": company.name, "company_domain": company.domain}
    outcome = await execute(G2, inputs, endpoint=endpoint, client=client)
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    assert outcome.data["g2_url"] == company.g2_url and outcome.data["company_domain"] == company.domain
    assert 0.8 <= outcome.data["confidence"] <= 1 and outcome.cost_usd > 0
    company = _answerable(world, "resolve_pricing_page_url", "pricing_page_url")
    outcome = await execute(PRICING, {"company_name": company.name}, endpoint=endpoint, client=client)
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    assert outcome.data["pricing_page_url"] == company.pricing_page_url


async def test_unknown_company_or_no_valid_answer_is_not_found(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, gm.NAME)
    pageless = next(
        c
        for d in world.sample_domains(200)
        if (c := world.company(d)) and c.g2_url is None and _sandbox_url(world, "resolve_g2_url", c) is None
    )
    for name in ("No Such Company Anywhere", pageless.name):
        outcome = await execute(G2, {"company_name": name}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.NOT_FOUND and outcome.http_status == 200


async def test_bad_key_is_a_400(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, gm.NAME, key="wrong")
    outcome = await execute(G2, {"company_name": "Tideway"}, endpoint=endpoint, client=client)
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    assert outcome.http_status == 400 and outcome.provider_status == "INVALID_ARGUMENT"


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, gm.NAME)
    company = _answerable(world, "resolve_g2_url", "g2_url")
    inputs = {"company_name": company.name, "company_domain": company.domain}
    with knobs(sandbox, gm.NAME, rate_per_second=1, burst=1):
        first = await execute(G2, inputs, endpoint=endpoint, client=client)
        second = await execute(G2, inputs, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(G2, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND


async def test_5xx_timeout_and_daily_quota(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, gm.NAME)
    inputs = {"company_name": "Tideway"}
    with knobs(sandbox, gm.NAME, error_rate=1.0):
        outcome = await execute(G2, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, gm.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(G2, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
    with knobs(sandbox, gm.NAME, credits=0):
        outcome = await execute(G2, inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.NO_CREDITS


async def test_missing_inputs_and_key_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    skipped = await execute(
        PRICING, {"company_domain": "tideway.io"}, endpoint=sandbox_endpoint(sandbox, gm.NAME), client=client
    )
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == ("company_name",)
    no_key = await execute(
        G2, {"company_name": "T"}, endpoint=sandbox_endpoint(sandbox, gm.NAME, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
