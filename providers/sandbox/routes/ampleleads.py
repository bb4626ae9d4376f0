"""Sandboxed AmpleLeads: LinkedIn person enrich with the key in the `api_key` query parameter.

The mount `/ampleleads` stands for the documented base `https://api.ampleleads.io/v1`. Answers are
`{success, data}`; a profile AmpleLeads does not know is `success: true` with an empty `data` and costs
nothing; a found one costs 4 credits. Errors are `success: false` with a `message`: 401 for a bad key,
400 for a missing or non-profile URL, and ASSUMED (undocumented) 402 for no credits and 429 with
Retry-After. The nested `experience` / `education` shapes are the ones the adapter assumes.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.routes.prospeo.objects import COUNTRY_NAMES
from providers.sandbox.world import Person

PROFILE_CREDITS = 4
ALSO_VIEWED = 3
_PROFILE_URL = re.compile(
    r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/in/[^/?#]+/?(?:[?#].*)?", re.IGNORECASE
)


def _failure(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"success": False, "message": message}, status_code=status, headers=headers)


NOTIONAL_BALANCE = 50_000.0


class AmpleLeadsSandbox(SandboxProvider):
    """AmpleLeads' LinkedIn person enrichment, knowing only AmpleLeads' share of the world's people."""

    name = "ampleleads"
    balance_paths = frozenset({"/credits"})

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/credits", self.credits, methods=["GET"]),
            Route("/linkedin/person/enrich", self.person_enrich, methods=["POST"]),
        ]

    async def credits(self, request: Request) -> Response:
        return JSONResponse(
            {"success": True, "data": {"available_credits": int(self.credits_left(NOTIONAL_BALANCE))}}
        )

    async def authorized(self, request: Request) -> bool:
        return request.query_params.get("api_key") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        return _failure(401, "Invalid or missing API key.")

    def rate_limited(self, retry_after: int) -> Response:
        return _failure(429, "Too many requests.", {"Retry-After": str(retry_after)})

    def server_error(self) -> Response:
        return _failure(500, "Internal server error.")

    def no_credits(self) -> Response:
        return _failure(402, "Insufficient credits.")

    def _profile(self, person: Person) -> dict[str, Any]:
        world = self.world
        experience = []
        for job in person.work_history:
            employer = world.company(job.company_domain)
            experience.append(
                {
                    "title": job.title,
                    "company_name": job.company_name,
                    "company_linkedin_url": employer.linkedin_url if employer else None,
                    "location": None,
                    "start_date": job.start_date[:7],
                    "end_date": job.end_date[:7] if job.end_date else None,
                    "is_current": job.end_date is None,
                    "description": None,
                }
            )
        colleagues = [p for p in world.people(person.company_domain) if p.person_id != person.person_id]
        handle = person.linkedin_url.rstrip("/").rsplit("/", 1)[-1]
        country = COUNTRY_NAMES.get(person.country_code, person.country_code)
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "headline": person.headline,
            "location": f"{person.city}, {country}",
            "linkedin_url": person.linkedin_url,
            "public_identifier": handle,
            "about": f"{person.title} at {person.work_history[0].company_name}, based in {person.city}.",
            "followers": person.follower_count,
            "connections": person.connections_count,
            "contact_details": {},
            "experience": experience,
            "education": [
                {
                    "school": school.name,
                    "degree": school.degree,
                    "field_of_study": school.field,
                    "start_year": school.end_year - 4,
                    "end_year": school.end_year,
                }
                for school in person.education
            ],
            "skills": list(person.skills),
            "certifications": [],
            "honors": [],
            "recommendations": [],
            "people_also_viewed": [
                {
                    "first_name": other.first_name,
                    "last_name": other.last_name,
                    "headline": other.headline,
                    "linkedin_url": other.linkedin_url,
                    "followers": other.follower_count,
                    "is_premium": False,
                    "urn": f"urn:li:fsd_profile:{other.person_id}",
                    "public_identifier": other.linkedin_url.rsplit("/", 1)[-1],
                    "profile_picture_url": None,
                }
                for other in colleagues[:ALSO_VIEWED]
            ],
        }

    async def person_enrich(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.strip():
            return _failure(400, "The url field is required.")
        if not _PROFILE_URL.fullmatch(url.strip()):
            return _failure(400, "Invalid LinkedIn profile URL.")
        person = self.world.person_by_linkedin(url)
        if person is None or not self.world.knows(self.name, person.person_id):
            return JSONResponse({"success": True, "data": {}})
        self.charge(PROFILE_CREDITS)
        return JSONResponse({"success": True, "data": self._profile(person)})
