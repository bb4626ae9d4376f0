"""How BlitzAPI speaks: the `x-api-key` header, its error bodies, and its person and company objects.

Errors: 401 `{"message": "Missing API key…"}` or `{"success": false, "message": "Invalid API key…"}`;
402 `{"message": "Insufficient credits balance"}` (newer plans add a `fair_usage` block); 404 for a
company that is not there (`{"success": false, "message": "Not Found"}`) and, per the official SDK,
for a key that does not exist; 422 `{"success": false, "error": {"code": "INVALID_INPUT", …}}`;
429 `{"success": false, "message": "Rate limit exceeded, please try again later"}`; 500. Enrichment
misses are HTTP 200 with `found: false`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.base import (
    Credentials,
    ErrorClass,
    Outcome,
    ProviderResult,
    RequestSpec,
    json_object,
    malformed,
    result,
    retry_after_seconds,
)
from providers.http import HttpResponse

NAME = "blitzapi"
BASE_URL = "https://api.blitz-api.ai"
# Flat plans now: Start is $99/month for 200k records of fair use, so one credit of the older
# per-call price list is valued as one record, $99 / 200,000.
USD_PER_CREDIT = 99 / 200_000
# The limit is per second per endpoint, so a 429 without Retry-After clears within about a second
# (the official client waits 60 s, which is far more than the limit needs).
RATE_LIMIT_WAIT_S = 1.0
REQUEST_TIMEOUT_S = 30.0


def _headers(credentials: Credentials) -> dict[str, str]:
    return {"x-api-key": credentials.api_key or "", "Content-Type": "application/json"}


def post(path: str, body: Mapping[str, Any], credentials: Credentials) -> RequestSpec:
    """Return the JSON POST BlitzAPI expects, with the key in its header."""
    return RequestSpec(
        "POST", path, headers=_headers(credentials), json=dict(body), timeout_s=REQUEST_TIMEOUT_S
    )


def get(path: str, credentials: Credentials) -> RequestSpec:
    """Return a GET with the key in its header."""
    return RequestSpec("GET", path, headers=_headers(credentials), timeout_s=REQUEST_TIMEOUT_S)


def text(value: Any) -> str | None:
    """Return a non-blank string, stripped, else None."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def integer(value: Any) -> int | None:
    """Return an int from an int or a numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def cost(credits: float) -> float:
    """Price a number of credits in USD."""
    return round(credits * USD_PER_CREDIT, 6)


def _message(body: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    if not body:
        return None, None
    error = body.get("error")
    if isinstance(error, Mapping):
        return text(error.get("code")), text(error.get("message"))
    return None, text(body.get("message"))


def error_result(action: str, response: HttpResponse) -> ProviderResult:
    """Classify a BlitzAPI error answer from its status and body."""
    code, message = _message(json_object(response))
    fields: dict[str, Any] = {"provider_status": code or message, "message": message}
    status = response.status
    if status == 429:
        wait = retry_after_seconds(response.headers, RATE_LIMIT_WAIT_S)
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
        wait_s = retry_after_seconds(response.headers)
        return result(
            action,
            NAME,
            Outcome.RETRYABLE,
            response,
            error_class=ErrorClass.SERVER_ERROR,
            retry_after_s=wait_s,
            **fields,
        )
    if status == 404 and "key" not in (message or "").lower():
        return result(action, NAME, Outcome.NOT_FOUND, response, **fields)
    if status in (401, 403, 404):
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
    if not 200 <= response.status < 300:
        return error_result(action, response)
    body = json_object(response)
    return malformed(action, NAME, response) if body is None else body


def not_found(action: str, response: HttpResponse) -> ProviderResult:
    """Classify a 200 `found: false` (free)."""
    return result(action, NAME, Outcome.NOT_FOUND, response, provider_status="found:false")


def found(body: Mapping[str, Any], field: str) -> Any:
    """Return the answer's `field` unless the body says `found: false` or lacks it."""
    if body.get("found") is False:
        return None
    value = body.get(field)
    return None if value in (None, "", [], {}) else value


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _location_name(location: Mapping[str, Any]) -> str | None:
    parts = [text(location.get(k)) for k in ("city", "state_code", "country_code")]
    return ", ".join(p for p in parts if p) or None


def person_item(person: Mapping[str, Any]) -> dict[str, Any]:
    """Normalize a BlitzAPI person to the person-search item fields."""
    raw = person.get("experiences")
    experiences = [e for e in raw if isinstance(e, Mapping)] if isinstance(raw, list) else []
    current = next((e for e in experiences if e.get("job_is_current")), experiences[0] if experiences else {})
    location = _mapping(person.get("location"))
    first, last = text(person.get("first_name")), text(person.get("last_name"))
    return {
        "full_name": text(person.get("full_name")) or " ".join(p for p in (first, last) if p) or None,
        "first_name": first,
        "last_name": last,
        "linkedin_url": text(person.get("linkedin_url")),
        "headline": text(person.get("headline")),
        "current_title": text(current.get("job_title")),
        "current_company_name": text(current.get("company_name")),
        "current_company_domain": text(current.get("company_domain")),
        "location_name": _location_name(location),
        "country_code": text(location.get("country_code")),
        "source_person_id": None,
    }


def company_profile(company: Mapping[str, Any]) -> dict[str, Any]:
    """Normalize a BlitzAPI company to the Profile fields."""
    hq = _mapping(company.get("hq"))
    linkedin_id = company.get("linkedin_id")
    specialties = company.get("specialties")
    return {
        "company_name": text(company.get("name")),
        "company_domain": text(company.get("domain")),
        "company_website": text(company.get("website")),
        "company_linkedin_url": text(company.get("linkedin_url")),
        "company_linkedin_id": str(linkedin_id) if linkedin_id is not None else None,
        "company_type": text(company.get("type")),
        "industry_primary": text(company.get("industry")),
        "employee_count": integer(company.get("employees_on_linkedin")),
        "employee_range": text(company.get("size")),
        "founded_year": integer(company.get("founded_year")),
        "hq_locality": text(hq.get("city")),
        "hq_country_code": text(hq.get("country_code")),
        "description_raw": text(company.get("about")),
        "specialties": specialties if isinstance(specialties, list) and specialties else None,
        "annual_revenue_range": None,
        "follower_count": integer(company.get("followers")),
        "logo_url": None,
        "source_company_id": linkedin_id,
    }
