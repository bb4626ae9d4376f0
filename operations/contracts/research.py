"""Contracts of company research: G2 and pricing page URLs, relations, champions, alumni, VC funding."""

from __future__ import annotations

from typing import Literal

from operations.contracts.base import Contract

UrlProvider = Literal["gemini", "openai"]


class G2UrlOutput(Contract):
    """company.research.resolve_g2_url."""

    company_name: str
    company_domain: str | None = None
    g2_url: str | None = None
    confidence: float = 0.0
    provider_used: UrlProvider | None = None


class PricingPageUrlOutput(Contract):
    """company.research.resolve_pricing_page_url."""

    company_name: str
    company_domain: str | None = None
    pricing_page_url: str | None = None
    confidence: float = 0.0
    provider_used: UrlProvider | None = None


class Competitor(Contract):
    """A direct competitor."""

    name: str | None = None
    domain: str | None = None
    linkedin_url: str | None = None


class CompetitorsOutput(Contract):
    """company.research.discover_competitors."""

    competitors: list[Competitor]
    competitor_count: int
    source_provider: str


class SimilarCompany(Contract):
    """A company like the subject, scored 0..1."""

    company_name: str | None = None
    company_domain: str | None = None
    company_linkedin_url: str | None = None
    similarity_score: float | None = None


class SimilarCompaniesOutput(Contract):
    """company.research.find_similar_companies."""

    similar_companies: list[SimilarCompany]
    similar_count: int
    source_provider: str


class Customer(Contract):
    """A known customer of the origin company."""

    customer_name: str | None = None
    customer_domain: str | None = None
    customer_linkedin_url: str | None = None
    origin_company_name: str | None = None
    origin_company_domain: str | None = None


class CustomersOutput(Contract):
    """company.research.lookup_customers."""

    customers: list[Customer]
    customer_count: int
    source_provider: str


class Champion(Contract):
    """A person at a customer quoted in one of the company's case studies."""

    full_name: str | None = None
    job_title: str | None = None
    company_name: str | None = None
    company_domain: str | None = None
    company_linkedin_url: str | None = None
    case_study_url: str | None = None


class ChampionsOutput(Contract):
    """company.research.lookup_champions."""

    champions: list[Champion]
    champion_count: int
    source_provider: str


class ChampionTestimonial(Champion):
    """A champion with the words they are quoted with."""

    testimonial: str | None = None


class ChampionTestimonialsOutput(Contract):
    """company.research.lookup_champion_testimonials."""

    champions: list[ChampionTestimonial]
    champion_count: int
    source_provider: str


class Alumnus(Contract):
    """A former employee, with where they work now."""

    full_name: str | None = None
    linkedin_url: str | None = None
    current_company_name: str | None = None
    current_company_domain: str | None = None
    current_company_linkedin_url: str | None = None
    current_job_title: str | None = None
    past_company_name: str | None = None
    past_company_domain: str | None = None
    past_job_title: str | None = None


class AlumniOutput(Contract):
    """company.research.lookup_alumni."""

    alumni: list[Alumnus]
    alumni_count: int
    source_provider: str


class VcFirm(Contract):
    """A venture firm that invested in the company."""

    vc_name: str
    vc_domain: str | None = None


class VcFundingOutput(Contract):
    """company.research.check_vc_funding."""

    has_raised_vc: bool
    vc_count: int
    vc_names: list[str]
    vcs: list[VcFirm]
    founded_date: str | None = None
    source_provider: str
