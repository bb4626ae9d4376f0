"""POST /api/blueprints/assemble: a goal in, a validated blueprint with its reasons and cost out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.blueprints import BlueprintRead, EntityInputs
from api.schemas.common import LongText, Name, RequestModel
from blueprints.goal import Goal

GoalText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class AssembleRequest(RequestModel):
    goal: GoalText | Goal = Field(
        description="What you want, in plain language (needs an OpenAI or Gemini key) or structured: "
        '{"outputs": ["work_email"], "conditions": [{"field": "employee_count", "op": "gte", "value": 50}], '
        '"search": {"job_title": "VP of Sales"}, "limits": {"max_results": 3}}.'
    )
    entity_type: Literal["company", "person"] = "company"
    available_inputs: Annotated[EntityInputs, Field(min_length=1)] = Field(
        description='The fields each entity you will submit brings, e.g. ["company_domain", "company_name"].'
    )
    save: bool = Field(
        default=False, description="Store the blueprint (admins), as /api/blueprints/create does."
    )
    name: Name | None = Field(
        default=None, description="The stored blueprint's name (default: from the goal)."
    )
    description: LongText | None = None


class AssembledStepRead(BaseModel):
    position: int
    operation_id: str
    fan_out: bool
    why: str = Field(description="Why the step is there.")


class CostRange(BaseModel):
    low: float
    expected: float
    high: float


class ProducedFields(BaseModel):
    entity_type: str
    for_: str = Field(alias="for", description="Which entities get these fields.")
    fields: list[str]


class AssembledBlueprint(BaseModel):
    """The blueprint, ready for /api/blueprints/create."""

    name: str
    description: str | None
    entity_inputs: list[str]
    steps: list[dict[str, Any]]


class AssembleAnswer(BaseModel):
    goal: dict[str, Any] = Field(description="The goal as planned, in structured form.")
    read_by: str | None = Field(description="The model that read a plain-language goal (None: structured).")
    repairs: int | None = Field(
        description="Rounds its reading needed to name only known fields (at most 2)."
    )
    reading_cost_usd: float | None = Field(
        default=None, description="What the model's reading cost, every round included (None: structured)."
    )
    blueprint: AssembledBlueprint
    steps: list[AssembledStepRead]
    cost_per_entity_usd: CostRange = Field(
        description="Estimated cost per submitted entity (dry-run estimator)."
    )
    assumptions: list[str]
    produces: list[ProducedFields]
    outputs: dict[str, dict[str, Any]] = Field(description="Each field asked for: its entity type and step.")
    unsatisfied: list[str] = Field(
        description="What the goal asked for and the blueprint cannot do, and why."
    )
    saved: BlueprintRead | None = None
