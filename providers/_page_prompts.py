"""Reading a page's text with OpenAI or Gemini, for the facts its markup did not give: request and answer.

A module of helpers shared by the two adapters' `read_page` action and their sandboxes (the leading
underscore keeps the registry from looking for a `PROVIDER` here). The page extraction operations
read structured data and the text first; they ask a model only for the fields still missing, and
only those fields are in the answer's schema (OpenAI's `response_format: json_schema`, strict, and
Gemini's `responseSchema`), so a model cannot answer what was not asked.

The request's inputs are `page_kind` (`pricing` or `g2`), `page_url`, `fields` (the missing fields, a
subset of the kind's) and `page_text` (the page's visible text, cut to `MAX_PAGE_CHARS`). The prompt
opens with `Task: read_page`, which the sandboxes' models recognise.

The answer is checked field by field against the schema: a value of the wrong type or out of range
is dropped, never passed on. An answer with no usable field is a miss (`not_found`), billed all the
same.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from providers._goal_prompts import gemini_schema
from providers.base import (
    NO_KEY,
    Build,
    Credentials,
    Outcome,
    ProviderResult,
    RequestSpec,
    Skip,
    missing,
    result,
)
from providers.http import HttpResponse

TASK_LINE = "Task: read_page"
MAX_PAGE_CHARS = 20_000
PERIODS = ("month", "year")
UNITS = ("seat", "account", "1000_requests")
FIELDS: dict[str, tuple[str, ...]] = {
    "pricing": ("plans", "free_tier", "free_trial", "trial_days", "enterprise_contact"),
    "g2": ("rating", "review_count", "categories", "alternatives"),
}
INSTRUCTION = (
    "You read the text of one web page and report only the facts asked for, as JSON. Use only what the "
    "page says; when it does not say, answer null (or an empty list). Prices are numbers in the page's "
    "currency (ISO 4217 code); a plan without a stated price is contact_sales with a null price; a free "
    "plan has price 0. billing_period is month or year; unit is seat (per user), 1000_requests, or "
    "account (a flat price)."
)
_LINE = re.compile(r"^(Task|Page kind|URL|Fields):[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True)
class PagePrompt:
    """What a model is asked: which page, which of its facts, and the page's text."""

    kind: str
    url: str
    fields: tuple[str, ...]
    text: str

    def message(self) -> str:
        """Return the user message, in the line format `read_prompt` reads back."""
        return "\n".join(
            (
                TASK_LINE,
                f"Page kind: {self.kind}",
                f"URL: {self.url}",
                f"Fields: {', '.join(self.fields)}",
                "Page text:",
                self.text,
            )
        )


def page_prompt(inputs: Mapping[str, Any]) -> PagePrompt | Skip:
    """Read a read_page request's inputs; raise ValueError for a kind or field that does not exist."""
    kind, url, text, fields = (inputs.get(k) for k in ("page_kind", "page_url", "page_text", "fields"))
    if not isinstance(kind, str) or not kind:
        return missing("page_kind")
    if kind not in FIELDS:
        raise ValueError(f"page_kind must be one of {sorted(FIELDS)}, not {kind!r}")
    if not isinstance(url, str) or not url:
        return missing("page_url")
    if not isinstance(text, str) or not text.strip():
        return missing("page_text")
    if not isinstance(fields, list | tuple) or not fields:
        return missing("fields")
    unknown = [f for f in fields if f not in FIELDS[kind]]
    if unknown:
        raise ValueError(f"not a field of a {kind} page: {', '.join(map(str, unknown))}")
    wanted = tuple(f for f in FIELDS[kind] if f in fields)
    return PagePrompt(kind, url, wanted, " ".join(text.split())[:MAX_PAGE_CHARS])


def read_prompt(message: str) -> PagePrompt | None:
    """Read a user message `PagePrompt.message` wrote (for the sandboxes' models), else None."""
    if not message.startswith(TASK_LINE):
        return None
    head, _, text = message.partition("\nPage text:\n")
    lines = {m.group(1): m.group(2) for m in _LINE.finditer(head)}
    kind = lines.get("Page kind", "")
    if kind not in FIELDS:
        return None
    fields = tuple(f.strip() for f in lines.get("Fields", "").split(",") if f.strip() in FIELDS[kind])
    return PagePrompt(kind, lines.get("URL", ""), fields, text)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _record(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _field_schemas() -> dict[str, dict[str, Any]]:
    plan = _record(
        {
            "name": {"type": "string"},
            "price": _nullable({"type": "number"}),
            "currency": _nullable({"type": "string"}),
            "billing_period": _nullable({"type": "string", "enum": list(PERIODS)}),
            "unit": _nullable({"type": "string", "enum": list(UNITS)}),
            "contact_sales": {"type": "boolean"},
        }
    )
    names = {"type": "array", "items": {"type": "string"}}
    return {
        "plans": {"type": "array", "items": plan},
        "free_tier": _nullable({"type": "boolean"}),
        "free_trial": _nullable({"type": "boolean"}),
        "trial_days": _nullable({"type": "integer"}),
        "enterprise_contact": _nullable({"type": "boolean"}),
        "rating": _nullable({"type": "number"}),
        "review_count": _nullable({"type": "integer"}),
        "categories": names,
        "alternatives": names,
    }


_SCHEMAS = _field_schemas()


def answer_schema(prompt: PagePrompt) -> dict[str, Any]:
    """Return the JSON schema of the answer: exactly the fields asked for (strict-mode shaped)."""
    return _record({name: _SCHEMAS[name] for name in prompt.fields})


Request = tuple[str, dict[str, str], dict[str, Any]]  # path, headers, body


def page_builder(request: Callable[[PagePrompt, str], Request], timeout_s: float = 90) -> Build:
    """Return a `read_page` builder sending what request(prompt, api_key) makes."""

    def build(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
        prompt = page_prompt(inputs)
        if isinstance(prompt, Skip):
            return prompt
        if not credentials.api_key:
            return NO_KEY
        path, headers, body = request(prompt, credentials.api_key)
        return RequestSpec("POST", path, headers=headers, json=body, timeout_s=timeout_s)

    build.__doc__ = (
        "Ask a model for the facts of a page its markup did not give (providers/_page_prompts.py)."
    )
    return build


def openai_page_request(prompt: PagePrompt, api_key: str, model: str = "gpt-4.1-mini") -> Request:
    """Return (path, headers, body) of a chat completion that reads the page's missing facts."""
    return "/v1/chat/completions", {"Authorization": f"Bearer {api_key}"}, openai_body(prompt, model)


def gemini_page_request(prompt: PagePrompt, api_key: str, model: str = "gemini-2.5-flash") -> Request:
    """Return (path, headers, body) of a generateContent call that reads the page's missing facts."""
    return f"/v1beta/models/{model}:generateContent", {"x-goog-api-key": api_key}, gemini_body(prompt)


def openai_body(prompt: PagePrompt, model: str) -> dict[str, Any]:
    """Return the body of a chat completion that reads the page's missing facts."""
    return {
        "model": model,
        "temperature": 0,
        "max_completion_tokens": 1_200,
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": f"{prompt.kind}_page_facts",
                "strict": True,
                "schema": answer_schema(prompt),
            },
        },
        "messages": [
            {"role": "system", "content": INSTRUCTION},
            {"role": "user", "content": prompt.message()},
        ],
    }


def gemini_body(prompt: PagePrompt) -> dict[str, Any]:
    """Return the body of a generateContent call that reads the page's missing facts."""
    return {
        "systemInstruction": {"parts": [{"text": INSTRUCTION}]},
        "contents": [{"role": "user", "parts": [{"text": prompt.message()}]}],
        "generationConfig": {
            "temperature": 0,
            "responseMimeType": "application/json",
            "responseSchema": gemini_schema(answer_schema(prompt)),
            "maxOutputTokens": 1_200,
            "thinkingConfig": {"thinkingBudget": 0},
        },
    }


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value) if low <= value <= high else None


def _count(value: Any, high: int) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= high else None


def _names(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    names = [" ".join(v.split()) for v in value if isinstance(v, str) and v.strip()]
    return names or None


def _plan(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"].strip():
        return None
    price = _number(value.get("price"), 0, 1_000_000)
    priced = bool(price)
    currency = value.get("currency")
    currency = (
        currency.upper() if isinstance(currency, str) and _CURRENCY.fullmatch(currency.upper()) else None
    )
    period = value.get("billing_period") if value.get("billing_period") in PERIODS else None
    unit = value.get("unit") if value.get("unit") in UNITS else None
    return {
        "name": " ".join(value["name"].split()),
        "price": price,
        "currency": currency if priced else None,
        "billing_period": (period or "month") if priced else None,
        "unit": (unit or "account") if priced else None,
        "contact_sales": price is None,
    }


def _plans(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    plans = [p for p in map(_plan, value) if p is not None]
    return plans or None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


_CHECKS: dict[str, Any] = {
    "plans": _plans,
    "free_tier": _flag,
    "free_trial": _flag,
    "trial_days": lambda v: _count(v, 365),
    "enterprise_contact": _flag,
    "rating": lambda v: _number(v, 0, 5),
    "review_count": lambda v: _count(v, 100_000_000),
    "categories": _names,
    "alternatives": _names,
}


def read_answer(text: str) -> dict[str, Any] | None:
    """Return the facts an answer states, each checked (a bad value is dropped); None if not a JSON object."""
    match = _FENCE.match(text.strip())
    try:
        data = json.loads(match.group(1) if match else text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    facts = {}
    for name, check in _CHECKS.items():
        if name in data and (value := check(data[name])) is not None:
            facts[name] = value
    return facts


def page_result(
    action: str, provider: str, response: HttpResponse, text: str, cost_usd: float
) -> ProviderResult:
    """Classify a model's answer to read_page: found with the facts it gave, else not_found (billed)."""
    facts = read_answer(text)
    if not facts:
        status = "unreadable_answer" if facts is None else "no_facts"
        return result(
            action,
            provider,
            Outcome.NOT_FOUND,
            response,
            provider_status=status,
            message=text[:200],
            cost_usd=cost_usd,
        )
    return result(action, provider, Outcome.FOUND, response, data=facts, cost_usd=cost_usd)
