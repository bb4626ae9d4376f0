"""The legacy step registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from api.schemas.common import IdRequest, LongText, Name, PageRequest, RequestModel, Slug

StepType = Literal["clean", "enrich", "analyze", "extract", "transform"]


class StepRegister(RequestModel):
    slug: Slug
    name: Name
    step_type: StepType
    description: LongText | None = None
    task_id: Name | None = None
    default_config: dict[str, Any] = {}
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    executor_config: dict[str, Any] | None = None


class StepUpdate(IdRequest):
    name: Name | None = None
    step_type: StepType | None = None
    description: LongText | None = None
    task_id: Name | None = None
    default_config: dict[str, Any] | None = None
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    executor_config: dict[str, Any] | None = None
    is_active: bool | None = None


class StepList(PageRequest):
    step_type: StepType | None = None


class StepListAll(StepList):
    include_inactive: bool = False


class StepRead(BaseModel):
    id: UUID
    slug: str
    name: str
    description: str | None
    step_type: str
    task_id: str | None
    default_config: dict[str, Any]
    input_schema: dict[str, Any] | None
    output_schema: dict[str, Any] | None
    executor_config: dict[str, Any] | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
