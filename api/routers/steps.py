"""The step registry as tenants see it: active steps only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, Tenant
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.schemas.steps import StepList, StepRead
from store.repositories import steps

router = APIRouter(prefix="/api/steps", tags=["steps"])


@router.post("/list", response_model=Envelope[Page[StepRead]])
def list_(body: StepList, _: Tenant, engine: DbEngine) -> dict[str, Any]:
    """List active steps."""
    with engine.connect() as conn:
        rows = steps.list_steps(
            conn=conn, active_only=True, step_type=body.step_type, limit=body.probe_limit, offset=body.offset
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(404), response_model=Envelope[StepRead])
def get(body: IdRequest, _: Tenant, engine: DbEngine) -> dict[str, Any]:
    """Read one active step."""
    with engine.connect() as conn:
        return envelope(steps.get_step(conn=conn, step_id=body.id, active_only=True))
