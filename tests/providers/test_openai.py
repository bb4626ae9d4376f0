"""OpenAI adapter: parsers on documented chat completions, then the real HTTP path against the sandbox."""

from __future__ import annotations

import asyncio
import json

import pytest

from providers import openai as oa
from providers._research_prompts import ResearchPrompt, read_prompt, valid_url
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec
from providers.execute import execute
from providers.http import HttpClient, HttpRequest, HttpResponse
from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.routes.gemini import research_answer
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.providers.conftest import knobs, sandbox_endpoint

G2 = oa.PROVIDER.actions["resolve_g2_url"]
PRICING = oa.PROVIDER.actions["resolve_pricing_page_url"]
ANSWER = {"company_name": "Tideway", "company_domain": "tideway.io", "url": None, "confidence": 0.8}


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


def _completion(
    content: str | None, *, refusal: str | None = None, finish: str = "stop"
) -> dict[str, object]:
    """A chat.completion shaped as OpenAI documents it, written by us."""
    return {
        "id": "chatcmpl-9x",
        "object": "chat.completion",
        "created": 1_780_000_000,
        "model": "gpt-4.1-mini-2025-04-14",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 2000, "completion_tokens": 500, "total_tokens": 2500},
    }


def _openai_error(message: str, kind: str, code: str | None) -> dict[str, object]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def test_parse_found_and_priced_by_usage() -> None:
    content = json.dumps({**ANSWER, "url": "https://tideway.io/pricing"})
    parsed = oa.parse_resolve_pricing_page_url(_response(200, _completion(content)))
    assert parsed.outcome is Outcome.FOUND and parsed.data is not None
    assert (
        parsed.data["pricing_page_url"] == "https://tideway.io/pricing" and parsed.data["confidence"] == 0.8
    )
    assert parsed.cost_usd == pytest.approx((2000 * 0.40 + 500 * 1.60) / 1e6)


def test_parse_misses() -> None:
    wrong_site = json.dumps({**ANSWER, "url": "https://www.capterra.com/p/tideway"})
    assert oa.parse_resolve_g2_url(_response(200, _completion(wrong_site))).provider_status == "invalid_url"
    refused = oa.parse_resolve_g2_url(_response(200, _completion(None, refusal="I can't help with that.")))
    assert refused.outcome is Outcome.NOT_FOUND and refused.provider_status == "refusal"
    filtered = oa.parse_resolve_g2_url(_response(200, _completion(None, finish="content_filter")))
    assert filtered.outcome is Outcome.NOT_FOUND and filtered.provider_status == "content_filter"
    fenced = f"```json\n{json.dumps(ANSWER)}\n```"
    assert oa.parse_resolve_g2_url(_response(200, _completion(fenced))).provider_status == "no_url"


def test_parse_errors_and_the_quota_quirk() -> None:
    bad_key = _openai_error(
        "Incorrect API key provided: sk-***abcd.", "invalid_request_error", "invalid_api_key"
    )
    parsed = oa.parse_resolve_g2_url(_response(401, bad_key))
    assert parsed.error_class is ErrorClass.BAD_KEY and parsed.provider_status == "invalid_api_key"
    quota = _openai_error("You exceeded your current quota.", "insufficient_quota", "insufficient_quota")
    spent = oa.parse_resolve_g2_url(_response(429, quota, {"retry-after": "20"}))
    assert spent.outcome is Outcome.FAILED and spent.error_class is ErrorClass.NO_CREDITS
    limited = _openai_error("Rate limit reached for requests.", "requests", "rate_limit_exceeded")
    throttled = oa.parse_resolve_g2_url(_response(429, limited, {"x-ratelimit-reset-requests": "6m0.5s"}))
    assert throttled.outcome is Outcome.RETRYABLE and throttled.retry_after_s == 360.5
    assert oa.reset_seconds("120ms") == pytest.approx(0.12) and oa.reset_seconds("1h2m3s") == 3723
    missing_model = _openai_error(
        "The model `gpt-9` does not exist.", "invalid_request_error", "model_not_found"
    )
    assert oa.parse_resolve_g2_url(_response(404, missing_model)).error_class is ErrorClass.BAD_INPUT
    server = oa.parse_resolve_g2_url(
        _response(500, _openai_error("The server had an error.", "server_error", None))
    )
    assert server.outcome is Outcome.RETRYABLE and server.error_class is ErrorClass.SERVER_ERROR
    assert oa.parse_resolve_g2_url(_response(200, {"id": "x"})).error_class is ErrorClass.MALFORMED_BODY


def test_build_request() -> None:
    spec = oa.build_resolve_pricing_page_url(
        {"company_name": "Tideway", "company_domain": "tideway.io"}, Credentials("k")
    )
    assert isinstance(spec, RequestSpec) and spec.path == "/v1/chat/completions"
    assert spec.headers == {"Authorization": "Bearer k"}
    assert spec.json["model"] == "gpt-4.1-mini" and spec.json["response_format"] == {"type": "json_object"}
    user = spec.json["messages"][-1]["content"]
    assert read_prompt(user) == ResearchPrompt("resolve_pricing_page_url", "Tideway", "tideway.io")


def _answerable(world: World, action: str, field: str) -> Company:
    """A company the sandboxed OpenAI knows and answers with its true URL."""
    for domain in world.sample_domains(400):
        company = world.company(domain)
        if company is None or not getattr(company, field):
            continue
        answer = research_answer(world, oa.NAME, ResearchPrompt(action, company.name, domain))
        if valid_url(action, answer["url"], domain) == getattr(company, field):
            return company
    raise AssertionError(f"no company with a known {field}")


async def test_found_against_the_sandbox(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, oa.NAME)
    for action, field in (("resolve_g2_url", "g2_url"), ("resolve_pricing_page_url", "pricing_page_url")):
        company = _answerable(world, action, field)
        inputs = {"company_name": company.name, "company_domain": company.domain}
        outcome = await execute(oa.PROVIDER.actions[action], inputs, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.FOUND and outcome.data is not None
        assert outcome.data[field] == getattr(company, field) and outcome.data["company_name"] == company.name


async def test_unknown_company_is_not_found(sandbox: SandboxServer, client: HttpClient) -> None:
    outcome = await execute(
        G2,
        {"company_name": "No Such Company Anywhere"},
        endpoint=sandbox_endpoint(sandbox, oa.NAME),
        client=client,
    )
    assert outcome.outcome is Outcome.NOT_FOUND and outcome.provider_status == "no_url"


async def test_json_mode_needs_the_word_json(sandbox: SandboxServer, client: HttpClient) -> None:
    body = {
        "model": "gpt-4.1-mini",
        "response_format": {"type": "json_object"},
        "messages": [{"role": "user", "content": "Find the pricing page of Tideway."}],
    }
    headers = {"Authorization": f"Bearer {DEFAULT_SANDBOX_KEY}"}
    request = HttpRequest("POST", f"{sandbox.url}/openai/v1/chat/completions", headers=headers, json=body)
    response = await client.send(request)
    assert response.status == 400 and "json" in response.json()["error"]["message"]


async def test_bad_key(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, oa.NAME, key="sk-wrong-key")
    outcome = await execute(G2, {"company_name": "Tideway"}, endpoint=endpoint, client=client)
    assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.BAD_KEY
    assert outcome.http_status == 401 and outcome.provider_status == "invalid_api_key"


async def test_429_then_success_and_insufficient_quota(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    endpoint = sandbox_endpoint(sandbox, oa.NAME)
    company = _answerable(world, "resolve_g2_url", "g2_url")
    inputs = {"company_name": company.name, "company_domain": company.domain}
    with knobs(sandbox, oa.NAME, rate_per_second=1, burst=1):
        first = await execute(G2, inputs, endpoint=endpoint, client=client)
        second = await execute(G2, inputs, endpoint=endpoint, client=client)
        assert first.outcome is Outcome.FOUND
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await execute(G2, inputs, endpoint=endpoint, client=client)
        assert third.outcome is Outcome.FOUND
    with knobs(sandbox, oa.NAME, credits=0):
        spent = await execute(G2, inputs, endpoint=endpoint, client=client)
        assert spent.http_status == 429
        assert spent.outcome is Outcome.FAILED and spent.error_class is ErrorClass.NO_CREDITS


async def test_5xx_and_timeout_are_retryable(sandbox: SandboxServer, client: HttpClient) -> None:
    endpoint = sandbox_endpoint(sandbox, oa.NAME)
    with knobs(sandbox, oa.NAME, error_rate=1.0):
        outcome = await execute(G2, {"company_name": "Tideway"}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, oa.NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await execute(G2, {"company_name": "Tideway"}, endpoint=endpoint, client=client)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT


async def test_missing_inputs_and_key_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    skipped = await execute(
        G2, {"company_domain": "tideway.io"}, endpoint=sandbox_endpoint(sandbox, oa.NAME), client=client
    )
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == ("company_name",)
    no_key = await execute(
        PRICING, {"company_name": "T"}, endpoint=sandbox_endpoint(sandbox, oa.NAME, key=None), client=client
    )
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
