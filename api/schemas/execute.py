"""/api/v1/execute and /api/operations/list bodies."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Id, RequestModel


class ExecuteRequest(RequestModel):
    operation_id: str = Field(min_length=3, max_length=120)
    entity_type: Literal["company", "person"] | None = None
    input: dict[str, Any] = Field(default_factory=dict, description="The entity's context.")
    options: dict[str, Any] = Field(
        default_factory=dict, description="Step parameters (what a blueprint step's step_config carries)."
    )
    company_id: Id | None = Field(default=None, description="The tenant company to record the run under.")


class AttemptRead(BaseModel):
    provider: str
    action: str
    status: str
    skip_reason: str | None
    http_status: int | None
    provider_status: str | None
    error_class: str | None
    message: str | None
    duration_ms: int | None
    cost_usd: float
    raw_response: Any


class OpResultRead(BaseModel):
    run_id: UUID
    operation_id: str
    entity_type: str
    status: str
    output: dict[str, Any] | None
    provider_attempts: list[AttemptRead]
    provider_order_used: list[str]
    missing_inputs: list[str]
    error: dict[str, Any] | None
    duration_ms: int
    cost_usd: float


class OperationList(RequestModel):
    entity_type: Literal["company", "person"] | None = None
