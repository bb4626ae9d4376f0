"""Tenant companies: an org admin sees the org's, anyone else only their own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, Tenant
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, PageRequest, envelope, page_of
from api.schemas.tenancy import CompanyRead
from store.repositories import companies

router = APIRouter(prefix="/api/companies", tags=["companies"])


@router.post("/list", responses=errors(403), response_model=Envelope[Page[CompanyRead]])
def list_(body: PageRequest, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """List the companies the caller may see."""
    with engine.connect() as conn:
        rows = companies.list_companies(
            conn=conn,
            org_id=ctx.org_id,
            company_id=ctx.scoped_company(None),
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(403, 404), response_model=Envelope[CompanyRead])
def get(body: IdRequest, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """Read one company of the org."""
    with engine.connect() as conn:
        row = companies.get_company(conn=conn, company_id=body.id, org_id=ctx.org_id)
    ctx.scoped_company(row["id"])
    return envelope(row)
