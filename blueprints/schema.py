"""A blueprint step and its typed `step_config`, shared by the tenant and super-admin APIs and the engine."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from blueprints.conditions import Always, AsGiven, StepCondition, without_tags

OPERATION_ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
MAX_STEPS = 100


def _positive_hours(value: Any) -> Any:
    # Any number as written (24 stays 24, not 24.0: a stored blueprint reads back as it was written).
    number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not number or value <= 0:
        raise PydanticCustomError("max_age_hours", "must be a number above 0")
    return value


def _field_name(value: str) -> str:
    if not value:
        raise PydanticCustomError("field_name", "must be a field name, not empty")
    return value


class FreshnessRule(AsGiven):
    """`skip_if_fresh`: adopt the stored entity instead of running the step when it is recent enough."""

    max_age_hours: Annotated[
        Any, AfterValidator(_positive_hours), WithJsonSchema({"type": "number", "exclusiveMinimum": 0})
    ] = Field(description="How recent the stored entity's last enrichment must be.")
    identity_fields: list[Annotated[str, AfterValidator(_field_name)]] = Field(
        default_factory=list, description="The context fields that find the stored entity."
    )


class StepConfig(AsGiven):
    """A step's parameters: the engine's own keys, typed, and the operation's parameters beside them."""

    # Keys other than the engine's are the operation's parameters (`params`), passed on as given.
    model_config = ConfigDict(extra="allow")

    condition: StepCondition | None = Field(default=None, description="Run the step only when this holds.")
    skip_if_fresh: FreshnessRule | None = None
    fan_out: bool | None = Field(
        default=None, description="The step's `fan_out`, where older blueprints set it."
    )

    @field_validator("condition", mode="wrap")
    @classmethod
    def _name_keys_as_written(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            errors = [
                InitErrorDetails(
                    type=PydanticCustomError(e["type"], e["msg"]),
                    loc=without_tags(e["loc"]),
                    input=e["input"],
                )
                for e in exc.errors()
            ]
            raise ValidationError.from_exception_data(exc.title, errors) from None

    @property
    def params(self) -> dict[str, Any]:
        """The operation's parameters (every key that is not the engine's)."""
        return dict(self.model_extra or {})

    @property
    def has_condition(self) -> bool:
        """Tell whether the step runs only when a condition holds (`{}` and null are none)."""
        return self.condition is not None and not isinstance(self.condition, Always)

    @property
    def fans_out(self) -> bool:
        """Tell whether step_config itself asks for a fan-out (older blueprints' place for it)."""
        return self.fan_out is True


class BlueprintStep(BaseModel):
    """One ordered step: the operation it runs, its parameters and whether it fans out."""

    # Strict, as every request body: `position: true` or `fan_out: 0` is refused, not converted.
    model_config = ConfigDict(extra="forbid", strict=True)

    position: int = Field(gt=0, le=10_000, description="1-based order; unique within the blueprint.")
    operation_id: str = Field(
        min_length=3, max_length=120, pattern=OPERATION_ID_PATTERN, description="e.g. company.enrich.profile"
    )
    step_config: StepConfig = Field(
        default_factory=StepConfig, description="Operation parameters, `condition`, `skip_if_fresh`."
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
