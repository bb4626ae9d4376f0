"""Tenant users: org admins only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, Tenant
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.schemas.tenancy import UserList, UserRead
from store.repositories import users

router = APIRouter(prefix="/api/users", tags=["users"])


@router.post("/list", responses=errors(403), response_model=Envelope[Page[UserRead]])
def list_(body: UserList, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """List the org's users."""
    ctx.require_org_admin()
    with engine.connect() as conn:
        rows = users.list_users(
            conn=conn,
            org_id=ctx.org_id,
            company_id=body.company_id,
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(403, 404), response_model=Envelope[UserRead])
def get(body: IdRequest, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """Read one user of the org."""
    ctx.require_org_admin()
    with engine.connect() as conn:
        return envelope(users.get_user(conn=conn, user_id=body.id, org_id=ctx.org_id))
