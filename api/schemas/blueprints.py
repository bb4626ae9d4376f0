"""Blueprint bodies: create, update (all optional, steps replace all), read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import Id, IdRequest, LongText, Name, PageRequest, RequestModel
from blueprints.schema import StepList

EntityInputs = Annotated[
    list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]], Field(max_length=50)
]


class BlueprintCreate(RequestModel):
    name: Name
    description: LongText | None = None
    entity_inputs: EntityInputs | None = Field(
        default=None, description='Fields every submitted entity brings, e.g. ["company_domain"].'
    )
    steps: StepList


class BlueprintCreateForOrg(BlueprintCreate):
    org_id: Id


class BlueprintUpdate(IdRequest):
    name: Name | None = None
    description: LongText | None = None
    is_active: bool | None = None
    entity_inputs: EntityInputs | None = None
    steps: StepList | None = None


class BlueprintList(PageRequest):
    is_active: bool | None = None


class BlueprintListAll(BlueprintList):
    org_id: Id | None = None


class BlueprintStepRead(BaseModel):
    id: UUID
    blueprint_id: UUID
    step_id: UUID | None
    position: int
    operation_id: str | None
    step_config: dict[str, Any]
    fan_out: bool
    is_enabled: bool


class BlueprintSummary(BaseModel):
    id: UUID
    org_id: UUID
    name: str
    description: str | None
    is_active: bool
    version: int
    entity_inputs: list[str] | None
    created_by_user_id: UUID | None
    created_at: datetime
    updated_at: datetime


class BlueprintRead(BlueprintSummary):
    blueprint_steps: list[BlueprintStepRead]
