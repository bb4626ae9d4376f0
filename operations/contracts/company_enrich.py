"""Contracts of company enrichment: profile, technographics, ecommerce, card revenue."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from operations.contracts.base import Contract


class CompanyProfile(BaseModel):
    """A merged company profile; every field optional."""

    model_config = ConfigDict(extra="forbid")

    company_name: str | None = None
    company_domain: str | None = None
    company_website: str | None = None
    company_linkedin_url: str | None = None
    company_linkedin_id: str | None = None
    company_type: str | None = None
    industry_primary: str | None = None
    industry_derived: list[str] | str | None = None
    employee_count: int | str | None = None
    employee_range: str | None = None
    founded_year: int | None = None
    hq_locality: str | None = None
    hq_country_code: str | None = None
    description_raw: str | None = None
    specialties: list[str] | str | None = None
    annual_revenue_range: str | None = None
    follower_count: int | str | None = None
    logo_url: str | None = None
    source_company_id: str | int | None = None


class CompanyProfileOutput(CompanyProfile):
    """company.enrich.profile: the profile, the providers that contributed, and its fields at the top."""

    company_profile: CompanyProfile
    source_providers: list[str]


class Technology(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    category: str | None = None
    website: str | None = None
    icon: str | None = None


class TechnographicsOutput(Contract):
    """company.enrich.technographics."""

    technologies: list[Technology]
    categories: dict[str, list[str]] | None = None
    technology_count: int
    source_provider: str
