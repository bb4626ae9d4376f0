"""Contracts of person.search: one result per person found, and the search's bookkeeping."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from operations.contracts.base import Contract


class PersonSearchItem(BaseModel):
    """One person found, in canonical names, with the provider's own record in `raw`."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    linkedin_url: str | None = None
    headline: str | None = None
    current_title: str | None = None
    current_company_name: str | None = None
    current_company_domain: str | None = None
    location_name: str | None = None
    country_code: str | None = None
    source_person_id: str | None = None
    source_provider: str
    raw: dict[str, Any]


class SearchPage(BaseModel):
    """Where a plan step's page sits in that provider's result set."""

    model_config = ConfigDict(extra="forbid")

    page: int | None = None
    page_size: int | None = None
    total_pages: int | None = None
    total_items: int | None = None


class PersonSearchOutput(Contract):
    """person.search: the deduplicated people, capped at max_results."""

    results: list[PersonSearchItem]
    result_count: int
    provider_order_used: list[str]
    pagination: dict[str, SearchPage]
