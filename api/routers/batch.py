"""POST /api/v1/batch/status: a submission's derived status, counters, cost and a page of its run tree."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import DbEngine
from api.openapi import errors
from api.schemas.batch import BatchStatus, BatchStatusRequest
from api.schemas.common import Envelope, envelope
from api.services import batch_status

router = APIRouter(prefix="/api/v1/batch", tags=["batch"])


@router.post("/status", responses=errors(403, 404), response_model=Envelope[BatchStatus])
def status(body: BatchStatusRequest, caller: TenantOrSuperAdmin, engine: DbEngine) -> dict[str, Any]:
    """Read a submission as it stands now; the runs page through its roots, each with its whole tree."""
    org_id = caller.org_id(body.org_id)
    pinned = caller.scoped_company(None)
    # One snapshot for every query, so the counters and the tree agree with each other.
    snapshot = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**snapshot) as conn, conn.begin():
        data = batch_status.read_status(
            conn=conn,
            org_id=org_id,
            pinned_company=pinned,
            submission_id=body.submission_id,
            page=body.page,
            per_page=body.per_page,
            include_steps=body.include_steps,
        )
    return envelope(data)
