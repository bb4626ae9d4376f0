"""Per-endpoint rate limits: which lane a request counts against, and how configuration changes them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config import ProviderSettings
from providers.base import RateLimit, RateLimits
from providers.registry import get_provider, rate_limit_for, rate_limits_for


def test_a_path_counts_against_its_own_family_or_the_shared_limit() -> None:
    limits = RateLimits(
        RateLimit(rate=5, concurrency=7),
        {"/read": RateLimit(rate=30, per_seconds=60), "/search-*": RateLimit(rate=1)},
    )
    assert limits.lane("/read") == ("/read", RateLimit(rate=30, per_seconds=60))
    assert limits.lane("/search-person")[0] == limits.lane("/search-company")[0] == "/search-*"
    assert limits.lane("/enrich") == ("", limits.shared) == limits.lane("/other")
    per_path = RateLimits(RateLimit(rate=5), per_path=True)
    assert per_path.lane("/a") == ("/a", per_path.shared) and per_path.lane("/b")[0] == "/b"


def test_documented_endpoint_limits() -> None:
    icypeas = get_provider("icypeas").rate_limits
    assert icypeas.lane("/bulk-single-searchs/read")[1].per_second == 0.5
    assert icypeas.lane("/email-search")[1].per_second == 10 and icypeas.shared.concurrency == 60
    prospeo = get_provider("prospeo").rate_limits
    assert prospeo.lane("/search-person")[1].per_second == 0.5 and prospeo.lane("/enrich-person")[0] == ""
    assert get_provider("blitzapi").rate_limits.lane("/v2/enrichment/email")[0] == "/v2/enrichment/email"
    leadmagic = get_provider("leadmagic").rate_limits
    assert leadmagic.lane("/v1/companies/company-search")[1].per_second == pytest.approx(500 / 60)
    assert leadmagic.lane("/v1/people/email-finder") == ("/v1/people/email-finder", leadmagic.shared)
    assert leadmagic.account is not None and leadmagic.account.per_second == pytest.approx(5000 / 60)


def test_a_configured_rate_is_the_plan_unless_an_endpoint_is_named() -> None:
    base = ProviderSettings.for_sandbox("http://127.0.0.1:9", "k")
    assert rate_limits_for(get_provider("prospeo"), base) == get_provider("prospeo").rate_limits
    plan = ProviderSettings.for_sandbox(
        "http://127.0.0.1:9", "k", provider_limits={"prospeo": {"rate_per_second": 30, "concurrency": 12}}
    )
    limits = rate_limits_for(get_provider("prospeo"), plan)
    assert limits.shared == RateLimit(rate=30, concurrency=12)
    assert rate_limit_for(get_provider("prospeo"), plan) == limits.shared
    assert limits.lane("/search-company")[1].per_second == 30
    high_volume = ProviderSettings.for_sandbox(
        "http://127.0.0.1:9", "k", provider_limits={"leadmagic": {"rate_per_second": 1e9}}
    )
    assert rate_limits_for(get_provider("leadmagic"), high_volume).account is None  # lifted with the plan
    capped = ProviderSettings.for_sandbox(
        "http://127.0.0.1:9",
        "k",
        provider_limits={"leadmagic": {"rate_per_second": 100, "account_rate": 150}},
    )
    account = rate_limits_for(get_provider("leadmagic"), capped).account
    assert account is not None and account.per_second == 150
    tuned = ProviderSettings.for_sandbox(
        "http://127.0.0.1:9",
        "k",
        provider_limits={"prospeo": {"rate_per_second": 30, "path_rates": {"/search-*": 5}}},
    )
    assert rate_limits_for(get_provider("prospeo"), tuned).lane("/search-person")[1].per_second == 5
    with pytest.raises(ValidationError, match="path_rates"):
        ProviderSettings.for_sandbox(
            "http://127.0.0.1:9", "k", provider_limits={"prospeo": {"path_rates": {"search": 5}}}
        )
