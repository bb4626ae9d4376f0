"""Sandboxed LeadMagic: its `/v1` JSON POSTs, `X-API-Key`, RFC 9457 errors and credit headers.

Answers come from the world as LeadMagic would give them: it knows its own share of companies and
people (`world.knows("leadmagic", …)`), its finder sometimes guesses a wrong address
(`world.email_guess`), misses cost nothing, and every answer carries `RateLimit-*` and
`X-Credits-Remaining` headers.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.world import SENIORITIES, Company, Person

NAME = "leadmagic"
# Documented per-minute limits, echoed in RateLimit-Limit.
LIMITS = {"role-finder": 1000, "company-technographics": 1000, "company-search": 500, "profile-search": 500}
DEFAULT_LIMIT = 3000
NOTIONAL_BALANCE = 100_000.0
_ABBREVIATIONS = {
    "vice president": "vp",
    "svp": "vp",
    "evp": "vp",
    "chief executive officer": "ceo",
    "chief technology officer": "cto",
    "chief financial officer": "cfo",
    "chief operating officer": "coo",
    "chief marketing officer": "cmo",
    "chief revenue officer": "cro",
    "head of": "director of",
}
_FILLER = {"of", "the", "and", "&", "at", "for"}


def _unit(*parts: str) -> float:
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _title_tokens(title: str) -> set[str]:
    lowered = f" {title.lower()} "
    for long, short in _ABBREVIATIONS.items():
        lowered = lowered.replace(f" {long} ", f" {short} ")
    return {t for t in re.split(r"[^a-z0-9]+", lowered) if t and t not in _FILLER}


def _profile_slug(person: Person) -> str:
    return person.linkedin_url.removeprefix("https://www.")


def _text(body: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = body.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


class LeadMagicSandbox(SandboxProvider):
    """LeadMagic's people and company endpoints over the world."""

    name = NAME
    balance_paths = frozenset({"/v1/credits"})

    def routes(self) -> list[BaseRoute]:
        post = ["POST"]
        return [
            Route("/v1/credits", self.credits, methods=["GET"]),
            Route("/v1/people/email-finder", self.email_finder, methods=post),
            Route("/v1/people/email-validation", self.email_validation, methods=post),
            Route("/v1/people/mobile-finder", self.mobile_finder, methods=post),
            Route("/v1/people/role-finder", self.role_finder, methods=post),
            Route("/v1/people/employee-finder", self.employee_finder, methods=post),
            Route("/v1/people/profile-search", self.profile_search, methods=post),
            Route("/v1/people/b2b-profile", self.email_to_profile, methods=post),
            Route("/v1/companies/company-search", self.company_search, methods=post),
            Route("/v1/companies/company-technographics", self.technographics, methods=post),
        ]

    async def authorized(self, request: Request) -> bool:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return self.api_key in (request.headers.get("x-api-key", "").strip(), bearer)

    @staticmethod
    def _problem(status: int, code: str, title: str, headers: dict[str, str] | None = None) -> Response:
        body = {
            "success": False,
            "errors": [
                {
                    "type": f"https://api.leadmagic.io/errors/{code}",
                    "title": title,
                    "status": status,
                    "code": code,
                    "docs": "https://leadmagic.io/docs/api-reference/errors",
                }
            ],
            "meta": {"request_id": "sandbox", "timestamp": "2026-01-01T00:00:00.000Z"},
        }
        return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")

    def unauthorized(self, request: Request) -> Response:
        if not request.headers.get("x-api-key") and not request.headers.get("authorization"):
            return self._problem(
                401, "missing_authentication", "Authentication required. Provide a valid API key."
            )
        return self._problem(
            401, "invalid_api_key", "Invalid API key. The key does not exist or is incorrect."
        )

    def rate_limited(self, retry_after: int) -> Response:
        headers = {
            "Retry-After": str(retry_after),
            "RateLimit-Limit": str(DEFAULT_LIMIT),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(retry_after),
        }
        return self._problem(429, "rate_limit_exceeded", "Rate limit exceeded. Wait and try again.", headers)

    def server_error(self) -> Response:
        return self._problem(500, "INTERNAL_ERROR", "Something went wrong on our end.")

    def no_credits(self) -> Response:
        return self._problem(402, "insufficient_credits", "Insufficient credits. Add credits to continue.")

    def _ok(self, request: Request, body: dict[str, Any], credits: float = 0.0) -> Response:
        body.setdefault("credits_consumed", credits)
        self.charge(credits)
        limit = LIMITS.get(request.url.path.rsplit("/", 1)[-1], DEFAULT_LIMIT)
        balance = self.credits_left(NOTIONAL_BALANCE)
        headers = {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(limit - 1),
            "RateLimit-Reset": "60",
            "X-Credits-Remaining": f"{max(balance, 0.0):.2f}",
        }
        return JSONResponse(body, headers=headers)

    async def _body(self, request: Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _invalid(self, what: str) -> Response:
        return self._problem(400, "validation_error", f"Request validation failed: {what}.")

    def _company(self, body: dict[str, Any]) -> Company | None:
        domain = _text(body, "company_domain", "domain", "website")
        if domain:
            return self.world.company(domain)
        url = _text(body, "profile_url", "company_profile_url")
        if url:
            full = url if "linkedin.com" in url.lower() else f"linkedin.com/company/{url.strip('/')}"
            return self.world.company_by_linkedin(full)
        name = _text(body, "company_name")
        return self.world.company_by_name(name) if name else None

    def _person(self, profile_url: str) -> Person | None:
        full = (
            profile_url
            if "linkedin.com" in profile_url.lower()
            else f"linkedin.com/in/{profile_url.strip('/')}"
        )
        return self.world.person_by_linkedin(full)

    async def credits(self, request: Request) -> Response:
        return JSONResponse({"credits": self.credits_left(NOTIONAL_BALANCE)})

    async def email_finder(self, request: Request) -> Response:
        body = await self._body(request)
        if body is None:
            return self._invalid("a JSON object is required")
        first, last = _text(body, "first_name"), _text(body, "last_name")
        full = _text(body, "full_name")
        if not (first and last) and full and " " in full:
            first, last = full.split(" ", 1)
        if not (first and last) or not _text(body, "domain", "company_domain", "company_name"):
            return self._invalid("first_name and last_name (or full_name), and domain or company_name")
        company = self._company(body)
        person = self.world.find_person(first, last, company.domain) if company else None
        guess = self.world.email_guess(NAME, person) if person else None
        if company is None or person is None or guess is None:
            miss = {"email": None, "status": "not_found", "message": "No email found.", "domain": None}
            return self._ok(request, miss)
        status = "valid"
        if company.is_catch_all:
            confirmed = guess == person.work_email and _unit("lm-catch-all", guess) < 0.5
            status = "valid_catch_all" if confirmed else "catch_all"
        answer = {
            "email": guess,
            "status": status,
            "message": "Valid email found." if status == "valid" else "Catch-all email found.",
            "first_name": person.first_name,
            "last_name": person.last_name,
            "domain": company.domain,
            "mx_provider": "Google Workspace",
            "has_mx": True,
            "employment_verified": True,
            "company_name": company.name,
            "company_industry": company.industry,
            "company_size": company.employee_range,
            "company_profile_url": company.linkedin_url.rsplit("/", 1)[-1],
        }
        return self._ok(request, answer, 1)

    async def email_validation(self, request: Request) -> Response:
        body = await self._body(request)
        email = _text(body or {}, "email")
        if email is None:
            return self._invalid("email is required")
        verdict: str = self.world.verify(NAME, email)
        if verdict == "catch_all":
            person = self.world.person_by_email(email)
            sure = person is not None and person.email_status == "valid" and _unit("lm-vca", email) < 0.5
            verdict = "valid_catch_all" if sure else "catch_all"
        company = self.world.company(email)
        answer = {
            "email": email,
            "email_status": verdict,
            "message": f"Email is {verdict.replace('_', ' ')}.",
            "is_domain_catch_all": bool(company and company.is_catch_all),
            "mx_provider": "Google Workspace" if company else None,
            "company_name": company.name if company else None,
        }
        return self._ok(request, answer, 0 if verdict in ("catch_all", "unknown") else 0.05)

    async def mobile_finder(self, request: Request) -> Response:
        body = await self._body(request) or {}
        url, email = _text(body, "profile_url"), _text(body, "work_email")
        if not (url or email or _text(body, "personal_email")):
            return self._invalid("one of profile_url, work_email or personal_email is required")
        person = (self._person(url) if url else None) or (
            self.world.person_by_email(email) if email else None
        )
        if person is None or not person.mobile_phone or not self.world.knows(NAME, person.person_id):
            return self._ok(
                request, {"mobile_number": None, "message": "No mobile number found for this contact."}
            )
        answer = {"profile_url": _profile_slug(person), "email": email, "mobile_number": person.mobile_phone}
        return self._ok(request, {**answer, "message": "Mobile number found."}, 5)

    def _item(self, person: Person, company: Company) -> dict[str, Any]:
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "full_name": person.full_name,
            "profile_url": _profile_slug(person),
            "job_title": person.title,
            "location": f"{person.city}, {person.country_code}",
            "company_name": company.name,
            "company_website": company.domain,
        }

    async def role_finder(self, request: Request) -> Response:
        body = await self._body(request) or {}
        title = _text(body, "job_title")
        if not title or not _text(body, "company_domain", "company_name"):
            return self._invalid("job_title and company_domain or company_name are required")
        company = self._company(body)
        wanted = _title_tokens(title)
        holders = []
        if company is not None and self.world.knows(NAME, company.domain):
            holders = [
                p
                for p in self.world.people(company.domain)
                if wanted <= _title_tokens(p.title) and self.world.knows(NAME, p.person_id)
            ]
        if company is None or not holders:
            miss = {"first_name": None, "last_name": None, "full_name": None, "profile_url": None}
            return self._ok(request, {**miss, "message": "No matching role found at this company."})
        best = min(holders, key=lambda p: SENIORITIES.index(p.seniority))
        item = self._item(best, company)
        item.pop("location")
        return self._ok(request, {**item, "message": "Role Found"}, 2)

    async def employee_finder(self, request: Request) -> Response:
        body = await self._body(request) or {}
        if not _text(body, "company_domain", "company_name"):
            return self._invalid("company_domain or company_name is required")
        limit = body.get("limit", 20)
        if not isinstance(limit, int) or limit < 1:
            return self._invalid("limit must be a positive integer")
        company = self._company(body)
        staff: list[Person] = []
        if company is not None and self.world.knows(NAME, company.domain):
            staff = [p for p in self.world.people(company.domain) if self.world.knows(NAME, p.person_id)]
        if company is None or not staff:
            return self._ok(request, {"employees": [], "total_count": 0, "message": "No employees found."})
        employees = [self._item(p, company) for p in staff[:limit]]
        for employee in employees:
            del employee["company_name"], employee["company_website"]
        answer = {"employees": employees, "total_count": len(staff), "message": "Employees found."}
        return self._ok(request, answer, round(0.05 * len(employees), 4))

    async def profile_search(self, request: Request) -> Response:
        body = await self._body(request) or {}
        url = _text(body, "profile_url")
        if url is None:
            return self._invalid("profile_url is required")
        person = self._person(url)
        if person is None or not self.world.knows(NAME, person.person_id):
            return self._problem(404, "profile_not_found", "Profile not found or not accessible")
        company = self.world.company(person.company_domain)
        history = [
            {
                "title": job.title,
                "company_name": job.company_name,
                "company_domain": job.company_domain,
                "start_date": job.start_date,
                "end_date": job.end_date,
                "is_current": job.end_date is None,
            }
            for job in person.work_history
        ]
        education = [
            {
                "institution_name": s.name,
                "degree": s.degree,
                "field_of_study": s.field,
                "end_year": s.end_year,
            }
            for s in person.education
        ]
        start = int(person.work_history[-1].start_date[:4]) if person.work_history else 2026
        answer = {
            "profile_url": _profile_slug(person),
            "first_name": person.first_name,
            "last_name": person.last_name,
            "full_name": person.full_name,
            "professional_title": person.title,
            "headline": person.headline,
            "bio": f"{person.headline}. Based in {person.city}.",
            "location": f"{person.city}, {person.country_code}",
            "country": person.country_code,
            "company_name": company.name if company else None,
            "company_website": f"https://{person.company_domain}",
            "company_profile_url": company.linkedin_url if company else None,
            "work_experience": history,
            "education": education,
            "certifications": [],
            "honors": [],
            "skills": list(person.skills),
            "total_tenure_years": str(max(0, 2026 - start)),
            "connections_count": person.connections_count,
            "follower_count": person.follower_count,
            "message": "Profile found",
        }
        return self._ok(request, answer, 1)

    async def email_to_profile(self, request: Request) -> Response:
        body = await self._body(request) or {}
        email = _text(body, "work_email", "email", "personal_email")
        if email is None:
            return self._invalid("work_email or personal_email is required")
        person = self.world.person_by_email(email)
        if person is None or not self.world.knows(NAME, person.person_id):
            return self._ok(request, {"profile_url": None, "message": "No profile found for this email."})
        return self._ok(request, {"profile_url": _profile_slug(person), "message": "Profile URL found"}, 10)

    async def company_search(self, request: Request) -> Response:
        body = await self._body(request) or {}
        if not _text(body, "company_domain", "profile_url", "company_name"):
            return self._invalid("company_domain, profile_url or company_name is required")
        company = self._company(body)
        if company is None or not self.world.knows(NAME, company.domain):
            return self._ok(request, {"message": "Company not found"})
        low, _, high = company.employee_range.partition("-")
        answer = {
            "companyName": company.name,
            "companyId": int(company.linkedin_id),
            "industry": company.industry,
            "description": company.description,
            "employeeCount": company.employee_count,
            "employeeCountRange": {"start": int(low.rstrip("+")), "end": int(high) if high else None},
            "employee_range": company.employee_range,
            "founded_year": str(company.founded_year),  # a string here, an int in foundedOn
            "foundedOn": {"year": company.founded_year, "month": None, "day": None},
            "headquarter": {
                "city": company.hq_city,
                "geographicArea": company.hq_state,
                "country": company.hq_country_code,
            },
            "revenue_formatted": company.revenue_range,
            "ownership_status": "Private",
            "followerCount": 50 + company.employee_count * 12,
            "b2b_profile_url": company.linkedin_url.rsplit("/", 1)[-1],
            "logo_url": f"https://logo.leadmagic.io/{company.domain}",
            "specialities": list(company.specialties),
            "competitors": list(company.competitors[:3]),
            "websiteUrl": company.website,
            "message": "Company found",
        }
        return self._ok(request, answer, 1)

    async def technographics(self, request: Request) -> Response:
        body = await self._body(request) or {}
        domain = _text(body, "company_domain")
        if domain is None:
            return self._invalid("company_domain is required")
        company = self.world.company(domain)
        if company is None or not company.tech_stack or not self.world.knows(NAME, company.domain):
            miss = {"company_domain": domain, "technologies": [], "categories": {}}
            return self._ok(request, {**miss, "message": "No technologies found."})
        categories: dict[str, list[str]] = {}
        for tech in company.tech_stack:
            categories.setdefault(tech.category, []).append(tech.name)
        technologies = [
            {
                "name": t.name,
                "category": t.category,
                "website": t.website,
                "icon": f"https://icons.leadmagic.io/{t.website.split('/')[0]}.png",
            }
            for t in company.tech_stack
        ]
        answer = {"company_domain": company.domain, "technologies": technologies, "categories": categories}
        return self._ok(request, {**answer, "message": "Technologies found."}, 1)
