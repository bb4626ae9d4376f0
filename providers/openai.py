"""OpenAI: the fallback URL resolver (a company's G2 or pricing page URL) and the fallback page reader.

`read_page` asks for the facts of a pricing or G2 page that its markup did not give, with structured
output (`response_format: {type: json_schema, json_schema: {name, strict: true, schema}}`): the
answer is a JSON object of exactly the fields asked for (providers/_page_prompts.py).

Facts (shared PROVIDER_FACTS.md, OpenAI section; platform.openai.com API reference and help articles):
- `POST https://api.openai.com/v1/chat/completions`, header `Authorization: Bearer <key>`, body
  `{model, temperature, response_format: {type: "json_object"}, max_completion_tokens,
  messages[{role: system}, {role: user}]}`. JSON mode requires the word "JSON" in the messages.
- Answer `{id, object: "chat.completion", model, choices[]{message{content, refusal}, finish_reason},
  usage{prompt_tokens, completion_tokens}}`. A refusal, a content filter stop or empty content is a miss.
- Errors are `{error{message, type, param, code}}`: 401 invalid key; 403 unsupported region (a key
  problem for us); 404 unknown model; **429 is a rate limit, except `insufficient_quota`, which means
  no credits (final)**; 500/503 retryable. A rate limit's wait comes from `retry-after`, else
  `x-ratelimit-reset-requests` ("1s", "6m0s", "120ms").
- Price (OpenAI pricing): gpt-4.1-mini $0.40 in / $1.60 out per million tokens; a call here is ~250
  tokens in and ~60 out, about $0.0002, the declared estimate; `parse` prices the actual `usage`.
- Limits: per organization, model and tier; gpt-4.1-mini Tier 1 allows 500 requests a minute, which we
  declare (with 20 in flight).

The prompt format and the URL checks live in providers/_research_prompts.py (shared with Gemini).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from providers._goal_prompts import goal_builder, goal_result
from providers._goal_prompts import openai_request as goal_request
from providers._page_prompts import openai_page_request, page_builder, page_result
from providers._research_prompts import (
    SYSTEM_INSTRUCTION,
    Reader,
    build_prompt,
    research_result,
    research_subject,
    token_cost,
)
from providers.base import (
    NO_KEY,
    Action,
    Build,
    Credentials,
    ErrorClass,
    Outcome,
    Parse,
    Provider,
    ProviderResult,
    RateLimit,
    RequestSpec,
    Skip,
    classify_http_error,
    first_present,
    json_object,
    malformed,
    result,
    retry_after_seconds,
)
from providers.http import HttpResponse

NAME = "openai"
DEFAULT_MODEL = "gpt-4.1-mini"
ESTIMATED_CALL_USD = 0.0002
# A goal's prompt carries the registry's vocabulary: ~1,500 tokens in, ~150 out.
READ_GOAL_USD = 0.0008
# A page's text is up to 20,000 characters (~5,000 tokens) in and ~400 tokens out: about $0.0026.
READ_PAGE_USD = 0.0026
# USD per million tokens (input, output), by model-name prefix.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4o-mini": (0.15, 0.60),
}
_MODEL = re.compile(r"[A-Za-z0-9][\w.:\-]*")
_RESET_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _builder(action: str) -> Build:
    def build(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
        subject = research_subject(inputs)
        if isinstance(subject, Skip):
            return subject
        if not credentials.api_key:
            return NO_KEY
        model = str(first_present(inputs, "model") or DEFAULT_MODEL)
        if not _MODEL.fullmatch(model):
            raise ValueError(f"not a model name: {model!r}")
        body = {
            "model": model,
            "temperature": 0,
            "max_completion_tokens": 256,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": SYSTEM_INSTRUCTION},
                {"role": "user", "content": build_prompt(action, *subject)},
            ],
        }
        headers = {"Authorization": f"Bearer {credentials.api_key}"}
        return RequestSpec("POST", "/v1/chat/completions", headers=headers, json=body, timeout_s=60)

    build.__doc__ = f"Ask OpenAI to {action.replace('_', ' ')} for `company_name` (+ `company_domain`)."
    return build


def reset_seconds(value: str | None) -> float | None:
    """Read an `x-ratelimit-reset-*` duration such as "1s", "6m0s" or "120ms"."""
    if not value:
        return None
    parts = _RESET_PART.findall(value)
    return sum(float(number) * _UNIT_S[unit] for number, unit in parts) if parts else None


def _failure(action: str, response: HttpResponse) -> ProviderResult:
    error = _object((json_object(response) or {}).get("error"))
    code = error.get("code") or error.get("type")
    fields: dict[str, Any] = {"provider_status": code, "message": error.get("message")}
    if response.status == 429:
        if code == "insufficient_quota" or error.get("type") == "insufficient_quota":
            return result(action, NAME, Outcome.FAILED, response, error_class=ErrorClass.NO_CREDITS, **fields)
        wait = retry_after_seconds(response.headers) or reset_seconds(
            response.headers.get("x-ratelimit-reset-requests")
        )
        return result(
            action,
            NAME,
            Outcome.RETRYABLE,
            response,
            error_class=ErrorClass.RATE_LIMITED,
            retry_after_s=wait if wait is not None else 1.0,
            **fields,
        )
    return classify_http_error(action, NAME, response, **fields)


build_read_page = page_builder(lambda prompt, key: openai_page_request(prompt, key, DEFAULT_MODEL))
build_read_goal = goal_builder(goal_request)


def _parser(action: str, read: Reader = research_result) -> Parse:
    def parse(response: HttpResponse) -> ProviderResult:
        if response.status != 200:
            return _failure(action, response)
        body = json_object(response)
        choices = body.get("choices") if body else None
        if body is None or not isinstance(choices, list):
            return malformed(action, NAME, response)
        usage = _object(body.get("usage"))
        cost = token_cost(
            body.get("model"),
            PRICES,
            DEFAULT_MODEL,
            usage.get("prompt_tokens"),
            usage.get("completion_tokens"),
        )
        cost = ESTIMATED_CALL_USD if cost is None else cost
        choice = _object(choices[0]) if choices else {}
        message = _object(choice.get("message"))
        if message.get("refusal"):
            return result(action, NAME, Outcome.NOT_FOUND, response, provider_status="refusal", cost_usd=cost)
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            status = str(choice.get("finish_reason") or "empty")
            return result(action, NAME, Outcome.NOT_FOUND, response, provider_status=status, cost_usd=cost)
        return read(action, NAME, response, content, cost)

    parse.__doc__ = f"Classify OpenAI's answer to {action}."
    return parse


build_resolve_g2_url = _builder("resolve_g2_url")
parse_resolve_g2_url = _parser("resolve_g2_url")
build_resolve_pricing_page_url = _builder("resolve_pricing_page_url")
parse_resolve_pricing_page_url = _parser("resolve_pricing_page_url")
parse_read_page = _parser("read_page", page_result)
parse_read_goal = _parser("read_goal", goal_result)

PROVIDER = Provider(
    name=NAME,
    base_url="https://api.openai.com",
    rate_limit=RateLimit(rate=500, per_seconds=60, concurrency=20),
    actions={
        "resolve_g2_url": Action(
            NAME,
            "resolve_g2_url",
            build_resolve_g2_url,
            parse_resolve_g2_url,
            ESTIMATED_CALL_USD,
            "The company's G2 reviews page URL.",
        ),
        "resolve_pricing_page_url": Action(
            NAME,
            "resolve_pricing_page_url",
            build_resolve_pricing_page_url,
            parse_resolve_pricing_page_url,
            ESTIMATED_CALL_USD,
            "The company's pricing page URL.",
        ),
        "read_page": Action(
            NAME,
            "read_page",
            build_read_page,
            parse_read_page,
            READ_PAGE_USD,
            "The facts of a pricing or G2 page its markup did not give, read from its text.",
        ),
        "read_goal": Action(
            NAME,
            "read_goal",
            build_read_goal,
            parse_read_goal,
            READ_GOAL_USD,
            "A plain-language enrichment goal read into the assembler's structured form.",
        ),
    },
    docs="platform.openai.com chat completions reference, help.openai.com error codes; PROVIDER_FACTS.md",
)
