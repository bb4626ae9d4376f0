"""POST /api/v1/entities/companies|persons|timeline: filters, order, pages, tenant and company scoping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine

from tests.factories import SUPER_KEY, ApiClient
from tests.support.engine_rows import (
    Tenant,
    add_company_entity,
    add_person_entity,
    add_timeline_event,
    make_tenant,
)

COMPANIES = "/api/v1/entities/companies"
PERSONS = "/api/v1/entities/persons"
TIMELINE = "/api/v1/entities/timeline"


@dataclass
class Orgs:
    alpha: Tenant
    beta: Tenant
    ids: dict[str, UUID]


@pytest.fixture
def orgs(engine: Engine) -> Orgs:
    alpha, beta = make_tenant(engine, "alpha"), make_tenant(engine, "beta")
    c0, c1 = alpha.company_ids
    ids = {
        "acme": add_company_entity(
            engine,
            alpha,
            age_minutes=30,
            company_id=c0,
            canonical_domain="acme.com",
            canonical_name="Acme",
            industry="Computer Software",
            employee_count=120,
            enrichment_confidence="0.9000",
            source_providers=["prospeo", "blitzapi"],
            canonical_payload={"domain": "acme.com", "employees": 120},
        ),
        "globex": add_company_entity(
            engine, alpha, age_minutes=10, company_id=c1, canonical_domain="globex.io", industry="Machinery"
        ),
        "initech": add_company_entity(
            engine,
            alpha,
            age_minutes=20,
            company_id=c0,
            canonical_domain="initech.com",
            industry="software & services",
        ),
        "sale": add_company_entity(engine, alpha, age_minutes=40, company_id=c0, industry="50% Off_Retail"),
        "beta_acme": add_company_entity(
            engine,
            beta,
            company_id=beta.company_ids[0],
            canonical_domain="acme.com",
            industry="Computer Software",
        ),
        "ada": add_person_entity(
            engine,
            alpha,
            age_minutes=5,
            company_id=c0,
            full_name="Ada Lovelace",
            work_email="ada@acme.com",
            linkedin_url="https://www.linkedin.com/in/ada",
            title="VP Engineering",
            department="Engineering",
            seniority="vp",
            company_domain="acme.com",
            contact_confidence="0.7500",
        ),
        "grace": add_person_entity(
            engine,
            alpha,
            age_minutes=15,
            company_id=c1,
            full_name="Grace Hopper",
            work_email="grace@globex.io",
            linkedin_url="https://www.linkedin.com/in/grace-hopper",
            title="Senior Software Engineer",
            department="R&D engineering",
            seniority="senior",
            company_domain="globex.io",
        ),
        "linus": add_person_entity(
            engine,
            alpha,
            age_minutes=25,
            company_id=c0,
            full_name="Linus",
            title="Engineering Manager",
            department="ENGINEERING",
            seniority="manager",
            company_domain="acme.com",
        ),
        "beta_ada": add_person_entity(
            engine,
            beta,
            company_id=beta.company_ids[0],
            work_email="ada@acme.com",
            department="Engineering",
            company_domain="acme.com",
        ),
    }
    return Orgs(alpha=alpha, beta=beta, ids=ids)


def _names(orgs: Orgs, items: list[dict[str, Any]]) -> list[str]:
    by_id = {str(v): k for k, v in orgs.ids.items()}
    return [by_id[item["entity_id"]] for item in items]


def _list(api: ApiClient, orgs: Orgs, path: str, role: str = "org_admin", **body: Any) -> list[str]:
    return _names(orgs, api.ok(path, body, orgs.alpha.tokens[role])["items"])


# --- companies ---------------------------------------------------------------------------------


def test_companies_newest_first_and_never_another_orgs(api: ApiClient, orgs: Orgs) -> None:
    data = api.ok(COMPANIES, {}, orgs.alpha.tokens["org_admin"])
    assert _names(orgs, data["items"]) == ["globex", "initech", "acme", "sale"]
    assert data["pagination"] == {"page": 1, "per_page": 25, "returned": 4, "has_more": False}
    acme = data["items"][2]
    assert acme["org_id"] == str(orgs.alpha.org_id)
    assert acme["canonical_name"] == "Acme"
    assert acme["employee_count"] == 120
    assert acme["enrichment_confidence"] == 0.9
    assert acme["source_providers"] == ["prospeo", "blitzapi"]
    assert acme["canonical_payload"] == {"domain": "acme.com", "employees": 120}
    assert acme["record_version"] == 1
    assert _list(api, orgs, COMPANIES, canonical_domain="acme.com") == ["acme"]
    beta = api.ok(COMPANIES, {}, orgs.beta.tokens["org_admin"])["items"]
    assert _names(orgs, beta) == ["beta_acme"]


@pytest.mark.parametrize(
    "domain", ["acme.com", "  ACME.com ", "https://www.Acme.com/about?x=1", "www.acme.com.", "sales@acme.com"]
)
def test_company_domain_filter_is_normalized_before_the_exact_match(
    api: ApiClient, orgs: Orgs, domain: str
) -> None:
    assert _list(api, orgs, COMPANIES, canonical_domain=domain) == ["acme"]


def test_a_domain_that_does_not_normalize_is_a_422_naming_the_field(api: ApiClient, orgs: Orgs) -> None:
    response = api.post(COMPANIES, {"canonical_domain": "not a domain"}, orgs.alpha.tokens["org_admin"])
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "canonical_domain"


def test_industry_is_a_case_insensitive_substring_with_literal_wildcards(api: ApiClient, orgs: Orgs) -> None:
    assert _list(api, orgs, COMPANIES, industry="SOFTWARE") == ["initech", "acme"]
    assert _list(api, orgs, COMPANIES, industry="%") == ["sale"]
    assert _list(api, orgs, COMPANIES, industry="o_f") == []  # "_" is no wildcard, or "Off" would match
    assert _list(api, orgs, COMPANIES, industry="off_retail") == ["sale"]


def test_companies_page_by_page(api: ApiClient, orgs: Orgs) -> None:
    first = api.ok(COMPANIES, {"per_page": 3}, orgs.alpha.tokens["org_admin"])
    second = api.ok(COMPANIES, {"per_page": 3, "page": 2}, orgs.alpha.tokens["org_admin"])
    assert _names(orgs, first["items"]) == ["globex", "initech", "acme"]
    assert first["pagination"]["has_more"] is True
    assert _names(orgs, second["items"]) == ["sale"]
    assert second["pagination"] == {"page": 2, "per_page": 3, "returned": 1, "has_more": False}
    too_many = api.post(COMPANIES, {"per_page": 101}, orgs.alpha.tokens["org_admin"])
    assert too_many.status_code == 422


def test_company_id_filter_and_company_pinning(api: ApiClient, orgs: Orgs) -> None:
    c0, c1 = (str(c) for c in orgs.alpha.company_ids)
    assert _list(api, orgs, COMPANIES, company_id=c1) == ["globex"]
    for role in ("company_admin", "member"):
        assert _list(api, orgs, COMPANIES, role) == ["initech", "acme", "sale"]
        assert _list(api, orgs, COMPANIES, role, company_id=c0) == ["initech", "acme", "sale"]
        response = api.post(COMPANIES, {"company_id": c1}, orgs.alpha.tokens[role])
        assert response.status_code == 403
        assert response.json()["error"] == "Forbidden company access"


# --- persons -----------------------------------------------------------------------------------


def test_persons_newest_first_and_never_another_orgs(api: ApiClient, orgs: Orgs) -> None:
    data = api.ok(PERSONS, {}, orgs.alpha.tokens["org_admin"])
    assert _names(orgs, data["items"]) == ["ada", "grace", "linus"]
    ada = data["items"][0]
    assert ada["full_name"] == "Ada Lovelace"
    assert ada["contact_confidence"] == 0.75
    assert ada["seniority"] == "vp"
    assert _names(orgs, api.ok(PERSONS, {}, orgs.beta.tokens["org_admin"])["items"]) == ["beta_ada"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"work_email": " ADA@Acme.com "}, ["ada"]),
        ({"linkedin_url": "linkedin.com/in/Ada/"}, ["ada"]),
        ({"linkedin_url": "https://www.linkedin.com/in/grace-hopper?utm=x"}, ["grace"]),
        ({"title": "software"}, ["grace"]),
        ({"title": "ENGINEER"}, ["ada", "grace", "linus"]),
        ({"department": "engineering"}, ["ada", "grace", "linus"]),
        ({"seniority": "vp"}, ["ada"]),
        ({"seniority": "VP"}, []),
        ({"company_domain": "https://www.acme.com"}, ["ada", "linus"]),
        ({"department": "engineering", "company_domain": "globex.io"}, ["grace"]),
        ({"company_id": "c1"}, ["grace"]),
    ],
)
def test_person_filters(api: ApiClient, orgs: Orgs, body: dict[str, Any], expected: list[str]) -> None:
    if body.get("company_id") == "c1":
        body = {"company_id": str(orgs.alpha.company_ids[1])}
    assert _list(api, orgs, PERSONS, **body) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [("work_email", "not-an-email"), ("linkedin_url", "https://example.com/in/ada"), ("company_domain", "x")],
)
def test_person_filters_that_do_not_normalize_are_422(
    api: ApiClient, orgs: Orgs, field: str, value: str
) -> None:
    response = api.post(PERSONS, {field: value}, orgs.alpha.tokens["org_admin"])
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == field


def test_persons_pinning_and_pages(api: ApiClient, orgs: Orgs) -> None:
    assert _list(api, orgs, PERSONS, "member") == ["ada", "linus"]
    first = api.ok(PERSONS, {"per_page": 2}, orgs.alpha.tokens["org_admin"])
    assert _names(orgs, first["items"]) == ["ada", "grace"] and first["pagination"]["has_more"] is True
    assert _list(api, orgs, PERSONS, per_page=2, page=2) == ["linus"]


# --- the super-admin ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [COMPANIES, PERSONS, TIMELINE])
def test_the_super_admin_must_name_the_org(api: ApiClient, orgs: Orgs, path: str) -> None:
    body: dict[str, Any] = {"entity_type": "company", "entity_id": str(uuid4())} if path == TIMELINE else {}
    response = api.post(path, body, SUPER_KEY)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["details"]] == ["org_id"]
    assert api.ok(path, {**body, "org_id": str(orgs.alpha.org_id)}, SUPER_KEY)["pagination"]["page"] == 1


def test_the_super_admin_reads_the_named_org_only(api: ApiClient, orgs: Orgs) -> None:
    alpha = api.ok(COMPANIES, {"org_id": str(orgs.alpha.org_id)}, SUPER_KEY)["items"]
    beta = api.ok(PERSONS, {"org_id": str(orgs.beta.org_id)}, SUPER_KEY)["items"]
    assert _names(orgs, alpha) == ["globex", "initech", "acme", "sale"]
    assert _names(orgs, beta) == ["beta_ada"]


def test_a_tenant_cannot_name_another_org(api: ApiClient, orgs: Orgs) -> None:
    response = api.post(COMPANIES, {"org_id": str(orgs.beta.org_id)}, orgs.alpha.tokens["org_admin"])
    assert response.status_code == 403
    assert _list(api, orgs, COMPANIES, org_id=str(orgs.alpha.org_id)) == ["globex", "initech", "acme", "sale"]


def test_entity_reads_need_a_credential(api: ApiClient, orgs: Orgs) -> None:
    assert api.post(COMPANIES, {}).status_code == 401
    assert api.post(PERSONS, {}, "wrong").status_code == 401


# --- timeline ----------------------------------------------------------------------------------


@dataclass
class Timeline:
    entity_id: UUID
    events: dict[str, UUID]
    runs: list[UUID]
    submissions: list[UUID]


@pytest.fixture
def timeline(engine: Engine, orgs: Orgs) -> Timeline:
    alpha, entity_id = orgs.alpha, orgs.ids["acme"]
    runs, subs = [uuid4(), uuid4()], [uuid4(), uuid4()]
    c0, c1 = alpha.company_ids

    def event(name: str, age: int, **values: Any) -> tuple[str, UUID]:
        return name, add_timeline_event(engine, alpha, entity_id, age_minutes=age, **values)

    events = dict(
        [
            event(
                "enriched", 30, company_id=c0, pipeline_run_id=runs[0], submission_id=subs[0], provider="p"
            ),
            event(
                "discovered",
                20,
                company_id=c0,
                event_type="fan_out_discovery",
                pipeline_run_id=runs[0],
                submission_id=subs[0],
                fields_updated=["results", "result_count"],
                summary="person.search found 2 people",
                metadata={"child_count": 2},
            ),
            event("other_company", 10, company_id=c1, pipeline_run_id=runs[1], submission_id=subs[1]),
            event(
                "completed",
                5,
                company_id=c0,
                event_type="completion",
                status="verified",
                pipeline_run_id=runs[1],
            ),
        ]
    )
    # Noise: another entity, the same id typed as a person, and the same id in another org.
    add_timeline_event(engine, alpha, orgs.ids["globex"], company_id=c0)
    add_timeline_event(engine, alpha, entity_id, entity_type="person", company_id=c0)
    add_timeline_event(engine, orgs.beta, entity_id, company_id=orgs.beta.company_ids[0])
    return Timeline(entity_id=entity_id, events=events, runs=runs, submissions=subs)


def _timeline(api: ApiClient, orgs: Orgs, tl: Timeline, role: str = "org_admin", **body: Any) -> list[str]:
    request = {"entity_type": "company", "entity_id": str(tl.entity_id), **body}
    data = api.ok(TIMELINE, request, orgs.alpha.tokens[role])
    assert data["entity_type"] == "company" and data["entity_id"] == str(tl.entity_id)
    names = {str(v): k for k, v in tl.events.items()}
    return [names[item["id"]] for item in data["items"]]


def test_timeline_newest_first_with_its_rows(api: ApiClient, orgs: Orgs, timeline: Timeline) -> None:
    assert _timeline(api, orgs, timeline) == ["completed", "other_company", "discovered", "enriched"]
    body = {"entity_type": "company", "entity_id": str(timeline.entity_id)}
    items = api.ok(TIMELINE, body, orgs.alpha.tokens["org_admin"])["items"]
    discovered = items[2]
    assert discovered["event_type"] == "fan_out_discovery"
    assert discovered["fields_updated"] == ["results", "result_count"]
    assert discovered["summary"] == "person.search found 2 people"
    assert discovered["metadata"] == {"child_count": 2}
    assert discovered["pipeline_run_id"] == str(timeline.runs[0])
    assert items[0]["status"] == "verified"


def test_timeline_filters(api: ApiClient, orgs: Orgs, timeline: Timeline) -> None:
    run0, run1 = (str(r) for r in timeline.runs)
    assert _timeline(api, orgs, timeline, pipeline_run_id=run0) == ["discovered", "enriched"]
    assert _timeline(api, orgs, timeline, pipeline_run_id=run1) == ["completed", "other_company"]
    assert _timeline(api, orgs, timeline, submission_id=str(timeline.submissions[1])) == ["other_company"]
    assert _timeline(api, orgs, timeline, event_type="completion") == ["completed"]
    assert _timeline(api, orgs, timeline, event_type="step_execution", pipeline_run_id=run0) == ["enriched"]


def test_timeline_pages(api: ApiClient, orgs: Orgs, timeline: Timeline) -> None:
    assert _timeline(api, orgs, timeline, per_page=3) == ["completed", "other_company", "discovered"]
    assert _timeline(api, orgs, timeline, per_page=3, page=2) == ["enriched"]


def test_timeline_is_scoped_to_the_org_and_the_pinned_company(
    api: ApiClient, orgs: Orgs, timeline: Timeline
) -> None:
    assert _timeline(api, orgs, timeline, "member") == ["completed", "discovered", "enriched"]
    body = {"entity_type": "company", "entity_id": str(timeline.entity_id)}
    beta_items = api.ok(TIMELINE, body, orgs.beta.tokens["org_admin"])["items"]
    assert len(beta_items) == 1 and beta_items[0]["org_id"] == str(orgs.beta.org_id)
    as_super = api.ok(TIMELINE, {**body, "org_id": str(orgs.alpha.org_id)}, SUPER_KEY)["items"]
    assert len(as_super) == 4


def test_timeline_request_is_validated(api: ApiClient, orgs: Orgs) -> None:
    bad = api.post(TIMELINE, {"entity_type": "robot", "entity_id": "x"}, orgs.alpha.tokens["org_admin"])
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["details"]} == {"entity_type", "entity_id"}
