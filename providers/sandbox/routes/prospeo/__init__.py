"""Sandboxed Prospeo: person/company enrich and search behind `X-KEY`, with `error_code` bodies.

Matches the adapter's facts (providers/prospeo): every answer carries `error`; misses are HTTP 400
`NO_MATCH` / `NO_RESULTS`, out of credits is 400 `INSUFFICIENT_CREDITS`, a bad key 401
`INVALID_API_KEY`, throttling 429 `RATE_LIMITED` with Prospeo's `x-*-rate-limit` headers (no Retry-After),
and a repeat enrichment answers `free_enrichment: true` without charging. Prospeo ids are derived from
the world's ids so they round-trip (`aaaa…` people, `cccc…` companies, 24 hex characters).

Searches answer from bounded scans so a request never costs work in proportion to the world: at most
`MAX_FILTER_VALUES` company websites/names are honoured, a people search without a company filter
looks at the first `SCAN_COMPANIES` companies (of the located countries), and a company search pages
over the world's own filtered index, over-fetching by the coverage rate so pages come out nearly full.
"""

from __future__ import annotations

import math
import re
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.knobs import ProviderState
from providers.sandbox.routes.prospeo.objects import (
    company_object,
    contacts,
    country_codes,
    known_page,
    person_by_prospeo_id,
    person_object,
)
from providers.sandbox.world import Company, Person, World

PER_PAGE = 25
MAX_PAGE = 1000
MAX_FILTER_VALUES = 50
SCAN_COMPANIES = 40
NAME_HITS = 100
NOTIONAL_BALANCE = 100_000.0
MOBILE_CREDITS = 10


def _error(code: str, status: int = 400, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    return JSONResponse({"error": True, "error_code": code, **extra}, status_code=status, headers=headers)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _includes(value: Any) -> list[str]:
    include = value.get("include") if isinstance(value, dict) else None
    return (
        [v.strip() for v in include if isinstance(v, str) and v.strip()] if isinstance(include, list) else []
    )


def _positive(value: Any) -> bool:
    """Tell whether a filter tree holds anything besides `exclude` lists."""
    if isinstance(value, dict):
        return any(key != "exclude" and _positive(child) for key, child in value.items())
    return value not in (None, "", [], {})


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class ProspeoSandbox(SandboxProvider):
    """Prospeo's four core endpoints answered from the world, knowing only Prospeo's share of it."""

    name = "prospeo"
    balance_paths = frozenset({"/account-information"})

    def __init__(self, world: World, state: ProviderState, api_key: str) -> None:
        super().__init__(world, state, api_key)
        self._enriched: set[str] = set()  # records this account already paid for (free re-enrichment)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/account-information", self.account_information, methods=["GET"]),
            Route("/enrich-person", self.enrich_person, methods=["POST"]),
            Route("/enrich-company", self.enrich_company, methods=["POST"]),
            Route("/search-person", self.search_person, methods=["POST"]),
            Route("/search-company", self.search_company, methods=["POST"]),
        ]

    async def authorized(self, request: Request) -> bool:
        return request.headers.get("x-key") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        return _error("INVALID_API_KEY", 401)

    def rate_limited(self, retry_after: int) -> Response:
        headers = {}
        if self.state.knobs.rate_per_second:
            headers["x-second-rate-limit"] = str(max(1, int(self.state.knobs.rate_per_second)))
        if retry_after > 1:  # a wait beyond the per-second window reads as an exhausted minute window
            headers.update({"x-minute-request-left": "0", "x-minute-reset-seconds": str(retry_after)})
        return _error("RATE_LIMITED", 429, headers)

    def server_error(self) -> Response:
        return _error("INTERNAL_ERROR", 500)

    def no_credits(self) -> Response:
        return _error("INSUFFICIENT_CREDITS")

    async def account_information(self, request: Request) -> Response:
        account = {
            "current_plan": "STARTER",
            "current_team_members": 1,
            "remaining_credits": round(self.credits_left(NOTIONAL_BALANCE)),
            "used_credits": round(self.state.stats.credits_used),
            "next_quota_renewal_days": 25,
            "next_quota_renewal_date": "2026-02-01 00:00:00+00:00",
        }
        return JSONResponse({"error": False, "response": account})

    # -- objects ---------------------------------------------------------------------------------------
    # -- lookups ---------------------------------------------------------------------------------------

    def _find_company(self, data: dict[str, Any]) -> Company | None:
        world = self.world
        company_ref = str(data.get("company_id") or "").lower()
        if re.fullmatch(r"cccc[0-9a-f]{20}", company_ref) and int(company_ref[4:], 16) < world.company_count:
            return world.company_at(int(company_ref[4:], 16))
        for key, lookup in (
            ("company_website", world.company),
            ("company_linkedin_url", world.company_by_linkedin),
            ("company_name", world.company_by_name),
        ):
            value = data.get(key)
            found = lookup(value) if isinstance(value, str) and value.strip() else None
            if found is not None:
                return found
        return None

    def _find_person(self, data: dict[str, Any]) -> tuple[bool, Person | None]:
        """Match a person on every datapoint given; tell whether the datapoints were enough."""
        world, text = self.world, {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}
        valid, found = False, None
        for key, lookup in (
            ("linkedin_url", world.person_by_linkedin),
            ("email", world.person_by_email),
            ("person_id", partial(person_by_prospeo_id, world)),
        ):
            if key in text:
                valid = True
                found = found or lookup(text[key])
        first, last = text.get("first_name"), text.get("last_name")
        if not (first and last) and "full_name" in text:
            first, _, last = text["full_name"].partition(" ")
        if (
            first
            and last
            and any(k in text for k in ("company_website", "company_linkedin_url", "company_name"))
        ):
            valid = True
            company = self._find_company(text)
            found = found or (world.find_person(first, last.strip(), company.domain) if company else None)
        return valid, found

    def _charge_once(self, record: str, credits: int) -> bool:
        """Charge for a record the first time only; return whether it was free."""
        free = record in self._enriched
        if not free:
            self.charge(credits)
            self._enriched.add(record)
        return free

    # -- endpoints -------------------------------------------------------------------------------------

    async def enrich_person(self, request: Request) -> Response:
        body = await _body(request)
        if body is None:
            return _error("INVALID_REQUEST")
        valid, person = self._find_person(_object(body.get("data")))
        if not valid:
            return _error("INVALID_DATAPOINTS")
        if person is None or not self.world.knows(self.name, person.person_id):
            return _error("NO_MATCH")
        email = self.world.email_guess(self.name, person)
        only_mobile = body.get("only_verified_mobile") is True
        if (body.get("only_verified_email") is True and email is None) or (
            only_mobile and not person.mobile_phone
        ):
            return _error(
                "NO_MATCH"
            )  # documented: the only_verified_* options turn a partial hit into a miss
        reveal = (only_mobile or body.get("enrich_mobile") is True) and person.mobile_phone is not None
        if reveal:
            free = self._charge_once(f"{person.person_id}:mobile", MOBILE_CREDITS)
            self._enriched.add(person.person_id)
        else:
            free = self._charge_once(person.person_id, 1)
        company = self.world.company(person.company_domain)
        return JSONResponse(
            {
                "error": False,
                "free_enrichment": free,
                "person": {**person_object(self.world, person), **contacts(person, email, reveal)},
                "company": company_object(company) if company else None,
            }
        )

    async def enrich_company(self, request: Request) -> Response:
        body = await _body(request)
        if body is None:
            return _error("INVALID_REQUEST")
        data = body.get("data")
        keys = ("company_website", "company_linkedin_url", "company_name", "company_id")
        if not isinstance(data, dict) or not any(data.get(k) for k in keys):
            return _error("INVALID_DATAPOINTS")
        company = self._find_company(data)
        if company is None or not self.world.knows(self.name, company.domain):
            return _error("NO_MATCH")
        free = self._charge_once(f"company:{company.domain}", 1)
        return JSONResponse({"error": False, "free_enrichment": free, "company": company_object(company)})

    async def _search_request(self, request: Request) -> tuple[dict[str, Any], int] | Response:
        body = await _body(request)
        page = body.get("page", 1) if body else None
        if body is None or not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_PAGE:
            return _error("INVALID_REQUEST")
        filters = body.get("filters")
        if not isinstance(filters, dict) or not _positive(filters):
            message = (
                "You cannot search with only exclude filters." if filters else "No filters were submitted."
            )
            return _error("INVALID_FILTERS", filter_error=message)
        return filters, page

    def _page_answer(self, results: list[dict[str, Any]], page: int, total: int) -> Response:
        if not results:
            return _error("NO_RESULTS")
        self.charge(1)
        pages = {"current_page": page, "per_page": PER_PAGE, "total_page": math.ceil(total / PER_PAGE)}
        return JSONResponse(
            {"error": False, "free": False, "results": results, "pagination": {**pages, "total_count": total}}
        )

    async def search_person(self, request: Request) -> Response:
        parsed = await self._search_request(request)
        if isinstance(parsed, Response):
            return parsed
        filters, page = parsed
        titles = [t.lower() for t in _includes(filters.get("person_job_title"))]
        places = _includes(filters.get("person_location_search")) + _includes(filters.get("person_location"))
        company = _object(filters.get("company"))
        websites, names = _includes(company.get("websites")), _includes(company.get("names"))
        world = self.world
        if websites or names:
            found = [world.company(w) for w in websites[:MAX_FILTER_VALUES]]
            found += [world.company_by_name(n) for n in names[:MAX_FILTER_VALUES]]
            domains = [c.domain for c in found if c is not None]
        else:
            scanned, _ = world.search_companies(
                country_code=country_codes(places) or None, limit=SCAN_COMPANIES
            )
            domains = [c.domain for c in scanned]
        codes = country_codes(places)
        people = [
            p
            for domain in dict.fromkeys(domains)
            for p in world.people(domain)
            if world.knows(self.name, p.person_id)
            and (not titles or any(t in p.title.lower() for t in titles))
            and (not places or p.country_code in codes or any(p.city.lower() in x.lower() for x in places))
        ]
        hits = people[(page - 1) * PER_PAGE : page * PER_PAGE]
        results = []
        for person in hits:
            employer = world.company(person.company_domain)
            results.append(
                {
                    "person": person_object(self.world, person),
                    "company": company_object(employer) if employer else None,
                }
            )
        return self._page_answer(results, page, len(people))

    async def search_company(self, request: Request) -> Response:
        parsed = await self._search_request(request)
        if isinstance(parsed, Response):
            return parsed
        filters, page = parsed
        company = _object(filters.get("company"))
        websites, names = _includes(company.get("websites")), _includes(company.get("names"))
        world = self.world
        if websites or names:
            found = [world.company(w) for w in websites[:MAX_FILTER_VALUES]]
            for name in names[:MAX_FILTER_VALUES]:
                found.append(world.company_by_name(name))  # an exact name first, then names containing it
                found += world.search_companies(name_contains=name, limit=NAME_HITS)[0]
            matches = [c for c in dict.fromkeys(c for c in found if c) if world.knows(self.name, c.domain)]
            companies, total = matches[(page - 1) * PER_PAGE : page * PER_PAGE], len(matches)
        else:
            industries = _includes(filters.get("company_industry"))
            places = _includes(filters.get("company_location_search")) + _includes(
                filters.get("company_location")
            )
            countries = country_codes(places) or None

            def search(offset: int, limit: int) -> tuple[list[Company], int]:
                return world.search_companies(
                    industry=industries or None, country_code=countries, offset=offset, limit=limit
                )

            companies, total = known_page(world, self.name, search, page, PER_PAGE)
        return self._page_answer([{"company": company_object(c)} for c in companies], page, total)
