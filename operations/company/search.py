"""Company searches: company.search (accumulated across providers) and company.search.ecommerce (stores)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from operations.contracts.search import (
    CompanySearchItem,
    CompanySearchOutput,
    EcommerceSearchOutput,
)
from operations.inputs import clean_text, normalize_domain, normalize_linkedin_url
from operations.runtime import OperationRun, Outcome
from operations.spec import FanOut, OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step, one_call
from providers.base import Outcome as ProviderOutcome
from providers.base import ProviderResult

# Where each provider's raw answer lists its companies, in the order the adapter's results keep.
RAW_LISTS = {"prospeo": "results", "blitzapi": "results", "companyenrich": "items"}
ITEM_FIELDS = tuple(name for name in CompanySearchItem.model_fields if name not in ("source_provider", "raw"))
MAX_PAGE = 1000
MAX_PAGE_SIZE = 100
MAX_LIMIT = 1000
FILTER_DEPTH = 5
COMPANY_SEARCH_PARAMS = (
    "page", "page_size", "limit", "max_results", "cursor",
    "query", "provider_filters", "industry", "country_code", "employee_range",
)  # fmt: skip
ECOMMERCE_SEARCH_PARAMS = (
    "platform", "category", "app_installed", "country_code", "domain_state", "rank_min", "rank_max",
    "monthly_app_spend_min", "monthly_app_spend_max", "page", "page_size", "max_results",
)  # fmt: skip


def clean_filters(value: Any, depth: int = 0) -> Any:
    """Return a caller's filter object with blank strings, odd types and deep nesting removed."""
    if isinstance(value, Mapping):
        if depth >= FILTER_DEPTH:
            return None
        kept = {
            k: c
            for k, v in value.items()
            if isinstance(k, str) and (c := clean_filters(v, depth + 1)) is not None
        }
        return kept or None
    if isinstance(value, list):
        items = [c for v in value[:100] if (c := clean_filters(v, depth + 1)) is not None]
        return items or None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool) or (isinstance(value, int | float) and math.isfinite(value)):
        return value
    return None


@dataclass(frozen=True, slots=True)
class CompanyQuery:
    """A company search as the caller asked for it, in clean values."""

    query: str | None
    industries: list[str]
    countries: list[str]
    employee_ranges: list[str]
    provider_filters: dict[str, dict[str, Any]]
    page: int
    page_size: int
    limit: int
    cursor: str | None

    @classmethod
    def read(cls, run: OperationRun) -> CompanyQuery:
        """Read the search from the step parameters and the context."""
        inputs = run.inputs
        filters = inputs.mapping("provider_filters") or {}
        by_provider = {
            p: f
            for p in COMPANY_SEARCH_PLAN.providers
            if isinstance(f := clean_filters(filters.get(p)), dict)
        }
        limit = inputs.integer("limit", 100, lo=1, hi=MAX_LIMIT)
        return cls(
            query=inputs.text("query", max_length=200),
            industries=inputs.texts("industry", max_items=20),
            countries=[c.upper() for c in inputs.texts("country_code", max_items=50) if _is_country(c)],
            employee_ranges=inputs.texts("employee_range", max_items=20),
            provider_filters=by_provider,
            page=inputs.integer("page", 1, lo=1, hi=MAX_PAGE),
            page_size=inputs.integer("page_size", 25, lo=1, hi=MAX_PAGE_SIZE),
            limit=inputs.integer("max_results", limit, lo=1, hi=MAX_LIMIT),
            cursor=inputs.text("cursor", max_length=1000),
        )

    def usable(self) -> bool:
        """Tell whether anything can be searched for."""
        return bool(
            self.query or self.industries or self.countries or self.employee_ranges or self.provider_filters
        )

    def common(self, provider: str) -> dict[str, Any]:
        """Return the adapter inputs every provider takes: the query and its own filters."""
        common: dict[str, Any] = {"query": self.query} if self.query else {}
        if provider in self.provider_filters:
            common["provider_filters"] = {provider: self.provider_filters[provider]}
        return common

    @property
    def blitzapi_can_page(self) -> bool:
        """BlitzAPI pages by cursor only: page 1, or the cursor a previous answer gave."""
        return self.page == 1 or self.cursor is not None


def _is_country(code: str) -> bool:
    return len(code) == 2 and code.isalpha()


def _identity(item: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Return the keys that make two results the same company; the name counts only when alone."""
    keys: set[tuple[str, str]] = set()
    domain = normalize_domain(item.get("company_domain")) or normalize_domain(item.get("company_website"))
    if domain:
        keys.add(("domain", domain))
    linkedin = normalize_linkedin_url(item.get("company_linkedin_url"), "company")
    if linkedin:
        keys.add(("linkedin", linkedin))
    source_id = item.get("source_company_id")
    if isinstance(source_id, str | int) and not isinstance(source_id, bool) and str(source_id).strip():
        keys.add(("id", str(source_id).strip()))
    name = clean_text(item.get("company_name"))
    if not keys and name:
        keys.add(("name", name.lower()))
    return keys


def _raw_items(result: ProviderResult) -> list[dict[str, Any]]:
    raw = result.raw.get(RAW_LISTS[result.provider]) if isinstance(result.raw, dict) else None
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def _pagination(result: ProviderResult, query: CompanyQuery) -> dict[str, Any]:
    data = result.data or {}
    if result.provider == "blitzapi":
        return {
            "page": query.page,
            "page_size": query.page_size,
            "total_pages": None,
            "total_items": data.get("total_results"),
            "cursor": data.get("cursor"),  # pass it back as the `cursor` parameter for the next page
        }
    given = data.get("pagination")
    pagination = dict(given) if isinstance(given, Mapping) else {}
    if pagination.get("page_size") is None and result.provider == "companyenrich":
        pagination["page_size"] = query.page_size
    return pagination


@dataclass(slots=True)
class Gathered:
    """The distinct companies gathered so far for a query, and each provider's page."""

    query: CompanyQuery
    results: list[dict[str, Any]] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)
    pagination: dict[str, dict[str, Any]] = field(default_factory=dict)

    def take(self, step: Step[Gathered], result: ProviderResult) -> bool:
        """Add the page's companies not seen yet; say whether the limit is reached."""
        if not result.data:
            return False
        provider = step.provider
        self.pagination[provider] = _pagination(result, self.query)
        items = [i for i in result.data.get("results") or [] if isinstance(i, Mapping)]
        raws = _raw_items(result)
        for position, item in enumerate(items):
            keys = _identity(item)
            if keys & self.seen:
                continue
            self.seen |= keys
            raw = raws[position] if len(raws) == len(items) else {}
            self.results.append(
                {**{f: item.get(f) for f in ITEM_FIELDS}, "source_provider": provider, "raw": raw}
            )
        return len(self.results) >= self.query.limit


def _prospeo_request(gathered: Gathered) -> dict[str, Any]:
    # Prospeo pages 25 at a time; structured filters reach it through provider_filters.prospeo.
    query = gathered.query
    return {**query.common("prospeo"), "page": query.page}


def _blitzapi_request(gathered: Gathered) -> dict[str, Any]:
    query = gathered.query
    structured = {
        "industry": query.industries,
        "country_code": query.countries,
        "employee_range": query.employee_ranges,
        "cursor": query.cursor,
    }
    chosen = {k: v for k, v in structured.items() if v}
    return {**query.common("blitzapi"), **chosen, "max_results": query.page_size}


def _companyenrich_request(gathered: Gathered) -> dict[str, Any]:
    query = gathered.query
    located = {"location": query.countries} if query.countries else {}
    return {**query.common("companyenrich"), **located, "page": query.page, "page_size": query.page_size}


def _blitzapi_can_page(gathered: Gathered) -> bool:
    return gathered.query.blitzapi_can_page


COMPANY_SEARCH_PLAN = Plan(
    "accumulate",
    (
        Step("prospeo", "search_company", _prospeo_request),
        Step("blitzapi", "search_companies", _blitzapi_request, when=_blitzapi_can_page),
        Step("companyenrich", "search_companies", _companyenrich_request),
    ),
    take=Gathered.take,
)


async def search_companies(run: OperationRun) -> Outcome:
    """Ask each provider for the page in order, accumulating distinct companies until the limit."""
    query = CompanyQuery.read(run)
    if not query.usable():
        return run.unusable("no usable query, provider_filters, industry, country_code or employee_range")
    gathered = Gathered(query)
    await run.waterfall(gathered)
    results = gathered.results
    if not results and not run.attempts:
        # Only BlitzAPI was allowed and it cannot jump to a page without the cursor of the one before.
        return Outcome(OperationStatus.SKIPPED, None, "BlitzAPI needs the cursor of the previous page")
    if not results:
        return run.miss()
    results = results[: query.limit]
    called = list(dict.fromkeys(a.provider for a in run.attempts if a.status != "skipped"))
    output = {
        "results": results,
        "result_count": len(results),
        "provider_order_used": called,
        "pagination": gathered.pagination,
    }
    return Outcome(OperationStatus.FOUND, output)


def _bound(run: OperationRun, name: str) -> int | None:
    value = run.inputs.number(name)
    return None if value is None or value < 0 else int(value)


async def search_ecommerce(run: OperationRun) -> Outcome:
    """List one page of StoreLeads stores by platform, category or installed app, narrowed by filters."""
    inputs = run.inputs
    platform = inputs.text("platform", max_length=100)
    category = inputs.text("category", max_length=200)
    app = inputs.text("app_installed", max_length=200)
    if platform is None and category is None and app is None:
        return run.unusable("no usable platform, category or app_installed")
    country = inputs.text("country_code", max_length=2)
    page = inputs.integer("page", 0, lo=0, hi=10)
    page_size = inputs.integer("page_size", inputs.integer("max_results", 50, lo=1, hi=50), lo=1, hi=50)
    request: dict[str, Any] = {
        "platform": platform.lower() if platform else None,
        "category": category,
        "app_installed": app,
        "country_code": country.upper() if country and _is_country(country) else None,
        "domain_state": inputs.text("domain_state", max_length=50) or "Active",
        "rank_min": _bound(run, "rank_min"),
        "rank_max": _bound(run, "rank_max"),
        "monthly_app_spend_min": _bound(run, "monthly_app_spend_min"),
        "monthly_app_spend_max": _bound(run, "monthly_app_spend_max"),
        "page": page,
        "page_size": page_size,
    }
    result = await run.waterfall({k: v for k, v in request.items() if v is not None})
    if result is None or result.outcome is not ProviderOutcome.FOUND or not result.data:
        return run.miss()
    items = [{**item, "source_provider": "storeleads"} for item in result.data.get("results") or []]
    # StoreLeads does not echo the page, so it is the page asked for.
    output = {"results": items, "result_count": len(items), "page": page, "source_provider": "storeleads"}
    return Outcome(OperationStatus.FOUND, output)


OPERATIONS = [
    OperationSpec(
        id="company.search",
        description="Search companies by name or filters, accumulating Prospeo, BlitzAPI and CompanyEnrich.",
        output=CompanySearchOutput,
        run=search_companies,
        requires=(need("query", "provider_filters", "industry", "country_code", "employee_range"),),
        optional=("cursor",),
        params=COMPANY_SEARCH_PARAMS,
        plan=COMPANY_SEARCH_PLAN,
        order_configurable=True,
        fan_out=FanOut("results", "company"),
    ),
    OperationSpec(
        id="company.search.ecommerce",
        description="Search online stores by platform, category or installed app (StoreLeads).",
        output=EcommerceSearchOutput,
        run=search_ecommerce,
        requires=(need("platform", "category", "app_installed"),),
        optional=("country_code",),
        params=ECOMMERCE_SEARCH_PARAMS,
        plan=one_call("storeleads", "search"),
        fan_out=FanOut(
            "results", "company", rename={"domain": "company_domain", "merchant_name": "company_name"}
        ),
    ),
]
