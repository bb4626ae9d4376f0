"""Contracts of the searches: company search and ecommerce store search."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from operations.contracts.base import Contract

# -- company.search ----------------------------------------------------------------------------------


class CompanySearchItem(BaseModel):
    """One company found by a search provider, with that provider's own record."""

    model_config = ConfigDict(extra="forbid")

    company_name: str | None = None
    company_domain: str | None = None
    company_website: str | None = None
    company_linkedin_url: str | None = None
    industry_primary: str | None = None
    employee_range: str | None = None
    founded_year: int | None = None
    hq_country_code: str | None = None
    source_company_id: str | int | None = None
    source_provider: str
    raw: dict[str, Any]


class CompanySearchOutput(Contract):
    """company.search: companies accumulated across providers, deduplicated."""

    results: list[CompanySearchItem]
    result_count: int
    provider_order_used: list[str]
    pagination: dict[str, dict[str, Any]]


# -- company.search.ecommerce --------------------------------------------------------------------------


class EcommerceSearchItem(BaseModel):
    """One online store in a StoreLeads list."""

    model_config = ConfigDict(extra="forbid")

    merchant_name: str | None = None
    domain: str | None = None
    ecommerce_platform: str | None = None
    ecommerce_plan: str | None = None
    estimated_monthly_sales_cents: int | None = None
    global_rank: int | None = None
    country_code: str | None = None
    description: str | None = None
    source_provider: str


class EcommerceSearchOutput(Contract):
    """company.search.ecommerce: one page of stores."""

    results: list[EcommerceSearchItem]
    result_count: int
    page: int
    source_provider: str
