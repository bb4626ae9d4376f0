"""Prospeo answers in our words: person profile, company Profile, and search items and pagination."""

from __future__ import annotations

import re
from typing import Any

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
    host = host.removeprefix("www.")
    return host or None


def text(value: Any) -> str | None:
    """Return a stripped non-empty string, else None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def as_dict(value: Any) -> dict[str, Any]:
    """Return value when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def strings(value: Any) -> list[str]:
    """Return the non-blank strings of a value or list of values."""
    items = value if isinstance(value, list | tuple) else [value]
    return [found for item in items if (found := text(item))]


def _revealed(detail: dict[str, Any], key: str) -> str | None:
    value = text(detail.get(key))
    # Unrevealed (or redacted) values come masked with asterisks: useless as contact data.
    if detail.get("revealed") is not True or value is None or "*" in value:
        return None
    return value


def _month(year: Any, month: Any) -> str | None:
    if not isinstance(year, int):
        return None
    return f"{year:04d}-{month:02d}" if isinstance(month, int) and 1 <= month <= 12 else f"{year:04d}"


def _place(location: dict[str, Any]) -> str | None:
    parts = [text(location.get(key)) for key in ("city", "state", "country")]
    return ", ".join(p for p in parts if p) or None


def _current_job(person: dict[str, Any], jobs: list[dict[str, Any]]) -> dict[str, Any]:
    key = person.get("current_job_key")
    main = next((job for job in jobs if key is not None and job.get("job_key") == key), None)
    return main or next((job for job in jobs if job.get("current") is True), {})


def _work_history(jobs: list[dict[str, Any]], company: dict[str, Any]) -> list[dict[str, Any]]:
    history = []
    for job in jobs:
        # Jobs name no domain; the current company's object gives it for the jobs held there.
        here = company.get("company_id") is not None and job.get("company_id") == company.get("company_id")
        history.append(
            {
                "title": text(job.get("title")),
                "company_name": text(job.get("company_name")),
                "company_domain": bare_domain(company.get("domain") or company.get("website"))
                if here
                else None,
                "company_linkedin_url": text(company.get("linkedin_url")) if here else None,
                "start_date": _month(job.get("start_year"), job.get("start_month")),
                "end_date": _month(job.get("end_year"), job.get("end_month")),
                "is_current": job.get("current") is True,
            }
        )
    return history


def person_profile(person: dict[str, Any], company: dict[str, Any]) -> dict[str, Any]:
    """Normalize an enriched person (and their current company) to the person-profile fields."""
    jobs = [job for job in person.get("job_history") or [] if isinstance(job, dict)]
    current = _current_job(person, jobs)
    location, email, mobile = (as_dict(person.get(k)) for k in ("location", "email", "mobile"))
    first, last = text(person.get("first_name")), text(person.get("last_name"))
    departments = strings(current.get("departments"))
    skills = strings(person.get("skills"))
    return {
        "full_name": text(person.get("full_name")) or " ".join(p for p in (first, last) if p) or None,
        "first_name": first,
        "last_name": last,
        "linkedin_url": text(person.get("linkedin_url")),
        "headline": text(person.get("headline")),
        "current_title": text(person.get("current_job_title")) or text(current.get("title")),
        "seniority": text(current.get("seniority")),
        "department": departments[0] if departments else None,
        "bio": None,
        "location": _place(location),
        "country": text(location.get("country")),
        "current_company_name": text(company.get("name")) or text(current.get("company_name")),
        "current_company_domain": bare_domain(company.get("domain") or company.get("website")),
        "current_company_linkedin_url": text(company.get("linkedin_url")),
        "work_history": _work_history(jobs, company) or None,
        "education": None,
        "certifications": None,
        "honors": None,
        "recommendations": None,
        "people_also_viewed": None,
        "skills": skills or None,
        "email": _revealed(email, "email"),
        "email_status": (text(email.get("status")) or "").lower() or None,
        "mobile_phone": _revealed(mobile, "mobile"),
        "mobile_status": (text(mobile.get("status")) or "").lower() or None,
        "total_tenure_years": None,
        "connections_count": None,
        "follower_count": None,
        "source_person_id": text(person.get("person_id")),
    }


def _money(amount: Any) -> str | None:
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        return None
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if amount >= size:
            return f"${amount / size:g}{unit}"
    return f"${amount:g}"


def _revenue(company: dict[str, Any]) -> str | None:
    revenue = as_dict(company.get("revenue_range"))
    low, high = _money(revenue.get("min")), _money(revenue.get("max"))
    if low and high:
        return f"{low}-{high}"
    return text(company.get("revenue_range_printed"))


def company_profile(company: dict[str, Any]) -> dict[str, Any]:
    """Normalize a Prospeo company object to the company Profile fields."""
    location = as_dict(company.get("location"))
    employees, founded, linkedin_id = (company.get(k) for k in ("employee_count", "founded", "linkedin_id"))
    keywords = strings(company.get("keywords"))
    return {
        "company_name": text(company.get("name")),
        "company_domain": bare_domain(company.get("domain") or company.get("website")),
        "company_website": text(company.get("website")),
        "company_linkedin_url": text(company.get("linkedin_url")),
        "company_linkedin_id": str(linkedin_id) if linkedin_id not in (None, "") else None,
        "company_type": text(company.get("type")),
        "industry_primary": text(company.get("industry")),
        "industry_derived": None,
        "employee_count": employees if isinstance(employees, int) else None,
        "employee_range": text(company.get("employee_range")),
        "founded_year": founded if isinstance(founded, int) else None,
        "hq_locality": text(location.get("city")),
        "hq_country_code": text(location.get("country_code")),
        "description_raw": text(company.get("description")),
        "specialties": keywords or None,
        "annual_revenue_range": _revenue(company),
        "follower_count": None,
        "logo_url": text(company.get("logo_url")),
        "source_company_id": text(company.get("company_id")),
    }


def person_item(hit: dict[str, Any]) -> dict[str, Any]:
    """Normalize one search-person result to the person search item fields."""
    person, company = as_dict(hit.get("person")), as_dict(hit.get("company"))
    profile = person_profile(person, company)
    return {
        "full_name": profile["full_name"],
        "first_name": profile["first_name"],
        "last_name": profile["last_name"],
        "linkedin_url": profile["linkedin_url"],
        "headline": profile["headline"],
        "current_title": profile["current_title"],
        "current_company_name": profile["current_company_name"],
        "current_company_domain": profile["current_company_domain"],
        "location_name": profile["location"],
        "country_code": text(as_dict(person.get("location")).get("country_code")),
        "source_person_id": profile["source_person_id"],
    }


def company_item(hit: dict[str, Any]) -> dict[str, Any]:
    """Normalize one search-company result to the company search item fields."""
    profile = company_profile(as_dict(hit.get("company")))
    return {key: profile[key] for key in COMPANY_ITEM_FIELDS}


def pagination(value: Any) -> dict[str, Any]:
    """Rename Prospeo's pagination to ours."""
    page = as_dict(value)
    return {
        "page": page.get("current_page"),
        "page_size": page.get("per_page"),
        "total_pages": page.get("total_page"),
        "total_items": page.get("total_count"),
    }
