"""Super-admin: companies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SuperAdmin
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.schemas.tenancy import CompanyCreate, CompanyListAll, CompanyRead
from api.services import tenancy
from store.repositories import companies

router = APIRouter(prefix="/companies", tags=["super-admin"])


@router.post("/create", responses=errors(404, 409), response_model=Envelope[CompanyRead])
def create(body: CompanyCreate, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Create a company in an org."""
    with engine.begin() as conn:
        row = tenancy.create_company(
            conn=conn, org_id=body.org_id, name=body.name, domain=body.domain, external_ref=body.external_ref
        )
    return envelope(row)


@router.post("/list", response_model=Envelope[Page[CompanyRead]])
def list_(body: CompanyListAll, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List companies, of one org or all."""
    with engine.connect() as conn:
        rows = companies.list_companies(
            conn=conn, org_id=body.org_id, company_id=None, limit=body.probe_limit, offset=body.offset
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(404), response_model=Envelope[CompanyRead])
def get(body: IdRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Read one company."""
    with engine.connect() as conn:
        return envelope(companies.get_company(conn=conn, company_id=body.id, org_id=None))
