"""Super-admin: tenant API tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SuperAdmin
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.schemas.tenancy import ApiTokenCreate, ApiTokenIssued, ApiTokenList, ApiTokenRead
from api.services import auth as auth_service
from store.repositories import api_tokens

router = APIRouter(prefix="/api-tokens", tags=["super-admin"])


@router.post("/create", responses=errors(404), response_model=Envelope[ApiTokenIssued])
def create(body: ApiTokenCreate, admin: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Issue a token for a user; `token` is shown in this answer only."""
    issued_by = None if admin.auth_method == "api_key" else admin.super_admin_id
    with engine.begin() as conn:
        row = auth_service.issue_api_token(
            conn=conn, user_id=body.user_id, name=body.name, expires_at=body.expires_at, issued_by=issued_by
        )
    return envelope(row)


@router.post("/list", response_model=Envelope[Page[ApiTokenRead]])
def list_(body: ApiTokenList, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List tokens (never their values)."""
    with engine.connect() as conn:
        rows = api_tokens.list_api_tokens(
            conn=conn, org_id=body.org_id, user_id=body.user_id, limit=body.probe_limit, offset=body.offset
        )
    return envelope(page_of(rows, body))


@router.post("/revoke", responses=errors(404), response_model=Envelope[ApiTokenRead])
def revoke(body: IdRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Revoke a token at once."""
    with engine.begin() as conn:
        return envelope(api_tokens.revoke_api_token(conn=conn, token_id=body.id))
