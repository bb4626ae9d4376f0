"""Adyntel: the ads a company runs on LinkedIn, Meta and Google, and a keyword search of Meta's library.

Facts (shared PROVIDER_FACTS.md, Adyntel section; docs.adyntel.com pages as copied in REFDOCS):
- Base `https://api.adyntel.com`; every call is a POST whose JSON body carries `api_key` and the account
  `email` (there is no auth header). Without either we skip the call.
- `POST /linkedin` {company_domain (bare `company.com`) | linkedin_page_id, continuation_token?} →
  `{ads[], continuation_token, is_last_page, page_id, total_ads}`.
- `POST /facebook` {facebook_url | company_domain, country_code?, media_type?, active_status?,
  continuation_token?} → `{active_status, continuation_token, country_code, is_result_complete,
  media_types, number_of_ads, page_id, platform[], results[]}` where **`results` is a list of lists**
  of ad objects (we flatten it); about 30 ads a page.
- `POST /facebook_ad_search` {keyword, country_code?} → the same envelope plus `query`, `ad_type` and
  `search_type` (e.g. "keyword_unordered"); its `continuation_token` pages "as on the Meta endpoint", so
  we send it back in the body when paging.
- `POST /google` {company_domain, media_type?} → `{ads[], continuation_token, country_code}`; we also
  send `continuation_token` when paging (the response offers one; the request field is not documented).
- **HTTP 204 with an empty body** = no ads / page not found / not public: a miss, and not charged.
- Price: 1 credit a call answered with data; $44 a month buys 5,000 credits, so $0.0088 a credit
  (third-party report). A 200 with an empty list is still a billed call, so it carries the cost.
- Limits: none published; one team saw throttling after ~900 domains a day, so we default to 2/s.

`POST /credits_check` {api_key, email} exists (seen in public code) but its answer is undocumented: we
read the first number under a name like `credits`, `remaining_credits`, `credits_left`, `available_credits`
or `balance` (at the top or under `data`), and call any other shape a failed check, never a zero.

Not documented, hence ASSUMED: error statuses and bodies. We read `message` (or `error.message`, or a
string `error`); 401/403 = bad key or email, 402 or any message about credits = no credits, 429 and
5xx retryable, other 4xx bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.base import (
    CREDITS,
    NO_KEY,
    Action,
    Build,
    CredentialField,
    Credentials,
    ErrorClass,
    Outcome,
    Parse,
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
from providers.base import (
    bare_domain as _bare_domain,
)
from providers.http import HttpResponse

NAME = "adyntel"
COST_PER_CALL_USD = 44 / 5_000  # one credit
TIMEOUT_S = 90  # ad libraries are scraped live; answers take tens of seconds
NO_EMAIL = Skip(reason="missing_provider_api_key", missing=("adyntel_account_email",))


def _post(path: str, fields: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    if not credentials.api_key:
        return NO_KEY
    email = credentials.extra.get("email")
    if not email:
        return NO_EMAIL
    body = {"api_key": credentials.api_key, "email": email}
    body.update({key: value for key, value in fields.items() if value is not None})
    return RequestSpec("POST", path, json=body, timeout_s=TIMEOUT_S)


def _domain_input(inputs: Mapping[str, Any]) -> str | None:
    return _bare_domain(first_present(inputs, "company_domain", "company_website"))


def build_linkedin_ads(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a company's LinkedIn ads by domain or LinkedIn page id."""
    domain = _domain_input(inputs)
    page_id = first_present(inputs, "linkedin_page_id", "company_linkedin_id")
    if domain is None and page_id is None:
        return missing("company_domain|linkedin_page_id")
    fields = {
        "company_domain": domain,
        "linkedin_page_id": None if domain else str(page_id),
        "continuation_token": first_present(inputs, "continuation_token"),
    }
    return _post("/linkedin", fields, credentials)


def build_meta_ads(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a company's Meta ads by Facebook page URL or domain."""
    facebook_url = first_present(inputs, "facebook_url")
    domain = None if facebook_url else _domain_input(inputs)
    if facebook_url is None and domain is None:
        return missing("facebook_url|company_domain")
    fields = {
        "facebook_url": facebook_url,
        "company_domain": domain,
        "country_code": first_present(inputs, "country_code"),
        "media_type": first_present(inputs, "media_type"),
        "active_status": first_present(inputs, "active_status"),
        "continuation_token": first_present(inputs, "continuation_token"),
    }
    return _post("/facebook", fields, credentials)


def build_meta_ad_search(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Search Meta's ad library for a keyword."""
    keyword = first_present(inputs, "keyword", "query")
    if keyword is None:
        return missing("keyword")
    fields = {
        "keyword": str(keyword),
        "country_code": first_present(inputs, "country_code"),
        "continuation_token": first_present(inputs, "continuation_token"),
    }
    return _post("/facebook_ad_search", fields, credentials)


def build_google_ads(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a company's Google ads by domain."""
    domain = _domain_input(inputs)
    if domain is None:
        return missing("company_domain")
    fields = {
        "company_domain": domain,
        "media_type": first_present(inputs, "media_type"),
        "continuation_token": first_present(inputs, "continuation_token"),
    }
    return _post("/google", fields, credentials)


def _message(body: Mapping[str, Any] | None) -> str | None:
    if not body:
        return None
    error = body.get("error")
    for candidate in (error.get("message") if isinstance(error, dict) else error, body.get("message")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


def _failure(action: str, response: HttpResponse) -> ProviderResult:
    message = _message(json_object(response)) or (response.text[:200] or None)
    if response.status < 500 and response.status != 429 and message and "credit" in message.lower():
        return result(
            action, NAME, Outcome.FAILED, response, error_class=ErrorClass.NO_CREDITS, message=message
        )
    return classify_http_error(action, NAME, response, message=message)


def _answer(action: str, response: HttpResponse) -> tuple[ProviderResult | None, dict[str, Any]]:
    """Return a final result for 204 and errors, else the body to read."""
    if response.status == 204:
        return result(action, NAME, Outcome.NOT_FOUND, response, provider_status="no_content"), {}
    if response.status != 200:
        return _failure(action, response), {}
    body = json_object(response)
    if body is None:
        return malformed(action, NAME, response), {}
    return None, body


def _ads(value: Any) -> list[dict[str, Any]]:
    return [ad for ad in value if isinstance(ad, dict)] if isinstance(value, list) else []


def _flatten(results: Any) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for item in results if isinstance(results, list) else []:
        flat.extend(_ads(item) if isinstance(item, list) else _ads([item]))
    return flat


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _found_if(ads: list[dict[str, Any]]) -> Outcome:
    return Outcome.FOUND if ads else Outcome.NOT_FOUND


def parse_linkedin_ads(response: HttpResponse) -> ProviderResult:
    """Read LinkedIn ads; found when at least one ad came back."""
    final, body = _answer("linkedin_ads", response)
    if final is not None:
        return final
    if not isinstance(body.get("ads"), list):
        return malformed("linkedin_ads", NAME, response)
    ads = _ads(body["ads"])
    data = {
        "ads": ads,
        "ads_count": len(ads),
        "continuation_token": body.get("continuation_token"),
        "is_last_page": body.get("is_last_page") if isinstance(body.get("is_last_page"), bool) else None,
        "page_id": str(body["page_id"]) if body.get("page_id") is not None else None,
        "total_ads": _int(body.get("total_ads")),
    }
    return result("linkedin_ads", NAME, _found_if(ads), response, data=data, cost_usd=COST_PER_CALL_USD)


def _parse_meta(action: str, endpoint: str, response: HttpResponse, default_search: str) -> ProviderResult:
    final, body = _answer(action, response)
    if final is not None:
        return final
    if not isinstance(body.get("results"), list):
        return malformed(action, NAME, response)
    ads = _flatten(body["results"])
    data = {
        "results": ads,
        "results_count": len(ads),
        "continuation_token": body.get("continuation_token"),
        "number_of_ads": _int(body.get("number_of_ads")),
        "is_result_complete": body.get("is_result_complete")
        if isinstance(body.get("is_result_complete"), bool)
        else None,
        "search_type": body.get("search_type") or default_search,
        "endpoint_used": endpoint,
    }
    return result(action, NAME, _found_if(ads), response, data=data, cost_usd=COST_PER_CALL_USD)


def parse_meta_ads(response: HttpResponse) -> ProviderResult:
    """Read a company's Meta ads, flattening the list of lists."""
    return _parse_meta("meta_ads", "facebook", response, "company")


def parse_meta_ad_search(response: HttpResponse) -> ProviderResult:
    """Read a keyword search of Meta's ad library."""
    return _parse_meta("meta_ad_search", "facebook_ad_search", response, "keyword")


def parse_google_ads(response: HttpResponse) -> ProviderResult:
    """Read a company's Google ads; found when at least one ad came back."""
    final, body = _answer("google_ads", response)
    if final is not None:
        return final
    if not isinstance(body.get("ads"), list):
        return malformed("google_ads", NAME, response)
    ads = _ads(body["ads"])
    data = {
        "ads": ads,
        "ads_count": len(ads),
        "continuation_token": body.get("continuation_token"),
        "country_code": body.get("country_code"),
    }
    return result("google_ads", NAME, _found_if(ads), response, data=data, cost_usd=COST_PER_CALL_USD)


# Names a credits answer may use, in the order we trust them (the real shape is undocumented).
CREDIT_FIELDS = (
    "remaining_credits",
    "credits_left",
    "credits_remaining",
    "available_credits",
    "credits",
    "balance",
)


def build_credits(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask `POST /credits_check` for the account's credits (the answer's shape is undocumented)."""
    return _post("/credits_check", {}, credentials)


def parse_credits(response: HttpResponse) -> ProviderResult:
    """Read the first credits number found at the top of the answer or under `data`, else fail the check."""
    final, body = _answer(CREDITS, response)
    if final is not None:
        return final
    data = body.get("data")
    for place in (body, data if isinstance(data, dict) else {}):
        for name in CREDIT_FIELDS:
            value = number(place.get(name))
            if value is not None:
                return balance(NAME, response, value, plan=place.get("plan"), field=name)
    shown = ", ".join(sorted(body)[:8]) or "nothing"
    return malformed(CREDITS, NAME, response, f"credits_check answered an unknown shape (keys: {shown})")


def _action(name: str, build: Build, parse: Parse, description: str) -> Action:
    return Action(NAME, name, build, parse, cost_usd=COST_PER_CALL_USD, description=description)


PROVIDER = Provider(
    name=NAME,
    base_url="https://api.adyntel.com",
    rate_limit=RateLimit(rate=2, concurrency=4),
    actions={
        "linkedin_ads": _action(
            "linkedin_ads", build_linkedin_ads, parse_linkedin_ads, "LinkedIn ads of a company."
        ),
        "meta_ads": _action("meta_ads", build_meta_ads, parse_meta_ads, "Meta ads of a company."),
        "meta_ad_search": _action(
            "meta_ad_search", build_meta_ad_search, parse_meta_ad_search, "Keyword search of Meta ads."
        ),
        "google_ads": _action("google_ads", build_google_ads, parse_google_ads, "Google ads of a company."),
    },
    credits=Action(NAME, CREDITS, build_credits, parse_credits, description="Credits left (free)."),
    credits_note="POST /credits_check: answer shape undocumented, read tolerantly",
    credential_fields=(
        CredentialField(
            "account_email", "email", "sandbox@example.com", "The account's email, sent with every call."
        ),
    ),
    docs="docs.adyntel.com (linkedin, meta, meta ad search, google) via PROVIDER_FACTS.md; errors assumed",
)
