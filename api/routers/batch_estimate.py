"""POST /api/v1/batch/estimate: what a batch would call and cost; nothing is stored, no provider called."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import DbEngine, SettingsDep
from api.openapi import errors
from api.schemas.batch_estimate import BatchEstimate
from api.schemas.batch_submit import BatchSubmit
from api.schemas.common import Envelope, envelope
from api.services import batch_estimate, batch_submit

router = APIRouter(tags=["batch"])


@router.post("/api/v1/batch/estimate", responses=errors(403, 404), response_model=Envelope[BatchEstimate])
async def estimate(
    body: BatchSubmit, caller: TenantOrSuperAdmin, engine: DbEngine, settings: SettingsDep
) -> dict[str, Any]:
    """Estimate a batch's provider calls and cost (low / expected / high) from the org's own history."""
    org_id = caller.org_id(body.org_id)
    company_id = batch_submit.require_company(caller.scoped_company(body.company_id))
    answer = await run_in_threadpool(
        batch_estimate.estimate_batch,
        engine,
        body,
        org_id=org_id,
        company_id=company_id,
        providers=settings.providers,
    )
    return envelope(answer)
