"""BlitzAPI's searches (companies, employees, waterfall ICP) and its key-info call.

- Companies: `POST /v2/search/companies {company{keywords{include, exclude}, industry{include},
  hq{country_code[]}, employee_range[]}, max_results (1-50, default 10), cursor}` →
  `{total_results, results_length (older docs: results_count), max_results, cursor (null at the
  end), results[] company}`; the result objects are the company-enrichment shape.
- Employees: `POST /v2/search/employee-finder {company_linkedin_url, job_level[], job_function[],
  country_code[], max_results, page}` → `{page, total_pages, results_length, results[] person}`.
  Levels are C-Team, VP, Director, Manager, Staff, Other; enum values are case-sensitive and a
  wrong one silently returns nothing, so we restore their casing.
- Waterfall ICP: `POST /v2/search/waterfall-icp-keyword {company_linkedin_url, cascade[]{include_title[],
  exclude_title[], location[], include_headline_search}, max_results}` → `{results[]{person, icp
  (1-based tier), ranking, what_matched[]}}`.
- Key info: `GET /v2/account/key-info` (free) → `{valid, remaining_credits, next_reset_at,
  max_requests_per_seconds, allowed_apis[], active_plans[]}`.
Searches are assumed to cost one credit (one record) per result returned.
"""

from __future__ import annotations

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
    first_present,
    missing,
    number,
    result,
)
from providers.blitzapi.protocol import (
    NAME,
    answer_body,
    company_profile,
    cost,
    get,
    integer,
    not_found,
    person_item,
    post,
    text,
)
from providers.http import HttpResponse

CREDITS_PER_RESULT = 1.0  # assumed
DEFAULT_MAX_RESULTS = 10
MAX_COMPANY_RESULTS = 50
JOB_LEVELS = ("C-Team", "VP", "Director", "Manager", "Staff", "Other")
_LEVELS = {level.lower(): level for level in JOB_LEVELS} | {"c-suite": "C-Team", "c_suite": "C-Team"}
_COMPANY_ITEM = (
    "company_name",
    "company_domain",
    "company_website",
    "company_linkedin_url",
    "industry_primary",
    "employee_range",
    "founded_year",
    "hq_country_code",
    "source_company_id",
)


def _strings(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list | tuple) else []
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _count(inputs: Mapping[str, Any], default: int, ceiling: int | None = None) -> int:
    wanted = int(first_present(inputs, "max_results", "page_size", "limit") or default)
    return max(1, min(wanted, ceiling) if ceiling else wanted)


def _results(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = body.get("results")
    return [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []


def _found(action: str, response: HttpResponse, data: dict[str, Any], records: int) -> ProviderResult:
    return result(
        action, NAME, Outcome.FOUND, response, data=data, cost_usd=cost(records * CREDITS_PER_RESULT)
    )


def build_search_companies(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for companies matching a keyword query and firmographic filters."""
    extra = inputs.get("provider_filters")
    base = extra.get(NAME) if isinstance(extra, Mapping) else None
    company: dict[str, Any] = dict(base.get("company", base)) if isinstance(base, Mapping) else {}
    if query := _strings(first_present(inputs, "query", "keywords")):
        company["keywords"] = {**company.get("keywords", {}), "include": query}
    if industries := _strings(first_present(inputs, "industry")):
        company["industry"] = {**company.get("industry", {}), "include": industries}
    if countries := [c.upper() for c in _strings(first_present(inputs, "country_code", "hq_country_code"))]:
        company["hq"] = {**company.get("hq", {}), "country_code": countries}
    if ranges := _strings(first_present(inputs, "employee_range")):
        company["employee_range"] = ranges
    if not company:
        return missing("query|industry|country_code|employee_range|provider_filters")
    if not credentials.api_key:
        return NO_KEY
    body: dict[str, Any] = {
        "company": company,
        "max_results": _count(inputs, DEFAULT_MAX_RESULTS, MAX_COMPANY_RESULTS),
    }
    if cursor := text(first_present(inputs, "cursor")):
        body["cursor"] = cursor
    return post("/v2/search/companies", body, credentials)


def parse_search_companies(response: HttpResponse) -> ProviderResult:
    """Classify a company page as company-search items, with the cursor to the next page."""
    body = answer_body("search_companies", response)
    if isinstance(body, ProviderResult):
        return body
    companies = _results(body)
    if not companies:
        return not_found("search_companies", response)
    items = [{key: company_profile(c)[key] for key in _COMPANY_ITEM} for c in companies]
    data = {
        "results": items,
        "result_count": len(items),
        "total_results": integer(body.get("total_results")),
        "cursor": text(body.get("cursor")),
    }
    return _found("search_companies", response, data, len(items))


def build_employee_finder(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for the employees of a company (by LinkedIn page), filtered by level, function and country."""
    company = text(first_present(inputs, "company_linkedin_url"))
    if company is None:
        return missing("company_linkedin_url")
    if not credentials.api_key:
        return NO_KEY
    body: dict[str, Any] = {"company_linkedin_url": company}
    if levels := [_LEVELS.get(level.lower(), level) for level in _strings(inputs.get("job_level"))]:
        body["job_level"] = levels
    if functions := _strings(inputs.get("job_function")):
        body["job_function"] = functions
    countries = _strings(first_present(inputs, "country_code", "location"))
    if codes := [c.upper() for c in countries if len(c) == 2 and c.isalpha()]:
        body["country_code"] = codes
    body["max_results"] = _count(inputs, DEFAULT_MAX_RESULTS)
    body["page"] = max(1, int(first_present(inputs, "page") or 1))
    return post("/v2/search/employee-finder", body, credentials)


def parse_employee_finder(response: HttpResponse) -> ProviderResult:
    """Classify an employee page as person-search items."""
    body = answer_body("employee_finder", response)
    if isinstance(body, ProviderResult):
        return body
    people = _results(body)
    if not people:
        return not_found("employee_finder", response)
    items = [person_item(p) for p in people]
    data = {
        "results": items,
        "result_count": len(items),
        "page": integer(body.get("page")),
        "total_pages": integer(body.get("total_pages")),
    }
    return _found("employee_finder", response, data, len(items))


def build_waterfall_icp(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a company's best-matching people, tier by tier of the cascade (passed as given)."""
    company = text(first_present(inputs, "company_linkedin_url"))
    cascade = first_present(inputs, "cascade")
    if company is None or not isinstance(cascade, list):
        return missing(
            *(["company_linkedin_url"] if company is None else []),
            *([] if isinstance(cascade, list) else ["cascade"]),
        )
    if not credentials.api_key:
        return NO_KEY
    body = {
        "company_linkedin_url": company,
        "cascade": cascade,
        "max_results": _count(inputs, DEFAULT_MAX_RESULTS),
    }
    return post("/v2/search/waterfall-icp-keyword", body, credentials)


def parse_waterfall_icp(response: HttpResponse) -> ProviderResult:
    """Classify ICP matches as person-search items carrying their tier, rank and what matched."""
    body = answer_body("waterfall_icp", response)
    if isinstance(body, ProviderResult):
        return body
    items = []
    for match in _results(body):
        person = match.get("person")
        if not isinstance(person, Mapping):
            continue
        matched = match.get("what_matched")
        items.append(
            {
                **person_item(person),
                "icp_tier": integer(match.get("icp")),
                "icp_ranking": integer(match.get("ranking")),
                "what_matched": [dict(m) for m in matched if isinstance(m, Mapping)]
                if isinstance(matched, list)
                else [],
            }
        )
    if not items:
        return not_found("waterfall_icp", response)
    return _found("waterfall_icp", response, {"results": items, "result_count": len(items)}, len(items))


def build_key_info(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask what the key may do: credits left, requests per second, allowed APIs."""
    if not credentials.api_key:
        return NO_KEY
    return get("/v2/account/key-info", credentials)


def parse_key_info(response: HttpResponse) -> ProviderResult:
    """Classify a key-info answer (free)."""
    body = answer_body("key_info", response)
    if isinstance(body, ProviderResult):
        return body
    data = {
        "valid": body.get("valid") is True,
        "remaining_credits": body.get("remaining_credits", body.get("credits_balance")),
        "next_reset_at": text(body.get("next_reset_at", body.get("credits_reset_at"))),
        "max_requests_per_seconds": body.get("max_requests_per_seconds"),
        "allowed_apis": _strings(body.get("allowed_apis")),
        "active_plans": [dict(p) for p in body.get("active_plans") or [] if isinstance(p, Mapping)],
    }
    return result(
        "key_info",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        provider_status="valid" if data["valid"] else "invalid",
    )


def parse_credits(response: HttpResponse) -> ProviderResult:
    """Read the key's balance from key-info: `remaining_credits` (older: `credits_balance`), plan, reset."""
    body = answer_body(CREDITS, response)
    if isinstance(body, ProviderResult):
        return body
    if body.get("valid") is False:
        return result(
            CREDITS, NAME, Outcome.FAILED, response, error_class=ErrorClass.BAD_KEY, message="key not valid"
        )
    plans = [p for p in body.get("active_plans") or [] if isinstance(p, Mapping)]
    active = [p for p in plans if p.get("status") in (None, "active")]
    return balance(
        NAME,
        response,
        number(body.get("remaining_credits", body.get("credits_balance"))),
        plan=text(active[0].get("name")) if active else None,
        renews_at=text(body.get("next_reset_at", body.get("credits_reset_at"))),
    )
