"""The RevenueInfra envelope: authenticated JSON POSTs, input clean-up, and one reading of every answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from providers.base import (
    NO_KEY,
    Credentials,
    ErrorClass,
    Outcome,
    ProviderResult,
    RequestSpec,
    Skip,
    classify_http_error,
    first_present,
    json_object,
    malformed,
    result,
)
from providers.http import HttpResponse

NAME = "revenueinfra"
BASE_URL = "https://api.revenueinfra.com"

# Error codes a 200 answer with `success: false` may carry, in our words; anything else is the service's own
# failure. Non-200 answers are classified by status (`classify_http_error`).
_CODE_ERRORS = {
    "unauthorized": ErrorClass.BAD_KEY,
    "insufficient_credits": ErrorClass.NO_CREDITS,
    "invalid_request": ErrorClass.BAD_INPUT,
    "rate_limited": ErrorClass.RATE_LIMITED,
}

Converter = Callable[[Any], Any]


def bare_domain(value: Any) -> str | None:
    """Reduce a domain, website URL or email address to a lowercase host without scheme, `www.` or path."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = re.split(r"[/?#]", text, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    text = re.sub(r"^www\d*\.", "", text)
    return text or None


def company_domain(inputs: Mapping[str, Any]) -> str | None:
    """Return the company's bare domain from `company_domain`, else from `company_website`."""
    return bare_domain(first_present(inputs, "company_domain", "company_website"))


def text(value: Any) -> str | None:
    """Return a non-blank stripped string, else None."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def number(value: Any) -> float | None:
    """Return a float from a number or a numeric string, else None (booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value) if isinstance(value, str) and value.strip() else None
    except ValueError:
        return None


def post(
    path: str, body: Mapping[str, Any], credentials: Credentials, timeout_s: float
) -> RequestSpec | Skip:
    """Build an authenticated JSON POST to a RevenueInfra path, or skip when there is no key."""
    if not credentials.api_key:
        return NO_KEY
    headers = {"Authorization": f"Bearer {credentials.api_key}"}
    return RequestSpec("POST", path, headers=headers, json=dict(body), timeout_s=timeout_s)


def _error(body: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    error = body.get("error") if body is not None else None
    if isinstance(error, dict):
        return text(error.get("code")), text(error.get("message"))
    if isinstance(error, str):
        return None, text(error)
    return None, None


def read_answer(action: str, response: HttpResponse) -> dict[str, Any] | ProviderResult:
    """Return the payload of a successful answer, or the classified result of any other answer.

    The payload is `data` when the body wraps it there, else the body itself: the seed system read the
    same fields at the top level beside `success`, so both forms are accepted.
    """
    body = json_object(response)
    code, message = _error(body)
    if response.status == 200:
        if body is None:
            return malformed(action, NAME, response)
        if body.get("success") is False:
            if code == "not_found":
                return result(
                    action, NAME, Outcome.NOT_FOUND, response, provider_status=code, message=message
                )
            error = _CODE_ERRORS.get(code or "", ErrorClass.PROVIDER_ERROR)
            outcome = Outcome.RETRYABLE if error is ErrorClass.RATE_LIMITED else Outcome.FAILED
            return result(
                action, NAME, outcome, response, error_class=error, provider_status=code, message=message
            )
        data = body.get("data")
        return data if isinstance(data, dict) else body
    if response.status == 404:
        if code == "not_found":
            return result(action, NAME, Outcome.NOT_FOUND, response, provider_status=code, message=message)
        # A 404 without the service's own not-found code is a wrong path or a proxy page: a configuration
        # error that would otherwise pass, silently and forever, for "nothing known".
        return result(
            action,
            NAME,
            Outcome.FAILED,
            response,
            error_class=ErrorClass.PROVIDER_ERROR,
            provider_status=code,
            message=message or "unknown endpoint",
        )
    return classify_http_error(action, NAME, response, provider_status=code, message=message)


def items(
    value: Any, fields: tuple[str, ...], converters: Mapping[str, Converter] | None = None
) -> list[dict[str, Any]] | None:
    """Normalize a list of objects to exactly `fields` (text unless converted); None when not a list.

    Entries that are not objects, or that carry none of the fields, are dropped.
    """
    if not isinstance(value, list):
        return None
    converters = converters or {}
    rows = []
    for entry in value:
        if not isinstance(entry, dict):
            continue
        row = {name: converters.get(name, text)(entry.get(name)) for name in fields}
        if any(v is not None for v in row.values()):
            rows.append(row)
    return rows
