"""POST /api/v1/batch/submit: validate a batch, store it, queue its launch on the cluster, answer at once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import Balances, DbEngine, Launcher
from api.openapi import errors
from api.routers.batch_upload import UPLOAD_OPENAPI
from api.schemas.batch_submit import BatchSubmit, BatchSubmitted
from api.schemas.common import Envelope, envelope
from api.services import batch_submit
from api.services.provider_credits import submit_warnings

router = APIRouter(tags=["batch"])


@router.post(
    "/api/v1/batch/submit",
    responses=errors(403, 404, 409),
    response_model=Envelope[BatchSubmitted],
    openapi_extra=UPLOAD_OPENAPI,
)
async def submit(
    body: BatchSubmit, caller: TenantOrSuperAdmin, engine: DbEngine, launcher: Launcher, balances: Balances
) -> dict[str, Any]:
    """Submit entities against a blueprint; the answer carries the submission id to poll."""
    org_id = caller.org_id(body.org_id)
    company_id = batch_submit.require_company(caller.scoped_company(body.company_id))
    user_id = caller.tenant.user_id if caller.tenant else None
    submitted = await run_in_threadpool(
        batch_submit.submit, engine, body, org_id=org_id, company_id=company_id, user_id=user_id
    )
    # The batch is durable now; its coordinator starts in the background (retried until it does).
    launcher.submit(submitted["submission_id"])
    # Cached balances, bounded in time: a provider without credits is a warning, never a refusal.
    submitted["warnings"] = await submit_warnings(balances, submitted.pop("steps"))
    return envelope(submitted)
