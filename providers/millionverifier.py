"""MillionVerifier: single-address email verification.

Facts (shared PROVIDER_FACTS.md, MillionVerifier section): `GET https://api.millionverifier.com/api/v3/`
with `api=<key>`, `email=<address>` and `timeout=<2..60 s>` in the query string. The answer carries
`result` (`ok`, `catch_all`, `unknown`, `disposable`, `invalid`, `error`), `resultcode`, `subresult`,
`quality`, `free`, `role`, `credits` and `error`. A bad key is **HTTP 200** with `result: "error"`
and `error: "Apikey not found"`, so the body decides, not the status. One credit a check
(about $0.0012); no documented rate limit beyond "160/s per account" seen in third-party code, so
we default to 50/s with 20 in flight (a team saw 403s above ~20 concurrent requests).
`GET /api/v3/credits?api=<key>` answers `{credits, bulk_credits, renewing_credits, plan}`; `credits`
are the single-API credits this adapter spends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from providers.base import (
    CREDITS,
    NO_KEY,
    Action,
    Credentials,
    ErrorClass,
    Outcome,
    Provider,
    ProviderResult,
    RateLimit,
    RequestSpec,
    Skip,
    balance,
    classify_http_error,
    first_present,
    json_object,
    malformed,
    missing,
    number,
    result,
)
from providers.http import HttpResponse

NAME = "millionverifier"
COST_PER_CHECK_USD = 0.0012
VERIFY_TIMEOUT_S = 20

# The provider's verdicts, in our verification vocabulary; `unknown` is inconclusive, so not "found".
VERDICTS = {
    "ok": "valid",
    "catch_all": "catch_all",
    "invalid": "invalid",
    "disposable": "invalid",
    "unknown": "unknown",
    "unverified": "unknown",
}


def build_verify(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a verdict on `email` (or `work_email`)."""
    email = first_present(inputs, "email", "work_email")
    if not isinstance(email, str):
        return missing("email|work_email")
    if not credentials.api_key:
        return NO_KEY
    params = {"api": credentials.api_key, "email": email, "timeout": str(VERIFY_TIMEOUT_S)}
    return RequestSpec("GET", "/api/v3/", params=params, timeout_s=VERIFY_TIMEOUT_S + 10)


def _account_error(response: HttpResponse, body: dict[str, Any]) -> ProviderResult:
    message = str(body.get("error") or "verification error")
    lowered = message.lower()
    if "apikey" in lowered or "api key" in lowered:
        error = ErrorClass.BAD_KEY
    elif "credit" in lowered:
        error = ErrorClass.NO_CREDITS
    else:
        error = ErrorClass.PROVIDER_ERROR
    return result(
        "verify", NAME, Outcome.FAILED, response, error_class=error, message=message, provider_status="error"
    )


def parse_verify(response: HttpResponse) -> ProviderResult:
    """Classify a verification answer; a bad key hides in a 200 body."""
    if response.status != 200:
        return classify_http_error("verify", NAME, response)
    body = json_object(response)
    if body is None or "result" not in body:
        return malformed("verify", NAME, response)
    verdict = str(body["result"])
    if verdict == "error" or body.get("error"):
        return _account_error(response, body)
    status = VERDICTS.get(verdict, "unknown")
    data = {
        "email": body.get("email"),
        "status": status,
        "provider_result": verdict,
        "subresult": body.get("subresult"),
        "quality": body.get("quality"),
        "is_free_email": body.get("free"),
        "is_role_account": body.get("role"),
        "inconclusive": status in ("unknown", "catch_all"),
    }
    outcome = Outcome.NOT_FOUND if status == "unknown" else Outcome.FOUND
    return result(
        "verify", NAME, outcome, response, data=data, provider_status=verdict, cost_usd=COST_PER_CHECK_USD
    )


def build_credits(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask `GET /api/v3/credits` for the balance (free)."""
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec("GET", "/api/v3/credits", params={"api": credentials.api_key}, timeout_s=10.0)


def parse_credits(response: HttpResponse) -> ProviderResult:
    """Read `{credits, bulk_credits, renewing_credits, plan}`; an `error` field is a failure (bad key)."""
    if response.status != 200:
        return classify_http_error(CREDITS, NAME, response)
    body = json_object(response)
    if body is None:
        return malformed(CREDITS, NAME, response)
    if body.get("error"):
        return replace(_account_error(response, body), action=CREDITS)
    return balance(
        NAME,
        response,
        number(body.get("credits")),
        plan=body.get("plan"),
        bulk_credits=number(body.get("bulk_credits")),
        renewing_credits=number(body.get("renewing_credits")),
    )


PROVIDER = Provider(
    name=NAME,
    base_url="https://api.millionverifier.com",
    rate_limit=RateLimit(rate=50, concurrency=20),
    actions={
        "verify": Action(
            provider=NAME,
            name="verify",
            build=build_verify,
            parse=parse_verify,
            cost_usd=COST_PER_CHECK_USD,
            description="Verify one email address.",
        )
    },
    credits=Action(NAME, CREDITS, build_credits, parse_credits, description="Credits left (free)."),
    credits_note="GET /api/v3/credits: {credits, bulk_credits, renewing_credits, plan}",
    docs="developer.millionverifier.com single API; bad-key quirk from a live probe (PROVIDER_FACTS.md)",
)
