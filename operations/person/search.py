"""person.search: find people by company, title, level, function or place, routed as CONTRACTS §8 says."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from operations.contracts.person_search import PersonSearchItem, PersonSearchOutput
from operations.inputs import Inputs, clean_text, normalize_linkedin_url
from operations.runtime import OperationRun, Outcome
from operations.spec import FanOut, OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step
from providers.base import ProviderResult

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS = 500
MAX_PAGE = 1000
_ITEM_FIELDS = tuple(name for name in PersonSearchItem.model_fields if name not in ("source_provider", "raw"))
_FILTER_DEPTH = 4  # how deep caller-supplied filters and cascades may nest
_VP = {"vp", "svp", "evp", "avp"}
_C_TEAM = {"chief", "ceo", "cto", "cfo", "coo", "cmo", "cro", "cio", "ciso", "cpo", "founder", "owner"}


@dataclass(frozen=True, slots=True)
class Query:
    """The search's inputs, cleaned."""

    query: str | None
    company_domain: str | None
    company_name: str | None
    company_linkedin_url: str | None
    job_title: str | None
    job_level: list[str]
    job_function: list[str]
    location: list[str]
    cascade: list[Any] | None
    provider_filters: dict[str, Any]
    page: int
    max_results: int

    @property
    def usable(self) -> bool:
        """Tell whether any input survived cleaning (else nothing worth searching for was given)."""
        return any(
            (
                self.query,
                self.company_domain,
                self.company_name,
                self.company_linkedin_url,
                self.job_title,
                self.job_level,
                self.job_function,
                self.location,
                self.cascade,
                self.provider_filters,
            )
        )

    @property
    def country_codes(self) -> list[str]:
        """The location entries that are two-letter country codes, upper-cased (Blitz's country_code)."""
        return [
            place.upper()
            for place in self.location
            if len(place) == 2 and place.isascii() and place.isalpha()
        ]


def clean_json(value: Any, depth: int = 0) -> Any:
    """Return a caller-supplied JSON value with blank or untrimmed text, odd types and deep nesting gone."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool) or (isinstance(value, int | float) and math.isfinite(value)):
        return value
    if depth >= _FILTER_DEPTH:
        return None
    if isinstance(value, list):
        items = [clean_json(item, depth + 1) for item in value[:50]]
        return [item for item in items if item not in (None, [], {})]
    if isinstance(value, Mapping):
        cleaned = {str(k): clean_json(v, depth + 1) for k, v in value.items() if isinstance(k, str)}
        return {k: v for k, v in cleaned.items() if v not in (None, [], {})}
    return None


def read_query(inputs: Inputs) -> Query:
    """Read the search inputs; the step's `max_results` overrides `limit` (default 100)."""
    limit = inputs.integer("limit", DEFAULT_MAX_RESULTS, lo=1, hi=MAX_RESULTS)
    cascade = clean_json(inputs.raw("cascade"))
    tiers = [tier for tier in cascade if isinstance(tier, dict)] if isinstance(cascade, list) else []
    filters = clean_json(inputs.mapping("provider_filters") or {})
    return Query(
        query=inputs.text("query"),
        company_domain=inputs.domain("company_domain", "company_website"),
        company_name=inputs.text("company_name", max_length=200),
        company_linkedin_url=inputs.linkedin("company_linkedin_url", kind="company"),
        job_title=inputs.text("job_title", max_length=200),
        job_level=inputs.texts("job_level"),
        job_function=inputs.texts("job_function"),
        location=inputs.texts("location"),
        cascade=tiers or None,
        provider_filters={k: v for k, v in filters.items() if isinstance(v, dict)},
        page=inputs.integer("page", 1, lo=1, hi=MAX_PAGE),
        max_results=inputs.integer("max_results", limit, lo=1, hi=MAX_RESULTS),
    )


def job_level_for(title: str) -> str:
    """Derive Blitz's job level from a title: C-Team, VP, Director, else Manager."""
    lowered = title.lower()
    words = set(re.findall(r"[a-z]+", lowered))
    # "Vice President" holds "president", so VP is decided before C-Team.
    if words & _VP or "vice president" in lowered:
        return "VP"
    if words & _C_TEAM or "president" in words:
        return "C-Team"
    if "director" in words or "head of" in lowered:
        return "Director"
    return "Manager"


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, [], {})}


@dataclass(slots=True)
class Search:
    """The query, the company's LinkedIn page as known so far, and the winning step's people."""

    query: Query
    company_linkedin_url: str | None
    people: list[dict[str, Any]] = field(default_factory=list)
    pagination: dict[str, dict[str, int | None]] = field(default_factory=dict)

    def take(self, step: Step[Search], result: ProviderResult) -> bool:
        """Learn the company page from the lookup; take a step's answer when it names anyone."""
        if step is BLITZ_LOOKUP:
            if result.data:
                self.company_linkedin_url = normalize_linkedin_url(
                    result.data.get("company_linkedin_url"), "company"
                )
            return False
        people = dedupe(items_of(step, result, self.query))[: self.query.max_results]
        if not people:
            return False
        self.people = people
        self.pagination = {step.key: page_of(step, result, self.query)}
        return True


def _company(query: Query) -> dict[str, Any]:
    return {"company_domain": query.company_domain, "company_name": query.company_name}


def _own_filters(query: Query, provider: str) -> dict[str, Any]:
    own = query.provider_filters.get(provider)
    return {"provider_filters": {provider: own}} if own else {}


def _prospeo_request(search: Search) -> dict[str, Any]:
    query = search.query
    title = query.job_title or query.query
    values = {**_company(query), "job_title": title, "location": query.location, "page": query.page}
    return _present({**values, **_own_filters(query, "prospeo")})


def _companyenrich_request(search: Search) -> dict[str, Any]:
    query = search.query
    values = {
        **_company(query),
        "job_title": query.job_title or query.query,
        "job_level": query.job_level,
        "job_function": query.job_function,
        "location": query.location,
        "page": query.page,
        "max_results": query.max_results,
    }
    return _present({**values, **_own_filters(query, "companyenrich")})


def _blitz_employees_request(search: Search) -> dict[str, Any]:
    query = search.query
    levels = query.job_level or ([job_level_for(query.job_title)] if query.job_title else [])
    values = {
        "company_linkedin_url": search.company_linkedin_url,
        "job_level": levels,
        "job_function": query.job_function,
        "country_code": query.country_codes,
        "max_results": query.max_results,
        "page": query.page,
    }
    return _present(values)


def _blitz_icp_request(search: Search) -> dict[str, Any]:
    query = search.query
    values = {
        "company_linkedin_url": search.company_linkedin_url,
        "cascade": query.cascade,
        "max_results": query.max_results,
    }
    return _present(values)


def _leadmagic_role_request(search: Search) -> dict[str, Any]:
    return _present({**_company(search.query), "job_title": search.query.job_title})


def _leadmagic_employees_request(search: Search) -> dict[str, Any]:
    return _present({**_company(search.query), "max_results": search.query.max_results})


def _needs_company_page(search: Search) -> bool:
    return search.company_linkedin_url is None and bool(search.query.company_domain)


def _has_cascade(search: Search) -> bool:
    return bool(search.query.cascade)


def _has_job_title(search: Search) -> bool:
    return bool(search.query.job_title)


def _lacks(condition: Callable[[Search], bool]) -> Callable[[Search], bool]:
    return lambda search: not condition(search)


# BlitzAPI searches by company LinkedIn page only: learn it from the domain first (a miss leaves the
# page unknown, and BlitzAPI's attempt is then recorded as skipped).
BLITZ_LOOKUP = Step(
    "blitzapi",
    "domain_to_linkedin",
    lambda search: {"company_domain": search.query.company_domain},
    when=_needs_company_page,
)
PROSPEO = Step("prospeo", "search_person", _prospeo_request, key="prospeo")
COMPANYENRICH = Step("companyenrich", "search_people", _companyenrich_request, key="companyenrich")
BLITZ_ICP = Step(
    "blitzapi",
    "waterfall_icp",
    _blitz_icp_request,
    when=_has_cascade,
    lookup=BLITZ_LOOKUP,
    lookup_gates=False,
    key="blitzapi_icp",
)
BLITZ_EMPLOYEES = Step(
    "blitzapi",
    "employee_finder",
    _blitz_employees_request,
    when=_lacks(_has_cascade),
    alternative=BLITZ_ICP,
    lookup=BLITZ_LOOKUP,
    lookup_gates=False,
    key="blitzapi_employees",
)
LEADMAGIC_ROLE = Step(
    "leadmagic", "role_finder", _leadmagic_role_request, when=_has_job_title, key="leadmagic_role"
)
LEADMAGIC_EMPLOYEES = Step(
    "leadmagic",
    "employee_finder",
    _leadmagic_employees_request,
    when=_lacks(_has_job_title),
    alternative=LEADMAGIC_ROLE,
    key="leadmagic_employees",
)
_DEFAULT_STEPS = {
    "prospeo": PROSPEO,
    "blitzapi": BLITZ_EMPLOYEES,
    "companyenrich": COMPANYENRICH,
    "leadmagic": LEADMAGIC_EMPLOYEES,
}
# They list one company's people, so their records may omit the company (the search named it).
_COMPANY_SCOPED = frozenset({BLITZ_EMPLOYEES, BLITZ_ICP, LEADMAGIC_EMPLOYEES, LEADMAGIC_ROLE})


def plan_steps(query: Query, order: Sequence[str]) -> list[Step[Search]]:
    """Choose the steps to try, in order: the cascade, job-title or default path (§8)."""
    if query.cascade:
        return [BLITZ_ICP]
    configured = [p for p in order if p in _DEFAULT_STEPS]
    if "leadmagic" not in configured:
        configured.append("leadmagic")  # always appended, whatever the configured order
    if query.job_title:
        middle = [_DEFAULT_STEPS[p] for p in configured if p in ("prospeo", "companyenrich")]
        return [LEADMAGIC_ROLE, *middle, *([BLITZ_EMPLOYEES] if "blitzapi" in configured else [])]
    return [_DEFAULT_STEPS[p] for p in configured]


def _route(search: Search, order: Sequence[str]) -> list[Step[Search]]:
    return plan_steps(search.query, order)


PLAN = Plan(
    "first_success",
    (PROSPEO, BLITZ_EMPLOYEES, COMPANYENRICH, LEADMAGIC_EMPLOYEES),
    take=Search.take,
    route=_route,
)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def raw_records(step: Step[Search], body: Any) -> list[dict[str, Any]]:
    """Return the provider's own records behind the adapter's items, in the adapter's order."""
    if not isinstance(body, dict):
        return []
    if step is LEADMAGIC_ROLE:
        return [body]
    if step is BLITZ_ICP:
        return [match for match in _dicts(body.get("results")) if isinstance(match.get("person"), dict)]
    if step is COMPANYENRICH:
        return _dicts(body.get("items"))
    if step is LEADMAGIC_EMPLOYEES:
        return _dicts(body.get("employees") if "employees" in body else body.get("data"))
    return _dicts(body.get("results"))


def items_of(step: Step[Search], result: ProviderResult, query: Query) -> list[dict[str, Any]]:
    """Return the result's people as contract items, each with its raw record."""
    found = _dicts((result.data or {}).get("results"))
    raws = raw_records(step, result.raw)
    if len(raws) != len(found):
        raws = [{} for _ in found]  # cannot pair them safely: better no raw than someone else's
    items = []
    for item, raw in zip(found, raws, strict=True):
        record = {name: item.get(name) for name in _ITEM_FIELDS}
        if step in _COMPANY_SCOPED:
            record["current_company_domain"] = record["current_company_domain"] or query.company_domain
            record["current_company_name"] = record["current_company_name"] or query.company_name
        items.append({**record, "source_provider": step.provider, "raw": raw})
    return items


def _dedupe_key(item: Mapping[str, Any]) -> str | None:
    url = item.get("linkedin_url")
    if isinstance(url, str) and url:
        return "linkedin:" + (normalize_linkedin_url(url) or url.strip().lower())
    if item.get("source_person_id"):
        return f"id:{item['source_person_id']}"
    if item.get("full_name"):
        return (
            f"name:{str(item['full_name']).lower()}::{str(item.get('current_company_domain') or '').lower()}"
        )
    return None  # a record with no name and no id is never merged with another


def dedupe(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the first item per linkedin_url, else source_person_id, else name at company."""
    seen: set[str] = set()
    kept = []
    for item in items:
        key = _dedupe_key(item)
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        kept.append(item)
    return kept


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def page_of(step: Step[Search], result: ProviderResult, query: Query) -> dict[str, int | None]:
    """Describe the page a step returned, in the same words for every provider."""
    data = result.data or {}
    given = data.get("pagination")
    given = given if isinstance(given, dict) else {}
    page = {
        "page": _int(given.get("page")) or _int(data.get("page")) or query.page,
        "page_size": _int(given.get("page_size")) or query.max_results,
        "total_pages": _int(given.get("total_pages")) or _int(data.get("total_pages")),
        "total_items": _int(given.get("total_items")) or _int(data.get("total_count")),
    }
    if step is COMPANYENRICH:
        page["page_size"] = min(100, query.max_results)  # what was asked; CompanyEnrich does not echo it
    elif step is LEADMAGIC_ROLE:
        page.update(page=1, page_size=1)
    elif step in (BLITZ_ICP, LEADMAGIC_EMPLOYEES):
        page["page"] = 1  # these answer one list and take no page number
    return page


async def search(run: OperationRun) -> Outcome:
    """Try the routed steps in order; the first with at least one person wins."""
    query = read_query(run.inputs)
    if not query.usable:
        return run.unusable("none of the search inputs is usable")
    found = Search(query, query.company_linkedin_url)
    await run.waterfall(found)
    if not found.people:
        return run.miss()
    output = {
        "results": found.people,
        "result_count": len(found.people),
        "provider_order_used": list(dict.fromkeys(a.provider for a in run.attempts if a.status != "skipped")),
        "pagination": found.pagination,
    }
    return Outcome(OperationStatus.FOUND, output)


OPERATIONS = [
    OperationSpec(
        id="person.search",
        description="Find people at a company or by title, level, function and place (§8 routing).",
        output=PersonSearchOutput,
        run=search,
        requires=(
            need(
                "query",
                "company_domain",
                "company_website",
                "company_name",
                "company_linkedin_url",
                "job_title",
                "job_level",
                "job_function",
                "location",
                "cascade",
                "provider_filters",
            ),
        ),
        optional=("page", "limit", "max_results"),
        plan=PLAN,
        fan_out=FanOut(
            "results",
            "person",
            rename={
                "current_company_domain": "company_domain",
                "current_company_name": "company_name",
                "current_title": "title",
            },
        ),
        params=(
            "max_results",
            "limit",
            "page",
            "query",
            "job_title",
            "job_level",
            "job_function",
            "location",
            "cascade",
            "provider_filters",
        ),
        order_configurable=True,
    )
]
