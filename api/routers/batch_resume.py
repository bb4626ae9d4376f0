"""POST /api/v1/batch/resume: resume a batch a spending cap ended, under a higher cap."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import DbEngine, Launcher
from api.openapi import errors
from api.schemas.common import Envelope, Id, RequestModel, envelope
from api.services import batch_budget

router = APIRouter(tags=["batch"])


class BatchResume(RequestModel):
    submission_id: Id
    org_id: Id | None = Field(default=None, description="Super-admin only: the tenant org.")
    max_cost_usd: float | None = Field(
        default=None, gt=0, le=1e9, description="The new cap; it must exceed what the batch has spent."
    )


class BatchResumed(BaseModel):
    submission_id: UUID
    requeued_runs: int = Field(description="Runs the cap had ended, queued again (they keep what they did).")
    max_cost_usd: float | None


@router.post("/api/v1/batch/resume", responses=errors(403, 404, 409), response_model=Envelope[BatchResumed])
async def resume(
    body: BatchResume, caller: TenantOrSuperAdmin, engine: DbEngine, launcher: Launcher
) -> dict[str, Any]:
    """Raise a batch's cap and run again what it ended; the answers it bought are not bought again."""
    org_id = caller.org_id(body.org_id)
    resumed = await run_in_threadpool(
        batch_budget.resume,
        engine,
        org_id=org_id,
        pinned_company=caller.scoped_company(None),
        submission_id=body.submission_id,
        max_cost_usd=body.max_cost_usd,
    )
    if resumed["requeued_runs"]:
        launcher.submit(body.submission_id)
    return envelope(resumed)
