"""How LeadMagic speaks: the key header, its RFC 9457 error bodies, credits, and messy identifiers.

Every LeadMagic action is a JSON `POST` with the key in `X-API-Key`. Errors arrive as
`{success: false, errors: [{type, title, status, code, detail, context…}], meta}`; a miss is either a
200 whose `message` says so or a 404 (`resource_not_found`, `profile_not_found`), so 404 is a
not-found here, never a failure. Answers carry `credits_consumed`, which prices each call exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from providers.base import (
    CREDITS,
    NO_KEY,
    Credentials,
    ErrorClass,
    Outcome,
    ProviderResult,
    RequestSpec,
    Skip,
    balance,
    json_object,
    malformed,
    number,
    result,
    retry_after_seconds,
)
from providers.http import HttpResponse

NAME = "leadmagic"
BASE_URL = "https://api.leadmagic.io"
# $49 for 2,000 credits on the Basic plan (SIM: apps/sim/tools/leadmagic/hosting.ts).
USD_PER_CREDIT = 0.0245
# "Wait 30 seconds and retry" (OpenAPI InternalServerError) when a 500 carries no Retry-After.
SERVER_ERROR_WAIT_S = 30.0
REQUEST_TIMEOUT_S = 30.0
CREDITS_PATH = "/v1/credits"

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def post(path: str, body: Mapping[str, Any], credentials: Credentials) -> RequestSpec:
    """Return the JSON POST LeadMagic expects, with the key in its header."""
    headers = {"X-API-Key": credentials.api_key or "", "Content-Type": "application/json"}
    return RequestSpec("POST", path, headers=headers, json=dict(body), timeout_s=REQUEST_TIMEOUT_S)


def build_credits(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask `GET /v1/credits` for the balance (free, not rate-limited)."""
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec("GET", CREDITS_PATH, headers={"X-API-Key": credentials.api_key}, timeout_s=10.0)


def parse_credits(response: HttpResponse) -> ProviderResult:
    """Read `{credits}` (newer docs add `is_frozen`, `credits_frozen`, `credits_liquid`)."""
    body = answer_body(CREDITS, response)
    if isinstance(body, ProviderResult):
        return body
    frozen = body.get("is_frozen")
    return balance(
        NAME,
        response,
        number(body.get("credits")),
        frozen=frozen if isinstance(frozen, bool) else None,
        credits_frozen=number(body.get("credits_frozen")),
        credits_liquid=number(body.get("credits_liquid")),
    )


def bare_domain(value: Any) -> str | None:
    """Reduce a domain, URL or email address to a bare lowercase domain (None when there is none)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = _SCHEME.sub("", value.strip().lower())
    text = re.split(r"[/?#]", text, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    text = re.sub(r"^www\d*\.", "", text)
    return text if "." in text else None


def linkedin_url(value: Any, kind: str) -> str | None:
    """Expand what LeadMagic answers for a profile ("jdoe", "linkedin.com/in/jdoe") to a full URL."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    lowered = text.lower()
    if "linkedin.com/" in lowered:
        if _SCHEME.match(lowered):
            return text
        return f"https://www.{text}" if lowered.startswith("linkedin.com/") else f"https://{text}"
    return f"https://www.linkedin.com/{kind}/{text.strip('/').removeprefix(f'{kind}/')}"


def credits_cost(body: Mapping[str, Any], default_credits: float) -> float:
    """Price an answer in USD from its `credits_consumed`, else from the documented price."""
    consumed = body.get("credits_consumed")
    credits = consumed if isinstance(consumed, int | float) and not isinstance(consumed, bool) else None
    return round((default_credits if credits is None else float(credits)) * USD_PER_CREDIT, 6)


def text(value: Any) -> str | None:
    """Return a non-blank string, stripped, else None."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def integer(value: Any) -> int | None:
    """Return an int from an int or a numeric string ("2015"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _first_error(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    errors = body.get("errors") if body else None
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        return errors[0]
    return {}


def _rate_limit_wait(response: HttpResponse, error: Mapping[str, Any]) -> float:
    # Retry-After first; else the RateLimit-Reset header; else the body's own hint.
    wait = retry_after_seconds(response.headers)
    if wait is None:
        reset = response.headers.get("ratelimit-reset", "")
        wait = float(reset) if reset.strip().isdigit() else None
    if wait is None:
        context = error.get("context")
        hint = context.get("retry_after_seconds") if isinstance(context, Mapping) else None
        wait = float(hint) if isinstance(hint, int | float) else 1.0
    return max(wait, 0.0)


def error_result(action: str, response: HttpResponse, status: int | None = None) -> ProviderResult:
    """Classify a LeadMagic error answer (any status) from its status and RFC 9457 body."""
    body = json_object(response)
    error = _first_error(body)
    status = status or response.status
    code = text(error.get("code"))
    message = (
        text(error.get("detail")) or text(error.get("title")) or (text(body.get("message")) if body else None)
    )
    fields: dict[str, Any] = {"provider_status": code, "message": message}
    if status == 404:
        return result(action, NAME, Outcome.NOT_FOUND, response, **fields)
    if status == 429:
        wait = _rate_limit_wait(response, error)
        return result(
            action,
            NAME,
            Outcome.RETRYABLE,
            response,
            error_class=ErrorClass.RATE_LIMITED,
            retry_after_s=wait,
            **fields,
        )
    if status >= 500:
        wait_s = retry_after_seconds(response.headers, SERVER_ERROR_WAIT_S if status == 500 else None)
        return result(
            action,
            NAME,
            Outcome.RETRYABLE,
            response,
            error_class=ErrorClass.SERVER_ERROR,
            retry_after_s=wait_s,
            **fields,
        )
    if status in (401, 403):
        error_class = ErrorClass.BAD_KEY
    elif status == 402:
        error_class = ErrorClass.NO_CREDITS
    elif 400 <= status < 500:
        error_class = ErrorClass.BAD_INPUT
    else:
        error_class = ErrorClass.PROVIDER_ERROR
    return result(action, NAME, Outcome.FAILED, response, error_class=error_class, **fields)


def answer_body(action: str, response: HttpResponse) -> dict[str, Any] | ProviderResult:
    """Return a successful answer's JSON object, or the classified result when it is not one."""
    if response.status != 200:
        return error_result(action, response)
    body = json_object(response)
    if body is None:
        return malformed(action, NAME, response)
    if body.get("success") is False and _first_error(body):
        # An error body behind a 200: trust the status it names.
        named = _first_error(body).get("status")
        return error_result(action, response, named if isinstance(named, int) else 400)
    return body


def not_found(action: str, response: HttpResponse, body: Mapping[str, Any]) -> ProviderResult:
    """Classify a 200 that found nothing (free, per the docs)."""
    return result(
        action, NAME, Outcome.NOT_FOUND, response, provider_status=text(body.get("message")) or "not_found"
    )


def says_not_found(body: Mapping[str, Any]) -> bool:
    """Tell whether a 200's `message` reports a miss ("No mobile number found…", "Company not found")."""
    message = (text(body.get("message")) or "").lower()
    return message.startswith("no ") or "not found" in message
