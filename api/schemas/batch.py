"""Batch status: the submission, counters over the whole run tree, and one page of that tree."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Id, PageRequest, Pagination
from config.vocabulary import SubmissionStatus


class BatchStatusRequest(PageRequest):
    submission_id: Id
    org_id: Id | None = Field(default=None, description="Required for the super-admin; a tenant's own org.")
    per_page: int = Field(default=50, ge=1, le=200, description="Root runs per page.")
    include_steps: bool = True


class SubmissionState(BaseModel):
    id: UUID
    org_id: UUID
    company_id: UUID
    blueprint_id: UUID
    blueprint_version: int
    status: SubmissionStatus = Field(description="Derived from every run of the tree at read time.")
    source: str | None
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class BatchSummary(BaseModel):
    total: int
    queued: int
    running: int
    succeeded: int
    failed: int
    canceled: int
    budget_exhausted: int = Field(default=0, description="Runs a spending cap ended (resumable).")
    completed: int = Field(description="Same as succeeded.")
    pending: int = Field(description="Same as queued.")
    depth_max: int
    roots: int


class StepRead(BaseModel):
    step_position: int
    operation_id: str | None
    status: str
    skip_reason: str | None
    duration_ms: int | None
    cost_usd: float
    error_message: str | None
    output: Any


class RunNode(BaseModel):
    pipeline_run_id: UUID
    entity_index: int
    entity_type: str
    depth: int
    parent_pipeline_run_id: UUID | None
    status: str
    final_context: dict[str, Any] | None = Field(description="The run's context, for succeeded runs only.")
    entity_id: UUID | None
    error_message: str | None
    steps: list[StepRead]
    children: list[RunNode]


class RunTreePagination(Pagination):
    descendants: int = Field(description="Descendant runs of this page's roots that are shown.")
    descendants_truncated: bool = Field(description="True when the page's roots have more descendants.")
    descendants_limit: int


class BatchSpend(BaseModel):
    spent_usd: float = Field(description="What the batch's provider attempts cost (the attempt journal).")
    by_provider: dict[str, float]
    max_cost_usd: float | None = Field(description="The batch's cap, if it has one.")
    reserved_usd: float | None = Field(
        description="Held for calls in flight under the batch's cap (null: no cap, or no cluster to ask)."
    )


class BatchStatus(BaseModel):
    submission: SubmissionState
    summary: BatchSummary
    cost_usd: float
    spend: BatchSpend
    runs: list[RunNode]
    pagination: RunTreePagination
