"""Sandboxed RevenueInfra ("HQ"): the contract `providers/revenueinfra` assumes, answered from the world."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.world import Company, CompanyBrief, normalize_domain

Handler = Callable[[Request], Awaitable[Response]]
Answer = Callable[[Company], "dict[str, Any] | None"]  # None: the service holds nothing for this company

PRICING_FIELDS = frozenset(
    {
        "free_trial",
        "pricing_visibility",
        "sales_motion",
        "pricing_model",
        "billing_default",
        "number_of_tiers",
        "add_ons_offered",
        "enterprise_tier_exists",
        "security_compliance_gating",
        "annual_commitment_required",
        "plan_naming_style",
        "custom_pricing_mentioned",
        "money_back_guarantee",
        "minimum_seats",
    }
)
ALUMNI_LIMIT = 100


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"success": False, "error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def _page_key(url: str) -> str:
    """Reduce a page URL to host and path, so scheme, `www.`, query and trailing slash do not matter."""
    value = url.strip().lower().split("://", 1)[-1].split("#", 1)[0].split("?", 1)[0].rstrip("/")
    return value.removeprefix("www.")


class RevenueInfraSandbox(SandboxProvider):
    """Company research and pricing analyses; the service knows its share of the world (`world.knows`)."""

    name = "revenueinfra"

    def routes(self) -> list[BaseRoute]:
        competitors = "/run/companies/parallel-task/competitors/infer/db-direct"
        lookups: dict[str, tuple[Answer, str]] = {
            "/run/companies/db/similar-companies/list": (self._similar, "domain"),
            "/run/companies/db/company-customers/lookup": (self._customers, "domain"),
            "/run/companies/db/case-study-champions/lookup": (self._champions, "domain"),
            "/run/companies/db/case-study-champions-detailed/lookup": (self._testimonials, "domain"),
            "/run/companies/db/alumni/lookup": (self._alumni, "past_company_domain"),
            "/run/companies/db/has-raised-vc-status/check": (self._vc_funding, "domain"),
        }
        routes: list[BaseRoute] = [
            Route(competitors, self._lookup(self._competitors, "domain", by_name=True), methods=["POST"])
        ]
        routes += [
            Route(path, self._lookup(answer, field), methods=["POST"])
            for path, (answer, field) in lookups.items()
        ]
        routes.append(Route("/run/companies/gemini/{analysis}/infer", self.pricing, methods=["POST"]))
        return routes

    async def authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.api_key

    def unauthorized(self, request: Request) -> Response:
        return _error(401, "unauthorized", "Missing or invalid bearer token", {"WWW-Authenticate": "Bearer"})

    def rate_limited(self, retry_after: int) -> Response:
        headers = {"Retry-After": str(retry_after)}
        return _error(429, "rate_limited", "Too many requests, slow down", headers)

    def server_error(self) -> Response:
        return _error(500, "internal_error", "Internal server error")

    def no_credits(self) -> Response:
        return _error(402, "insufficient_credits", "The account has no credits left")

    # -- the request envelope ------------------------------------------------------------------------

    @staticmethod
    async def _body(request: Request) -> dict[str, Any] | None:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _company(self, domain: Any, name: Any = None) -> Company | Response:
        """Resolve the company a request is about, or the error answer (422 bad input, 404 unknown)."""
        if isinstance(domain, str) and domain.strip():
            normalized = normalize_domain(domain)
            if normalized is None:
                return _error(422, "invalid_request", f"{domain!r} is not a domain")
            company = self.world.company(normalized)
            subject = normalized
        elif isinstance(name, str) and name.strip():
            company = self.world.company_by_name(name)
            subject = name.strip()
        else:
            return _error(422, "invalid_request", "a company domain is required")
        if company is None or not self.world.knows(self.name, company.domain):
            return _error(404, "not_found", f"No data for company {subject!r}")
        return company

    def _answer(self, payload: dict[str, Any]) -> Response:
        self.charge(1)
        return JSONResponse({"success": True, "data": payload})

    def _lookup(self, answer: Answer, domain_field: str, *, by_name: bool = False) -> Handler:
        async def handle(request: Request) -> Response:
            body = await self._body(request)
            if body is None:
                return _error(422, "invalid_request", "The body must be a JSON object")
            company = self._company(body.get(domain_field), body.get("company_name") if by_name else None)
            if isinstance(company, Response):
                return company
            payload = answer(company)
            if payload is None:
                return _error(404, "not_found", f"No data for company {company.domain!r}")
            return self._answer(payload)

        return handle

    # -- answers -----------------------------------------------------------------------------------

    def _brief(self, domain: str) -> CompanyBrief:
        brief = self.world.brief(domain)
        if brief is None:  # relations always point inside the world
            raise LookupError(domain)
        return brief

    def _competitors(self, company: Company) -> dict[str, Any]:
        rivals = [self._brief(d) for d in company.competitors]
        return {
            "competitors": [
                {"name": c.name, "domain": c.domain, "linkedin_url": c.linkedin_url} for c in rivals
            ]
        }

    def _similar(self, company: Company) -> dict[str, Any]:
        rows = []
        for domain, score in company.similar:
            peer = self._brief(domain)
            rows.append(
                {
                    "company_name": peer.name,
                    "company_domain": peer.domain,
                    "company_linkedin_url": peer.linkedin_url,
                    "similarity_score": score,
                }
            )
        return {"similar_companies": rows, "similar_count": len(rows)}

    def _customers(self, company: Company) -> dict[str, Any]:
        rows = []
        for domain in company.customers:
            customer = self._brief(domain)
            rows.append(
                {
                    "customer_name": customer.name,
                    "customer_domain": customer.domain,
                    "customer_linkedin_url": customer.linkedin_url,
                    "origin_company_name": company.name,
                    "origin_company_domain": company.domain,
                }
            )
        return {"customers": rows}

    def _champion_rows(self, company: Company, *, testimonial: bool) -> list[dict[str, Any]]:
        rows = []
        for champion in self.world.champions(company.domain):
            row = {
                "full_name": champion.full_name,
                "job_title": champion.job_title,
                "linkedin_url": champion.person_linkedin_url,
                "company_name": champion.company_name,
                "company_domain": champion.company_domain,
                "company_linkedin_url": champion.company_linkedin_url,
                "case_study_url": champion.case_study_url,
            }
            if testimonial:
                row["testimonial"] = champion.testimonial
            rows.append(row)
        return rows

    def _champions(self, company: Company) -> dict[str, Any]:
        return {"champions": self._champion_rows(company, testimonial=False)}

    def _testimonials(self, company: Company) -> dict[str, Any]:
        return {"champions": self._champion_rows(company, testimonial=True)}

    def _alumni(self, company: Company) -> dict[str, Any]:
        rows = []
        linkedin: dict[str, str] = {}
        for person in self.world.alumni(company.domain, limit=ALUMNI_LIMIT):
            current = person.work_history[0]
            past = next(
                (job for job in person.work_history[1:] if job.company_domain == company.domain), None
            )
            if past is None:
                continue
            if current.company_domain not in linkedin:
                linkedin[current.company_domain] = self._brief(current.company_domain).linkedin_url
            rows.append(
                {
                    "full_name": person.full_name,
                    "linkedin_url": person.linkedin_url,
                    "current_company_name": current.company_name,
                    "current_company_domain": current.company_domain,
                    "current_company_linkedin_url": linkedin[current.company_domain],
                    "current_job_title": current.title,
                    "past_company_name": past.company_name,
                    "past_company_domain": past.company_domain,
                    "past_job_title": past.title,
                }
            )
        return {"alumni": rows}

    def _vc_funding(self, company: Company) -> dict[str, Any] | None:
        funding = company.funding
        if funding is None:
            return None
        return {
            "has_raised_vc": funding.has_raised_vc,
            "vc_count": len(funding.investors),
            "vc_names": [vc.name for vc in funding.investors],
            "vcs": [{"vc_name": vc.name, "vc_domain": vc.domain} for vc in funding.investors],
            "founded_date": funding.founded_date,
        }

    # -- pricing analyses ----------------------------------------------------------------------------

    async def pricing(self, request: Request) -> Response:
        field = request.path_params["analysis"].replace("-", "_")
        if field not in PRICING_FIELDS:
            return _error(404, "unknown_analysis", f"No analysis named {request.path_params['analysis']!r}")
        body = await self._body(request)
        if body is None:
            return _error(422, "invalid_request", "The body must be a JSON object")
        url = body.get("pricing_page_url")
        if not isinstance(url, str) or not url.strip():
            return _error(422, "invalid_request", "pricing_page_url is required")
        domain = body.get("domain")
        company = self._company(domain if isinstance(domain, str) and domain.strip() else url)
        if isinstance(company, Response):
            return company
        page = company.pricing_page_url
        if company.pricing is None or page is None or _page_key(page) != _page_key(url):
            return _error(404, "not_found", f"No pricing analysis for {url.strip()!r}")
        value: str | int = getattr(company.pricing, field)
        if field == "number_of_tiers" and isinstance(value, str) and value.isdigit():
            value = int(value)
        return self._answer({"domain": company.domain, "pricing_page_url": page, field: value})
