"""/api/v1/batch/submit bodies."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Id, Name, RequestModel

MAX_ENTITIES = 100_000


class EntityIn(RequestModel):
    entity_type: Literal["company", "person"] | None = None
    input: dict[str, Any] = Field(
        description="The entity's fields: what the blueprint's first steps need.",
        examples=[
            {"company_domain": "acme.com"},
            {"company_name": "Acme", "company_website": "https://acme.com"},
        ],
    )


class BatchSubmit(RequestModel):
    blueprint_id: Id
    entities: list[EntityIn] = Field(min_length=1, max_length=MAX_ENTITIES)
    org_id: Id | None = Field(default=None, description="Super-admin only: the tenant org.")
    company_id: Id | None = Field(default=None, description="The tenant company the batch belongs to.")
    source: Name | None = "api_v1_batch"
    metadata: dict[str, Any] = Field(default_factory=dict)
    max_cost_usd: float | None = Field(
        default=None,
        gt=0,
        le=1e9,
        description="Spending cap in USD: no provider call starts that could cross it; the runs left when it "
        "is reached end budget_exhausted (resume with a higher cap: /api/v1/batch/resume).",
    )


class SubmittedRun(BaseModel):
    entity_index: int
    entity_type: str
    pipeline_run_id: UUID
    pipeline_run_status: str


class BatchSubmitted(BaseModel):
    submission_id: UUID
    status: str
    run_count: int
    pipeline_runs: list[SubmittedRun] | None = Field(
        default=None, description="Per-entity runs (only for batches of at most 1,000 entities)."
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What may go wrong, e.g. a keyed provider the blueprint uses that has no credits left.",
    )
