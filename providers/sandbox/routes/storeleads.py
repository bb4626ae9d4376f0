"""Sandboxed StoreLeads: one Domain by name, and the filtered domain list with its 202 "come back" quirk.

Auth accepts `Authorization: Bearer <key>` (the OpenAPI scheme) and the bare key (what some public code
sends); which one the real service accepts besides Bearer is unknown. The list answers 202 the first time
a given query string is seen, then 200, as the OpenAPI documents for list calls being prepared.
`f:p`, `f:cc`, `f:an` and `f:rankmin`/`f:rankmax` are the world's indexed store filters; `f:cat` (matched
against `/<industry>`) and `f:masmin`/`f:masmax` are applied to the best-ranked `SCAN_LIMIT` stores that
pass the indexed filters, so a handler never scans the whole world. Every world store is "Active".
Statuses and bodies the OpenAPI does not give (a wrong key, out of quota, bad paging) are assumed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.knobs import ProviderState
from providers.sandbox.world import AS_OF, App, Company, Store, World

SCAN_LIMIT = 500
MAX_SEEN_QUERIES = 50_000
ACCEPTED = "Request accepted, poll the same url once every 5 seconds until HTTP 200 is returned."


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}".removesuffix(".00")


def _app(app: App, platform: str) -> dict[str, Any]:
    if app.monthly_cost_cents:
        plans = [
            {"name": "Free", "monthly_cost": "Free"},
            {
                "name": "Standard",
                "monthly_cost": f"{_money(app.monthly_cost_cents)}/month",
                "monthly_cost_cents": app.monthly_cost_cents,
            },
        ]
    else:
        plans = [{"name": "Free", "monthly_cost": "Free"}]
    return {
        "token": app.token,
        "name": app.name,
        "categories": list(app.categories),
        "plans": plans,
        "platform": platform,
        "vendor_name": app.name.split(":")[0].split(" ")[0],
    }


def _listed_name(domain: str) -> str:
    # Like the real index, some stores are listed under their `www.` host.
    return f"www.{domain}" if hashlib.blake2b(domain.encode(), digest_size=1).digest()[0] < 77 else domain


def domain_object(company: Company, store: Store) -> dict[str, Any]:
    """Render a company's store as a StoreLeads Domain object."""
    return {
        "name": _listed_name(company.domain),
        "merchant_name": company.name,
        "platform": store.platform,
        "plan": store.plan,
        "rank": store.global_rank,
        "platform_rank": store.platform_rank,
        "estimated_sales": store.estimated_monthly_sales_cents,
        "monthly_app_spend": store.monthly_app_spend_cents,
        "product_count": store.product_count,
        "employee_count": company.employee_count,
        "apps": [_app(app, store.platform) for app in store.installed_apps],
        "technologies": [
            {"name": tech.name, "description": f"{tech.category} ({tech.website})"}
            for tech in company.tech_stack
        ],
        "contact_info": [
            {"type": c.type, "value": c.value, "source": "/", "company": True} for c in store.contact_info
        ],
        "categories": [f"/{company.industry}"],
        "country_code": store.country_code,
        "city": store.city,
        "state": "Active",
        "title": f"{company.name} | Official Online Store",
        "description": company.description,
        "created_at": f"{store.created_at}T00:00:00",
        "last_updated_at": f"{AS_OF.isoformat()}T00:00:00",
        "shipping_carriers": list(store.shipping_carriers),
        "sales_carriers": [],
        "features": list(store.features),
    }


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _values(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    return values or None


class StoreLeadsSandbox(SandboxProvider):
    """StoreLeads' domain API over the world's online stores."""

    name = "storeleads"

    def __init__(self, world: World, state: ProviderState, api_key: str) -> None:
        super().__init__(world, state, api_key)
        self._seen: set[str] = set()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/json/api/v1/all/domain", self.search, methods=["GET"]),
            Route("/json/api/v1/all/domain/{domain:path}", self.domain, methods=["GET"]),
        ]

    async def authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "").strip()
        return header in (f"Bearer {self.api_key}", self.api_key)

    def unauthorized(self, request: Request) -> Response:
        if "authorization" not in request.headers:
            return _error("missing Authorization header", 401)
        return _error("invalid Authorization header", 401)

    def rate_limited(self, retry_after: int) -> Response:
        return JSONResponse(
            {"error": "Too many requests, please back off. See Retry-After header."},
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )

    def server_error(self) -> Response:
        return _error("Something went wrong.", 500)

    def no_credits(self) -> Response:
        return _error("API quota for your plan is used up", 402)

    async def domain(self, request: Request) -> Response:
        name = request.path_params["domain"].strip().lower()
        company = self.world.company(name)
        store = company.store if company else None
        if company is None or store is None or not self.world.knows(self.name, company.domain):
            return _error(f"ErrNotFound could not find Domain with name={name}", 404)
        self.charge(1)
        return JSONResponse(domain_object(company, store))

    async def search(self, request: Request) -> Response:
        query = request.query_params
        try:
            page = int(query.get("page", "0"))
            page_size = int(query.get("page_size", "50"))
            bounds = {
                k: int(query[k]) for k in ("f:rankmin", "f:rankmax", "f:masmin", "f:masmax") if k in query
            }
        except ValueError:
            return _error("invalid integer parameter", 400)
        if not 0 <= page <= 10 or not 1 <= page_size <= 50:
            return _error("page must be 0..10 and page_size 1..50", 400)
        key = "&".join(sorted(f"{k}={v}" for k, v in query.multi_items()))
        if key not in self._seen:
            if len(self._seen) >= MAX_SEEN_QUERIES:
                self._seen.clear()
            self._seen.add(key)
            return JSONResponse({"message": ACCEPTED}, status_code=202)
        companies = self._matches(query, bounds, page * page_size, page_size)
        domains = [domain_object(c, c.store) for c in companies if c.store is not None]
        fields = _values(query.get("fields"))
        if fields:
            wanted = {f.split(".", 1)[0] for f in fields}
            domains = [{k: v for k, v in d.items() if k in wanted} for d in domains]
        self.charge(1)
        return JSONResponse({"domains": domains})

    def _matches(self, query: Any, bounds: dict[str, int], offset: int, limit: int) -> list[Company]:
        state = query.get("f:ds")
        if state is not None and state.strip().lower() != "active":
            return []
        indexed = {
            "platform": _values(query.get("f:p")),
            "country_code": _values(query.get("f:cc")),
            "app_installed": query.get("f:an"),
            "rank_min": bounds.get("f:rankmin"),
            "rank_max": bounds.get("f:rankmax"),
        }
        categories = [c.lower().strip("/") for c in _values(query.get("f:cat")) or []]
        spend_min, spend_max = bounds.get("f:masmin"), bounds.get("f:masmax")
        if not categories and spend_min is None and spend_max is None:
            return self.world.search_stores(**indexed, offset=offset, limit=limit)[0]
        candidates, _ = self.world.search_stores(**indexed, offset=0, limit=SCAN_LIMIT)
        kept = [
            c
            for c in candidates
            if c.store is not None
            and (not categories or any(c.industry.lower().startswith(cat) for cat in categories))
            and (spend_min is None or c.store.monthly_app_spend_cents >= spend_min)
            and (spend_max is None or c.store.monthly_app_spend_cents <= spend_max)
        ]
        return kept[offset : offset + limit]
