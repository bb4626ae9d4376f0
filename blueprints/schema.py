"""The shape of a blueprint step, shared by the tenant and super-admin APIs and the engine."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

OPERATION_ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
MAX_STEPS = 100


class BlueprintStep(BaseModel):
    """One ordered step: the operation it runs, its parameters and whether it fans out."""

    # Strict, as every request body: `position: true` or `fan_out: 0` is refused, not converted.
    model_config = ConfigDict(extra="forbid", strict=True)

    position: int = Field(gt=0, le=10_000, description="1-based order; unique within the blueprint.")
    operation_id: str = Field(
        min_length=3, max_length=120, pattern=OPERATION_ID_PATTERN, description="e.g. company.enrich.profile"
    )
    step_config: dict[str, Any] = Field(
        default_factory=dict, description="Operation parameters, `condition`, `skip_if_fresh`."
    )
    fan_out: bool = Field(default=False, description="Create one child run per item of this step's output.")
    is_enabled: bool = True

    @field_validator("step_config", mode="before")
    @classmethod
    def _null_config_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


def _unique_positions(steps: list[BlueprintStep]) -> list[BlueprintStep]:
    seen: set[int] = set()
    for step in steps:
        if step.position in seen:
            raise ValueError(f"position {step.position} appears more than once")
        seen.add(step.position)
    return sorted(steps, key=lambda s: s.position)


StepList = Annotated[
    list[BlueprintStep],
    Field(min_length=1, max_length=MAX_STEPS),
    AfterValidator(_unique_positions),
]
