"""RevenueInfra company research: competitors, similar companies, customers, champions, alumni, VC funding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from providers.base import (
    Action,
    Credentials,
    Outcome,
    ProviderResult,
    RequestSpec,
    Skip,
    first_present,
    malformed,
    missing,
    result,
)
from providers.http import HttpResponse
from providers.revenueinfra._common import (
    NAME,
    Converter,
    bare_domain,
    company_domain,
    items,
    number,
    post,
    read_answer,
    text,
)

DB_TIMEOUT_S = 30.0
# The competitor search may start a research task when the service holds no answer yet (the seed waited
# up to 180 s for it); lookups answer from the service's database.
COMPETITORS_TIMEOUT_S = 180.0
# Estimate: one Parallel `base` run ($0.01, PROVIDER_FACTS.md Parallel prices) when nothing is stored.
COMPETITORS_COST_USD = 0.01
DOMAIN_INPUTS = "company_domain|company_website"

CHAMPION_FIELDS = (
    "full_name",
    "job_title",
    "company_name",
    "company_domain",
    "company_linkedin_url",
    "case_study_url",
)
ALUMNI_FIELDS = (
    "full_name",
    "linkedin_url",
    "current_company_name",
    "current_company_domain",
    "current_company_linkedin_url",
    "current_job_title",
    "past_company_name",
    "past_company_domain",
    "past_job_title",
)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One list answer: where it is asked, the request field carrying the domain, the list and its items."""

    action: str
    path: str
    list_key: str
    fields: tuple[str, ...]
    domain_field: str = "domain"
    converters: Mapping[str, Converter] = field(default_factory=dict)
    timeout_s: float = DB_TIMEOUT_S
    cost_usd: float = 0.0
    description: str = ""


COMPETITORS = Lookup(
    "competitors",
    "/run/companies/parallel-task/competitors/infer/db-direct",
    "competitors",
    ("name", "domain", "linkedin_url"),
    timeout_s=COMPETITORS_TIMEOUT_S,
    cost_usd=COMPETITORS_COST_USD,
    description="List a company's competitors.",
)
LOOKUPS = (
    Lookup(
        "similar_companies",
        "/run/companies/db/similar-companies/list",
        "similar_companies",
        ("company_name", "company_domain", "company_linkedin_url", "similarity_score"),
        converters={"similarity_score": number},
        description="List companies similar to a company, with a similarity score.",
    ),
    Lookup(
        "customers",
        "/run/companies/db/company-customers/lookup",
        "customers",
        (
            "customer_name",
            "customer_domain",
            "customer_linkedin_url",
            "origin_company_name",
            "origin_company_domain",
        ),
        description="List a company's known customers.",
    ),
    Lookup(
        "champions",
        "/run/companies/db/case-study-champions/lookup",
        "champions",
        CHAMPION_FIELDS,
        description="List people at a company's customers quoted in its case studies.",
    ),
    Lookup(
        "champion_testimonials",
        "/run/companies/db/case-study-champions-detailed/lookup",
        "champions",
        (*CHAMPION_FIELDS, "testimonial"),
        description="List a company's case-study champions with their testimonials.",
    ),
    Lookup(
        "alumni",
        "/run/companies/db/alumni/lookup",
        "alumni",
        ALUMNI_FIELDS,
        domain_field="past_company_domain",
        description="List people who used to work at a company, with where they work now.",
    ),
)
VC_FUNDING_PATH = "/run/companies/db/has-raised-vc-status/check"


def build_lookup(lookup: Lookup, inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask one list lookup for the company's domain (`company_domain`, or a `company_website` URL)."""
    domain = company_domain(inputs)
    if domain is None:
        return missing(DOMAIN_INPUTS)
    return post(lookup.path, {lookup.domain_field: domain}, credentials, lookup.timeout_s)


def parse_lookup(lookup: Lookup, response: HttpResponse) -> ProviderResult:
    """Classify a list answer; a known company with an empty list is found, with the empty list."""
    answer = read_answer(lookup.action, response)
    if isinstance(answer, ProviderResult):
        return answer
    rows = items(answer.get(lookup.list_key), lookup.fields, lookup.converters)
    if rows is None:
        return malformed(lookup.action, NAME, response, f"no {lookup.list_key} list in the answer")
    return result(
        lookup.action,
        NAME,
        Outcome.FOUND,
        response,
        data={lookup.list_key: rows},
        provider_status="empty" if not rows else "ok",
        cost_usd=lookup.cost_usd,
    )


def build_competitors(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a company's competitors by domain or by name (the service takes either, or both)."""
    domain = company_domain(inputs)
    name = text(first_present(inputs, "company_name"))
    if domain is None and name is None:
        return missing(f"{DOMAIN_INPUTS}|company_name")
    body: dict[str, Any] = {}
    if domain is not None:
        body["domain"] = domain
    if name is not None:
        body["company_name"] = name
    linkedin = text(first_present(inputs, "company_linkedin_url"))
    if linkedin is not None:
        body["company_linkedin_url"] = linkedin
    return post(COMPETITORS.path, body, credentials, COMPETITORS.timeout_s)


def parse_competitors(response: HttpResponse) -> ProviderResult:
    """Classify a competitors answer."""
    return parse_lookup(COMPETITORS, response)


def build_vc_funding(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask whether a company has raised venture money, and from whom."""
    domain = company_domain(inputs)
    if domain is None:
        return missing(DOMAIN_INPUTS)
    return post(VC_FUNDING_PATH, {"domain": domain}, credentials, DB_TIMEOUT_S)


def parse_vc_funding(response: HttpResponse) -> ProviderResult:
    """Classify a VC funding answer; `vc_count` is the largest of the stated count, names and firms."""
    answer = read_answer("vc_funding", response)
    if isinstance(answer, ProviderResult):
        return answer
    raised = answer.get("has_raised_vc")
    if not isinstance(raised, bool):
        return malformed("vc_funding", NAME, response, "no has_raised_vc in the answer")
    vcs = items(answer.get("vcs"), ("vc_name", "vc_domain")) or []
    vcs = [vc for vc in vcs if vc["vc_name"] is not None]
    for vc in vcs:
        vc["vc_domain"] = bare_domain(vc["vc_domain"])
    names = [name for value in answer.get("vc_names") or [] if (name := text(value))]
    if not names:
        names = [vc["vc_name"] for vc in vcs]
    stated = answer.get("vc_count")
    count = max(
        stated if isinstance(stated, int) and not isinstance(stated, bool) else 0, len(names), len(vcs)
    )
    data = {
        "has_raised_vc": raised,
        "vc_count": count,
        "vc_names": names,
        "vcs": vcs,
        "founded_date": text(answer.get("founded_date")),
    }
    status = "raised" if raised else "not_raised"
    return result("vc_funding", NAME, Outcome.FOUND, response, data=data, provider_status=status)


ACTIONS: dict[str, Action] = {
    COMPETITORS.action: Action(
        provider=NAME,
        name=COMPETITORS.action,
        build=build_competitors,
        parse=parse_competitors,
        cost_usd=COMPETITORS.cost_usd,
        description=COMPETITORS.description,
    ),
    **{
        lookup.action: Action(
            provider=NAME,
            name=lookup.action,
            build=partial(build_lookup, lookup),
            parse=partial(parse_lookup, lookup),
            cost_usd=lookup.cost_usd,
            description=lookup.description,
        )
        for lookup in LOOKUPS
    },
    "vc_funding": Action(
        provider=NAME,
        name="vc_funding",
        build=build_vc_funding,
        parse=parse_vc_funding,
        description="Tell whether a company raised venture money, from which firms, and its founding date.",
    ),
}
