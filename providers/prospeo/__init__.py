"""Prospeo: person and company enrichment, and person and company search, over its B2B database.

Facts (shared PROVIDER_FACTS.md, Prospeo section, from prospeo.io/api-docs: enrich-person, enrich-company,
search-person, search-company, rate-limits; help.prospeo.io "API rate limits"):
- Base `https://api.prospeo.io`; every call is a JSON `POST` with the key in header `X-KEY`.
- `POST /enrich-person` `{data: {linkedin_url | email | person_id | (full_name or first_name+last_name) +
  company_website/company_name/company_linkedin_url}, enrich_mobile?, only_verified_email?,
  only_verified_mobile?}` answers `{error: false, free_enrichment, person, company}`. The email sits at
  `person.email.email` and is usable only when `person.email.revealed` is true (a masked `***` address is
  not); the same holds for `person.mobile.mobile`.
- `POST /enrich-company` `{data: {company_website | company_linkedin_url | company_name | company_id}}`.
- `POST /search-person` and `POST /search-company` `{page (1..1000), filters}` answer
  `{error: false, results: [{person?, company}], pagination: {current_page, per_page (25), total_page,
  total_count}}`; search results carry no email or mobile. The API-only filters `company.websites` and
  `company.names` take `{include: [...]}`; a search of only `exclude` filters is refused. A person's
  title goes in `person_job_title`, their place in `person_location_search` (both `{include: [...]}`, as
  the seed sends them, CONTRACTS §8). Searches seen live also carry `free: true|false` (CompanyEnrich's
  public benchmark of Prospeo), read as "not charged".
- Every body has `error` (bool) and, on errors, `error_code`: 400 `NO_MATCH` / `NO_RESULTS` are misses
  (not_found); 400 `INSUFFICIENT_CREDITS` is out of credits (400, not 402: final); 400
  `INVALID_DATAPOINTS` / `INVALID_FILTERS` (+ `filter_error`) / `INVALID_REQUEST` are bad input;
  401 `INVALID_API_KEY`; 429 `RATE_LIMITED`. 400 `INTERNAL_ERROR` is documented as a server-side error,
  so it is retryable like a 5xx.
- No Retry-After is documented. Answers carry `x-second-rate-limit`, `x-minute-request-left`,
  `x-minute-reset-seconds`, `x-daily-request-left`, `x-daily-reset-seconds`: a 429 waits for the window
  that is exhausted (minute, then day), else one second (the per-second window).
- Prices: enrich 1 credit per match, 10 when a mobile is revealed, none on a miss or when re-enriching a
  record (`free_enrichment: true`); search 1 credit per page with at least one result. A credit is about
  $0.039 on the $39 Starter plan (1,000 credits).
- `GET /account-information` (free) answers `{error, response{current_plan, current_team_members,
  remaining_credits, used_credits, next_quota_renewal_days, next_quota_renewal_date}}`.
- Limits: enrich 5/s on Starter and Growth (300/min), 30/s on Pro; search 1/s and 30/min on Starter
  (2/s Growth, 5/s Pro). The shared limit is the enrich one (Starter); both searches share a lane of
  30/min, the binding figure (`PROVIDER_LIMITS` `path_rates` {"/search-*": …} for other plans).

Normalization to our field names lives in `providers/prospeo/normalize.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from providers.base import (
    CREDITS,
    NO_KEY,
    Action,
    Build,
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
    retry_after_seconds,
)
from providers.http import HttpResponse
from providers.prospeo.normalize import (
    as_dict,
    bare_domain,
    company_item,
    company_profile,
    pagination,
    person_item,
    person_profile,
    strings,
    text,
)

NAME = "prospeo"
USD_PER_CREDIT = 0.039
ENRICH_CREDITS = 1
MOBILE_CREDITS = 10
SEARCH_CREDITS = 1
TIMEOUT_S = 30.0
MAX_PAGE = 1000

NOT_FOUND_CODES = {"NO_MATCH", "NO_RESULTS"}
_FINAL_ERRORS = {
    "INVALID_API_KEY": ErrorClass.BAD_KEY,
    "INSUFFICIENT_CREDITS": ErrorClass.NO_CREDITS,
    "INVALID_DATAPOINTS": ErrorClass.BAD_INPUT,
    "INVALID_FILTERS": ErrorClass.BAD_INPUT,
    "INVALID_REQUEST": ErrorClass.BAD_INPUT,
}
# Prospeo's own ids are 24 hex characters; ids learned from other providers must not be sent here.
_PROSPEO_ID = re.compile(r"[0-9a-f]{24}")


def _headers(credentials: Credentials) -> dict[str, str]:
    return {"X-KEY": credentials.api_key or "", "Content-Type": "application/json"}


def _post(path: str, body: dict[str, Any], credentials: Credentials) -> RequestSpec:
    return RequestSpec("POST", path, headers=_headers(credentials), json=body, timeout_s=TIMEOUT_S)


def _own_id(inputs: Mapping[str, Any], own: str, learned: str) -> str | None:
    explicit = text(inputs.get(own))
    if explicit:
        return explicit
    other = text(inputs.get(learned))
    return other if other and _PROSPEO_ID.fullmatch(other) else None


# -- requests ------------------------------------------------------------------------------------------


def build_enrich_person(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a person by LinkedIn URL, email, Prospeo person id, or name plus company."""
    data = {
        "linkedin_url": text(inputs.get("linkedin_url")),
        "email": text(first_present(inputs, "email", "work_email")),
        "person_id": _own_id(inputs, "person_id", "source_person_id"),
        "full_name": text(inputs.get("full_name")),
        "first_name": text(inputs.get("first_name")),
        "last_name": text(inputs.get("last_name")),
        "company_website": bare_domain(first_present(inputs, "company_domain", "company_website")),
        "company_name": text(inputs.get("company_name")),
        "company_linkedin_url": text(inputs.get("company_linkedin_url")),
    }
    if not (data["linkedin_url"] or data["email"] or data["person_id"]):
        if not (data["full_name"] or (data["first_name"] and data["last_name"])):
            return missing("linkedin_url|email|person_id|full_name|first_name+last_name")
        if not (data["company_website"] or data["company_name"] or data["company_linkedin_url"]):
            return missing("company_domain|company_website|company_name|company_linkedin_url")
    if not credentials.api_key:
        return NO_KEY
    body: dict[str, Any] = {"data": {k: v for k, v in data.items() if v}}
    for option in ("enrich_mobile", "only_verified_email", "only_verified_mobile"):
        if inputs.get(option) is True:
            body[option] = True
    return _post("/enrich-person", body, credentials)


def build_enrich_company(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a company by website, LinkedIn URL, Prospeo company id or (least precise) name."""
    data = {
        "company_website": bare_domain(first_present(inputs, "company_domain", "company_website")),
        "company_linkedin_url": text(inputs.get("company_linkedin_url")),
        "company_id": _own_id(inputs, "company_id", "source_company_id"),
        "company_name": text(inputs.get("company_name")),
    }
    if not any(data.values()):
        return missing("company_domain|company_website|company_linkedin_url|company_name|source_company_id")
    if not credentials.api_key:
        return NO_KEY
    return _post("/enrich-company", {"data": {k: v for k, v in data.items() if v}}, credentials)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge override into a copy of base, recursing into nested objects; override wins."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _page(inputs: Mapping[str, Any]) -> int:
    return min(MAX_PAGE, max(1, int(inputs.get("page") or 1)))


def _caller_filters(inputs: Mapping[str, Any]) -> dict[str, Any]:
    own = as_dict(inputs.get("provider_filters")).get(NAME)
    return dict(own) if isinstance(own, Mapping) else {}


def _company_filter(inputs: Mapping[str, Any], *name_inputs: str) -> dict[str, Any]:
    domain = bare_domain(first_present(inputs, "company_domain", "company_website"))
    if domain:
        return {"company": {"websites": {"include": [domain]}}}
    name = text(first_present(inputs, *name_inputs))
    return {"company": {"names": {"include": [name]}}} if name else {}


def build_search_person(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Search people by title, location and company; caller filters merge under the computed ones."""
    computed = _company_filter(inputs, "company_name")
    titles = strings(first_present(inputs, "job_title", "query"))
    if titles:
        computed["person_job_title"] = {"include": titles}
    locations = strings(inputs.get("location"))
    if locations:
        computed["person_location_search"] = {"include": locations}
    filters = deep_merge(_caller_filters(inputs), computed)
    if not filters:
        return missing(
            "job_title|query|location|company_domain|company_website|company_name|provider_filters"
        )
    if not credentials.api_key:
        return NO_KEY
    return _post("/search-person", {"page": _page(inputs), "filters": filters}, credentials)


def build_search_company(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Search companies by domain or name (the query is read as a name); caller filters merge under."""
    filters = deep_merge(_caller_filters(inputs), _company_filter(inputs, "company_name", "query"))
    if not filters:
        return missing("query|company_name|company_domain|company_website|provider_filters")
    if not credentials.api_key:
        return NO_KEY
    return _post("/search-company", {"page": _page(inputs), "filters": filters}, credentials)


# -- answers -------------------------------------------------------------------------------------------


def _throttle_wait(headers: Mapping[str, str]) -> float:
    explicit = retry_after_seconds(headers)
    if explicit is not None:
        return explicit
    for window in ("minute", "daily"):
        if headers.get(f"x-{window}-request-left", "").strip() == "0":
            reset = retry_after_seconds({"retry-after": headers.get(f"x-{window}-reset-seconds", "")})
            if reset is not None:
                return max(1.0, reset)
    return 1.0


def _failure(action: str, response: HttpResponse, body: dict[str, Any] | None) -> ProviderResult | None:
    """Classify an error answer; None when the answer is a success to parse."""
    status = response.status
    if status < 300 and (body is None or body.get("error") is not True):
        return None if body is not None else malformed(action, NAME, response)
    code = text(body.get("error_code")) if body else None
    fields: dict[str, Any] = {"provider_status": code}
    if body:
        fields["message"] = text(body.get("filter_error")) or text(body.get("message")) or code
    if code in NOT_FOUND_CODES:
        return result(action, NAME, Outcome.NOT_FOUND, response, **fields)
    if status == 429 or code == "RATE_LIMITED":
        fields.update(error_class=ErrorClass.RATE_LIMITED, retry_after_s=_throttle_wait(response.headers))
    elif status >= 500 or code == "INTERNAL_ERROR":
        fields.update(
            error_class=ErrorClass.SERVER_ERROR, retry_after_s=retry_after_seconds(response.headers)
        )
    else:
        # A 2xx saying `error: true` with a code we do not know is the provider's failure.
        error = _FINAL_ERRORS.get(code or "") or (ErrorClass.PROVIDER_ERROR if status < 300 else None)
        if error is None:
            return classify_http_error(action, NAME, response, **fields)
        return result(action, NAME, Outcome.FAILED, response, error_class=error, **fields)
    return result(action, NAME, Outcome.RETRYABLE, response, **fields)


def _success_body(action: str, response: HttpResponse) -> dict[str, Any] | ProviderResult:
    body = json_object(response)
    failure = _failure(action, response, body)
    if failure is not None or body is None:
        return failure or malformed(action, NAME, response)
    return body


def parse_enrich_person(response: HttpResponse) -> ProviderResult:
    """Classify an enrich-person answer; charge 1 credit, 10 with a revealed mobile, 0 when free."""
    body = _success_body("enrich_person", response)
    if isinstance(body, ProviderResult):
        return body
    person = body.get("person")
    if not isinstance(person, dict):
        return malformed("enrich_person", NAME, response, "no person in a successful answer")
    free = body.get("free_enrichment") is True
    revealed_mobile = as_dict(person.get("mobile")).get("revealed") is True
    credits = 0 if free else MOBILE_CREDITS if revealed_mobile else ENRICH_CREDITS
    return result(
        "enrich_person",
        NAME,
        Outcome.FOUND,
        response,
        data=person_profile(person, as_dict(body.get("company"))),
        provider_status="free_enrichment" if free else "matched",
        cost_usd=credits * USD_PER_CREDIT,
    )


def parse_enrich_company(response: HttpResponse) -> ProviderResult:
    """Classify an enrich-company answer; 1 credit unless the record was enriched before."""
    body = _success_body("enrich_company", response)
    if isinstance(body, ProviderResult):
        return body
    company = body.get("company")
    if not isinstance(company, dict):
        return malformed("enrich_company", NAME, response, "no company in a successful answer")
    free = body.get("free_enrichment") is True
    return result(
        "enrich_company",
        NAME,
        Outcome.FOUND,
        response,
        data=company_profile(company),
        provider_status="free_enrichment" if free else "matched",
        cost_usd=0.0 if free else ENRICH_CREDITS * USD_PER_CREDIT,
    )


def _search_parser(action: str, item: Callable[[dict[str, Any]], dict[str, Any]]) -> Parse:
    def parse(response: HttpResponse) -> ProviderResult:
        body = _success_body(action, response)
        if isinstance(body, ProviderResult):
            return body
        hits = body.get("results")
        if not isinstance(hits, list):
            return malformed(action, NAME, response, "no results list in a successful answer")
        items = [item(hit) for hit in hits if isinstance(hit, dict)]
        if not items:
            return result(action, NAME, Outcome.NOT_FOUND, response, provider_status="NO_RESULTS")
        return result(
            action,
            NAME,
            Outcome.FOUND,
            response,
            data={"results": items, "pagination": pagination(body.get("pagination"))},
            provider_status="ok",
            cost_usd=0.0 if body.get("free") is True else SEARCH_CREDITS * USD_PER_CREDIT,
        )

    parse.__doc__ = f"Classify a {action} answer: a page of results, or a miss (400 NO_RESULTS)."
    return parse


parse_search_person = _search_parser("search_person", person_item)
parse_search_company = _search_parser("search_company", company_item)


def build_credits(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask `GET /account-information` for the plan and its credits (free)."""
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec("GET", "/account-information", headers=_headers(credentials), timeout_s=10.0)


def parse_credits(response: HttpResponse) -> ProviderResult:
    """Read `response{remaining_credits, used_credits, current_plan, next_quota_renewal_date}`."""
    body = _success_body(CREDITS, response)
    if isinstance(body, ProviderResult):
        return body
    account = as_dict(body.get("response"))
    return balance(
        NAME,
        response,
        number(account.get("remaining_credits")),
        plan=text(account.get("current_plan")),
        renews_at=text(account.get("next_quota_renewal_date")),
        used=number(account.get("used_credits")),
    )


def _action(name: str, build: Build, parse: Parse, credits: int, description: str) -> Action:
    return Action(NAME, name, build, parse, cost_usd=credits * USD_PER_CREDIT, description=description)


PROVIDER = Provider(
    name=NAME,
    base_url="https://api.prospeo.io",
    rate_limit=RateLimit(rate=5, concurrency=5),
    # Searches have a plan limit of their own, shared by both: Starter 1/s and 30/min.
    path_limits={"/search-*": RateLimit(rate=30, per_seconds=60)},
    actions={
        "enrich_person": _action(
            "enrich_person", build_enrich_person, parse_enrich_person, ENRICH_CREDITS, "Enrich one person."
        ),
        "enrich_company": _action(
            "enrich_company", build_enrich_company, parse_enrich_company, ENRICH_CREDITS, "Enrich a company."
        ),
        "search_person": _action(
            "search_person", build_search_person, parse_search_person, SEARCH_CREDITS, "Search people."
        ),
        "search_company": _action(
            "search_company", build_search_company, parse_search_company, SEARCH_CREDITS, "Search companies."
        ),
    },
    credits=Action(NAME, CREDITS, build_credits, parse_credits, description="Plan and credits (free)."),
    credits_note="GET /account-information: response.remaining_credits",
    docs="prospeo.io/api-docs (enrich-person, enrich-company, search-person, search-company, rate-limits)",
)
