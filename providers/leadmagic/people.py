"""LeadMagic's people actions: mobile finder, role finder, employee finder and profile enrichment.

- Mobile: `POST /v1/people/mobile-finder` with `profile_url`, `work_email` or `personal_email` →
  `{profile_url?, email?, mobile_number, credits_consumed, message}`; 5 credits when found, free
  otherwise ("No mobile number found for this contact.").
- Role: `POST /v1/people/role-finder {job_title, company_domain | company_name}` → one person
  `{first_name, last_name, full_name, profile_url, job_title, company_name, company_website}`;
  2 credits when found ("Role Found"; a miss says "No matching role found at this company.").
- Employees: `POST /v1/people/employee-finder {company_domain | company_name, limit (default 20)}` →
  `{employees[]{first_name, last_name, full_name, profile_url, job_title, location}, total_count}`;
  0.05 credit per employee returned, free when none.
- Profile (`b2b_profile`): `POST /v1/people/profile-search {profile_url}`, 1 credit. LeadMagic's
  current docs and OpenAPI make `/v1/people/b2b-profile` the *reverse* lookup (`{work_email}` →
  `{profile_url}`, 10 credits), so enrichment by LinkedIn URL goes to profile-search, as the old
  system did. ASSUMED answer (docs list the fields, not their nesting): `{profile_url, first_name,
  last_name, full_name, professional_title, headline?, bio, location, country, company_name,
  company_website, work_experience[], education[], certifications[], honors[], skills[],
  total_tenure_years, connections_count, follower_count, credits_consumed, message}`; a miss is
  a 404 `profile_not_found` or a message saying "not found". `PROFILE_PATH` is the one place to change.
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

MOBILE_CREDITS = 5.0
ROLE_CREDITS = 2.0
EMPLOYEE_CREDITS = 0.05  # per employee returned
PROFILE_CREDITS = 1.0
DEFAULT_EMPLOYEE_LIMIT = 20
PROFILE_PATH = "/v1/people/profile-search"


def _company(inputs: Mapping[str, Any]) -> dict[str, str]:
    domain = bare_domain(first_present(inputs, "company_domain", "company_website"))
    if domain:
        return {"company_domain": domain}
    name = first_present(inputs, "company_name")
    return {"company_name": name} if isinstance(name, str) else {}


def search_item(person: Mapping[str, Any], company: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Normalize one LeadMagic person to the person-search item fields."""
    company = company or {}
    first, last = text(person.get("first_name")), text(person.get("last_name"))
    full = text(person.get("full_name")) or " ".join(p for p in (first, last) if p) or None
    return {
        "full_name": full,
        "first_name": first,
        "last_name": last,
        "linkedin_url": linkedin_url(person.get("profile_url"), "in"),
        "headline": text(person.get("headline")),
        "current_title": text(person.get("job_title")),
        "current_company_name": text(person.get("company_name")) or text(company.get("company_name")),
        "current_company_domain": bare_domain(person.get("company_website"))
        or bare_domain(company.get("company_domain")),
        "location_name": text(person.get("location")),
        "country_code": text(person.get("country_code")),
        "source_person_id": None,
    }


def build_mobile_finder(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a mobile number by LinkedIn profile, work email or personal email."""
    body = {
        key: value
        for key, value in (
            ("profile_url", first_present(inputs, "linkedin_url", "profile_url")),
            ("work_email", first_present(inputs, "work_email", "email")),
            ("personal_email", first_present(inputs, "personal_email")),
        )
        if isinstance(value, str)
    }
    if not body:
        return missing("linkedin_url|profile_url|work_email|personal_email")
    if not credentials.api_key:
        return NO_KEY
    return post("/v1/people/mobile-finder", body, credentials)


def parse_mobile_finder(response: HttpResponse) -> ProviderResult:
    """Classify a mobile answer: a number (5 credits) or "No mobile number found" (free)."""
    body = answer_body("mobile_finder", response)
    if isinstance(body, ProviderResult):
        return body
    number = text(body.get("mobile_number"))
    if number is None:
        return not_found("mobile_finder", response, body)
    data = {
        "mobile_phone": number,
        "linkedin_url": linkedin_url(body.get("profile_url"), "in"),
        "email": text(body.get("email")),
    }
    return result(
        "mobile_finder",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        provider_status=text(body.get("message")),
        cost_usd=credits_cost(body, MOBILE_CREDITS),
    )


def build_role_finder(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask who holds a job title at a company."""
    title = first_present(inputs, "job_title")
    company = _company(inputs)
    if not isinstance(title, str) or not company:
        needs = [] if isinstance(title, str) else ["job_title"]
        return missing(*needs, *([] if company else ["company_domain|company_website|company_name"]))
    if not credentials.api_key:
        return NO_KEY
    return post("/v1/people/role-finder", {"job_title": title, **company}, credentials)


def parse_role_finder(response: HttpResponse) -> ProviderResult:
    """Classify a role answer as a one-item person-search list, or not found."""
    body = answer_body("role_finder", response)
    if isinstance(body, ProviderResult):
        return body
    item = search_item(body)
    if says_not_found(body) or not (item["full_name"] or item["linkedin_url"]):
        return not_found("role_finder", response, body)
    return result(
        "role_finder",
        NAME,
        Outcome.FOUND,
        response,
        data={"results": [item], "result_count": 1},
        provider_status=text(body.get("message")),
        cost_usd=credits_cost(body, ROLE_CREDITS),
    )


def build_employee_finder(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for up to `max_results` (default 20) employees of a company."""
    company = _company(inputs)
    if not company:
        return missing("company_domain|company_website|company_name")
    if not credentials.api_key:
        return NO_KEY
    limit = int(first_present(inputs, "max_results", "limit") or DEFAULT_EMPLOYEE_LIMIT)
    return post("/v1/people/employee-finder", {**company, "limit": max(1, limit)}, credentials)


def parse_employee_finder(response: HttpResponse) -> ProviderResult:
    """Classify an employee list as person-search items; an empty list is not found (free)."""
    body = answer_body("employee_finder", response)
    if isinstance(body, ProviderResult):
        return body
    # Some doc versions name the list `data` instead of `employees`.
    employees = body.get("employees") if "employees" in body else body.get("data")
    people = [p for p in employees if isinstance(p, Mapping)] if isinstance(employees, list) else []
    if not people:
        return not_found("employee_finder", response, body)
    items = [search_item(person, body) for person in people]
    data = {"results": items, "result_count": len(items), "total_count": integer(body.get("total_count"))}
    return result(
        "employee_finder",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        provider_status=text(body.get("message")),
        cost_usd=credits_cost(body, EMPLOYEE_CREDITS * len(items)),
    )


def build_b2b_profile(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a person's profile by LinkedIn URL."""
    url = first_present(inputs, "linkedin_url", "profile_url")
    if not isinstance(url, str):
        return missing("linkedin_url|profile_url")
    if not credentials.api_key:
        return NO_KEY
    return post(PROFILE_PATH, {"profile_url": url}, credentials)


def _job(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": text(entry.get("title"))
        or text(entry.get("position_title"))
        or text(entry.get("job_title")),
        "company_name": text(entry.get("company_name")) or text(entry.get("company")),
        "company_domain": bare_domain(entry.get("company_domain") or entry.get("company_website")),
        "start_date": text(entry.get("start_date")),
        "end_date": text(entry.get("end_date")),
        "is_current": entry.get("is_current"),
    }


def _records(value: Any) -> list[dict[str, Any]]:
    return [dict(v) for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _skills(value: Any) -> list[str]:
    items = value if isinstance(value, list) else []
    names = [item.get("name") if isinstance(item, Mapping) else item for item in items]
    return [name.strip() for name in names if isinstance(name, str) and name.strip()]


def parse_b2b_profile(response: HttpResponse) -> ProviderResult:
    """Classify a profile answer, normalized to the person-enrich fields."""
    body = answer_body("b2b_profile", response)
    if isinstance(body, ProviderResult):
        return body
    first, last = text(body.get("first_name")), text(body.get("last_name"))
    full = text(body.get("full_name")) or " ".join(p for p in (first, last) if p) or None
    history = [_job(job) for job in _records(body.get("work_experience") or body.get("work_history"))]
    if says_not_found(body) or not (full or history):
        return not_found("b2b_profile", response, body)
    current = next((job for job in history if job["is_current"]), history[0] if history else {})
    data = {
        "full_name": full,
        "first_name": first,
        "last_name": last,
        "linkedin_url": linkedin_url(body.get("profile_url"), "in"),
        "headline": text(body.get("headline")),
        "current_title": text(body.get("professional_title")) or current.get("title"),
        "bio": text(body.get("bio")),
        "location": text(body.get("location")),
        "country": text(body.get("country")),
        "current_company_name": text(body.get("company_name")) or current.get("company_name"),
        "current_company_domain": bare_domain(body.get("company_website")) or current.get("company_domain"),
        "current_company_linkedin_url": linkedin_url(body.get("company_profile_url"), "company"),
        "work_history": history,
        "education": _records(body.get("education")),
        "certifications": _records(body.get("certifications")),
        "honors": _records(body.get("honors")),
        "skills": _skills(body.get("skills")),
        "total_tenure_years": text(str(body["total_tenure_years"]))
        if body.get("total_tenure_years") is not None
        else None,
        "connections_count": integer(body.get("connections_count")),
        "follower_count": integer(body.get("follower_count")),
    }
    return result(
        "b2b_profile",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        provider_status=text(body.get("message")),
        cost_usd=credits_cost(body, PROFILE_CREDITS),
    )
