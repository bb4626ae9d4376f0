"""Super-admin: blueprints of any org (same validation as the tenant path)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SuperAdmin
from api.openapi import errors
from api.schemas.blueprints import (
    BlueprintCreateForOrg,
    BlueprintListAll,
    BlueprintRead,
    BlueprintSummary,
    BlueprintUpdate,
)
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.services import blueprints as blueprint_service
from store.repositories import blueprints, orgs

router = APIRouter(prefix="/blueprints", tags=["super-admin"])


@router.post("/create", responses=errors(404, 409), response_model=Envelope[BlueprintRead])
def create(body: BlueprintCreateForOrg, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Create a blueprint in an org."""
    with engine.begin() as conn:
        orgs.get_org(conn=conn, org_id=body.org_id)
        row = blueprint_service.create_blueprint(
            conn=conn, body=body, org_id=body.org_id, created_by_user_id=None
        )
    return envelope(row)


@router.post("/list", response_model=Envelope[Page[BlueprintSummary]])
def list_(body: BlueprintListAll, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List blueprints, of one org or all."""
    with engine.connect() as conn:
        rows = blueprints.list_blueprints(
            conn=conn,
            org_id=body.org_id,
            is_active=body.is_active,
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(404), response_model=Envelope[BlueprintRead])
def get(body: IdRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Read one blueprint."""
    with engine.connect() as conn:
        return envelope(blueprints.get_blueprint(conn=conn, blueprint_id=body.id, org_id=None))


@router.post("/update", responses=errors(404, 409), response_model=Envelope[BlueprintRead])
def update(body: BlueprintUpdate, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Change a blueprint; `steps` replaces all steps atomically."""
    changes = body.model_dump(exclude_unset=True, exclude={"id", "steps"})
    steps = None if body.steps is None else [s.model_dump() for s in body.steps]
    with engine.begin() as conn:
        row = blueprints.update_blueprint(
            conn=conn, blueprint_id=body.id, org_id=None, changes=changes, steps=steps
        )
    return envelope(row)
