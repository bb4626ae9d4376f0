"""StoreLeads: ecommerce intelligence on one store domain, and a filtered search of stores.

Facts (shared PROVIDER_FACTS.md, StoreLeads section, from its OpenAPI 3.0.1 `swagger.yaml`, API 0.4):
- Base `https://storeleads.app`; auth `Authorization: Bearer <key>` (HTTP bearer in the OpenAPI; some
  public code sends the bare key, so our sandbox accepts both forms).
- `GET /json/api/v1/all/domain/{domain}` answers one Domain object; an unknown domain is **404**
  `{"error": "ErrNotFound could not find Domain with name=…"}`, which is a miss, not a failure.
- `GET /json/api/v1/all/domain` lists domains `{"domains": [Domain…]}` with filters `f:p` (platform),
  `f:cc` (country), `f:an` (installed app token), `f:cat` (category), `f:ds` (Active / Inactive /
  Password Protected), `f:rankmin`/`f:rankmax`, `f:masmin`/`f:masmax` (monthly app spend, USD cents),
  `page` (0..10) and `page_size` (≤ 50), plus `fields=a,b` to trim each Domain. The list may answer
  **202** `{"message": "Request accepted, poll the same url once every 5 seconds until HTTP 200 is
  returned."}`: we classify it as retryable after 5 s, so the gateway asks the same URL again.
- Errors: 401 `{"error": "missing Authorization header"}`, 429 with `Retry-After`, 500
  `{"error": "Something went wrong."}`.
- Domain fields we read: `name` (may carry `www.`), `merchant_name`, `platform`, `plan`, `rank`,
  `platform_rank`, `estimated_sales` (monthly, USD cents), `monthly_app_spend` (cents), `product_count`,
  `employee_count`, `apps[]{name, categories, plans[]{monthly_cost, monthly_cost_cents}}`,
  `technologies[]{name, description}`, `contact_info[]{type, value, source}`, `country_code`, `city`,
  `state` (the domain state, e.g. "Active"), `description`, `created_at`, `shipping_carriers`,
  `sales_carriers`, `features`.

Not documented, hence ASSUMED: the rate limit (we declare 5/s with 5 in flight) and the price: the API
comes with a subscription, so `COST_PER_CALL_USD` is our estimate of one call's share of it. Each
installed app's `monthly_cost` is taken from its cheapest paid plan (the API does not say which plan a
store is on).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from providers.base import (
    NO_KEY,
    Action,
    Credentials,
    Outcome,
    Provider,
    ProviderResult,
    RateLimit,
    RequestSpec,
    Skip,
    bare_domain,
    classify_http_error,
    first_present,
    json_object,
    malformed,
    missing,
    result,
)
from providers.http import HttpResponse

NAME = "storeleads"
COST_PER_CALL_USD = 0.01  # estimate: no per-call price is published
DOMAIN_PATH = "/json/api/v1/all/domain"
POLL_AGAIN_S = 5.0  # the 202 body says "poll the same url once every 5 seconds"
MAX_PAGE_SIZE = 50
MAX_PAGE = 10
# The Domain fields a search result needs; `fields` keeps list answers small.
SEARCH_FIELDS = "name,merchant_name,platform,plan,estimated_sales,rank,country_code,description"


def _auth(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.api_key}"}


def build_domain(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for the store behind `company_domain` (or `company_website`)."""
    domain = bare_domain(first_present(inputs, "company_domain", "company_website", "domain"))
    if domain is None:
        return missing("company_domain|company_website")
    if not credentials.api_key:
        return NO_KEY
    return RequestSpec("GET", f"{DOMAIN_PATH}/{domain}", headers=_auth(credentials), timeout_s=30)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _app_monthly_cost(app: Mapping[str, Any]) -> str | None:
    paid = [p for p in _objects(app.get("plans")) if _int(p.get("monthly_cost_cents"))]
    if paid:
        cheapest = min(paid, key=lambda plan: plan["monthly_cost_cents"])
        return _text(cheapest.get("monthly_cost"))
    plans = _objects(app.get("plans"))
    return _text(plans[0].get("monthly_cost")) if plans else None


def normalize_store(body: Mapping[str, Any]) -> dict[str, Any]:
    """Map a StoreLeads Domain object onto the company.enrich.ecommerce fields."""
    return {
        "merchant_name": _text(body.get("merchant_name")),
        "ecommerce_platform": _text(body.get("platform")),
        "ecommerce_plan": _text(body.get("plan")),
        "estimated_monthly_sales_cents": _int(body.get("estimated_sales")),
        "employee_count": _int(body.get("employee_count")),
        "product_count": _int(body.get("product_count")),
        "global_rank": _int(body.get("rank")),
        "platform_rank": _int(body.get("platform_rank")),
        "monthly_app_spend_cents": _int(body.get("monthly_app_spend")),
        "installed_apps": [
            {
                "name": app["name"],
                "categories": _strings(app.get("categories")),
                "monthly_cost": _app_monthly_cost(app),
            }
            for app in _objects(body.get("apps"))
            if _text(app.get("name"))
        ],
        "technologies": [
            {"name": tech["name"], "description": _text(tech.get("description"))}
            for tech in _objects(body.get("technologies"))
            if _text(tech.get("name"))
        ],
        "contact_info": [
            {"type": item["type"], "value": item["value"], "source": _text(item.get("source"))}
            for item in _objects(body.get("contact_info"))
            if _text(item.get("type")) and _text(item.get("value"))
        ],
        "country_code": _text(body.get("country_code")),
        "city": _text(body.get("city")),
        "domain_state": _text(body.get("state")),
        "description": _text(body.get("description")),
        "store_created_at": _text(body.get("created_at")),
        "shipping_carriers": _strings(body.get("shipping_carriers")),
        "sales_carriers": _strings(body.get("sales_carriers")),
        "features": _strings(body.get("features")),
    }


def _not_found(action: str, response: HttpResponse) -> ProviderResult | None:
    body = json_object(response)
    message = str(body.get("error", "")) if body else ""
    if response.status == 404 and (not body or message.startswith("ErrNotFound")):
        return result(
            action, NAME, Outcome.NOT_FOUND, response, provider_status="ErrNotFound", message=message
        )
    return None


def parse_domain(response: HttpResponse) -> ProviderResult:
    """Classify a Domain answer; 404 ErrNotFound is a miss."""
    if response.status != 200:
        miss = _not_found("domain", response)
        return miss or classify_http_error("domain", NAME, response, message=_error_message(response))
    body = json_object(response)
    if body is None or not isinstance(body.get("name"), str):
        return malformed("domain", NAME, response)
    data = normalize_store(body)
    return result(
        "domain",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        provider_status=data["domain_state"],
        cost_usd=COST_PER_CALL_USD,
    )


def _error_message(response: HttpResponse) -> str | None:
    body = json_object(response)
    return str(body["error"]) if body and body.get("error") else None


def _int_input(inputs: Mapping[str, Any], *names: str) -> int | None:
    value = first_present(inputs, *names)
    return None if value is None else int(value)


def build_search(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """List stores by platform, category or installed app, narrowed by country, rank and app spend."""
    platform = first_present(inputs, "platform", "ecommerce_platform")
    category = first_present(inputs, "category")
    app = first_present(inputs, "app_installed")
    if platform is None and category is None and app is None:
        return missing("platform|category|app_installed")
    if not credentials.api_key:
        return NO_KEY
    page_size = min(MAX_PAGE_SIZE, max(1, _int_input(inputs, "page_size", "max_results") or MAX_PAGE_SIZE))
    page = min(MAX_PAGE, max(0, _int_input(inputs, "page") or 0))
    filters: dict[str, Any] = {
        "f:p": platform,
        "f:cat": category,
        "f:an": app,
        "f:cc": first_present(inputs, "country_code"),
        "f:ds": first_present(inputs, "domain_state") or "Active",
        "f:rankmin": _int_input(inputs, "rank_min"),
        "f:rankmax": _int_input(inputs, "rank_max"),
        "f:masmin": _int_input(inputs, "monthly_app_spend_min"),
        "f:masmax": _int_input(inputs, "monthly_app_spend_max"),
    }
    params = {key: str(value).strip() for key, value in filters.items() if value is not None}
    params.update(page=str(page), page_size=str(page_size), fields=SEARCH_FIELDS)
    return RequestSpec("GET", DOMAIN_PATH, headers=_auth(credentials), params=params, timeout_s=60)


def _search_item(domain: Mapping[str, Any]) -> dict[str, Any]:
    name = _text(domain.get("name")) or ""
    return {
        "merchant_name": _text(domain.get("merchant_name")),
        "domain": re.sub(r"^www\d*\.", "", name.lower()) or None,
        "ecommerce_platform": _text(domain.get("platform")),
        "ecommerce_plan": _text(domain.get("plan")),
        "estimated_monthly_sales_cents": _int(domain.get("estimated_sales")),
        "global_rank": _int(domain.get("rank")),
        "country_code": _text(domain.get("country_code")),
        "description": _text(domain.get("description")),
    }


def parse_search(response: HttpResponse) -> ProviderResult:
    """Classify a list answer; 202 means "not ready, ask the same URL again in 5 s"."""
    if response.status == 202:
        accepted = json_object(response) or {}
        return result(
            "search",
            NAME,
            Outcome.RETRYABLE,
            response,
            provider_status="accepted",
            retry_after_s=POLL_AGAIN_S,
            message=str(accepted.get("message") or "request accepted; poll again"),
        )
    if response.status != 200:
        return classify_http_error("search", NAME, response, message=_error_message(response))
    body = json_object(response)
    if body is None or not isinstance(body.get("domains"), list):
        return malformed("search", NAME, response)
    items = [_search_item(domain) for domain in _objects(body["domains"])]
    # The list body does not echo the page asked for; the operation adds `page` from its inputs.
    data = {"results": items, "result_count": len(items)}
    outcome = Outcome.FOUND if items else Outcome.NOT_FOUND
    return result("search", NAME, outcome, response, data=data, cost_usd=COST_PER_CALL_USD)


PROVIDER = Provider(
    name=NAME,
    base_url="https://storeleads.app",
    rate_limit=RateLimit(rate=5, concurrency=5),
    actions={
        "domain": Action(
            provider=NAME,
            name="domain",
            build=build_domain,
            parse=parse_domain,
            cost_usd=COST_PER_CALL_USD,
            description="Ecommerce facts about one store domain.",
        ),
        "search": Action(
            provider=NAME,
            name="search",
            build=build_search,
            parse=parse_search,
            cost_usd=COST_PER_CALL_USD,
            description="List stores by platform, category or installed app.",
        ),
    },
    docs="storeleads.app OpenAPI 3.0.1 (swagger.yaml) via PROVIDER_FACTS.md; limit and price assumed",
)
