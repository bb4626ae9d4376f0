"""The ads a company runs on LinkedIn, Meta and Google, or a keyword search of Meta's library (Adyntel)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from operations.contracts.ads import GoogleAdsOutput, LinkedInAdsOutput, MetaAdsOutput
from operations.inputs import Inputs
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Request, Step, as_is, one_call
from providers.base import Outcome as ProviderOutcome

PROVIDER = "adyntel"
DOMAIN_INPUTS = ("company_domain", "company_website")
PAGE_ID_INPUTS = ("linkedin_page_id", "company_linkedin_id")
_MAX_PAGE_ID = 10**19
_COUNTRY = re.compile(r"^(?:[A-Z]{2}|ALL)$")
_MEDIA_TYPE = re.compile(r"^[a-z_]{2,30}$")
_ACTIVE_STATUSES = ("active", "inactive", "all")
_FACEBOOK_HOSTS = ("facebook.com", "fb.com")


def _present(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def page_id(inputs: Inputs) -> str | None:
    """Return a LinkedIn company page id (digits, given as a number or a string), or None."""
    for name in PAGE_ID_INPUTS:
        value = inputs.integer(name, 0, lo=0, hi=_MAX_PAGE_ID)
        if 0 < value < _MAX_PAGE_ID:
            return str(value)
    return None


def facebook_url(inputs: Inputs) -> str | None:
    """Return a Facebook page URL, or None when the value is not one."""
    text = inputs.text("facebook_url", max_length=500)
    if text is None or " " in text:
        return None
    url = text if "://" in text else f"https://{text}"
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return url if any(host == h or host.endswith(f".{h}") for h in _FACEBOOK_HOSTS) else None


def country_code(inputs: Inputs) -> str | None:
    """Return a two-letter country code (or ALL), upper-cased."""
    text = inputs.text("country_code", max_length=3)
    return text.upper() if text is not None and _COUNTRY.match(text.upper()) else None


def media_type(inputs: Inputs) -> str | None:
    """Return a media type word (image, video, …), lower-cased."""
    text = inputs.text("media_type", max_length=30)
    return text.lower() if text is not None and _MEDIA_TYPE.match(text.lower()) else None


def active_status(inputs: Inputs) -> str | None:
    """Return active, inactive or all."""
    text = inputs.text("active_status", max_length=10)
    return text.lower() if text is not None and text.lower() in _ACTIVE_STATUSES else None


def continuation_token(inputs: Inputs) -> str | None:
    """Return the token of the next page, when paging."""
    return inputs.text("continuation_token", max_length=2000)


async def _search(run: OperationRun, request: dict[str, Any]) -> Outcome:
    result = await run.waterfall(request)
    # The adapter says found only with at least one ad: an empty page is a miss, a missing key or
    # account email a skip.
    if result is None or result.outcome is not ProviderOutcome.FOUND or result.data is None:
        return run.miss()
    return Outcome(OperationStatus.FOUND, dict(result.data))


async def linkedin_ads(run: OperationRun) -> Outcome:
    """List the company's LinkedIn ads, by domain or else by LinkedIn page id."""
    domain = run.inputs.domain(*DOMAIN_INPUTS)
    page = page_id(run.inputs) if domain is None else None
    if domain is None and page is None:
        return run.unusable("neither company_domain nor linkedin_page_id is usable")
    request = _present(
        company_domain=domain, linkedin_page_id=page, continuation_token=continuation_token(run.inputs)
    )
    return await _search(run, request)


async def meta_ads(run: OperationRun) -> Outcome:
    """Search Meta's ad library by keyword when one is given, else list the company's Meta ads."""
    inputs = run.inputs
    keyword = inputs.text("keyword", max_length=100)
    token = continuation_token(inputs)
    if keyword is not None:
        request = _present(keyword=keyword, country_code=country_code(inputs), continuation_token=token)
        return await _search(run, request)
    page = facebook_url(inputs)
    domain = None if page else inputs.domain(*DOMAIN_INPUTS)
    if page is None and domain is None:
        return run.unusable("none of keyword, facebook_url or company_domain is usable")
    request = _present(
        facebook_url=page,
        company_domain=domain,
        country_code=country_code(inputs),
        media_type=media_type(inputs),
        active_status=active_status(inputs),
        continuation_token=token,
    )
    return await _search(run, request)


async def google_ads(run: OperationRun) -> Outcome:
    """List the company's Google ads."""
    domain = run.inputs.domain(*DOMAIN_INPUTS)
    if domain is None:
        return run.unusable("company_domain is not a usable domain")
    request = _present(
        company_domain=domain,
        media_type=media_type(run.inputs),
        continuation_token=continuation_token(run.inputs),
    )
    return await _search(run, request)


def _lists_company_ads(request: Request) -> bool:
    return "keyword" not in request


# A keyword searches Meta's whole library instead of listing one company's ads.
META_PLAN = Plan(
    "first_success",
    (
        Step(
            PROVIDER,
            "meta_ads",
            as_is,
            when=_lists_company_ads,
            alternative=Step(PROVIDER, "meta_ad_search", as_is),
        ),
    ),
)

OPERATIONS = [
    OperationSpec(
        id="company.ads.search.linkedin",
        description="LinkedIn ad creatives of a company.",
        output=LinkedInAdsOutput,
        run=linkedin_ads,
        requires=(need(*DOMAIN_INPUTS, *PAGE_ID_INPUTS),),
        optional=("continuation_token",),
        plan=one_call(PROVIDER, "linkedin_ads"),
    ),
    OperationSpec(
        id="company.ads.search.meta",
        description="Meta/Facebook ad creatives of a company, or a keyword search of Meta's ad library.",
        output=MetaAdsOutput,
        run=meta_ads,
        requires=(need("keyword", *DOMAIN_INPUTS, "facebook_url"),),
        optional=("continuation_token",),
        plan=META_PLAN,
        params=("keyword", "country_code", "media_type", "active_status"),
    ),
    OperationSpec(
        id="company.ads.search.google",
        description="Google ad creatives of a company.",
        output=GoogleAdsOutput,
        run=google_ads,
        requires=(need(*DOMAIN_INPUTS),),
        optional=("continuation_token",),
        plan=one_call(PROVIDER, "google_ads"),
        params=("media_type",),
    ),
]
