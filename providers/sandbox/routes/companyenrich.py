"""Sandboxed CompanyEnrich: Bearer auth, problem+json errors, enrich / search / similar / people search.

Matches the adapter's facts (providers/companyenrich.py): enrich misses are 404, searches answer
`{items, page, totalPages, totalItems}` and charge their minimum (1 credit a company search, 5 a
look-alike search, 2 a people search) even when empty; every charged answer says what it cost in
`x-credit-cost`. Errors are `application/problem+json`. ASSUMED where the docs are silent: a 429 carries
Retry-After, a look-alike answer has the search's shape, and `semanticQuery` is matched against industry
names (the sandbox has no embeddings). Searches page over the world's own indexes or a bounded scan.
`GET /me` answers `credits{used, total}`.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox import world_data
from providers.sandbox.app import SandboxProvider
from providers.sandbox.routes.prospeo.objects import COUNTRY_NAMES, known_page
from providers.sandbox.world import AS_OF, Company, Person, World

PROBLEM_JSON = "application/problem+json"
EMPLOYEES = (
    (10, "1-10"),
    (50, "11-50"),
    (200, "51-200"),
    (500, "201-500"),
    (1000, "501-1K"),
    (5000, "1K-5K"),
)
REVENUE = {
    "$0-$1M": "under-1m", "$1M-$10M": "1m-10m", "$10M-$50M": "10m-50m", "$50M-$100M": "50m-100m",
    "$100M-$250M": "100m-200m", "$250M-$500M": "200m-1b", "$500M-$1B": "200m-1b", "$1B-$10B": "over-1b",
    "$10B+": "over-1b",
}  # fmt: skip
SENIORITY = {
    "c_suite": "c-suite",
    "vp": "vp",
    "director": "director",
    "manager": "manager",
    "senior": "senior",
}
DEPARTMENTS = {
    "executive": "c-suite", "engineering": "engineering-technical", "human_resources": "human-resources",
    "customer_success": "customer-service", "information_technology": "information-technology",
}  # fmt: skip
SENIORITY_VALUES = {
    "owner",
    "founder",
    "c-suite",
    "partner",
    "vp",
    "head",
    "director",
    "manager",
    "senior",
    "entry",
}
DEPARTMENT_VALUES = {DEPARTMENTS.get(d, d) for d in world_data.DEPARTMENTS}
INDUSTRY_NAMES = tuple(spec.name for spec in world_data.INDUSTRIES)
MAX_DOMAINS = 100
MAX_SEEDS = 10
MAX_RESULTS = 10_000  # page * pageSize
SCAN_COMPANIES = 40


def _problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _bad_request(detail: str) -> Response:
    return _problem(400, "Bad Request", detail)


def _company_id(domain: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, domain))


def _list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v.strip() for v in items if isinstance(v, str) and v.strip()]


def _charged(content: dict[str, Any], credits: int) -> Response:
    return JSONResponse(content, headers={"x-credit-cost": str(credits)})


def company_object(company: Company) -> dict[str, Any]:
    """Build the CompanyEnrich company object of a world company."""
    code, funding = company.hq_country_code, company.funding
    employees = next((label for top, label in EMPLOYEES if company.employee_count <= top), None)
    if employees is None:
        employees = "5K-10K" if company.employee_count <= 10_000 else "over-10K"
    state = company.hq_state
    return {
        "id": _company_id(company.domain),
        "name": company.name,
        "domain": company.domain,
        "website": company.website,
        "type": "public" if company.employee_count > 5000 else "private",
        "industry": company.industry,
        "industries": [company.industry],
        "categories": [],
        "employees": employees,
        "revenue": REVENUE.get(company.revenue_range),
        "description": company.description,
        "keywords": list(company.specialties),
        "technologies": [t.name for t in company.tech_stack],
        "subsidiaries": [],
        "founded_year": company.founded_year,
        "naics_codes": [],
        "location": {
            "country": {"code": code, "name": COUNTRY_NAMES.get(code), "latitude": None, "longitude": None},
            "state": {"id": None, "name": state, "code": state} if state else None,
            "city": {"id": None, "name": company.hq_city, "latitude": None, "longitude": None},
            "address": None,
            "postal_code": None,
            "phone": company.phone,
        },
        "financial": {
            "total_funding": funding.total_raised_usd,
            "funding_stage": funding.stage,
            "funding": [],
        }
        if funding and funding.has_raised_vc
        else None,
        "socials": {"linkedin_url": company.linkedin_url, "linkedin_id": company.linkedin_id},
        "page_rank": None,
        "logo_url": None,
        "seo_description": company.description,
        "updated_at": f"{AS_OF.isoformat()}T00:00:00Z",
    }


def person_object(world: World, person: Person) -> dict[str, Any]:
    """Build the CompanyEnrich people-search item of a world person."""
    experiences: list[dict[str, Any]] = []
    for job in person.work_history:
        employer = world.company(job.company_domain)
        current = job.end_date is None
        span: dict[str, Any] = {"startDate": job.start_date, "endDate": job.end_date, "isCurrent": current}
        span.update(isMatched=current, position=job.title)
        if employer is None:
            experiences.append({"type": "unknown", "companyName": job.company_name, **span})
        else:
            ref = {"id": _company_id(employer.domain), "name": employer.name, "domain": employer.domain}
            experiences.append({"type": "company", "company": {**ref, "logo_url": None}, **span})
    country = {"code": person.country_code, "name": COUNTRY_NAMES.get(person.country_code)}
    return {
        "id": int(person.person_id.removeprefix("per_"), 36),
        "name": person.full_name,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "position": person.title,
        "seniority": SENIORITY.get(person.seniority, "entry"),
        "department": DEPARTMENTS.get(person.department, person.department),
        "image_url": None,
        "location": {"country": country, "address": f"{person.city}, {country['name']}"},
        "socials": {"linkedin_url": person.linkedin_url},
        "experiences": experiences,
    }


def _department(person: Person) -> str:
    return DEPARTMENTS.get(person.department, person.department)


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _paging(body: dict[str, Any]) -> tuple[int, int] | Response:
    page, size = body.get("page", 1), body.get("pageSize", 10)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (page, size)):
        return _bad_request("page and pageSize must be integers.")
    if page < 1 or not 1 <= size <= 100 or page * size > MAX_RESULTS:
        return _bad_request("page must be > 0, pageSize 1-100, and page * pageSize at most 10000.")
    return page, size


NOTIONAL_BALANCE = 100_000.0
SANDBOX_USER_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


class CompanyEnrichSandbox(SandboxProvider):
    """CompanyEnrich's enrichment and search endpoints, knowing only CompanyEnrich's share of the world."""

    name = "companyenrich"
    balance_paths = frozenset({"/me"})

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/me", self.me, methods=["GET"]),
            Route("/companies/enrich", self.enrich_by_domain, methods=["GET"]),
            Route("/companies/enrich", self.enrich_by_properties, methods=["POST"]),
            Route("/companies/search", self.search_companies, methods=["POST"]),
            Route("/companies/similar", self.similar_companies, methods=["POST"]),
            Route("/people/search", self.search_people, methods=["POST"]),
        ]

    async def me(self, request: Request) -> Response:
        used = round(self.state.stats.credits_used)
        total = used + round(self.credits_left(NOTIONAL_BALANCE))
        capabilities = {
            "lists": True,
            "previews": True,
            "companySearchLimit": 10_000,
            "companySearchAsyncLimit": 50_000,
            "peopleSearchLimit": 10_000,
        }
        return JSONResponse(
            {
                "userId": SANDBOX_USER_ID,
                "credits": {"used": used, "total": total},
                "capabilities": capabilities,
            }
        )

    async def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.api_key}"

    def unauthorized(self, request: Request) -> Response:
        return _problem(401, "Unauthorized", "Missing or invalid API key.")

    def rate_limited(self, retry_after: int) -> Response:
        return _problem(429, "Too Many Requests", "Rate limit exceeded.", {"Retry-After": str(retry_after)})

    def server_error(self) -> Response:
        return _problem(500, "Internal Server Error", "An unexpected error occurred.")

    def no_credits(self) -> Response:
        return _problem(402, "Payment Required", "You do not have enough credits.")

    def _known(self, company: Company | None) -> Company | None:
        return company if company is not None and self.world.knows(self.name, company.domain) else None

    def _enriched(self, company: Company | None) -> Response:
        known = self._known(company)
        if known is None:
            return _problem(404, "Not Found", "The company could not be enriched.")
        self.charge(1)
        return _charged(company_object(known), 1)

    def _page(self, items: list[dict[str, Any]], page: int, size: int, total: int, credits: int) -> Response:
        charge = credits * max(1, len(items))  # the documented minimum, even for an empty page
        self.charge(charge)
        pages = math.ceil(total / size)
        return _charged({"items": items, "page": page, "totalPages": pages, "totalItems": total}, charge)

    async def enrich_by_domain(self, request: Request) -> Response:
        domain = request.query_params.get("domain", "").strip()
        if not domain:
            return _bad_request("The domain field is required.")
        return self._enriched(self.world.company(domain))

    async def enrich_by_properties(self, request: Request) -> Response:
        body = await _body(request)
        properties = (
            "name",
            "linkedinUrl",
            "linkedinId",
            "twitterUrl",
            "facebookUrl",
            "instagramUrl",
            "youTubeUrl",
        )
        if body is None or not any(isinstance(body.get(p), str) and body[p].strip() for p in properties):
            return _bad_request("Provide at least one of: " + ", ".join(properties) + ".")
        company = None
        if isinstance(body.get("linkedinUrl"), str):
            company = self.world.company_by_linkedin(body["linkedinUrl"])
        if company is None and isinstance(body.get("name"), str):
            company = self.world.company_by_name(body["name"])
        return self._enriched(company)

    async def search_companies(self, request: Request) -> Response:
        body = await _body(request)
        paging = _paging(body or {})
        if body is None or isinstance(paging, Response):
            return paging if isinstance(paging, Response) else _bad_request("A JSON body is required.")
        page, size = paging
        query = body.get("query") if isinstance(body.get("query"), str) else None
        semantic = str(body.get("semanticQuery") or "").lower()
        industries = [name for name in INDUSTRY_NAMES if name.lower() in semantic]
        countries = [c.upper() for c in _list(body.get("countries"))] or None

        def search(offset: int, limit: int) -> tuple[list[Company], int]:
            return self.world.search_companies(
                industry=industries or None,
                country_code=countries,
                name_contains=query,
                offset=offset,
                limit=limit,
            )

        companies, total = known_page(self.world, self.name, search, page, size)
        return self._page([company_object(c) for c in companies], page, size, total, 1)

    async def similar_companies(self, request: Request) -> Response:
        body = await _body(request)
        paging = _paging(body or {})
        seeds = _list((body or {}).get("domains"))
        if isinstance(paging, Response):
            return paging
        if not 1 <= len(seeds) <= MAX_SEEDS:
            return _bad_request(f"domains must hold 1 to {MAX_SEEDS} domains.")
        page, size = paging
        scores: dict[str, float] = {}
        seed_companies = [c for c in (self.world.company(s) for s in seeds) if c is not None]
        for seed in seed_companies:
            for domain, score in seed.similar:
                scores[domain] = max(score, scores.get(domain, 0.0))
        for seed in seed_companies:
            scores.pop(seed.domain, None)
        ranked = sorted(scores, key=lambda d: (-scores[d], d))
        known = [c for c in (self._known(self.world.company(d)) for d in ranked) if c is not None]
        items = [company_object(c) for c in known[(page - 1) * size : page * size]]
        return self._page(items, page, size, len(known), 5)

    async def search_people(self, request: Request) -> Response:
        body = await _body(request)
        paging = _paging(body or {})
        if body is None or isinstance(paging, Response):
            return paging if isinstance(paging, Response) else _bad_request("A JSON body is required.")
        page, size = paging
        domains = _list(body.get("domains"))
        if len(domains) > MAX_DOMAINS:
            return _bad_request(f"domains may hold at most {MAX_DOMAINS} domains.")
        world = self.world
        company_filter = body.get("companyFilter")
        company_query = company_filter.get("query") if isinstance(company_filter, dict) else None
        if not domains and isinstance(company_query, str) and company_query.strip():
            domains = [c.domain for c in world.search_companies(name_contains=company_query, limit=5)[0]]
        elif not domains:
            countries = [c.upper() for c in _list(body.get("countries"))] or None
            domains = [
                c.domain for c in world.search_companies(country_code=countries, limit=SCAN_COMPANIES)[0]
            ]
        positions = [p.lower() for p in _list(body.get("positionQuery"))]
        # Unknown enum values are silently ignored, as the real API does; sub-departments match their top.
        seniorities = set(_list(body.get("seniority"))) & SENIORITY_VALUES
        departments = {d.split("/", 1)[0] for d in _list(body.get("department"))} & DEPARTMENT_VALUES
        countries_wanted = {c.upper() for c in _list(body.get("countries"))}
        people = [
            p
            for domain in dict.fromkeys(domains)
            for p in world.people(domain)
            if world.knows(self.name, p.person_id)
            and (not positions or any(q in p.title.lower() for q in positions))
            and (not seniorities or SENIORITY.get(p.seniority, "entry") in seniorities)
            and (not departments or _department(p) in departments)
            and (not countries_wanted or p.country_code in countries_wanted)
        ]
        items = [person_object(world, p) for p in people[(page - 1) * size : page * size]]
        return self._page(items, page, size, len(people), 2)
