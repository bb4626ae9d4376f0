"""Tenant blueprints: read by anyone in the org, written by admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, Tenant
from api.openapi import errors
from api.schemas.blueprints import (
    BlueprintCreate,
    BlueprintList,
    BlueprintRead,
    BlueprintSummary,
    BlueprintUpdate,
)
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.services import blueprints as blueprint_service
from store.repositories import blueprints

router = APIRouter(prefix="/api/blueprints", tags=["blueprints"])


@router.post("/create", responses=errors(403, 409), response_model=Envelope[BlueprintRead])
def create(body: BlueprintCreate, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """Create a blueprint with its ordered steps."""
    ctx.require_writer()
    with engine.begin() as conn:
        row = blueprint_service.create_blueprint(
            conn=conn, body=body, org_id=ctx.org_id, created_by_user_id=ctx.user_id
        )
    return envelope(row)


@router.post("/list", response_model=Envelope[Page[BlueprintSummary]])
def list_(body: BlueprintList, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """List the org's blueprints."""
    with engine.connect() as conn:
        rows = blueprints.list_blueprints(
            conn=conn, org_id=ctx.org_id, is_active=body.is_active, limit=body.probe_limit, offset=body.offset
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(404), response_model=Envelope[BlueprintRead])
def get(body: IdRequest, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """Read one blueprint with its steps."""
    with engine.connect() as conn:
        return envelope(blueprints.get_blueprint(conn=conn, blueprint_id=body.id, org_id=ctx.org_id))


@router.post("/update", responses=errors(403, 404, 409), response_model=Envelope[BlueprintRead])
def update(body: BlueprintUpdate, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """Change a blueprint; `steps`, when given, replaces all steps atomically."""
    ctx.require_writer()
    with engine.begin() as conn:
        row = blueprint_service.update_blueprint(conn=conn, body=body, org_id=ctx.org_id)
    return envelope(row)
