"""LeadMagic's company actions: company search (a profile) and technographics.

- Company search: `POST /v1/companies/company-search` with `company_domain`, `profile_url` (the
  company's LinkedIn page) or `company_name`. The answer mixes camelCase and snake_case
  (`companyName`, `companyId`, `employeeCount`, `employeeCountRange{start,end}`, `employee_range`,
  `founded_year` as a string, `foundedOn{year}`, `headquarter{city, geographicArea, country}`,
  `specialities`, `websiteUrl`, `b2b_profile_url` as a bare slug, `followerCount`, `logo_url`,
  `revenue_formatted`, `ownership_status`); `message` is "Company found" or "Company not found"
  (a 404 is also listed). 1 credit when found.
- Technographics: `POST /v1/companies/company-technographics {company_domain}` (the docs copy; a
  LeadMagic route table says `/v1/companies/technographics`, so `TECHNOGRAPHICS_PATH` is the one
  place to change) → `{technologies[]{name, category, website, icon?}, categories{cat: [names]}}`,
  1 credit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.base import (
    NO_KEY,
    Credentials,
    Outcome,
    ProviderResult,
    RequestSpec,
    Skip,
    first_present,
    missing,
    result,
)
from providers.http import HttpResponse
from providers.leadmagic.protocol import (
    NAME,
    answer_body,
    bare_domain,
    credits_cost,
    integer,
    linkedin_url,
    not_found,
    post,
    says_not_found,
    text,
)

COMPANY_CREDITS = 1.0
TECHNOGRAPHICS_CREDITS = 1.0
TECHNOGRAPHICS_PATH = "/v1/companies/company-technographics"


def build_company_search(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a company's profile by domain, LinkedIn page or name (all that are known)."""
    body = {
        key: value
        for key, value in (
            ("company_domain", bare_domain(first_present(inputs, "company_domain", "company_website"))),
            ("profile_url", first_present(inputs, "company_linkedin_url")),
            ("company_name", first_present(inputs, "company_name")),
        )
        if isinstance(value, str)
    }
    if not body:
        return missing("company_domain|company_website|company_linkedin_url|company_name")
    if not credentials.api_key:
        return NO_KEY
    return post("/v1/companies/company-search", body, credentials)


def _pick(body: Mapping[str, Any], *names: str) -> Any:
    return next((body[name] for name in names if body.get(name) not in (None, "", [], {})), None)


def _employee_range(body: Mapping[str, Any]) -> str | None:
    named = text(_pick(body, "employee_range", "employeeRange"))
    if named:
        return named
    span = body.get("employeeCountRange")
    if isinstance(span, Mapping) and integer(span.get("start")) is not None:
        end = integer(span.get("end"))
        return f"{span['start']}-{end}" if end is not None else f"{span['start']}+"
    return None


def _founded_year(body: Mapping[str, Any]) -> int | None:
    year = integer(_pick(body, "founded_year", "founded"))
    founded_on = body.get("foundedOn")
    if year is None and isinstance(founded_on, Mapping):
        year = integer(founded_on.get("year"))
    return year


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [item.strip() for item in value if isinstance(item, str) and item.strip()] or None


def company_profile(body: Mapping[str, Any]) -> dict[str, Any]:
    """Normalize a company-search answer to the Profile fields."""
    hq = body.get("headquarter") or body.get("headquarters") or {}
    hq = hq if isinstance(hq, Mapping) else {}
    website = text(_pick(body, "websiteUrl", "website", "company_website"))
    company_id = _pick(body, "companyId", "company_id")
    country = text(hq.get("country"))
    return {
        "company_name": text(_pick(body, "companyName", "company_name")),
        "company_domain": bare_domain(website) or bare_domain(body.get("company_domain")),
        "company_website": website,
        "company_linkedin_url": linkedin_url(_pick(body, "b2b_profile_url", "profile_url"), "company"),
        "company_linkedin_id": str(company_id) if company_id is not None else None,
        "company_type": text(_pick(body, "ownership_status", "type")),
        "industry_primary": text(body.get("industry")),
        "employee_count": integer(_pick(body, "employeeCount", "employee_count")),
        "employee_range": _employee_range(body),
        "founded_year": _founded_year(body),
        "hq_locality": text(hq.get("city")),
        "hq_country_code": country.upper() if country and len(country) == 2 else None,
        "description_raw": text(_pick(body, "description", "tagline")),
        "specialties": _strings(_pick(body, "specialities", "specialties")),
        "annual_revenue_range": text(_pick(body, "revenue_range", "revenue_formatted")),
        "follower_count": integer(_pick(body, "followerCount", "follower_count")),
        "logo_url": text(_pick(body, "logo_url", "logoUrl")),
        "source_company_id": company_id,
    }


def parse_company_search(response: HttpResponse) -> ProviderResult:
    """Classify a company answer, normalized to the Profile fields; "Company not found" is a miss."""
    body = answer_body("company_search", response)
    if isinstance(body, ProviderResult):
        return body
    profile = company_profile(body)
    if says_not_found(body) or not (profile["company_name"] or profile["company_domain"]):
        return not_found("company_search", response, body)
    return result(
        "company_search",
        NAME,
        Outcome.FOUND,
        response,
        data=profile,
        provider_status=text(body.get("message")),
        cost_usd=credits_cost(body, COMPANY_CREDITS),
    )


def build_technographics(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for the technologies a company's site and stack use."""
    domain = bare_domain(first_present(inputs, "company_domain", "company_website"))
    if not domain:
        return missing("company_domain|company_website")
    if not credentials.api_key:
        return NO_KEY
    return post(TECHNOGRAPHICS_PATH, {"company_domain": domain}, credentials)


def parse_technographics(response: HttpResponse) -> ProviderResult:
    """Classify a technology list; none found is not found."""
    body = answer_body("technographics", response)
    if isinstance(body, ProviderResult):
        return body
    raw = body.get("technologies")
    entries = (
        [t for t in raw if isinstance(t, Mapping) and text(t.get("name"))] if isinstance(raw, list) else []
    )
    if not entries:
        return not_found("technographics", response, body)
    technologies = [
        {
            "name": text(t.get("name")),
            "category": text(t.get("category")),
            "website": text(t.get("website")),
            "icon": text(t.get("icon")),
        }
        for t in entries
    ]
    categories: dict[str, list[str]] = {}
    given = body.get("categories")
    if isinstance(given, Mapping) and given:
        categories = {str(k): _strings(v) or [] for k, v in given.items()}
    else:
        for tech in technologies:
            categories.setdefault(tech["category"] or "Other", []).append(str(tech["name"]))
    data = {"technologies": technologies, "categories": categories, "technology_count": len(technologies)}
    return result(
        "technographics",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        provider_status=text(body.get("message")),
        cost_usd=credits_cost(body, TECHNOGRAPHICS_CREDITS),
    )
