"""CompanyEnrich: company enrichment by domain or properties, company and look-alike search, people search.

Facts (shared PROVIDER_FACTS.md, CompanyEnrich section, from the vendor docs copied in
bencrane/api-reference-docs-new `companyenrich.com/*`; types checked against CompanyEnrich's own public
people-search benchmark and a public summary of its OpenAPI, zeynepavan/companyenrich-skill):
- Base `https://api.companyenrich.com`; header `Authorization: Bearer <key>`, `accept: application/json`.
- `GET /companies/enrich?domain=` answers the company object; **404 when the domain cannot be enriched**
  (a miss). `POST /companies/enrich` takes camelCase properties (`name`, `linkedinUrl`, …), best match
  wins; a miss there is ASSUMED to be the same 404. 1 credit each.
- Company object: `id` (uuid), `name`, `domain`, `website`, `type`, `industry`, `industries[]`,
  `employees` (range enum `1-10` … `501-1K`, `1K-5K`, `5K-10K`, `over-10K`), `revenue` (enum
  `under-1m` … `over-1b`), `description`, `keywords[]`, `founded_year`, `location{country{code,name},
  state{…}, city{name,…}, address}`, `socials{linkedin_url, linkedin_id, …}`, `logo_url`.
- `POST /companies/search` `{page (≥1), pageSize (1-100), query (matches name and domain), countries[],
  …}` answers `{items, page, totalPages, totalItems}`; 1 credit per company returned, **1 minimum even
  when empty**. `page*pageSize` ≤ 10,000.
- `POST /companies/similar` `{domains[] (1-10), page, pageSize, …search filters}`: 5 credits per company,
  5 when none. Its answer is ASSUMED to have the search's shape (the docs copy does not show it).
- `POST /people/search` `{page, pageSize, domains[] (≤100), positionQuery[] (strings), seniority[],
  department[], countries[] (ISO-2), companyFilter{query}}` answers `{items, page, totalPages,
  totalItems}`; items: `id`, `name`, `first_name`, `last_name`, `position`, `location{country{code,
  name}, address}`, `socials{linkedin_url}`, `experiences[]` (`type` `company` → `company{name, domain}`,
  `unknown` → `companyName`; `position`, `startDate`, `endDate`, `isCurrent`). 2 credits per person,
  **2 minimum even when empty**. Seniority values: owner, founder, c-suite, partner, vp, head, director,
  manager, senior, entry, intern; unknown enum values are silently ignored, not refused.
- Statuses: 400 and 422 bad input, 401 bad key, 402 out of credits, 404 miss (enrich only), 429
  throttled, 5xx. Errors may come as `application/problem+json` (`{type, title, status, detail}`); the
  detail becomes the message. (The seed read a search 404/422 as "not found"; a 422 is a validation
  failure, so it is bad input here.)
- `GET /me` (free) answers `{userId, credits{used, total}, capabilities{…}}`: the balance is total - used.
- Answers may carry `x-credit-cost` (CompanyEnrich's benchmark reads it); when present it is the charge.
- Price per credit is not in our sources: ASSUMED $0.02 (CompanyEnrich's own Apify actor sells
  enrichments at $20 per 1,000, an upper bound). Rate limit undocumented: ASSUMED 10/s, 10 in flight.
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
from providers.http import HttpResponse

NAME = "companyenrich"
USD_PER_CREDIT = 0.02
ENRICH_CREDITS = 1
COMPANY_SEARCH_CREDITS = 1  # per company, and the minimum
SIMILAR_CREDITS = 5  # per company, and the minimum
PEOPLE_CREDITS = 2  # per person, and the minimum
DEFAULT_PAGE_SIZE = 25
TIMEOUT_S = 30.0
CREDITS_TIMEOUT_S = 10.0

# Our canonical job levels (CONTRACTS §8) in CompanyEnrich's seniority words; others pass as written.
SENIORITY = {"c-team": "c-suite", "c-level": "c-suite", "c_suite": "c-suite", "vice president": "vp"}
# Common job functions in CompanyEnrich's department words (top level of its taxonomy; ASSUMED beyond the
# documented "engineering-technical/…" example); others pass as a lower-case slug.
DEPARTMENTS = {
    "engineering": "engineering-technical", "human resources": "human-resources", "hr": "human-resources",
    "it": "information-technology", "customer success": "customer-service",
}  # fmt: skip
# CompanyEnrich's employee ranges in the form the other providers use.
EMPLOYEE_RANGES = {"501-1K": "501-1000", "1K-5K": "1001-5000", "5K-10K": "5001-10000", "over-10K": "10001+"}
COMPANY_ITEM_FIELDS = (
    "company_name", "company_domain", "company_website", "company_linkedin_url", "industry_primary",
    "employee_range", "founded_year", "hq_country_code", "source_company_id",
)  # fmt: skip


def bare_domain(value: Any) -> str | None:
    """Reduce a website URL or domain to a bare lowercase domain (no scheme, `www.`, port or path)."""
    if not isinstance(value, str) or not value.strip():
        return None
    host = value.strip().lower().split("://", 1)[-1]
    host = re.split(r"[/?#]", host, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    return host.removeprefix("www.") or None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [found for item in items if (found := _text(item))]


def _headers(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.api_key}", "accept": "application/json"}


def _post(path: str, body: dict[str, Any], credentials: Credentials) -> RequestSpec:
    return RequestSpec("POST", path, headers=_headers(credentials), json=body, timeout_s=TIMEOUT_S)


def _merged(inputs: Mapping[str, Any], computed: dict[str, Any]) -> dict[str, Any]:
    """Lay the computed body over the caller's `provider_filters.companyenrich` (computed values win)."""
    own = _dict(inputs.get("provider_filters")).get(NAME)
    return {**(own if isinstance(own, Mapping) else {}), **computed}


def _paging(inputs: Mapping[str, Any]) -> dict[str, int]:
    size = int(first_present(inputs, "page_size", "max_results", "limit") or DEFAULT_PAGE_SIZE)
    return {"page": max(1, int(inputs.get("page") or 1)), "pageSize": min(100, max(1, size))}


def _countries(inputs: Mapping[str, Any]) -> list[str]:
    # Only two-letter entries are country codes; city or region names have no place in `countries`.
    return [c.upper() for c in _strings(inputs.get("location")) if re.fullmatch(r"[A-Za-z]{2}", c)]


# -- requests ------------------------------------------------------------------------------------------


def build_enrich_company(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a company by its domain (a website URL is reduced to one)."""
    domain = bare_domain(first_present(inputs, "company_domain", "company_website"))
    if not domain:
        return missing("company_domain|company_website")
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec(
        "GET",
        "/companies/enrich",
        headers=_headers(credentials),
        params={"domain": domain},
        timeout_s=TIMEOUT_S,
    )


def build_enrich_company_by_properties(
    inputs: Mapping[str, Any], credentials: Credentials
) -> RequestSpec | Skip:
    """Ask for the best-matching company by name and/or LinkedIn page."""
    body = {
        "name": _text(inputs.get("company_name")),
        "linkedinUrl": _text(inputs.get("company_linkedin_url")),
    }
    if not any(body.values()):
        return missing("company_name|company_linkedin_url")
    if not credentials.api_key:
        return NO_KEY
    return _post("/companies/enrich", {k: v for k, v in body.items() if v}, credentials)


def build_search_companies(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Search companies by a name/domain query and country codes, one page at a time."""
    computed: dict[str, Any] = {}
    if query := _text(inputs.get("query")):
        computed["query"] = query
    if countries := _countries(inputs):
        computed["countries"] = countries
    body = _merged(inputs, computed)
    if not body:
        return missing("query|provider_filters")
    if not credentials.api_key:
        return NO_KEY
    return _post("/companies/search", {**body, **_paging(inputs)}, credentials)


def build_similar_companies(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for look-alikes of one company (or up to ten, from `company_domains`)."""
    seeds = [bare_domain(d) for d in _strings(first_present(inputs, "company_domains", "company_domain"))]
    seeds = [d for d in seeds if d] or [d for d in [bare_domain(inputs.get("company_website"))] if d]
    if not seeds:
        return missing("company_domain|company_website")
    if not credentials.api_key:
        return NO_KEY
    body = _merged(inputs, {"domains": list(dict.fromkeys(seeds))[:10]})
    return _post("/companies/similar", {**body, **_paging(inputs)}, credentials)


def build_search_people(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Search people by company domain (else name), position, seniority, department and country."""
    computed: dict[str, Any] = {}
    domain = bare_domain(first_present(inputs, "company_domain", "company_website"))
    if domain:
        computed["domains"] = [domain]
    elif name := _text(inputs.get("company_name")):
        computed["companyFilter"] = {"query": name}
    if positions := _strings(first_present(inputs, "job_title", "query")):
        computed["positionQuery"] = positions
    if levels := _strings(inputs.get("job_level")):
        computed["seniority"] = [SENIORITY.get(lv.lower(), lv.lower().replace(" ", "-")) for lv in levels]
    if functions := _strings(inputs.get("job_function")):
        computed["department"] = [DEPARTMENTS.get(f.lower(), f.lower().replace(" ", "-")) for f in functions]
    if countries := _countries(inputs):
        computed["countries"] = countries
    body = _merged(inputs, computed)
    if not body:
        return missing("company_domain|company_website|company_name|job_title|query|provider_filters")
    if not credentials.api_key:
        return NO_KEY
    return _post("/people/search", {**body, **_paging(inputs)}, credentials)


# -- answers -------------------------------------------------------------------------------------------


def _failure(
    action: str, response: HttpResponse, body: dict[str, Any] | None, *, miss_on_404: bool = False
) -> ProviderResult | None:
    """Classify an error answer (problem+json or not); None when the answer is a success to parse."""
    if response.status < 300:
        return None if body is not None else malformed(action, NAME, response)
    problem = body or {}
    message = next((m for k in ("detail", "title", "message", "error") if (m := _text(problem.get(k)))), None)
    if response.status == 404 and miss_on_404:
        return result(action, NAME, Outcome.NOT_FOUND, response, provider_status="not_found", message=message)
    return classify_http_error(action, NAME, response, message=message, provider_status=str(response.status))


def _charged(response: HttpResponse, credits: int) -> float:
    """Return the USD charge: the `x-credit-cost` header when present, else the documented credits."""
    try:
        credits_used = float(response.headers.get("x-credit-cost", ""))
    except ValueError:
        credits_used = float(credits)
    return credits_used * USD_PER_CREDIT


def company_profile(company: dict[str, Any]) -> dict[str, Any]:
    """Normalize a CompanyEnrich company object to the company Profile fields."""
    location, socials = _dict(company.get("location")), _dict(company.get("socials"))
    founded, keywords = company.get("founded_year"), _strings(company.get("keywords"))
    employees = _text(company.get("employees"))
    return {
        "company_name": _text(company.get("name")),
        "company_domain": bare_domain(company.get("domain") or company.get("website")),
        "company_website": _text(company.get("website")),
        "company_linkedin_url": _text(socials.get("linkedin_url")),
        "company_linkedin_id": _text(str(socials.get("linkedin_id") or "")),
        "company_type": _text(company.get("type")),
        "industry_primary": _text(company.get("industry")),
        "industry_derived": _strings(company.get("industries")) or None,
        "employee_count": None,  # CompanyEnrich gives a range only
        "employee_range": EMPLOYEE_RANGES.get(employees, employees) if employees else None,
        "founded_year": founded if isinstance(founded, int) and founded > 0 else None,
        "hq_locality": _text(_dict(location.get("city")).get("name")),
        "hq_country_code": _text(_dict(location.get("country")).get("code")),
        "description_raw": _text(company.get("description")),
        "specialties": keywords or None,
        "annual_revenue_range": _text(company.get("revenue")),
        "follower_count": None,
        "logo_url": _text(company.get("logo_url")),
        "source_company_id": _text(str(company.get("id") or "")),
    }


def company_item(company: dict[str, Any]) -> dict[str, Any]:
    """Normalize one search or look-alike result to the company search item fields."""
    profile = company_profile(company)
    return {key: profile[key] for key in COMPANY_ITEM_FIELDS}


def person_item(person: dict[str, Any]) -> dict[str, Any]:
    """Normalize one people-search result to the person search item fields."""
    experiences = [e for e in person.get("experiences") or [] if isinstance(e, dict)]
    current = next((e for e in experiences if e.get("isCurrent") is True), {})
    employer = _dict(current.get("company")) if current.get("type") == "company" else {}
    location = _dict(person.get("location"))
    country = _dict(location.get("country"))
    first, last = _text(person.get("first_name")), _text(person.get("last_name"))
    person_id = person.get("id")
    return {
        "full_name": _text(person.get("name")) or " ".join(p for p in (first, last) if p) or None,
        "first_name": first,
        "last_name": last,
        "linkedin_url": _text(_dict(person.get("socials")).get("linkedin_url")),
        "headline": None,  # CompanyEnrich has no headline; `position` is the title
        "current_title": _text(person.get("position")) or _text(current.get("position")),
        "current_company_name": _text(employer.get("name")) or _text(current.get("companyName")),
        "current_company_domain": bare_domain(employer.get("domain")),
        "location_name": _text(location.get("address")) or _text(country.get("name")),
        "country_code": _text(country.get("code")),
        "source_person_id": str(person_id) if person_id is not None else None,
    }


def _enrich_parser(action: str) -> Parse:
    def parse(response: HttpResponse) -> ProviderResult:
        body = json_object(response)
        failure = _failure(action, response, body, miss_on_404=True)
        if failure is not None or body is None:
            return failure or malformed(action, NAME, response)
        if not (body.get("id") or body.get("domain") or body.get("name")):
            return result(action, NAME, Outcome.NOT_FOUND, response, provider_status="empty")
        profile = company_profile(body)
        cost = _charged(response, ENRICH_CREDITS)
        return result(
            action, NAME, Outcome.FOUND, response, data=profile, provider_status="ok", cost_usd=cost
        )

    parse.__doc__ = f"Classify a {action} answer: a company, or a miss (404)."
    return parse


def _search_parser(action: str, item: Callable[[dict[str, Any]], dict[str, Any]], credits: int) -> Parse:
    def parse(response: HttpResponse) -> ProviderResult:
        body = json_object(response)
        failure = _failure(action, response, body)
        if failure is not None or body is None:
            return failure or malformed(action, NAME, response)
        raw_items = body.get("items")
        if not isinstance(raw_items, list):
            return malformed(action, NAME, response, "no items list in a successful answer")
        items = [item(entry) for entry in raw_items if isinstance(entry, dict)]
        # Searches charge a minimum even when nothing matches, so a miss has a cost too.
        cost = _charged(response, credits * max(1, len(items)))
        if not items:
            return result(action, NAME, Outcome.NOT_FOUND, response, provider_status="empty", cost_usd=cost)
        pagination = {
            "page": body.get("page"),
            "page_size": None,
            "total_pages": body.get("totalPages"),
            "total_items": body.get("totalItems"),
        }
        data = {"results": items, "pagination": pagination}
        return result(action, NAME, Outcome.FOUND, response, data=data, provider_status="ok", cost_usd=cost)

    parse.__doc__ = f"Classify a {action} answer: a page of results, or an (also charged) empty page."
    return parse


parse_enrich_company = _enrich_parser("enrich_company")
parse_enrich_company_by_properties = _enrich_parser("enrich_company_by_properties")
parse_search_companies = _search_parser("search_companies", company_item, COMPANY_SEARCH_CREDITS)
parse_similar_companies = _search_parser("similar_companies", company_item, SIMILAR_CREDITS)
parse_search_people = _search_parser("search_people", person_item, PEOPLE_CREDITS)


def build_credits(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask `GET /me` for the account's credits (free)."""
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec("GET", "/me", headers=_headers(credentials), timeout_s=CREDITS_TIMEOUT_S)


def parse_credits(response: HttpResponse) -> ProviderResult:
    """Read `credits{used, total}` of `GET /me`: what is left is total - used."""
    body = json_object(response)
    failure = _failure(CREDITS, response, body)
    if failure is not None or body is None:
        return failure or malformed(CREDITS, NAME, response)
    credits = _dict(body.get("credits"))
    used, total = number(credits.get("used")), number(credits.get("total"))
    remaining = max(0.0, total - (used or 0.0)) if total is not None else None
    return balance(NAME, response, remaining, used=used, credits_total=total)


def _action(name: str, build: Build, parse: Parse, credits: int, description: str) -> Action:
    return Action(NAME, name, build, parse, cost_usd=credits * USD_PER_CREDIT, description=description)


PROVIDER = Provider(
    name=NAME,
    base_url="https://api.companyenrich.com",
    rate_limit=RateLimit(rate=10, concurrency=10),
    actions={
        action.name: action
        for action in (
            _action(
                "enrich_company",
                build_enrich_company,
                parse_enrich_company,
                ENRICH_CREDITS,
                "Enrich by domain.",
            ),
            _action(
                "enrich_company_by_properties",
                build_enrich_company_by_properties,
                parse_enrich_company_by_properties,
                ENRICH_CREDITS,
                "Enrich the company best matching a name or LinkedIn page.",
            ),
            _action(
                "search_companies",
                build_search_companies,
                parse_search_companies,
                COMPANY_SEARCH_CREDITS,
                "Search companies (charged per company, 1 credit minimum).",
            ),
            _action(
                "similar_companies",
                build_similar_companies,
                parse_similar_companies,
                SIMILAR_CREDITS,
                "Find look-alike companies (5 credits per company, 5 minimum).",
            ),
            _action(
                "search_people",
                build_search_people,
                parse_search_people,
                PEOPLE_CREDITS,
                "Search people (2 credits per person, 2 minimum).",
            ),
        )
    },
    credits=Action(NAME, CREDITS, build_credits, parse_credits, description="The account's credits (free)."),
    credits_note="GET /me: credits{used, total}",
    docs="companyenrich.com API docs (enrich, search, similar, people search); limits and price assumed",
)
