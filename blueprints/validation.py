"""Static validation of a blueprint against the operation registry, before anything is stored or run.

Every enabled step's operation must exist (its `step_config` was typed and checked by the schema);
`fan_out` only on an operation that declares a list to fan out over; and each required input must be
producible — by the entity's own fields (the blueprint's `entity_inputs`, or, when it declares none,
whatever its first step needs), by the outputs of earlier steps, or, after a fan-out, by the child's
item. A problem names the step and what is wrong.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from blueprints.schema import BlueprintStep
from operations.spec import FanOut, OperationSpec


@dataclass(frozen=True, slots=True)
class StepProblem:
    """One thing wrong with one step."""

    position: int
    index: int
    field: str
    message: str

    def as_detail(self) -> dict[str, str]:
        """Return the problem as an API error detail."""
        return {
            "field": f"steps.{self.index}.{self.field}",
            "message": f"step {self.position}: {self.message}",
        }


def item_fields(spec: OperationSpec, fan_out: FanOut) -> set[str]:
    """Return the canonical fields a fan-out child receives from its item."""
    annotation = spec.output.model_fields[fan_out.field].annotation
    fields: set[str] = set()
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            fields |= set(arg.model_fields)
    return {fan_out.rename.get(name, name) for name in fields} | set(fan_out.rename.values())


def validate_steps(
    steps: Sequence[BlueprintStep],
    registry: Mapping[str, OperationSpec],
    *,
    entity_inputs: Sequence[str] | None = None,
) -> list[StepProblem]:
    """Return every problem of the blueprint's steps (empty when it can run)."""
    problems: list[StepProblem] = []
    ordered = sorted(enumerate(steps), key=lambda pair: pair[1].position)
    enabled = [(i, s) for i, s in ordered if s.is_enabled]
    available: set[str] | None = set(entity_inputs) if entity_inputs else None
    for index, step in enabled:

        def problem(field: str, message: str, index: int = index, step: BlueprintStep = step) -> None:
            problems.append(StepProblem(step.position, index, field, message))

        spec = registry.get(step.operation_id)
        if spec is None:
            problem("operation_id", f"unknown operation {step.operation_id!r}")
            continue
        fans_out = step.fan_out or step.step_config.fans_out
        if fans_out and spec.fan_out is None:
            problem("fan_out", f"{spec.id} returns no list of entities to fan out over")
        if available is None:
            # No declared entity inputs: the entity is taken to bring what the first step needs.
            available = {name for need in spec.requires for name in need.names}
        for need in spec.requires:
            if not available.intersection(need.names):
                problem(
                    "operation_id",
                    f"{spec.id} needs {need.label}, which neither the entity nor an earlier step provides",
                )
        available |= set(spec.produces)
        if fans_out and spec.fan_out is not None:
            available |= item_fields(spec, spec.fan_out)
    return problems
