"""Contract of person.enrich.profile: a person's full profile from the first provider that knows them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from operations.contracts.base import Contract


class WorkHistoryEntry(BaseModel):
    """One position held; dates are "YYYY-MM" (or "YYYY") as the providers give them."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    company_name: str | None = None
    company_domain: str | None = None
    company_linkedin_url: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    is_current: bool | None = None


class PersonProfileOutput(Contract):
    """person.enrich.profile."""

    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    linkedin_url: str | None = None
    headline: str | None = None
    current_title: str | None = None
    seniority: str | None = None
    department: str | None = None
    bio: str | None = None
    location: str | None = None
    country: str | None = None
    current_company_name: str | None = None
    current_company_domain: str | None = None
    current_company_linkedin_url: str | None = None
    work_history: list[WorkHistoryEntry] | None = None
    # Shapes differ by provider (school vs institution_name…), so these stay free-form records;
    # a scraped certification or recommendation may also come as plain text.
    education: list[dict[str, Any]] | None = None
    certifications: list[dict[str, Any] | str] | None = None
    honors: list[dict[str, Any] | str] | None = None
    recommendations: list[dict[str, Any] | str] | None = None
    people_also_viewed: list[dict[str, Any]] | None = None
    skills: list[str] | None = None
    email: str | None = None
    email_status: str | None = None
    mobile_phone: str | None = None
    mobile_status: str | None = None
    total_tenure_years: str | None = None
    connections_count: int | None = None
    follower_count: int | None = None
    source_provider: str
