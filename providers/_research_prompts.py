"""The prompt and the answer checks shared by the LLM URL resolvers (Gemini, OpenAI) and their sandboxes.

A module of helpers, not an adapter: the leading underscore keeps the registry from looking for a
`PROVIDER` here. One place defines the prompt's line format (`Task:`, `Company:`, `Domain:`), so the
sandboxes read exactly what the adapters write.

The answer is one JSON object `{"company_name", "company_domain", "url", "confidence"}`. The model echoes
the company it was asked about because a parser sees only the response, and the URL check needs the
domain: a G2 URL must be on g2.com; a pricing URL must contain "pricing" and sit on the company's domain
or a subdomain of it (unchecked when no domain is known). A missing, malformed or failing URL is a miss
(`not_found`), so the waterfall moves on to the next model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from providers.base import Outcome, ProviderResult, Skip, bare_domain, first_present, missing, result
from providers.http import HttpResponse

# action -> (the output field holding the URL, what to look for)
TASKS: dict[str, tuple[str, str]] = {
    "resolve_g2_url": ("g2_url", "the company's product reviews page on G2, a URL on g2.com"),
    "resolve_pricing_page_url": (
        "pricing_page_url",
        'the company\'s official pricing page, a URL on its own website whose address contains "pricing"',
    ),
}
SYSTEM_INSTRUCTION = (
    "You find official web pages of companies. Answer only from what you know; when you are not sure of "
    "a URL, answer null rather than guess. Reply with a single JSON object."
)
# Reads a model's answer text into a result: (action, provider, response, text, cost_usd).
Reader = Callable[[str, str, HttpResponse, str, float], ProviderResult]
_LINE = re.compile(r"^(Task|Company|Domain):[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ResearchPrompt:
    """What a prompt asks: the action, the company's name and (if known) its domain."""

    action: str
    company_name: str
    company_domain: str | None


def research_subject(inputs: Mapping[str, Any]) -> tuple[str, str | None] | Skip:
    """Read the company's name (required) and domain (helps) from canonical inputs."""
    name = first_present(inputs, "company_name")
    if not isinstance(name, str):
        return missing("company_name")
    return " ".join(name.split()), bare_domain(first_present(inputs, "company_domain", "company_website"))


def build_prompt(action: str, company_name: str, company_domain: str | None) -> str:
    """Write the user prompt for an action, in the line format the sandboxes read."""
    target = TASKS[action][1]
    return "\n".join(
        [
            f"Task: {action}",
            f"Find {target}.",
            f"Company: {company_name}",
            f"Domain: {company_domain or 'unknown'}",
            'Answer with one JSON object: {"company_name": "<the company as given>", "company_domain": '
            '"<its domain as given, else the official one you know, else null>", "url": "<the URL, or null '
            'if you are not sure>", "confidence": <0 to 1>}.',
        ]
    )


def read_prompt(text: str) -> ResearchPrompt | None:
    """Read back the action, company and domain from a prompt written by `build_prompt`."""
    lines = {key: value for key, value in _LINE.findall(text)}
    if lines.get("Task") not in TASKS or not lines.get("Company"):
        return None
    domain = lines.get("Domain")
    return ResearchPrompt(
        lines["Task"], lines["Company"], None if domain in (None, "", "unknown") else domain
    )


def parse_answer(text: str) -> dict[str, Any] | None:
    """Read the model's JSON object, tolerating code fences and text around it."""
    cleaned = _FENCE.sub("", text.strip())
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        answer = json.loads(cleaned[start : end + 1])
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def valid_url(action: str, url: Any, company_domain: str | None) -> str | None:
    """Return the URL when it is what the action asks for, else None."""
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or "." not in host:
        return None
    if action == "resolve_g2_url":
        ok = host == "g2.com" or host.endswith(".g2.com")
    else:
        on_site = company_domain is None or host == company_domain or host.endswith(f".{company_domain}")
        ok = on_site and "pricing" in url.lower()
    return parts.geturl() if ok else None


def _confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        return min(1.0, max(0.0, float(value)))
    except ValueError:
        return 0.0


def research_result(
    action: str, provider: str, response: HttpResponse, text: str, cost_usd: float
) -> ProviderResult:
    """Classify the model's text answer: found with a valid URL, else not_found (billed either way)."""
    answer = parse_answer(text)
    if answer is None:
        return result(
            action,
            provider,
            Outcome.NOT_FOUND,
            response,
            provider_status="unreadable_answer",
            message=text[:200],
            cost_usd=cost_usd,
        )
    name = answer.get("company_name") if isinstance(answer.get("company_name"), str) else None
    domain = bare_domain(answer.get("company_domain"))
    url = valid_url(action, answer.get("url"), domain)
    if url is None:
        status = "invalid_url" if answer.get("url") else "no_url"
        return result(
            action,
            provider,
            Outcome.NOT_FOUND,
            response,
            provider_status=status,
            message=f"answered url: {answer.get('url')!r}",
            cost_usd=cost_usd,
        )
    data = {
        "company_name": name,
        "company_domain": domain,
        TASKS[action][0]: url,
        "confidence": _confidence(answer.get("confidence")),
    }
    return result(action, provider, Outcome.FOUND, response, data=data, cost_usd=cost_usd)


def token_cost(
    model: Any, prices: Mapping[str, tuple[float, float]], default_model: str, tokens_in: Any, tokens_out: Any
) -> float | None:
    """Price a call from its token counts (USD per million tokens by model prefix); None if uncounted."""
    if not isinstance(tokens_in, int) or not isinstance(tokens_out, int):
        return None
    name = str(model or default_model).removeprefix("models/")
    prefix = next((p for p in sorted(prices, key=len, reverse=True) if name.startswith(p)), default_model)
    price_in, price_out = prices[prefix]
    return (tokens_in * price_in + tokens_out * price_out) / 1_000_000
