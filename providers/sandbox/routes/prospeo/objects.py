"""Prospeo's objects and ids built from the synthetic world, and the bounded search helpers."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from providers.sandbox.world import AS_OF, COVERAGE, DEFAULT_COVERAGE, Company, Person, World

COUNTRY_NAMES = {
    "US": "United States", "GB": "United Kingdom", "DE": "Germany", "CA": "Canada", "FR": "France",
    "IN": "India", "AU": "Australia", "NL": "Netherlands", "ES": "Spain", "SE": "Sweden", "BR": "Brazil",
    "IE": "Ireland", "SG": "Singapore", "IL": "Israel", "CH": "Switzerland", "DK": "Denmark", "JP": "Japan",
}  # fmt: skip
SENIORITY_LABELS = {
    "c_suite": "C-Suite", "vp": "Vice President", "director": "Director", "manager": "Manager",
    "senior": "Senior", "entry": "Entry",
}  # fmt: skip
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_AMOUNT = re.compile(r"\$(\d+(?:\.\d+)?)([KMB]?)")


def country_codes(places: list[str]) -> list[str]:
    """Return the ISO codes of the countries named (or coded) in free-text places."""
    return [
        code
        for code, name in COUNTRY_NAMES.items()
        if any(name.lower() in place.lower() or place.strip().upper() == code for place in places)
    ]


def known_page(
    world: World, provider: str, search: Callable[[int, int], tuple[list[Company], int]], page: int, size: int
) -> tuple[list[Company], int]:
    """Page over a world search keeping the companies the provider knows; return the page and a total."""
    coverage = COVERAGE.get(provider, DEFAULT_COVERAGE)
    # Each page reads its own slice of the world's matches, large enough to fill it at this coverage.
    stride = math.ceil(size / coverage)
    companies, total = search((page - 1) * stride, stride)
    known = [c for c in companies if world.knows(provider, c.domain)]
    return known[:size], round(total * coverage)


def person_id(person: Person) -> str:
    """Return the Prospeo-style id of a world person."""
    return f"aaaa{int(person.person_id.removeprefix('per_'), 36):020x}"


def company_id(company: Company) -> str:
    """Return the Prospeo-style id of a world company."""
    return f"cccc{company.index:020x}"


def _amount(text: str) -> int | None:
    match = _AMOUNT.search(text)
    if not match:
        return None
    scale = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9}[match.group(2)]
    return int(float(match.group(1)) * scale)


def _month_parts(value: str | None) -> tuple[int | None, int | None]:
    return (int(value[:4]), int(value[5:7])) if value else (None, None)


def person_by_prospeo_id(world: World, value: str) -> Person | None:
    """Find the world person behind a Prospeo-style person id."""
    match = re.fullmatch(r"aaaa([0-9a-f]{20})", value.strip().lower())
    if not match:
        return None
    number, code = int(match.group(1), 16), ""
    for _ in range(8):
        number, digit = divmod(number, 36)
        code = _BASE36[digit] + code
    return world.person_by_id(f"per_{code}")


def person_object(world: World, person: Person) -> dict[str, Any]:
    """Build the Prospeo person object (without email and mobile) of a world person."""
    jobs = []
    for k, job in enumerate(person.work_history):
        (start_y, start_m), (end_y, end_m) = _month_parts(job.start_date), _month_parts(job.end_date)
        ended = (end_y or AS_OF.year) * 12 + (end_m or AS_OF.month)
        employer = world.company(job.company_domain)
        department = "Chief Executive" if person.department == "executive" else person.department
        jobs.append(
            {
                "title": job.title,
                "company_name": job.company_name,
                "logo_url": None,
                "current": job.end_date is None,
                "start_year": start_y,
                "start_month": start_m,
                "end_year": end_y,
                "end_month": end_m,
                "duration_in_months": ended - (start_y or 0) * 12 - (start_m or 0),
                "departments": [department.replace("_", " ").title()],
                "seniority": SENIORITY_LABELS[person.seniority] if k == 0 else None,
                "company_id": company_id(employer) if employer else None,
                "job_key": f"{person_id(person)[-8:]}{k}",
            }
        )
    return {
        "person_id": person_id(person),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "full_name": person.full_name,
        "linkedin_url": person.linkedin_url,
        "current_job_title": person.title,
        "current_job_key": jobs[0]["job_key"] if jobs else None,
        "headline": person.headline,
        "linkedin_member_id": None,
        "last_job_change_detected_at": None,
        "job_history": jobs,
        "location": {
            "country": COUNTRY_NAMES.get(person.country_code),
            "country_code": person.country_code,
            "state": None,
            "city": person.city,
            "time_zone": None,
            "time_zone_offset": None,
        },
        "skills": list(person.skills),
    }


def contacts(person: Person, email: str | None, reveal_mobile: bool) -> dict[str, Any]:
    """Build the `mobile` and `email` objects of an enriched person."""
    phone, country = person.mobile_phone, person.country_code
    shown = phone if reveal_mobile or phone is None else phone[:5] + "*" * (len(phone) - 5)
    return {
        "mobile": {
            "status": "VERIFIED" if phone else "UNAVAILABLE",
            "revealed": bool(phone) and reveal_mobile,
            "mobile": shown,
            "mobile_national": None,
            "mobile_international": shown,
            "mobile_country": COUNTRY_NAMES.get(country) if phone else None,
            "mobile_country_code": country if phone else None,
        },
        "email": {
            "status": "VERIFIED" if email else "UNAVAILABLE",
            "revealed": email is not None,
            "email": email,
            "verification_method": "SMTP" if email else None,
            "email_mx_provider": "Google" if email else None,
        },
    }


def company_object(company: Company) -> dict[str, Any]:
    """Build the Prospeo company object of a world company."""
    low_text, _, high_text = company.revenue_range.partition("-")
    country = COUNTRY_NAMES.get(company.hq_country_code)
    funding = company.funding
    tech = company.tech_stack
    return {
        "company_id": company_id(company),
        "name": company.name,
        "website": company.website,
        "domain": company.domain,
        "other_websites": [],
        "description": company.description,
        "description_seo": company.description,
        "description_ai": None,
        "type": "Private",
        "industry": company.industry,
        "employee_count": company.employee_count,
        "employee_range": company.employee_range,
        "location": {
            "country": country,
            "country_code": company.hq_country_code,
            "state": company.hq_state,
            "city": company.hq_city,
            "raw_address": ", ".join(p for p in (company.hq_city, company.hq_state, country) if p),
        },
        "sic_codes": [],
        "naics_codes": [],
        "email_tech": {
            "domain": company.domain,
            "mx_provider": "Google" if company.index % 3 else "Microsoft",
        },
        "linkedin_url": company.linkedin_url,
        "phone_hq": {"phone_hq": company.phone, "phone_hq_international": company.phone}
        if company.phone
        else None,
        "linkedin_id": company.linkedin_id,
        "founded": company.founded_year,
        "revenue_range": {"min": _amount(low_text), "max": _amount(high_text)},
        "revenue_range_printed": low_text.removeprefix("$") or None,
        "keywords": list(company.specialties),
        "logo_url": None,
        "funding": {
            "count": len(funding.investors),
            "total_funding": funding.total_raised_usd,
            "latest_funding_stage": funding.stage,
        }
        if funding and funding.has_raised_vc
        else None,
        "technology": {
            "count": len(tech),
            "technology_names": [t.name for t in tech],
            "technology_list": [{"name": t.name, "category": t.category} for t in tech],
        },
        "job_postings": {"active_count": 0, "active_titles": []},
    }
