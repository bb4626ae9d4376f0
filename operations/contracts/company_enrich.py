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


class InstalledApp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    categories: list[str] | None = None
    monthly_cost: str | None = None


class StoreTechnology(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str | None = None


class ContactInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    value: str
    source: str | None = None


class EcommerceOutput(Contract):
    """company.enrich.ecommerce: a store's platform, size, rankings, apps and contacts."""

    merchant_name: str | None = None
    ecommerce_platform: str | None = None
    ecommerce_plan: str | None = None
    estimated_monthly_sales_cents: int | None = None
    employee_count: int | None = None
    product_count: int | None = None
    global_rank: int | None = None
    platform_rank: int | None = None
    monthly_app_spend_cents: int | None = None
    installed_apps: list[InstalledApp] | None = None
    technologies: list[StoreTechnology] | None = None
    contact_info: list[ContactInfo] | None = None
    country_code: str | None = None
    city: str | None = None
    domain_state: str | None = None
    description: str | None = None
    store_created_at: str | None = None
    shipping_carriers: list[str] | None = None
    sales_carriers: list[str] | None = None
    features: list[str] | None = None
    source_provider: str


class MonthlyValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_start: str
    value: float | None = None


class CardRevenueOutput(Contract):
    """company.enrich.card_revenue: a brand's card revenue over 12 months and month by month."""

    enigma_brand_id: str | None = None
    brand_name: str | None = None
    location_count: int | None = None
    annual_card_revenue: float | None = None
    annual_card_revenue_yoy_growth: float | None = None
    annual_avg_daily_customers: float | None = None
    annual_transaction_count: float | None = None
    annual_avg_transaction_size: float | None = None
    annual_refunds: float | None = None
    monthly_revenue: list[MonthlyValue] | None = None
    monthly_revenue_growth: list[MonthlyValue] | None = None
    monthly_avg_daily_customers: list[MonthlyValue] | None = None
    monthly_transactions: list[MonthlyValue] | None = None
    monthly_avg_transaction_size: list[MonthlyValue] | None = None
    monthly_refunds: list[MonthlyValue] | None = None
    source_provider: str
