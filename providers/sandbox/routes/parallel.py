"""Sandboxed Parallel Task API: create a run, poll its status, fetch its result, answered from the world.

A run is `queued` when created and `running` for 1-2 polls, a number derived from its id; then it is
`completed`. `/result` answers at once (the real one blocks until the run is done, and would give the same
answer). The output fills each requested field it can from the world, read from the task input: a company
domain, website, name or LinkedIn page, and a person's name, email or LinkedIn profile. A field it cannot
fill is null. Company facts need `world.knows("parallel", domain)`, person facts
`world.knows("parallel", person_id)`, and emails come from `world.email_guess("parallel", person)`. Every
run is billed at its processor's price in USD, the unit of this sandbox's credits.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.world import Company, Person

MAX_RUNS = 50_000
MAX_SPEC_CHARS = 15_000
PRICES_USD = {"lite": 0.005, "base": 0.01, "core": 0.025, "core2x": 0.05, "pro": 0.10, "ultra": 0.30}
PRICES_USD |= {"ultra2x": 0.60, "ultra4x": 1.20, "ultra8x": 2.40}
_EMAIL = re.compile(r"[a-z0-9._%+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,63}")
_DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,63})(?:[/?#].*)?")

DOMAIN_KEYS = ("company_domain", "domain", "company_website", "website", "company_url", "url")
COMPANY_NAME_KEYS = ("company_name", "company", "organization", "employer", "current_company")
PERSON_NAME_KEYS = ("full_name", "person_name")
# Keys that make a task about a person; a bare `linkedin_url` decides by the kind of URL it holds.
PERSON_KEYS = frozenset({*PERSON_NAME_KEYS, "first_name", "last_name", "person_linkedin_url"})


def _location(*parts: str | None) -> str:
    return ", ".join(p for p in parts if p)


COMPANY_FIELDS: dict[str, Callable[[Company], Any]] = {
    "company_name": lambda c: c.name,
    "company_domain": lambda c: c.domain,
    "domain": lambda c: c.domain,
    "company_website": lambda c: c.website,
    "website": lambda c: c.website,
    "company_linkedin_url": lambda c: c.linkedin_url,
    "description": lambda c: c.description,
    "company_description": lambda c: c.description,
    "hq_location": lambda c: _location(c.hq_city, c.hq_state, c.hq_country_code),
    "headquarters": lambda c: _location(c.hq_city, c.hq_state, c.hq_country_code),
    "employee_range": lambda c: c.employee_range,
    "employee_count": lambda c: c.employee_count,
    "industry": lambda c: c.industry,
    "founded_year": lambda c: c.founded_year,
}
PERSON_FIELDS: dict[str, Callable[[Person], Any]] = {
    "full_name": lambda p: p.full_name,
    "person_linkedin_url": lambda p: p.linkedin_url,
    "job_title": lambda p: p.title,
    "title": lambda p: p.title,
    "current_title": lambda p: p.title,
    "headline": lambda p: p.headline,
    "location": lambda p: _location(p.city, p.country_code),
    "person_location": lambda p: _location(p.city, p.country_code),
}
EMAIL_FIELDS = frozenset({"work_email", "email"})


def _unit(*parts: object) -> float:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


@dataclass
class _Subject:
    """Who or what a task input is about, as far as the world can tell."""

    company: Company | None = None
    person: Person | None = None
    about_person: bool = False


@dataclass
class _Run:
    run_id: str
    task_input: Any
    fields: dict[str, str]  # requested output field -> JSON type; empty for a text output
    processor: str
    metadata: Any
    running_polls: int
    created_at: str = field(default_factory=_now)
    polls: int = 0
    output: dict[str, Any] | None = None

    @property
    def completed(self) -> bool:
        return self.polls > self.running_polls

    def view(self) -> dict[str, Any]:
        status = "completed" if self.completed else "running" if self.polls else "queued"
        return {
            "run_id": self.run_id,
            "status": status,
            "is_active": status != "completed",
            "processor": self.processor,
            "metadata": self.metadata,
            "created_at": self.created_at,
            "modified_at": _now() if self.polls else self.created_at,
            "warnings": None,
            "error": None,
        }


class ParallelSandbox(SandboxProvider):
    """Task runs answered from the world, running for a poll or two before they complete."""

    name = "parallel"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._runs: OrderedDict[str, _Run] = OrderedDict()
        self._created = 0

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v1/tasks/runs", self.create, methods=["POST"]),
            Route("/v1/tasks/runs/{run_id}", self.retrieve, methods=["GET"]),
            Route("/v1/tasks/runs/{run_id}/result", self.result, methods=["GET"]),
        ]

    async def authorized(self, request: Request) -> bool:
        return request.headers.get("x-api-key") == self.api_key

    def _error(self, status_code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        ref = hashlib.blake2b(f"{message}:{time.monotonic_ns()}".encode(), digest_size=8).hexdigest()
        return JSONResponse(
            {"type": "error", "error": {"ref_id": ref, "message": message, "detail": None}},
            status_code=status_code,
            headers=headers,
        )

    def unauthorized(self, request: Request) -> Response:
        return self._error(401, "Unauthorized: invalid or missing API key.")

    def no_credits(self) -> Response:
        return self._error(402, "Insufficient credit in account.")

    def rate_limited(self, retry_after: int) -> Response:
        return self._error(429, "Rate limit exceeded.", {"Retry-After": str(retry_after)})

    def server_error(self) -> Response:
        return self._error(500, "Internal server error.")

    async def create(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return self._error(422, "Request body is not valid JSON.")
        if not isinstance(body, dict) or not isinstance(body.get("input"), dict | str) or not body["input"]:
            return self._error(422, "Field 'input' is required (a string or an object).")
        processor = body.get("processor")
        if not isinstance(processor, str) or processor.removesuffix("-fast") not in PRICES_USD:
            return self._error(422, f"Invalid processor: {processor!r}.")
        spec = body.get("task_spec") or {}
        fields = self._output_fields(spec)
        if fields is None:
            return self._error(422, "Invalid output_schema: expected a JSON schema object with properties.")
        if len(json.dumps(body["input"])) + len(json.dumps(spec)) > MAX_SPEC_CHARS:
            return self._error(422, "Task spec and input exceed 15,000 characters.")
        self._created += 1
        digest = hashlib.blake2b(
            f"{self.world.seed}:{self._created}:{json.dumps(body['input'], sort_keys=True)}".encode(),
            digest_size=16,
        )
        run_id = f"trun_{digest.hexdigest()}"
        run = _Run(run_id, body["input"], fields, processor, body.get("metadata"), 1 + int(_unit(run_id) * 2))
        self._runs[run_id] = run
        while len(self._runs) > MAX_RUNS:
            self._runs.popitem(last=False)
        self.charge(PRICES_USD[processor.removesuffix("-fast")])
        return JSONResponse(run.view(), status_code=202)

    @staticmethod
    def _output_fields(spec: Any) -> dict[str, str] | None:
        output = spec.get("output_schema") if isinstance(spec, dict) else None
        if output is None or (isinstance(output, dict) and output.get("type") in ("text", "auto")):
            return {}
        schema = output.get("json_schema") if isinstance(output, dict) else None
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(properties, dict) or not properties:
            return None
        return {
            str(name): str(prop.get("type", "string")) if isinstance(prop, dict) else "string"
            for name, prop in properties.items()
        }

    def _run(self, request: Request) -> _Run | None:
        return self._runs.get(request.path_params["run_id"])

    async def retrieve(self, request: Request) -> Response:
        run = self._run(request)
        if run is None:
            return self._error(404, "Task run not found.")
        run.polls += 1
        return JSONResponse(run.view())

    async def result(self, request: Request) -> Response:
        run = self._run(request)
        if run is None:
            return self._error(404, "Task run not found.")
        run.polls = max(run.polls, run.running_polls + 1)  # the real call blocks until the run completes
        if run.output is None:
            run.output = self._output(run)
        return JSONResponse({"run": run.view(), "output": run.output})

    # -- answering from the world -------------------------------------------------------------------

    def _output(self, run: _Run) -> dict[str, Any]:
        subject = self._subject(run.task_input)
        if not run.fields:
            company = subject.company if subject.company and self._knows_company(subject.company) else None
            text = f"{company.name} ({company.domain}): {company.description}" if company else "No findings."
            return {"type": "text", "content": text, "basis": []}
        content: dict[str, Any] = {}
        basis = []
        for name, kind in run.fields.items():
            value, source, confidence = self._field(name, subject)
            if value is not None and kind == "string" and not isinstance(value, str):
                value = str(value)
            content[name] = value
            citations = (
                [{"title": source, "url": source, "excerpts": [str(value)]}] if value is not None else []
            )
            reasoning = f"Found on {source}." if value is not None else "No reliable source states this."
            basis.append(
                {"field": name, "citations": citations, "reasoning": reasoning, "confidence": confidence}
            )
        return {"type": "json", "content": content, "basis": basis}

    def _knows_company(self, company: Company) -> bool:
        return self.world.knows(self.name, company.domain)

    def _field(self, name: str, subject: _Subject) -> tuple[Any, str, str]:
        """Return (value or None, source URL, confidence) for one requested field."""
        company, person = subject.company, subject.person
        key = name.lower()
        if key == "linkedin_url":
            key = "person_linkedin_url" if subject.about_person else "company_linkedin_url"
        if key == "location" and not subject.about_person:
            key = "hq_location"
        if key in EMAIL_FIELDS:
            email = None if person is None else self.world.email_guess(self.name, person)
            if person is None or email is None:
                return None, "", "low"
            return email, f"https://{person.company_domain}/team", "medium"
        if key in PERSON_FIELDS and subject.about_person:
            if person is not None and self.world.knows(self.name, person.person_id):
                return PERSON_FIELDS[key](person), person.linkedin_url, "high"
            return None, "", "low"
        if key in COMPANY_FIELDS and company is not None and self._knows_company(company):
            return COMPANY_FIELDS[key](company), company.website, "high"
        return None, "", "low"

    def _subject(self, task_input: Any) -> _Subject:
        values: dict[str, str] = {}
        if isinstance(task_input, dict):
            values = {str(k).lower(): v.strip() for k, v in task_input.items() if isinstance(v, str)}
        texts = list(values.values()) if values else str(task_input).replace(",", " ").split()
        subject = _Subject(about_person=bool(PERSON_KEYS & values.keys()))
        world = self.world
        for text in texts:
            lowered = text.lower()
            if "linkedin.com/in/" in lowered:
                subject.person = subject.person or world.person_by_linkedin(text)
                subject.about_person = True
            elif "linkedin.com/company/" in lowered:
                subject.company = subject.company or world.company_by_linkedin(text)
            elif _EMAIL.fullmatch(lowered):
                subject.person = subject.person or world.person_by_email(lowered)
                subject.about_person = True
                subject.company = subject.company or world.company(lowered)
            elif not values and _DOMAIN.fullmatch(lowered):
                subject.company = subject.company or world.company(lowered)
        if subject.company is None:
            domain = next((values[k] for k in DOMAIN_KEYS if k in values), None)
            name = next((values[k] for k in COMPANY_NAME_KEYS if k in values), None)
            subject.company = (world.company(domain) if domain else None) or (
                world.company_by_name(name) if name else None
            )
        if subject.company is None and subject.person is not None:
            subject.company = world.company(subject.person.company_domain)
        if subject.person is None and subject.company is not None:
            subject.person = self._named_person(values, subject.company)
        return subject

    def _named_person(self, values: dict[str, str], company: Company) -> Person | None:
        first, last = values.get("first_name"), values.get("last_name")
        if not (first and last):
            full = next((values[k] for k in PERSON_NAME_KEYS if k in values), "")
            first, _, last = full.partition(" ")
        if not (first and last):
            return None
        return self.world.find_person(first, last.strip(), company.domain)
