"""Super-admin: users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SuperAdmin
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.schemas.tenancy import UserCreate, UserListAll, UserRead
from api.services import tenancy
from store.repositories import users

router = APIRouter(prefix="/users", tags=["super-admin"])


@router.post("/create", responses=errors(404, 409), response_model=Envelope[UserRead])
def create(body: UserCreate, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Create a tenant user with a password."""
    with engine.begin() as conn:
        row = tenancy.create_user(
            conn=conn,
            org_id=body.org_id,
            email=body.email,
            password=body.password,
            role=body.role,
            company_id=body.company_id,
            full_name=body.full_name,
        )
    return envelope(row)


@router.post("/list", response_model=Envelope[Page[UserRead]])
def list_(body: UserListAll, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List users, of one org (and company) or all."""
    with engine.connect() as conn:
        rows = users.list_users(
            conn=conn,
            org_id=body.org_id,
            company_id=body.company_id,
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(404), response_model=Envelope[UserRead])
def get(body: IdRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Read one user."""
    with engine.connect() as conn:
        return envelope(users.get_user(conn=conn, user_id=body.id, org_id=None))


@router.post("/deactivate", responses=errors(404), response_model=Envelope[UserRead])
def deactivate(body: IdRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Deactivate a user: their JWTs and API tokens stop working on the next request."""
    with engine.begin() as conn:
        return envelope(users.deactivate_user(conn=conn, user_id=body.id))
