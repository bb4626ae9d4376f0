"""AmpleLeads: LinkedIn person profile enrichment (a LinkedIn scraper API).

Facts (shared PROVIDER_FACTS.md, AmpleLeads section, from the vendor docs copied in
bencrane/api-reference-docs-new `ampleleads/*`, and the seed's adapter for how answers read):
- Base `https://api.ampleleads.io/v1`; the key goes in the query string as `api_key` on every request.
- `POST /linkedin/person/enrich?api_key=…` with `{"url": "<LinkedIn profile URL>"}` answers
  `{success, data: {first_name, last_name, headline, location, contact_details{…}, experience[…],
  education[…], skills[…], recommendations[…], people_also_viewed[{first_name, last_name, headline,
  linkedin_url, followers, is_premium, urn, public_identifier, profile_picture_url}]}}`.
- `success: false` is a failure and its `message` says why: about the key → bad key, about credits →
  no credits, about the URL / input → bad input, anything else a final provider error. `success: true`
  with an empty `data` is a miss (not_found).
- 401 missing or invalid key, 403 key inactive or revoked; 429 is retried (Retry-After when sent), 5xx too.
- 4 credits per profile; 400 requests per minute per account.
- `GET /credits?api_key=…` answers `{success: true, data: {available_credits}}`.

ASSUMED, because the docs copy truncates the answer (correct it here if the real service differs):
- `experience[]` items: `{title, company_name (or company), company_linkedin_url, location, start_date,
  end_date (null while current), is_current, description}`, dates as "YYYY-MM", "YYYY-MM-DD" or
  `{year, month}`; `education[]` items: `{school (or school_name), degree, field_of_study, start_year,
  end_year}`; `data` may also carry `linkedin_url`, `public_identifier`, `about`, `followers`,
  `connections`, `certifications[]`, `honors[]`, and `contact_details` may carry `email` and `phone`.
- No charge for a miss; out of credits answers 402; a credit's USD price is unpublished: $0.005 assumed
  (so $0.02 a profile).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
    json_object,
    malformed,
    missing,
    number,
    result,
)
from providers.http import HttpResponse

NAME = "ampleleads"
USD_PER_CREDIT = 0.005
PROFILE_CREDITS = 4
PROFILE_COST_USD = PROFILE_CREDITS * USD_PER_CREDIT
TIMEOUT_S = 60.0  # a live scrape, slower than a database lookup


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def bare_domain(value: Any) -> str | None:
    """Reduce a website URL or domain to a bare lowercase domain (no scheme, `www.`, port or path)."""
    if not isinstance(value, str) or not value.strip():
        return None
    host = value.strip().lower().split("://", 1)[-1]
    host = re.split(r"[/?#]", host, maxsplit=1)[0].split(":", 1)[0].rstrip(".")
    return host.removeprefix("www.") or None


def build_person_enrich(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for the LinkedIn profile at `linkedin_url`."""
    url = _text(inputs.get("linkedin_url"))
    if url is None:
        return missing("linkedin_url")
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec(
        "POST",
        "/linkedin/person/enrich",
        headers={"Content-Type": "application/json", "accept": "application/json"},
        params={"api_key": credentials.api_key},
        json={"url": url},
        timeout_s=TIMEOUT_S,
    )


def _error_class(message: str | None, status: int) -> ErrorClass:
    words = (message or "").lower()
    if "key" in words or "unauthori" in words or status in (401, 403):
        return ErrorClass.BAD_KEY
    if "credit" in words or status == 402:
        return ErrorClass.NO_CREDITS
    if status in (400, 404, 422) or any(w in words for w in ("invalid", "url", "required")):
        return ErrorClass.BAD_INPUT
    return ErrorClass.PROVIDER_ERROR


def _date(value: Any) -> str | None:
    """Return a date as "YYYY-MM" (or "YYYY"), whichever of the assumed forms it comes in."""
    if isinstance(value, dict):
        year, month = value.get("year"), value.get("month")
        if not isinstance(year, int):
            return None
        return f"{year:04d}-{month:02d}" if isinstance(month, int) and 1 <= month <= 12 else f"{year:04d}"
    match = re.match(r"(\d{4})(?:-(\d{2}))?", value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2)}" if match.group(2) else match.group(1)


def _job(entry: dict[str, Any]) -> dict[str, Any]:
    end = _date(entry.get("end_date"))
    current = entry.get("is_current")
    return {
        "title": _text(entry.get("title")),
        "company_name": _text(entry.get("company_name")) or _text(entry.get("company")),
        "company_domain": bare_domain(entry.get("company_domain") or entry.get("company_website")),
        "company_linkedin_url": _text(entry.get("company_linkedin_url")),
        "start_date": _date(entry.get("start_date")),
        "end_date": end,
        "is_current": current if isinstance(current, bool) else end is None,
    }


def _school(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "school": _text(entry.get("school")) or _text(entry.get("school_name")),
        "degree": _text(entry.get("degree")),
        "field_of_study": _text(entry.get("field_of_study")),
        "start_year": _count(entry.get("start_year")),
        "end_year": _count(entry.get("end_year")),
    }


def _viewed(entry: dict[str, Any]) -> dict[str, Any]:
    names = (_text(entry.get("first_name")), _text(entry.get("last_name")))
    return {
        "full_name": " ".join(n for n in names if n) or None,
        "headline": _text(entry.get("headline")),
        "linkedin_url": _text(entry.get("linkedin_url")),
        "follower_count": _count(entry.get("followers")),
    }


def _listed(value: Any) -> list[Any] | None:
    return list(value) if isinstance(value, list) and value else None


def person_profile(data: dict[str, Any]) -> dict[str, Any]:
    """Normalize an AmpleLeads profile to the person-profile fields."""
    history = [_job(entry) for entry in _dicts(data.get("experience"))]
    current = next((job for job in history if job["is_current"]), {})
    first, last = _text(data.get("first_name")), _text(data.get("last_name"))
    location = _text(data.get("location"))
    contact = _dict(data.get("contact_details"))
    handle = _text(data.get("public_identifier"))
    skills = [s for item in data.get("skills") or [] if (s := _text(_dict(item).get("name") or item))]
    education = [_school(entry) for entry in _dicts(data.get("education"))]
    viewed = [_viewed(entry) for entry in _dicts(data.get("people_also_viewed"))]
    return {
        "full_name": _text(data.get("full_name")) or " ".join(n for n in (first, last) if n) or None,
        "first_name": first,
        "last_name": last,
        "linkedin_url": _text(data.get("linkedin_url"))
        or (f"https://www.linkedin.com/in/{handle}" if handle else None),
        "headline": _text(data.get("headline")),
        "current_title": current.get("title"),
        "seniority": None,
        "department": None,
        "bio": _text(data.get("about")) or _text(data.get("summary")),
        "location": location,
        # LinkedIn locations end with the country ("Austin, Texas, United States").
        "country": location.rsplit(",", 1)[-1].strip() if location else None,
        "current_company_name": current.get("company_name"),
        "current_company_domain": current.get("company_domain"),
        "current_company_linkedin_url": current.get("company_linkedin_url"),
        "work_history": history or None,
        "education": education or None,
        "certifications": _listed(data.get("certifications")),
        "honors": _listed(data.get("honors")),
        "recommendations": _listed(data.get("recommendations")),
        "people_also_viewed": viewed or None,
        "skills": skills or None,
        "email": _text(contact.get("email")),
        "email_status": None,
        "mobile_phone": _text(contact.get("phone")),
        "mobile_status": None,
        "total_tenure_years": None,
        "connections_count": _count(data.get("connections")),
        "follower_count": _count(data.get("followers")),
    }


def parse_person_enrich(response: HttpResponse) -> ProviderResult:
    """Classify a person-enrich answer: a profile, an empty miss, or a `success: false` failure."""
    body = json_object(response)
    message = (_text(body.get("message")) or _text(body.get("error"))) if body else None
    if response.status == 429 or response.status >= 500:
        return classify_http_error("person_enrich", NAME, response, message=message)
    if response.status >= 300 or (body is not None and body.get("success") is False):
        error = _error_class(message, response.status)
        fields = {"message": message, "provider_status": "success_false"}
        return result("person_enrich", NAME, Outcome.FAILED, response, error_class=error, **fields)
    if body is None or body.get("success") is not True:
        return malformed("person_enrich", NAME, response)
    data = body.get("data")
    if data in (None, {}, []):
        return result("person_enrich", NAME, Outcome.NOT_FOUND, response, provider_status="empty_data")
    if not isinstance(data, dict):
        return malformed("person_enrich", NAME, response, "data is not an object")
    return result(
        "person_enrich",
        NAME,
        Outcome.FOUND,
        response,
        data=person_profile(data),
        provider_status="ok",
        cost_usd=PROFILE_COST_USD,
    )


def build_credits(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask `GET /credits` for the credits available (free)."""
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec(
        "GET", "/credits", headers={"accept": "application/json"}, params={"api_key": credentials.api_key},
        timeout_s=10.0,
    )  # fmt: skip


def parse_credits(response: HttpResponse) -> ProviderResult:
    """Read `data.available_credits`; `success: false` says why not, as every AmpleLeads answer does."""
    body = json_object(response)
    message = (_text(body.get("message")) or _text(body.get("error"))) if body else None
    if response.status == 429 or response.status >= 500:
        return classify_http_error(CREDITS, NAME, response, message=message)
    if response.status >= 300 or (body is not None and body.get("success") is False):
        error = _error_class(message, response.status)
        return result(CREDITS, NAME, Outcome.FAILED, response, error_class=error, message=message)
    if body is None:
        return malformed(CREDITS, NAME, response)
    return balance(NAME, response, number(_dict(body.get("data")).get("available_credits")))


PROVIDER = Provider(
    name=NAME,
    base_url="https://api.ampleleads.io/v1",
    rate_limit=RateLimit(rate=400, per_seconds=60, concurrency=10),
    actions={
        "person_enrich": Action(
            provider=NAME,
            name="person_enrich",
            build=build_person_enrich,
            parse=parse_person_enrich,
            cost_usd=PROFILE_COST_USD,
            description="Enrich a person from their LinkedIn profile URL (work history, education, skills).",
        )
    },
    credits=Action(NAME, CREDITS, build_credits, parse_credits, description="Credits available (free)."),
    credits_note="GET /credits: data.available_credits",
    docs="AmpleLeads docs (authentication, person-enrich, get-credits); nested shapes assumed",
)
