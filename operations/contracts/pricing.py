"""Contract of company.derive.pricing_intelligence: fourteen pricing-page facts as strings."""

from __future__ import annotations

from operations.contracts.base import Contract


class PricingIntelligenceOutput(Contract):
    """company.derive.pricing_intelligence; booleans arrive as "yes"/"no", unknown facts as null."""

    pricing_page_url: str | None = None
    free_trial: str | None = None
    pricing_visibility: str | None = None
    sales_motion: str | None = None
    pricing_model: str | None = None
    billing_default: str | None = None
    number_of_tiers: int | str | None = None
    add_ons_offered: str | None = None
    enterprise_tier_exists: str | None = None
    security_compliance_gating: str | None = None
    annual_commitment_required: str | None = None
    plan_naming_style: str | None = None
    custom_pricing_mentioned: str | None = None
    money_back_guarantee: str | None = None
    minimum_seats: str | None = None
    fields_resolved: int
    source_provider: str
