"""Sandboxed OpenAI chat completions: the same fallible URL-research "model" as the Gemini sandbox.

The user message is read with providers/_research_prompts.read_prompt and answered by
`research_answer` (shared with the Gemini sandbox, so each provider's own world.knows share decides);
a goal to read (providers/_goal_prompts.py) is answered by providers/sandbox/goal_reader.py.
JSON mode (`response_format: json_object`) needs the word "json" in the messages, else a 400, as
OpenAI answers (structured output, `json_schema`, needs no such word); without either, the object
comes inside a ```json fence. Errors are OpenAI's
`{error{message, type, param, code}}`: 401 `invalid_api_key`, 429 `rate_limit_exceeded` with
`retry-after` and `x-ratelimit-reset-requests`, out of credits a 429 `insufficient_quota`, 404
`model_not_found`, 500 `server_error`.
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
from providers._research_prompts import read_prompt
from providers.sandbox.app import SandboxProvider
from providers.sandbox.goal_reader import answer_json
from providers.sandbox.page_reader import page_answer
from providers.sandbox.routes.gemini import research_answer

CREATED = 1_793_491_200  # the world's date, 2026-11-01, so answers never drift
_MODEL = re.compile(r"(gpt-|o\d)[\w.\-]*")


def _error(status: int, message: str, kind: str, code: str | None, param: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": …}]
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


class OpenAISandbox(SandboxProvider):
    """OpenAI's chat completions endpoint over the world's G2 and pricing pages."""

    name = "openai"

    def routes(self) -> list[BaseRoute]:
        return [Route("/v1/chat/completions", self.complete, methods=["POST"])]

    async def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.api_key}"

    def unauthorized(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            message = (
                "You didn't provide an API key. You need to provide your API key in an Authorization header."
            )
            return _error(401, message, "invalid_request_error", None)
        shown = header[7:].strip()
        message = f"Incorrect API key provided: {shown[:3]}***{shown[-4:]}. You can find your API key at https://platform.openai.com/account/api-keys."
        return _error(401, message, "invalid_request_error", "invalid_api_key")

    def rate_limited(self, retry_after: int) -> Response:
        message = f"Rate limit reached for requests per min (RPM). Please try again in {retry_after}s."
        response = _error(429, message, "requests", "rate_limit_exceeded")
        response.headers["retry-after"] = str(retry_after)
        response.headers["x-ratelimit-reset-requests"] = f"{retry_after}s"
        return response

    def server_error(self) -> Response:
        message = "The server had an error while processing your request. Sorry about that!"
        return _error(500, message, "server_error", None)

    def no_credits(self) -> Response:
        message = "You exceeded your current quota, please check your plan and billing details."
        return _error(429, message, "insufficient_quota", "insufficient_quota")

    async def complete(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(
                400, "We could not parse the JSON body of your request.", "invalid_request_error", None
            )
        model = str(body.get("model") or "")
        if not _MODEL.fullmatch(model):
            message = f"The model `{model}` does not exist or you do not have access to it."
            return _error(404, message, "invalid_request_error", "model_not_found")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' is a required property", "invalid_request_error", None, "messages")
        texts = [_text(m.get("content")) for m in messages if isinstance(m, dict)]
        response_format = body.get("response_format")
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        json_mode = kind in ("json_object", "json_schema")
        if kind == "json_object" and not any("json" in text.lower() for text in texts):
            message = (
                "'messages' must contain the word 'json' in some form, "
                "to use 'response_format' of type 'json_object'."
            )
            return _error(400, message, "invalid_request_error", None, "messages")
        user = "\n".join(
            _text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"
        )
        prompt = read_prompt(user)
        answer = (
            research_answer(self.world, self.name, prompt) if prompt else {"url": None, "confidence": 0.0}
        )
        content = (
            (TASK_LINE in user and answer_json(user)) or page_answer(self.world, user) or json.dumps(answer)
        )
        reply = content if json_mode else f"```json\n{content}\n```"
        self.charge(1)
        prompt_tokens, reply_tokens = sum(len(t) for t in texts) // 4 + 10, len(reply) // 4 + 1
        return JSONResponse(
            {
                "id": f"chatcmpl-{hashlib.blake2b(user.encode(), digest_size=12).hexdigest()}",
                "object": "chat.completion",
                "created": CREATED,
                "model": f"{model}-2025-04-14",
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": reply,
                            "refusal": None,
                            "annotations": [],
                        },
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": reply_tokens,
                    "total_tokens": prompt_tokens + reply_tokens,
                },
                "system_fingerprint": "fp_sandbox",
            }
        )
