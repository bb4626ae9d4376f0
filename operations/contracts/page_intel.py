"""Contracts of page intelligence: a pricing page and a G2 page read into facts, with their sources."""

from __future__ import annotations

from typing import Literal

from operations.contracts.base import Contract

# Which path read a field: the markup, the text, or a model (by its provider).
Source = Literal["json_ld", "microdata", "table", "text", "model:openai", "model:gemini"]


class PricingPlan(Contract):
    """One plan of a pricing page; no price means "contact sales"."""

    name: str
    price: float | None = None
    currency: str | None = None
    billing_period: Literal["month", "year"] | None = None
    unit: Literal["seat", "account", "1000_requests"] | None = None
    contact_sales: bool = False


class PricingExtractOutput(Contract):
    """company.research.extract_pricing."""

    pricing_page_url: str
    final_url: str | None = None
    fetched_at: str | None = None  # ISO 8601, UTC: when the page was last fetched or revalidated
    plans: list[PricingPlan]
    plan_count: int
    free_tier: bool | None = None
    free_trial: bool | None = None
    trial_days: int | None = None
    enterprise_contact: bool | None = None
    sources: dict[str, Source]


class G2ExtractOutput(Contract):
    """company.research.extract_g2."""

    g2_url: str
    final_url: str | None = None
    fetched_at: str | None = None
    rating: float | None = None
    review_count: int | None = None
    categories: list[str]
    alternatives: list[str]
    sources: dict[str, Source]
