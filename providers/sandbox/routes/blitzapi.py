"""Sandboxed BlitzAPI: `/v2` enrichment and search with `x-api-key`, `found: false` misses and its errors.

BlitzAPI knows its own share of the world (`world.knows("blitzapi", …)`), finds phones only for
US-based people, answers company enrichment misses with 404, and charges the older per-call
credits (searches one per result).
"""

from __future__ import annotations

import base64
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox import world_data
from providers.sandbox.app import SandboxProvider
from providers.sandbox.world import Company, Person

NAME = "blitzapi"
MAX_RPS = 5
NOTIONAL_BALANCE = 10_000.0
LEVELS = {"c_suite": "C-Team", "vp": "VP", "director": "Director", "manager": "Manager", "senior": "Staff"}
FUNCTIONS = {
    "engineering": "Engineering",
    "sales": "Sales & Business Development",
    "marketing": "Advertising & Marketing",
    "operations": "Operations",
    "customer_success": "Customer/Client Service",
    "finance": "Finance & Accounting",
    "human_resources": "Human Resources",
    "product": "Research & Development",
    "legal": "Legal",
    "information_technology": "Information Technology",
    "executive": "General Business & Management",
}
RANGES = {"1-10": (1, 10), "11-50": (11, 50), "51-200": (51, 200), "201-500": (201, 500)}
RANGES |= {"501-1000": (501, 1000), "1001-5000": (1001, 5000), "5001-10000": (5001, 10000)}
RANGES |= {"10001+": (10001, 2**31 - 1)}
ALLOWED_APIS = [
    "/enrichment/email",
    "/enrichment/phone",
    "/enrichment/company",
    "/enrichment/domain-to-linkedin",
    "/enrichment/linkedin-to-domain",
    "/search/companies",
    "/search/employee-finder",
    "/search/waterfall-icp-keyword",
]
CONTINENTS = {"US": "North America", "CA": "North America", "BR": "South America", "MX": "North America"}
CONTINENTS |= {"AU": "Oceania", "IN": "Asia", "JP": "Asia", "SG": "Asia"}


def _strings(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [v for v in items if isinstance(v, str) and v.strip()]


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: Any) -> int | None:
    if cursor is None:
        return 0
    try:
        label, _, value = base64.urlsafe_b64decode(str(cursor).encode()).decode().partition(":")
        return int(value) if label == "offset" else None
    except (ValueError, UnicodeDecodeError):
        return None


class BlitzApiSandbox(SandboxProvider):
    """BlitzAPI's enrichment and search endpoints over the world."""

    name = NAME
    balance_paths = frozenset({"/v2/account/key-info"})

    def routes(self) -> list[BaseRoute]:
        post = ["POST"]
        return [
            Route("/v2/account/key-info", self.key_info, methods=["GET"]),
            Route("/v2/enrichment/email", self.email, methods=post),
            Route("/v2/enrichment/phone", self.phone, methods=post),
            Route("/v2/enrichment/company", self.company, methods=post),
            Route("/v2/enrichment/domain-to-linkedin", self.domain_to_linkedin, methods=post),
            Route("/v2/enrichment/linkedin-to-domain", self.linkedin_to_domain, methods=post),
            Route("/v2/search/companies", self.search_companies, methods=post),
            Route("/v2/search/employee-finder", self.employee_finder, methods=post),
            Route("/v2/search/waterfall-icp-keyword", self.waterfall_icp, methods=post),
        ]

    async def authorized(self, request: Request) -> bool:
        return request.headers.get("x-api-key", "").strip() == self.api_key

    def unauthorized(self, request: Request) -> Response:
        if not request.headers.get("x-api-key"):
            message = "Missing API key, please provide a valid API key in the 'x-api-key' header"
            return JSONResponse({"message": message}, status_code=401)
        message = "Invalid API key, please provide a valid API key in the 'x-api-key' header"
        return JSONResponse({"success": False, "message": message}, status_code=401)

    def rate_limited(self, retry_after: int) -> Response:
        body = {"success": False, "message": "Rate limit exceeded, please try again later"}
        return JSONResponse(body, status_code=429, headers={"Retry-After": str(retry_after)})

    def server_error(self) -> Response:
        body = {"success": False, "message": "An unexpected error occurred, this is a controlled error"}
        return JSONResponse(body, status_code=500)

    def no_credits(self) -> Response:
        return JSONResponse({"message": "Insufficient credits balance"}, status_code=402)

    @staticmethod
    def _invalid() -> Response:
        body = {"success": False, "error": {"code": "INVALID_INPUT", "message": "Missing required fields"}}
        return JSONResponse(body, status_code=422)

    def _ok(self, body: dict[str, Any], credits: float = 0.0) -> Response:
        self.charge(credits)
        return JSONResponse(body)

    async def _field(self, request: Request, name: str) -> str | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        value = body.get(name) if isinstance(body, dict) else None
        return value.strip() if isinstance(value, str) and value.strip() else None

    async def _json(self, request: Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _known_company(self, url: str | None) -> Company | None:
        company = self.world.company_by_linkedin(url) if url else None
        return company if company is not None and self.world.knows(NAME, company.domain) else None

    def _known_person(self, url: str) -> Person | None:
        person = self.world.person_by_linkedin(url)
        return person if person is not None and self.world.knows(NAME, person.person_id) else None

    def _company_json(self, company: Company) -> dict[str, Any]:
        return {
            "linkedin_url": company.linkedin_url,
            "linkedin_id": int(company.linkedin_id),
            "name": company.name,
            "about": company.description,
            "specialties": list(company.specialties) or None,
            "industry": company.industry,
            "type": "Privately Held",
            "size": company.employee_range,
            "employees_on_linkedin": company.employee_count,
            "followers": 40 + company.employee_count * 9,
            "founded_year": company.founded_year,
            "hq": {
                "city": company.hq_city,
                "state": company.hq_state,
                "postcode": None,
                "country_code": company.hq_country_code,
                "country_name": None,
                "region": None,
                "continent": CONTINENTS.get(company.hq_country_code, "Europe"),
                "street": None,
            },
            "domain": company.domain,
            "website": company.website,
        }

    def _person_json(self, person: Person, company: Company) -> dict[str, Any]:
        location = {
            "city": person.city,
            "state_code": None,
            "country_code": person.country_code,
            "continent": CONTINENTS.get(person.country_code, "Europe"),
        }
        experiences = [
            {
                "job_title": job.title,
                "company_linkedin_url": company.linkedin_url
                if job.company_domain == company.domain
                else None,
                "company_linkedin_id": company.linkedin_id if job.company_domain == company.domain else None,
                "job_description": None,
                "job_start_date": job.start_date,
                "job_end_date": job.end_date,
                "job_is_current": job.end_date is None,
                "job_location": {"city": None, "state_code": None, "country_code": None},
            }
            for job in person.work_history
        ]
        education = [
            {"degree": s.degree, "end_date": f"{s.end_year}-01-01", "organization": s.name}
            for s in person.education
        ]
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "full_name": person.full_name,
            "nickname": None,
            "civility_title": None,
            "headline": person.headline,
            "about_me": None,
            "location": location,
            "linkedin_url": person.linkedin_url,
            "connections_count": min(person.connections_count, 500),
            "profile_picture_url": None,
            "experiences": experiences,
            "education": education,
            "skills": list(person.skills),
            "certifications": [],
        }

    async def key_info(self, request: Request) -> Response:
        return JSONResponse(
            {
                "valid": True,
                "id": "sandbox-key",
                "remaining_credits": self.credits_left(NOTIONAL_BALANCE),
                "next_reset_at": "2026-02-01T00:00:00.000Z",
                "max_requests_per_seconds": MAX_RPS,
                "allowed_apis": ALLOWED_APIS,
                "active_plans": [
                    {"name": "Start", "status": "active", "started_at": "2026-01-01T00:00:00.000Z"}
                ],
            }
        )

    async def email(self, request: Request) -> Response:
        url = await self._field(request, "person_linkedin_url")
        if url is None:
            return self._invalid()
        person = self.world.person_by_linkedin(url)
        guess = self.world.email_guess(NAME, person) if person else None
        if person is None or guess is None:
            return self._ok({"found": False})
        company = self.world.company(person.company_domain)
        listed = {
            "email": guess,
            "job_order_in_profile": 1,
            "company_linkedin_url": company.linkedin_url if company else None,
            "email_domain": guess.rpartition("@")[2],
        }
        return self._ok({"found": True, "email": guess, "all_emails": [listed]}, 1)

    async def phone(self, request: Request) -> Response:
        url = await self._field(request, "person_linkedin_url")
        if url is None:
            return self._invalid()
        person = self._known_person(url)
        if person is None or not person.mobile_phone or person.country_code != "US":
            return self._ok({"found": False})
        return self._ok({"found": True, "phone": person.mobile_phone}, 5)

    async def company(self, request: Request) -> Response:
        url = await self._field(request, "company_linkedin_url")
        if url is None:
            return self._invalid()
        company = self._known_company(url)
        if company is None:
            return JSONResponse({"success": False, "message": "Not Found"}, status_code=404)
        return self._ok({"found": True, "company": self._company_json(company)}, 1)

    async def domain_to_linkedin(self, request: Request) -> Response:
        domain = await self._field(request, "domain")
        if domain is None:
            return self._invalid()
        company = self.world.company(domain)
        if company is None or not self.world.knows(NAME, company.domain):
            return self._ok({"found": False})
        return self._ok({"found": True, "company_linkedin_url": company.linkedin_url}, 1)

    async def linkedin_to_domain(self, request: Request) -> Response:
        company = self._known_company(await self._field(request, "company_linkedin_url"))
        if company is None:
            return self._ok({"found": False})
        return self._ok({"found": True, "email_domain": company.domain}, 0.5)

    async def search_companies(self, request: Request) -> Response:
        body = await self._json(request) or {}
        filters, offset, limit = body.get("company"), _offset(body.get("cursor")), body.get("max_results", 10)
        if not isinstance(filters, dict) or offset is None:
            return self._invalid()
        if not isinstance(limit, int) or not 1 <= limit <= 50:
            return self._invalid()
        keywords = _strings((filters.get("keywords") or {}).get("include"))
        industries = _strings((filters.get("industry") or {}).get("include"))
        # A keyword naming an industry searches that industry; any other keyword matches the name.
        lowered = [k.lower() for k in keywords]
        named = [i.name for i in world_data.INDUSTRIES if any(k in i.name.lower() for k in lowered)]
        needle = next((k for k in keywords if not any(k.lower() in n.lower() for n in named)), None)
        spans = [RANGES[r] for r in _strings(filters.get("employee_range")) if r in RANGES]
        page, total = self.world.search_companies(
            industry=(industries or named) or None,
            country_code=_strings((filters.get("hq") or {}).get("country_code")) or None,
            employee_min=min(s[0] for s in spans) if spans else None,
            employee_max=max(s[1] for s in spans) if spans else None,
            name_contains=needle,
            offset=offset,
            limit=limit,
        )
        known = [c for c in page if self.world.knows(NAME, c.domain)]
        answer = {
            "total_results": total,
            "results_length": len(known),
            "max_results": limit,
            "cursor": _cursor(offset + limit) if offset + limit < total else None,
            "results": [self._company_json(c) for c in known],
        }
        return self._ok(answer, len(known))

    def _staff(self, company: Company) -> list[Person]:
        return [p for p in self.world.people(company.domain) if self.world.knows(NAME, p.person_id)]

    async def employee_finder(self, request: Request) -> Response:
        body = await self._json(request) or {}
        url = body.get("company_linkedin_url")
        limit, page = body.get("max_results", 10), body.get("page", 1)
        if not isinstance(url, str) or not isinstance(limit, int) or not isinstance(page, int) or limit < 1:
            return self._invalid()
        company = self._known_company(url)
        levels, functions = set(_strings(body.get("job_level"))), set(_strings(body.get("job_function")))
        countries = set(_strings(body.get("country_code")))
        staff = [
            p
            for p in (self._staff(company) if company else [])
            if (not levels or LEVELS.get(p.seniority, "Staff") in levels)
            and (not functions or FUNCTIONS[p.department] in functions)
            and (not countries or p.country_code in countries)
        ]
        chosen = staff[(page - 1) * limit : page * limit]
        answer = {
            "company_linkedin_url": url,
            "max_results": limit,
            "results_length": len(chosen),
            "page": page,
            "total_pages": math.ceil(len(staff) / limit),
            "results": [self._person_json(p, company) for p in chosen] if company else [],
        }
        return self._ok(answer, len(chosen))

    async def waterfall_icp(self, request: Request) -> Response:
        body = await self._json(request) or {}
        url, cascade, limit = (
            body.get("company_linkedin_url"),
            body.get("cascade"),
            body.get("max_results", 10),
        )
        if (
            not isinstance(url, str)
            or not isinstance(cascade, list)
            or not cascade
            or not isinstance(limit, int)
        ):
            return self._invalid()
        company = self._known_company(url)
        answer: dict[str, Any] = {"company_linkedin_url": url, "max_results": limit}
        if company is None:
            return self._ok({**answer, "results_length": 0, "results": []})
        staff, results, taken = self._staff(company), [], set()
        for tier, rule in enumerate(cascade, start=1):
            rule = rule if isinstance(rule, dict) else {}
            include = [t.lower() for t in _strings(rule.get("include_title"))]
            exclude = [t.lower() for t in _strings(rule.get("exclude_title"))]
            places = set(_strings(rule.get("location"))) or {"WORLD"}
            for person in staff:
                where = person.headline.lower() if rule.get("include_headline_search") else ""
                hit = next((t for t in include if t in person.title.lower() or t in where), None)
                if (
                    person.person_id in taken
                    or hit is None
                    or any(t in person.title.lower() for t in exclude)
                ):
                    continue
                if "WORLD" not in places and person.country_code not in places:
                    continue
                taken.add(person.person_id)
                matched = [{"key": "job_title", "value": person.title}]
                results.append(
                    {"person": self._person_json(person, company), "icp": tier, "what_matched": matched}
                )
            if len(results) >= limit:
                break
        chosen = [{**r, "ranking": rank} for rank, r in enumerate(results[:limit], start=1)]
        return self._ok({**answer, "results_length": len(chosen), "results": chosen}, len(chosen))
