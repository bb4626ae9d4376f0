"""Super-admin: orgs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SuperAdmin
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, PageRequest, envelope, page_of
from api.schemas.tenancy import OrgCreate, OrgRead, OrgUpdate
from store.repositories import orgs

router = APIRouter(prefix="/orgs", tags=["super-admin"])


@router.post("/create", responses=errors(409), response_model=Envelope[OrgRead])
def create(body: OrgCreate, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Create an org."""
    with engine.begin() as conn:
        return envelope(orgs.create_org(conn=conn, name=body.name, slug=body.slug))


@router.post("/list", response_model=Envelope[Page[OrgRead]])
def list_(body: PageRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List orgs."""
    with engine.connect() as conn:
        rows = orgs.list_orgs(conn=conn, limit=body.probe_limit, offset=body.offset)
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(404), response_model=Envelope[OrgRead])
def get(body: IdRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Read one org."""
    with engine.connect() as conn:
        return envelope(orgs.get_org(conn=conn, org_id=body.id))


@router.post("/update", responses=errors(404, 409), response_model=Envelope[OrgRead])
def update(body: OrgUpdate, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Rename, re-slug, (de)activate an org (inactive: its credentials stop working), or set its budget.

    `monthly_budget_usd` caps what all the org's batches together spend on providers in a calendar
    month (UTC): no call starts that could cross it; null removes the cap.
    """
    changes = body.model_dump(exclude_unset=True, exclude={"id"})
    with engine.begin() as conn:
        return envelope(orgs.update_org(conn=conn, org_id=body.id, changes=changes))
