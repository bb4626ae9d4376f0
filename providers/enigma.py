"""Enigma: card-transaction revenue of a consumer brand, in one GraphQL query.

Facts (shared PROVIDER_FACTS.md, Enigma section; documentation.enigma.com GraphQL guides):
- `POST https://api.enigma.com/graphql`, header `x-api-key`, body `{query, variables}`.
- `search(searchInput: {entityType: BRAND, name, website})` answers `[SearchUnion]`, read with
  `__typename` and `... on Brand { … }`. A brand has `id`, `names(first:)`, `count(field:
  "operatingLocations")` and `cardTransactions(first:, conditions: {filter: …})` whose nodes carry
  `projectedQuantity`, `periodStartDate`, `periodEndDate`. `quantityType` is one of
  card_revenue_amount, card_revenue_yoy_growth, card_customers_average_daily_count,
  card_transactions_count, avg_transaction_size, refunds_amount (and more); `period` is 1m, 3m or 12m;
  `rank` 0 is the most recent period.
- Statuses: 200; **200 with a GraphQL `errors[]`** is a failed query (we call it a bad key when the
  message speaks of the key, else a provider error); 400 invalid input; 401 missing or invalid key;
  402 out of credits; **429 "Slow Down"**. An empty `search` list is a miss.
- Limits: GraphQL Trial 10 rps (burst 20), Pro/Max 50 rps, Enterprise 100 rps. We declare 10/s.
- Price (enigma.com pricing from 2026-08-10): 1 credit = $0.01 and a card-revenue fill costs 25
  credits, so $0.25 when card data comes back; a bare brand match (no card data) we count as one core
  credit ($0.01). Enigma charges nothing for an empty answer.

ASSUMED where the docs are silent: the 429 body is JSON `{"message": "Slow Down"}` (we also accept the
plain text) with a `Retry-After` header (else we wait 1 s); monthly points come newest first, so
`first: months_back` returns the latest months (we sort them oldest first); `months_back` is capped at
24. One query asks for the 12-month value (rank 0) and the monthly series of each metric, aliased by
the output field it fills.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.base import (
    NO_KEY,
    Action,
    Credentials,
    ErrorClass,
    Outcome,
    Provider,
    ProviderResult,
    RateLimit,
    RequestSpec,
    Skip,
    body_of,
    classify_http_error,
    first_present,
    json_object,
    malformed,
    missing,
    result,
)
from providers.base import (
    bare_domain as _bare_domain,
)
from providers.http import HttpResponse

NAME = "enigma"
USD_PER_CREDIT = 0.01
CARD_REVENUE_CREDITS = 25
CORE_CREDITS = 1
DEFAULT_MONTHS_BACK = 12
MAX_MONTHS_BACK = 24

# Enigma quantity type -> (the 12-month output field, the monthly output field); each is also the alias.
METRICS: dict[str, tuple[str, str]] = {
    "card_revenue_amount": ("annual_card_revenue", "monthly_revenue"),
    "card_revenue_yoy_growth": ("annual_card_revenue_yoy_growth", "monthly_revenue_growth"),
    "card_customers_average_daily_count": ("annual_avg_daily_customers", "monthly_avg_daily_customers"),
    "card_transactions_count": ("annual_transaction_count", "monthly_transactions"),
    "avg_transaction_size": ("annual_avg_transaction_size", "monthly_avg_transaction_size"),
    "refunds_amount": ("annual_refunds", "monthly_refunds"),
}
_NODE = "edges { node { projectedQuantity periodStartDate periodEndDate } }"


def _series(alias: str, first: str, period: str, quantity: str, *, latest_only: bool) -> str:
    rank = ', {EQ: ["rank", 0]}' if latest_only else ""
    condition = (
        f'{{filter: {{AND: [{{EQ: ["period", "{period}"]}}, {{EQ: ["quantityType", "{quantity}"]}}{rank}]}}}}'
    )
    return f"      {alias}: cardTransactions(first: {first}, conditions: {condition}) {{ {_NODE} }}"


def _query() -> str:
    fields = []
    for quantity, (annual, monthly) in METRICS.items():
        fields.append(_series(annual, "1", "12m", quantity, latest_only=True))
        fields.append(_series(monthly, "$monthsBack", "1m", quantity, latest_only=False))
    lines = [
        "query CardRevenue($searchInput: SearchInput!, $monthsBack: Int!) {",
        "  search(searchInput: $searchInput) {",
        "    __typename",
        "    ... on Brand {",
        "      id",
        "      names(first: 1) { edges { node { name } } }",
        '      count(field: "operatingLocations")',
        *fields,
        "    }",
        "  }",
        "}",
    ]
    return "\n".join(lines)


CARD_REVENUE_QUERY = _query()


def build_card_revenue(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Search the brand by name and website and ask for its 12-month and monthly card metrics."""
    name = first_present(inputs, "company_name")
    website = _bare_domain(first_present(inputs, "company_domain", "company_website"))
    if name is None and website is None:
        return missing("company_name|company_domain|company_website")
    if not credentials.api_key:
        return NO_KEY
    months = first_present(inputs, "months_back")
    months_back = min(MAX_MONTHS_BACK, max(1, int(months if months is not None else DEFAULT_MONTHS_BACK)))
    search_input: dict[str, Any] = {"entityType": "BRAND", "name": str(name or website)}
    if website:
        search_input["website"] = website
    return RequestSpec(
        "POST",
        "/graphql",
        headers={"x-api-key": credentials.api_key},
        json={
            "query": CARD_REVENUE_QUERY,
            "variables": {"searchInput": search_input, "monthsBack": months_back},
        },
        timeout_s=60,
    )


def _nodes(connection: Any) -> list[dict[str, Any]]:
    edges = connection.get("edges") if isinstance(connection, dict) else None
    nodes = [edge.get("node") for edge in edges or [] if isinstance(edge, dict)]
    return [node for node in nodes if isinstance(node, dict)]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def normalize_brand(brand: Mapping[str, Any]) -> dict[str, Any]:
    """Map a Brand search hit onto the company.enrich.card_revenue fields."""
    names = _nodes(brand.get("names"))
    count = brand.get("count")
    data: dict[str, Any] = {
        "enigma_brand_id": brand.get("id") or brand.get("enigmaId"),
        "brand_name": names[0].get("name") if names else None,
        "location_count": int(count)
        if isinstance(count, int | float) and not isinstance(count, bool)
        else None,
    }
    for annual, monthly in METRICS.values():
        latest = _nodes(brand.get(annual))
        data[annual] = _number(latest[0].get("projectedQuantity")) if latest else None
        points = [
            {"period_start": node["periodStartDate"], "value": _number(node.get("projectedQuantity"))}
            for node in _nodes(brand.get(monthly))
            if isinstance(node.get("periodStartDate"), str)
        ]
        data[monthly] = sorted(points, key=lambda point: point["period_start"])
    return data


def _graphql_errors(response: HttpResponse, errors: list[Any]) -> ProviderResult:
    messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
    text = "; ".join(messages)[:500]
    lowered = text.lower()
    if "api key" in lowered or "api-key" in lowered or "unauthori" in lowered:
        error = ErrorClass.BAD_KEY
    elif "credit" in lowered:
        error = ErrorClass.NO_CREDITS
    else:
        error = ErrorClass.PROVIDER_ERROR
    return result("card_revenue", NAME, Outcome.FAILED, response, error_class=error, message=text)


def _failure_message(body: Any) -> str | None:
    if isinstance(body, str):
        return body.strip() or None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("message"), str):
        return str(body["message"])
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message"))
    return None


def _http_failure(response: HttpResponse) -> ProviderResult:
    # Enigma's 429 says "Slow Down" (JSON or plain text); classify_http_error reads its Retry-After.
    return classify_http_error("card_revenue", NAME, response, message=_failure_message(body_of(response)))


def parse_card_revenue(response: HttpResponse) -> ProviderResult:
    """Classify the GraphQL answer; errors in a 200 are failures, an empty search is a miss."""
    if response.status != 200:
        return _http_failure(response)
    body = json_object(response)
    if body is None:
        return malformed("card_revenue", NAME, response)
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        return _graphql_errors(response, errors)
    search = body.get("data", {}).get("search") if isinstance(body.get("data"), dict) else None
    if not isinstance(search, list):
        return malformed("card_revenue", NAME, response, "no data.search list")
    brands = [hit for hit in search if isinstance(hit, dict) and hit.get("__typename", "Brand") == "Brand"]
    if not brands:
        return result("card_revenue", NAME, Outcome.NOT_FOUND, response, provider_status="no_match")
    data = normalize_brand(brands[0])
    has_card_data = any(data[annual] is not None for annual, _ in METRICS.values())
    credits = CARD_REVENUE_CREDITS if has_card_data else CORE_CREDITS
    return result(
        "card_revenue",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        provider_status="card_data" if has_card_data else "brand_only",
        cost_usd=credits * USD_PER_CREDIT,
    )


PROVIDER = Provider(
    name=NAME,
    base_url="https://api.enigma.com",
    rate_limit=RateLimit(rate=10, concurrency=10),
    actions={
        "card_revenue": Action(
            provider=NAME,
            name="card_revenue",
            build=build_card_revenue,
            parse=parse_card_revenue,
            cost_usd=CARD_REVENUE_CREDITS * USD_PER_CREDIT,
            description="Card revenue, customers and transactions of a consumer brand.",
        )
    },
    docs="documentation.enigma.com GraphQL quickstart, status codes, rate limits, pricing; PROVIDER_FACTS.md",
)
