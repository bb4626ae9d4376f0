"""Submissions as a tenant lists and reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Strict

from api.schemas.common import Id, PageRequest
from config.vocabulary import SubmissionStatus


class SubmissionList(PageRequest):
    company_id: Id | None = None
    blueprint_id: Id | None = None
    status: Annotated[SubmissionStatus, Strict(False)] | None = None  # JSON brings the value as text


class SubmissionRead(BaseModel):
    id: UUID
    org_id: UUID
    company_id: UUID
    blueprint_id: UUID
    blueprint_version: int
    submitted_by_user_id: UUID | None
    source: str | None
    status: SubmissionStatus
    metadata: dict[str, Any]
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SubmissionDetail(SubmissionRead):
    input_payload: dict[str, Any]
    run_counts: dict[str, int]
