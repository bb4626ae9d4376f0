"""Submissions as a tenant lists and reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from api.schemas.common import Id, PageRequest

SubmissionStatus = Literal[
    "received", "validated", "queued", "running", "completed", "failed", "canceled", "budget_exhausted"
]


class SubmissionList(PageRequest):
    company_id: Id | None = None
    blueprint_id: Id | None = None
    status: SubmissionStatus | None = None


class SubmissionRead(BaseModel):
    id: UUID
    org_id: UUID
    company_id: UUID
    blueprint_id: UUID
    blueprint_version: int
    submitted_by_user_id: UUID | None
    source: str | None
    status: str
    metadata: dict[str, Any]
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SubmissionDetail(SubmissionRead):
    input_payload: dict[str, Any]
    run_counts: dict[str, int]
