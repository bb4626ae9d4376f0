"""Sandboxed Icypeas: submit an email search, then read it until it leaves its pending statuses.

Auth is the bare key in `Authorization` (`Bearer <key>` is a 401, as the real service answers). The read
takes one search id, or lists the latest searches (`{mode: "single", limit}`, newest first). Each search
stays pending for 1-3 reads of it (by id or in a list), a number derived from its id, and is then
resolved from the world: the company by domain or name, the person by name at that company, and the
email Icypeas would answer (`world.email_guess`). A found email costs one credit, charged once, when
the search resolves.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.world import Company, Person

MAX_SEARCHES = 50_000  # oldest searches are forgotten first; a read of one answers SearchNotFoundError
_PENDING_WORDS = ("SCHEDULED", "IN_PROGRESS", "IN_PROGRESS")
_MX = {
    "google": ["aspmx.l.google.com", "alt1.aspmx.l.google.com"],
    "outlook": ["{stem}.mail.protection.outlook.com"],
    "zoho": ["mx.zoho.eu", "mx2.zoho.eu"],
    "ovh": ["mx1.mail.ovh.net", "mx2.mail.ovh.net"],
}


def _unit(*parts: object) -> float:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _required(field_name: str, actual: Any = None, expected: str = "string") -> dict[str, Any]:
    kind = "required" if actual in (None, "") else expected
    return {
        "expected": expected,
        "actual": actual,
        "type": kind,
        "field": field_name,
        "message": f"validation_{kind}",
    }


@dataclass
class _Search:
    firstname: str
    lastname: str
    target: str
    pending_reads: int
    order: int
    reads: int = 0
    final: dict[str, Any] | None = field(default=None)


class IcypeasSandbox(SandboxProvider):
    """Asynchronous email search answered from the world, pending for a few reads."""

    name = "icypeas"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._searches: OrderedDict[str, _Search] = OrderedDict()
        self._submitted = 0

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/email-search", self.email_search, methods=["POST"]),
            Route("/bulk-single-searchs/read", self.read, methods=["POST"]),
        ]

    async def authorized(self, request: Request) -> bool:
        # The bare key only: "Bearer <key>" is a different string, hence rejected like a wrong key.
        return request.headers.get("authorization") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        return JSONResponse({"success": False, "message": "Unauthorized access."}, status_code=401)

    def rate_limited(self, retry_after: int) -> Response:
        return JSONResponse(
            {"success": False, "message": "You have exceeded the max number of requests per minute."},
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )

    def server_error(self) -> Response:
        return JSONResponse({"success": False, "message": "Internal server error"}, status_code=500)

    def no_credits(self) -> Response:
        # An account without credits still gets a search id; the search itself ends INSUFFICIENT_FUNDS.
        self._submitted += 1
        search_id = self._new_id("funds", self._submitted)
        return JSONResponse({"success": True, "item": {"_id": search_id, "status": "INSUFFICIENT_FUNDS"}})

    def _new_id(self, *parts: object) -> str:
        digest = hashlib.blake2b(
            ":".join(map(str, (self.world.seed, *parts))).encode(), digest_size=15
        ).digest()
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        number = int.from_bytes(digest, "big")
        return "".join(alphabet[(number >> (6 * k)) % 62] for k in range(20))

    @staticmethod
    async def _body(request: Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def email_search(self, request: Request) -> Response:
        body = await self._body(request) or {}
        first, last, target = body.get("firstname"), body.get("lastname"), body.get("domainOrCompany")
        errors = [
            _required(name, value)
            for name, value in (("firstname", first), ("lastname", last))
            if value is not None and not isinstance(value, str)
        ]
        if not isinstance(target, str) or not target.strip():
            errors.append(_required("domainOrCompany", target))
        if not (isinstance(first, str) and first.strip()) and not (isinstance(last, str) and last.strip()):
            errors.append(_required("lastname", last))
        if errors:
            return JSONResponse({"success": False, "validationErrors": errors})
        self._submitted += 1
        search_id = self._new_id("search", self._submitted, first, last, target)
        pending = 1 + int(_unit("icypeas-pending", search_id) * 3)
        self._searches[search_id] = _Search(
            str(first or "").strip(), str(last or "").strip(), str(target).strip(), pending, self._submitted
        )
        while len(self._searches) > MAX_SEARCHES:
            self._searches.popitem(last=False)
        return JSONResponse({"success": True, "item": {"_id": search_id, "status": "NONE"}})

    async def read(self, request: Request) -> Response:
        body = await self._body(request) or {}
        if body.get("mode") in ("single", "bulk"):
            return self._read_list(body)
        search_id = body.get("id")
        if not isinstance(search_id, str) or not search_id:
            return JSONResponse({"success": False, "validationErrors": [_required("id", search_id)]})
        search = self._searches.get(search_id)
        if search is None:
            return JSONResponse({"success": False, "message": "SearchNotFoundError"})
        item = self._read_one(search_id, search)
        return JSONResponse(
            {"success": True, "items": [item], "total": 1, "sorts": [[search.reads, search_id]]}
        )

    def _read_list(self, body: dict[str, Any]) -> Response:
        """The list form of the read: the account's latest searches, newest first, each one read."""
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100:
            return JSONResponse(
                {
                    "success": False,
                    "validationErrors": [_required("limit", limit, "number between 1 and 100")],
                }
            )
        if body["mode"] == "bulk":  # this sandbox runs no bulk files
            return JSONResponse({"success": True, "items": [], "total": 0, "sorts": []})
        latest = list(islice(reversed(self._searches.items()), limit))
        items = [self._read_one(search_id, search) for search_id, search in latest]
        return JSONResponse(
            {
                "success": True,
                "items": items,
                "total": len(self._searches),
                "sorts": [[search.order, search_id] for search_id, search in latest],
            }
        )

    def _read_one(self, search_id: str, search: _Search) -> dict[str, Any]:
        """Count one read of the search and return its item: pending for its first reads, then final."""
        search.reads += 1
        if search.reads <= search.pending_reads:
            return self._item(search_id, search, _PENDING_WORDS[search.reads - 1], [])
        if search.final is None:
            status, emails = self._resolve(search)
            if status == "FOUND":
                self.charge(1)
            search.final = self._item(search_id, search, status, emails)
        return search.final

    def _item(
        self, search_id: str, search: _Search, status: str, emails: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "_id": search_id,
            "status": status,
            "name": "api-single-search",
            "order": 0,
            "results": {
                "firstname": search.firstname,
                "lastname": search.lastname,
                "fullname": f"{search.firstname} {search.lastname}".strip(),
                "gender": "UNKNOWN",
                "emails": emails,
                "phones": [],
            },
            "system": {"createdAt": "2026-01-01T00:00:00.000Z", "modifiedAt": "2026-01-01T00:00:00.000Z"},
            "userData": {},
        }

    def _resolve(self, search: _Search) -> tuple[str, list[dict[str, Any]]]:
        if not any(ch.isalpha() for ch in search.firstname + search.lastname):
            return "BAD_INPUT", []
        company = self._company(search.target)
        person = None if company is None else self._person(company, search.firstname, search.lastname)
        email = None if person is None else self.world.email_guess(self.name, person)
        if company is None or email is None:
            return "NOT_FOUND", []
        verdict = self.world.verify(self.name, email)
        certainty = {"valid": "ultra_sure", "catch_all": "probable"}.get(verdict, "sure")
        provider = ("google", "outlook", "zoho", "ovh", "other")[int(_unit("mx", company.domain) * 5)]
        records = [r.format(stem=company.domain.replace(".", "-")) for r in _MX.get(provider, [])]
        return "FOUND", [
            {
                "email": email,
                "certainty": certainty,
                "mxProvider": provider,
                "mxRecords": records or [f"mx.{company.domain}"],
            }
        ]

    def _company(self, target: str) -> Company | None:
        if "." in target and " " not in target.strip():
            found = self.world.company(target)
            if found is not None:
                return found
        return self.world.company_by_name(target)

    def _person(self, company: Company, first: str, last: str) -> Person | None:
        if first and last:
            return self.world.find_person(first, last, company.domain)
        # One name only: answer when it picks out exactly one person at the company.
        wanted = (first or last).casefold()
        matches = [
            p
            for p in self.world.people(company.domain)
            if (p.first_name if first else p.last_name).casefold() == wanted
        ]
        return matches[0] if len(matches) == 1 else None
