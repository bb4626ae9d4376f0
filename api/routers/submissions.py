"""Tenant submissions: scoped to the org, and to the caller's company when pinned."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, Tenant
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.schemas.submissions import SubmissionDetail, SubmissionList, SubmissionRead
from store.repositories import submissions

router = APIRouter(prefix="/api/submissions", tags=["submissions"])


@router.post("/list", responses=errors(403), response_model=Envelope[Page[SubmissionRead]])
def list_(body: SubmissionList, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """List submissions, newest first."""
    with engine.connect() as conn:
        rows = submissions.list_submissions(
            conn=conn,
            org_id=ctx.org_id,
            company_id=ctx.scoped_company(body.company_id),
            blueprint_id=body.blueprint_id,
            status=body.status,
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/get", responses=errors(403, 404), response_model=Envelope[SubmissionDetail])
def get(body: IdRequest, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """Read one submission with its run counts."""
    with engine.connect() as conn:
        row = submissions.get_submission(conn=conn, submission_id=body.id, org_id=ctx.org_id)
    ctx.scoped_company(row["company_id"])
    return envelope(row)
