"""POST /api/v1/entities/*: accumulated company and person state, and an entity's timeline.

All three accept a tenant or the super-admin (who must name org_id): the old system refused the
super-admin on companies/persons only by accident (§12.10). A pinned tenant sees its company's rows only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import DbEngine
from api.openapi import errors
from api.schemas.common import Envelope, Page, envelope, page_of
from api.schemas.entities import (
    CompanyEntityQuery,
    CompanyEntityRead,
    PersonEntityQuery,
    PersonEntityRead,
    TimelinePage,
    TimelineQuery,
)
from store.repositories import entity_queries

router = APIRouter(prefix="/api/v1/entities", tags=["entities"])


@router.post("/companies", responses=errors(403), response_model=Envelope[Page[CompanyEntityRead]])
def companies(body: CompanyEntityQuery, caller: TenantOrSuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List company entities, most recently updated first."""
    org_id = caller.org_id(body.org_id)
    with engine.connect() as conn:
        rows = entity_queries.list_company_entities(
            conn=conn,
            org_id=org_id,
            company_id=caller.scoped_company(body.company_id),
            canonical_domain=body.canonical_domain,
            industry=body.industry,
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/persons", responses=errors(403), response_model=Envelope[Page[PersonEntityRead]])
def persons(body: PersonEntityQuery, caller: TenantOrSuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List person entities, most recently updated first."""
    org_id = caller.org_id(body.org_id)
    with engine.connect() as conn:
        rows = entity_queries.list_person_entities(
            conn=conn,
            org_id=org_id,
            company_id=caller.scoped_company(body.company_id),
            work_email=body.work_email,
            linkedin_url=body.linkedin_url,
            title=body.title,
            department=body.department,
            seniority=body.seniority,
            company_domain=body.company_domain,
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/timeline", responses=errors(403), response_model=Envelope[TimelinePage])
def timeline(body: TimelineQuery, caller: TenantOrSuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List an entity's timeline events, newest first."""
    org_id = caller.org_id(body.org_id)
    with engine.connect() as conn:
        rows = entity_queries.list_timeline(
            conn=conn,
            org_id=org_id,
            company_id=caller.scoped_company(None),
            entity_type=body.entity_type,
            entity_id=body.entity_id,
            pipeline_run_id=body.pipeline_run_id,
            submission_id=body.submission_id,
            event_type=body.event_type,
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope({"entity_type": body.entity_type, "entity_id": body.entity_id, **page_of(rows, body)})
