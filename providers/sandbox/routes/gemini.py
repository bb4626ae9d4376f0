"""Sandboxed Gemini `generateContent`: a fallible "model" answering the URL-research prompts from the world.

The "model" reads the `Task:`, `Company:` and `Domain:` lines of a prompt written by
providers/_research_prompts.py and answers the world's G2 or pricing URL, when this provider "knows"
the company (world.knows) and mostly right: a known company with a page gets it (rarely a plausible wrong
one), a known company without one gets null, and an unknown one gets null or a guess that is sometimes
off-domain or hallucinated. `research_answer` is shared with the OpenAI sandbox. A goal to read
(providers/_goal_prompts.py) is answered by providers/sandbox/goal_reader.py. Without
`responseMimeType: application/json` the JSON comes inside a ```json fence, as models do.
Errors follow Google's `{error{code, message, status, details}}`: a wrong key is 400 API_KEY_INVALID
(403 PERMISSION_DENIED when none is sent), a throttle is 429 RESOURCE_EXHAUSTED with a RetryInfo delay
and no Retry-After header, out of credits is a per-day quota 429, a fault is 503 UNAVAILABLE.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers._goal_prompts import TASK_LINE
from providers._research_prompts import ResearchPrompt, read_prompt
from providers.sandbox.app import SandboxProvider
from providers.sandbox.goal_reader import answer_json
from providers.sandbox.page_reader import page_answer
from providers.sandbox.world import World

ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_MODEL = re.compile(r"gemini-[a-z0-9.\-]+")


def _unit(*parts: object) -> float:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def research_answer(world: World, provider: str, prompt: ResearchPrompt) -> dict[str, Any]:
    """Answer a research prompt as a decent but fallible model would, deterministically."""
    company = world.company(prompt.company_domain) if prompt.company_domain else None
    company = company or world.company_by_name(prompt.company_name)
    answer: dict[str, Any] = {
        "company_name": prompt.company_name,
        "company_domain": prompt.company_domain or (company.domain if company else None),
        "url": None,
        "confidence": 0.0,
    }
    if company is None:
        return answer
    g2 = prompt.action == "resolve_g2_url"
    truth = company.g2_url if g2 else company.pricing_page_url
    stem = company.domain.split(".", 1)[0]
    key = f"{prompt.action}:{company.domain}"
    roll = _unit(world.seed, provider, key)
    if world.knows(provider, key):
        if truth and roll >= 0.05:
            return {**answer, "url": truth, "confidence": round(0.8 + 0.18 * roll, 2)}
        if truth:  # a confident, well-formed, wrong answer
            wrong = (
                f"https://www.g2.com/products/{stem}-app/reviews"
                if g2
                else f"https://{company.domain}/pricing-plans"
            )
            return {**answer, "url": wrong, "confidence": 0.7}
        return {**answer, "confidence": 0.15}
    if roll < 0.5:
        return {**answer, "confidence": 0.1}
    if roll < 0.8:  # a guess our validation rejects
        guess = f"https://www.capterra.com/p/{stem}/" if g2 else f"https://{company.domain}/plans"
        return {**answer, "url": guess, "confidence": 0.4}
    guess = f"https://www.g2.com/products/{stem}/reviews" if g2 else f"https://{company.domain}/pricing"
    return {**answer, "url": guess, "confidence": 0.5}


def _error(code: int, status: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "status": status, "details": details or []}}
    return JSONResponse(body, status_code=code)


def _quota_exceeded(quota_id: str, retry_after: int) -> JSONResponse:
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [
                {
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_requests",
                    "quotaId": quota_id,
                }
            ],
        },
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_after}s"},
    ]
    message = "You exceeded your current quota, please check your plan and billing details."
    return _error(429, "RESOURCE_EXHAUSTED", message, details)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


class GeminiSandbox(SandboxProvider):
    """Gemini's generateContent endpoint over the world's G2 and pricing pages."""

    name = "gemini"

    def routes(self) -> list[BaseRoute]:
        return [Route("/v1beta/models/{model}:generateContent", self.generate, methods=["POST"])]

    async def authorized(self, request: Request) -> bool:
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
        return key == self.api_key

    def unauthorized(self, request: Request) -> Response:
        if not (request.headers.get("x-goog-api-key") or request.query_params.get("key")):
            message = "Method doesn't allow unregistered callers. Please use an API key."
            return _error(403, "PERMISSION_DENIED", message)
        message = "API key not valid. Please pass a valid API key."
        info = {"@type": ERROR_INFO, "reason": "API_KEY_INVALID", "domain": "googleapis.com"}
        return _error(400, "INVALID_ARGUMENT", message, [info])

    def rate_limited(self, retry_after: int) -> Response:
        return _quota_exceeded("GenerateRequestsPerMinutePerProjectPerModel", retry_after)

    def server_error(self) -> Response:
        return _error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")

    def no_credits(self) -> Response:
        return _quota_exceeded("GenerateRequestsPerDayPerProjectPerModel", 3600)

    async def generate(self, request: Request) -> Response:
        model = request.path_params["model"]
        if not _MODEL.fullmatch(model):
            message = f"models/{model} is not found for API version v1beta, or is not supported for "
            message += "generateContent."
            return _error(404, "NOT_FOUND", message)
        try:
            body = await request.json()
        except ValueError:
            body = None
        contents = body.get("contents") if isinstance(body, dict) else None
        if not isinstance(contents, list) or not contents:
            return _error(
                400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified"
            )
        text = "\n".join(
            str(part.get("text", ""))
            for content in contents
            if isinstance(content, dict) and content.get("role", "user") == "user"
            for part in content.get("parts") or []
            if isinstance(part, dict)
        )
        prompt = read_prompt(text)
        answer = (
            research_answer(self.world, self.name, prompt) if prompt else {"url": None, "confidence": 0.0}
        )
        reply = (
            (TASK_LINE in text and answer_json(text)) or page_answer(self.world, text) or json.dumps(answer)
        )
        config = body.get("generationConfig") if isinstance(body, dict) else None
        if not isinstance(config, dict) or config.get("responseMimeType") != "application/json":
            reply = f"```json\n{reply}\n```"
        self.charge(1)
        prompt_tokens, reply_tokens = _tokens(text) + 40, _tokens(reply)
        return JSONResponse(
            {
                "candidates": [
                    {
                        "content": {"parts": [{"text": reply}], "role": "model"},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": prompt_tokens,
                    "candidatesTokenCount": reply_tokens,
                    "totalTokenCount": prompt_tokens + reply_tokens,
                },
                "modelVersion": model,
                "responseId": hashlib.blake2b(text.encode(), digest_size=9).hexdigest(),
            }
        )
