"""POST /api/v1/batch/submit: validate a batch, store it, hand it to the cluster, answer at once."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import DbEngine, SettingsDep
from api.errors import ApiError
from api.routers.batch_upload import UPLOAD_OPENAPI
from api.schemas.batch_submit import BatchSubmit, BatchSubmitted
from api.schemas.common import Envelope, envelope
from api.services import batch_submit
from cluster.launch import launch

router = APIRouter(tags=["batch"])
log = logging.getLogger(__name__)


@router.post("/api/v1/batch/submit", response_model=Envelope[BatchSubmitted], openapi_extra=UPLOAD_OPENAPI)
async def submit(
    body: BatchSubmit, caller: TenantOrSuperAdmin, engine: DbEngine, settings: SettingsDep
) -> dict[str, Any]:
    """Submit entities against a blueprint; the answer carries the submission id to poll."""
    org_id = caller.org_id(body.org_id)
    company_id = caller.scoped_company(body.company_id)
    if company_id is None:
        message = "company_id is required: the batch belongs to one company"
        raise ApiError(422, message, details=[{"field": "company_id", "message": message}])
    user_id = caller.tenant.user_id if caller.tenant else None
    submitted = await run_in_threadpool(
        batch_submit.submit, engine, body, org_id=org_id, company_id=company_id, user_id=user_id
    )
    try:
        await run_in_threadpool(launch, submitted["submission_id"], settings)
    except Exception:
        # The batch is durable; a head restart resumes it. Say so rather than fail the request.
        log.exception("could not start the coordinator of %s", submitted["submission_id"])
        submitted["status"] = "received"
    return envelope(submitted)
