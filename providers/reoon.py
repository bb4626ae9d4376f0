"""Reoon Email Verifier: verify one email address, in power mode (SMTP-level) unless told otherwise.

Facts (shared PROVIDER_FACTS.md, Reoon section; reoon.com/articles/api-documentation-of-reoon-email-verifier):
- `GET https://emailverifier.reoon.com/api/v1/verify?email=<address>&key=<key>&mode=quick|power`; the key
  is in the query string. The API's own default mode is `quick`.
- Quick mode answers within about 0.5 s with `status` in valid, invalid, disposable, spamtrap. It never
  checks the inbox, so a non-existent mailbox on a good domain comes back `valid`. That is why `verify`
  defaults to `power`, and why a quick-mode `valid` is reported as inconclusive.
- Power mode adds `overall_score`, `is_safe_to_send`, `is_catch_all`, `is_deliverable`, `can_connect_smtp`,
  `has_inbox_full` and `is_disabled`. Its `status` is one of safe, invalid, disabled, disposable, inbox_full,
  catch_all, role_account, spamtrap, unknown. It can take from seconds to over a minute, so the request
  timeout is 90 s, as the seed uses.
- Limit: "you should not verify continuously in more than 5 threads" on this endpoint. Hence
  `concurrency=5`. No request rate is documented; 10/s is our assumption, and with power-mode latency the
  5-thread cap is what binds.

ASSUMED, not documented. Error answers are not described anywhere; the seed treats any `message` or
`error` field, or HTTP >= 400, as a failure. We read an error as `{"status": "error", "reason": "..."}`
(or `message` / `error` text), at either a 4xx status or a 200, and classify it by its words (API key,
credits, rate limit) before falling back to the HTTP status. The sandbox answers a bad key with
HTTP 401 `{"status": "error", "reason": "Invalid API key"}` and no credits with HTTP 402.
Price: not found in any source we read. We estimate $0.001 a check, assuming one credit per check in
either mode and a price in line with other budget verifiers (MillionVerifier is about $0.0012). Correct
`COST_PER_CHECK_USD` once the price is known.
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
    retry_after_seconds,
)
from providers.http import HttpResponse

NAME = "reoon"
COST_PER_CHECK_USD = 0.001  # estimate, see the module docstring
MODES = ("quick", "power")
DEFAULT_MODE = "power"
TIMEOUT_S = {"quick": 15.0, "power": 90.0}

# Reoon's statuses in our verification vocabulary.
POWER_STATUSES = {
    "safe": "valid",
    "invalid": "invalid",
    "disabled": "invalid",
    "disposable": "disposable",
    "inbox_full": "inbox_full",
    "catch_all": "catch_all",
    "role_account": "role_account",
    "spamtrap": "spamtrap",
    "unknown": "unknown",
}
QUICK_STATUSES = {"valid": "valid", "invalid": "invalid", "disposable": "disposable", "spamtrap": "spamtrap"}


def build_verify(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a verdict on `email` (or `work_email`), in `mode` (power unless told quick)."""
    email = first_present(inputs, "email", "work_email")
    if not isinstance(email, str):
        return missing("email|work_email")
    mode = str(first_present(inputs, "mode") or DEFAULT_MODE).lower()
    if mode not in MODES:
        raise ValueError(f"mode must be quick or power, not {mode!r}")
    if not credentials.api_key:
        return NO_KEY
    params = {"email": email, "key": credentials.api_key, "mode": mode}
    return RequestSpec("GET", "/verify", params=params, timeout_s=TIMEOUT_S[mode])


def _error_text(body: Mapping[str, Any] | None) -> str | None:
    if body is None:
        return None
    for key in ("reason", "message", "error"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _is_error(body: Mapping[str, Any]) -> bool:
    return body.get("status") == "error" or bool(body.get("error")) or bool(body.get("message"))


def _failure(response: HttpResponse, body: Mapping[str, Any] | None) -> ProviderResult:
    """Classify an error answer by its words first, then by its HTTP status."""
    message = _error_text(body) or "verification error"
    lowered = message.lower()
    fields: dict[str, Any] = {"message": message, "provider_status": "error"}
    if "key" in lowered:
        error = ErrorClass.BAD_KEY
    elif "credit" in lowered or "balance" in lowered:
        error = ErrorClass.NO_CREDITS
    elif response.status == 429 or "too many" in lowered or "rate limit" in lowered:
        return result(
            "verify",
            NAME,
            Outcome.RETRYABLE,
            response,
            error_class=ErrorClass.RATE_LIMITED,
            retry_after_s=retry_after_seconds(response.headers, 1.0),
            **fields,
        )
    elif response.status != 200:
        return classify_http_error("verify", NAME, response, **fields)
    else:
        error = ErrorClass.PROVIDER_ERROR
    return result("verify", NAME, Outcome.FAILED, response, error_class=error, **fields)


def parse_verify(response: HttpResponse) -> ProviderResult:
    """Classify a verification answer into valid / invalid / catch_all / unknown / … with its signals."""
    body = json_object(response)
    if response.status >= 500 or response.status == 429:
        return classify_http_error("verify", NAME, response, message=_error_text(body))
    if response.status != 200 or (body is not None and _is_error(body)):
        return _failure(response, body)
    if body is None or not isinstance(body.get("status"), str):
        return malformed("verify", NAME, response)
    verdict = body["status"]
    mode = body.get("verification_mode") or ("power" if "overall_score" in body else "quick")
    table = POWER_STATUSES if mode == "power" else QUICK_STATUSES
    status = table.get(verdict, POWER_STATUSES.get(verdict, "unknown"))
    deliverable = body.get("is_deliverable")
    inconclusive = (
        status in ("unknown", "catch_all")
        or (mode == "quick" and status == "valid")  # the inbox itself was never checked
        or (status == "role_account" and deliverable is not True)
    )
    data = {
        "email": body.get("email"),
        "status": status,
        "inconclusive": inconclusive,
        "is_catch_all": body.get("is_catch_all"),
        "is_deliverable": deliverable,
        "overall_score": body.get("overall_score"),
        "is_safe_to_send": body.get("is_safe_to_send"),
        "is_role_account": body.get("is_role_account"),
        "is_disposable": body.get("is_disposable"),
        "is_free_email": body.get("is_free_email"),
        "mode": mode,
        "provider_result": verdict,
    }
    outcome = Outcome.NOT_FOUND if status == "unknown" else Outcome.FOUND
    return result(
        "verify", NAME, outcome, response, data=data, provider_status=verdict, cost_usd=COST_PER_CHECK_USD
    )


def build_credits(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask `GET /check-account-balance/` for the daily and instant credits left (free)."""
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec("GET", "/check-account-balance/", params={"key": credentials.api_key}, timeout_s=10.0)


def parse_credits(response: HttpResponse) -> ProviderResult:
    """Read `{api_status, remaining_daily_credits, remaining_instant_credits, status}`: both kinds spend."""
    body = json_object(response)
    if response.status >= 500 or response.status == 429:
        return classify_http_error(CREDITS, NAME, response, message=_error_text(body))
    if response.status != 200 or body is None or body.get("status") != "success":
        if body is None and response.status == 200:
            return malformed(CREDITS, NAME, response)
        return replace(_failure(response, body), action=CREDITS)
    daily, instant = (
        number(body.get("remaining_daily_credits")),
        number(body.get("remaining_instant_credits")),
    )
    remaining = None if daily is None and instant is None else (daily or 0.0) + (instant or 0.0)
    return balance(
        NAME,
        response,
        remaining,
        plan=body.get("api_status"),
        daily_credits=daily,
        instant_credits=instant,
    )


PROVIDER = Provider(
    name=NAME,
    base_url="https://emailverifier.reoon.com/api/v1",
    rate_limit=RateLimit(rate=10, concurrency=5),
    actions={
        "verify": Action(
            provider=NAME,
            name="verify",
            build=build_verify,
            parse=parse_verify,
            cost_usd=COST_PER_CHECK_USD,
            description="Verify one email address (power mode by default).",
        )
    },
    credits=Action(NAME, CREDITS, build_credits, parse_credits, description="Credits left (free)."),
    credits_note="GET /check-account-balance/: remaining daily + instant credits",
    docs="reoon.com/articles/api-documentation-of-reoon-email-verifier; PROVIDER_FACTS.md (Reoon)",
)
