"""Contracts of the ad-library searches: LinkedIn, Meta and Google ads (Adyntel); ads are free objects."""

from __future__ import annotations

from typing import Any

from operations.contracts.base import Contract


class LinkedInAdsOutput(Contract):
    """company.ads.search.linkedin."""

    ads: list[dict[str, Any]]
    ads_count: int
    continuation_token: str | None = None
    is_last_page: bool | None = None
    page_id: str | None = None
    total_ads: int | None = None


class MetaAdsOutput(Contract):
    """company.ads.search.meta; `endpoint_used` tells a company's ads (facebook) from a keyword search."""

    results: list[dict[str, Any]]
    results_count: int
    continuation_token: str | None = None
    number_of_ads: int | None = None
    is_result_complete: bool | None = None
    search_type: str | None = None
    endpoint_used: str


class GoogleAdsOutput(Contract):
    """company.ads.search.google."""

    ads: list[dict[str, Any]]
    ads_count: int
    continuation_token: str | None = None
    country_code: str | None = None
