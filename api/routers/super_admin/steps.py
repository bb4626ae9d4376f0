"""Super-admin: the step registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SuperAdmin
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.schemas.steps import StepListAll, StepRead, StepRegister, StepUpdate
from store.repositories import steps

router = APIRouter(prefix="/steps", tags=["super-admin"])


@router.post("/register", responses=errors(409), response_model=Envelope[StepRead])
def register(body: StepRegister, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Register a step."""
    with engine.begin() as conn:
        return envelope(steps.register_step(conn=conn, values=body.model_dump()))


@router.post("/list", response_model=Envelope[Page[StepRead]])
def list_(body: StepListAll, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """List steps (inactive ones on request)."""
    with engine.connect() as conn:
        rows = steps.list_steps(
            conn=conn,
            active_only=not body.include_inactive,
            step_type=body.step_type,
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(404), response_model=Envelope[StepRead])
def get(body: IdRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Read one step, active or not."""
    with engine.connect() as conn:
        return envelope(steps.get_step(conn=conn, step_id=body.id, active_only=False))


@router.post("/update", responses=errors(404, 409), response_model=Envelope[StepRead])
def update(body: StepUpdate, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Change a step."""
    changes = body.model_dump(exclude_unset=True, exclude={"id"})
    with engine.begin() as conn:
        return envelope(steps.update_step(conn=conn, step_id=body.id, changes=changes))


@router.post("/deactivate", responses=errors(404), response_model=Envelope[StepRead])
def deactivate(body: IdRequest, _: SuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Hide a step from tenants."""
    with engine.begin() as conn:
        return envelope(steps.update_step(conn=conn, step_id=body.id, changes={"is_active": False}))
