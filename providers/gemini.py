"""Gemini: ask a Google model for a company's G2 or pricing page URL, or a page's facts, as strict JSON.

`read_page` asks for the facts of a pricing or G2 page that its markup did not give, with
`responseMimeType: application/json` and a `responseSchema` of exactly the fields asked for
(providers/_page_prompts.py).

Facts (shared PROVIDER_FACTS.md, Gemini section; ai.google.dev API reference and troubleshooting):
- `POST https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent`, key in the
  `x-goog-api-key` header. Body `{systemInstruction, contents[]{role, parts[]{text}}, generationConfig{
  temperature, responseMimeType: "application/json", maxOutputTokens, thinkingConfig}}`.
- Answer `{candidates[]{content{parts[]{text}}, finishReason}, usageMetadata{promptTokenCount,
  candidatesTokenCount, thoughtsTokenCount?}, modelVersion, promptFeedback?}`; the text is the
  concatenation of `parts[].text` (a part may lack text, thought parts are skipped). A blocked prompt,
  no candidate or empty text is a miss.
- Errors are `{error{code, message, status, details[]}}`. **A bad key is HTTP 400 INVALID_ARGUMENT with
  reason API_KEY_INVALID** (a bad key, not bad input); 403 PERMISSION_DENIED is a bad key too; 400
  FAILED_PRECONDITION (billing or region) is a provider-side refusal; 404 NOT_FOUND an unknown model;
  429 RESOURCE_EXHAUSTED is retryable after the `RetryInfo.retryDelay` in `details` ("17s"), except a
  per-day quota (a `QuotaFailure` whose quotaId names PerDay), which we treat as out of credits;
  500/503/504 are retryable.
- Price (ai.google.dev pricing, paid tier): gemini-2.5-flash $0.30 in / $2.50 out per million tokens
  (thinking tokens bill as output); a call here is ~250 tokens in and ~60 out, about $0.0003, which is
  the declared estimate. `parse` prices the actual `usageMetadata` when present.
- Limits: per project, model and tier; gemini-2.5-flash Tier 1 allows 1,000 requests a minute, which
  we declare (with 20 in flight).

The prompt format and the URL checks live in providers/_research_prompts.py (shared with OpenAI).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from providers._goal_prompts import gemini_request as goal_request
from providers._goal_prompts import goal_builder, goal_result
from providers._page_prompts import gemini_page_request, page_builder, page_result
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

NAME = "gemini"
DEFAULT_MODEL = "gemini-2.5-flash"
ESTIMATED_CALL_USD = 0.0003
# A goal's prompt carries the registry's vocabulary: ~1,500 tokens in, ~150 out.
READ_GOAL_USD = 0.0008
# A page's text is up to 20,000 characters (~5,000 tokens) in and ~400 tokens out: about $0.0025.
READ_PAGE_USD = 0.0025
# USD per million tokens (input, output) on the paid tier, by model-name prefix.
PRICES: dict[str, tuple[float, float]] = {
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-pro": (1.25, 10.00),
}
_MODEL = re.compile(r"[a-z0-9][a-z0-9.\-]*")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _builder(action: str) -> Build:
    def build(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
        subject = research_subject(inputs)
        if isinstance(subject, Skip):
            return subject
        if not credentials.api_key:
            return NO_KEY
        model = str(first_present(inputs, "model") or DEFAULT_MODEL).removeprefix("models/")
        if not _MODEL.fullmatch(model):
            raise ValueError(f"not a model name: {model!r}")
        config: dict[str, Any] = {
            "temperature": 0,
            "responseMimeType": "application/json",
            "maxOutputTokens": 256,
        }
        if "flash" in model:
            config["thinkingConfig"] = {
                "thinkingBudget": 0
            }  # a lookup needs no reasoning; Pro cannot skip it
        body = {
            "systemInstruction": {"parts": [{"text": SYSTEM_INSTRUCTION}]},
            "contents": [{"role": "user", "parts": [{"text": build_prompt(action, *subject)}]}],
            "generationConfig": config,
        }
        return RequestSpec(
            "POST",
            f"/v1beta/models/{model}:generateContent",
            headers={"x-goog-api-key": credentials.api_key},
            json=body,
            timeout_s=60,
        )

    build.__doc__ = f"Ask Gemini to {action.replace('_', ' ')} for `company_name` (+ `company_domain`)."
    return build


def _retry_delay(details: list[Any]) -> float | None:
    for detail in details:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            match = _DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _daily_quota(details: list[Any]) -> bool:
    for detail in details:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("QuotaFailure"):
            for violation in detail.get("violations") or []:
                if isinstance(violation, dict) and "PerDay" in str(violation.get("quotaId", "")):
                    return True
    return False


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _failure(action: str, response: HttpResponse) -> ProviderResult:
    error = _object((json_object(response) or {}).get("error"))
    details = error["details"] if isinstance(error.get("details"), list) else []
    status, message = error.get("status"), error.get("message")
    fields: dict[str, Any] = {"provider_status": status, "message": message}
    reasons = {d.get("reason") for d in details if isinstance(d, dict)}
    if "API_KEY_INVALID" in reasons:
        return result(action, NAME, Outcome.FAILED, response, error_class=ErrorClass.BAD_KEY, **fields)
    if response.status == 429:
        wait = _retry_delay(details) or retry_after_seconds(response.headers, 1.0)
        if _daily_quota(details):
            error_class, outcome = ErrorClass.NO_CREDITS, Outcome.FAILED
        else:
            error_class, outcome = ErrorClass.RATE_LIMITED, Outcome.RETRYABLE
        return result(action, NAME, outcome, response, error_class=error_class, retry_after_s=wait, **fields)
    if status == "FAILED_PRECONDITION":
        return result(action, NAME, Outcome.FAILED, response, error_class=ErrorClass.PROVIDER_ERROR, **fields)
    return classify_http_error(action, NAME, response, **fields)


def candidate_text(body: Mapping[str, Any]) -> tuple[str, str | None]:
    """Return the first candidate's text (its non-thought parts joined) and its finish reason."""
    candidates = body.get("candidates")
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        return "", None
    content = candidates[0].get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    texts = [
        p["text"]
        for p in parts or []
        if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought")
    ]
    finish = candidates[0].get("finishReason")
    return "".join(texts), finish if isinstance(finish, str) else None


build_read_page = page_builder(lambda prompt, key: gemini_page_request(prompt, key, DEFAULT_MODEL))
build_read_goal = goal_builder(goal_request)


def _parser(action: str, read: Reader = research_result) -> Parse:
    def parse(response: HttpResponse) -> ProviderResult:
        if response.status != 200:
            return _failure(action, response)
        body = json_object(response)
        if body is None:
            return malformed(action, NAME, response)
        usage = _object(body.get("usageMetadata"))
        output_tokens = (usage.get("candidatesTokenCount") or 0) + (usage.get("thoughtsTokenCount") or 0)
        cost = token_cost(
            body.get("modelVersion"), PRICES, DEFAULT_MODEL, usage.get("promptTokenCount"), output_tokens
        )
        cost = ESTIMATED_CALL_USD if cost is None else cost
        feedback = body.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason"):
            status = f"blocked:{feedback['blockReason']}"
            return result(action, NAME, Outcome.NOT_FOUND, response, provider_status=status, cost_usd=cost)
        text, finish = candidate_text(body)
        if not text.strip():
            status = finish or "no_candidate"
            return result(action, NAME, Outcome.NOT_FOUND, response, provider_status=status, cost_usd=cost)
        return read(action, NAME, response, text, cost)

    parse.__doc__ = f"Classify Gemini's answer to {action}."
    return parse


build_resolve_g2_url = _builder("resolve_g2_url")
parse_resolve_g2_url = _parser("resolve_g2_url")
build_resolve_pricing_page_url = _builder("resolve_pricing_page_url")
parse_resolve_pricing_page_url = _parser("resolve_pricing_page_url")
parse_read_page = _parser("read_page", page_result)
parse_read_goal = _parser("read_goal", goal_result)

PROVIDER = Provider(
    name=NAME,
    base_url="https://generativelanguage.googleapis.com",
    rate_limit=RateLimit(rate=1_000, per_seconds=60, concurrency=20),
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
    docs="ai.google.dev generateContent reference, troubleshooting, pricing, rate limits; PROVIDER_FACTS.md",
)
