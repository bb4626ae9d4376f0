"""A submission's plan: its blueprint snapshot's enabled steps, resolved against the operation registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from blueprints.conditions import StepCondition
from blueprints.schema import FreshnessRule, StepConfig
from operations.registry import get_operation, provider_order
from operations.spec import OperationSpec


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One enabled step: its position, operation and parameters (step_config, parsed once)."""

    position: int
    operation_id: str
    step_config: StepConfig
    fan_out: bool
    spec: OperationSpec
    provider_order: tuple[str, ...]

    @property
    def condition(self) -> StepCondition | None:
        """The step's condition (§2: step_config.condition when the key is present)."""
        return self.step_config.condition

    @property
    def skip_if_fresh(self) -> FreshnessRule | None:
        """The step's freshness rule, if it has one."""
        return self.step_config.skip_if_fresh

    @property
    def params(self) -> dict[str, Any]:
        """The operation's parameters: step_config without the engine's keys."""
        return self.step_config.params


@dataclass(frozen=True, slots=True)
class Plan:
    """The ordered steps every run of a submission follows."""

    steps: tuple[PlannedStep, ...]

    @property
    def providers(self) -> tuple[str, ...]:
        """Every provider any step may call (the gateways a submission needs)."""
        names: list[str] = []
        for step in self.steps:
            names += list(step.spec.providers)
        return tuple(dict.fromkeys(names))

    def step(self, position: int) -> PlannedStep:
        """The step at position."""
        return next(s for s in self.steps if s.position == position)

    def after(self, position: int) -> tuple[PlannedStep, ...]:
        """The steps after position."""
        return tuple(s for s in self.steps if s.position > position)


def snapshot_steps(blueprint: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the enabled steps of a stored blueprint (with `blueprint_steps`) for its snapshot."""
    return [
        {
            "position": s["position"],
            "operation_id": s["operation_id"],
            "step_config": s.get("step_config") or {},
            "fan_out": bool(s.get("fan_out") or (s.get("step_config") or {}).get("fan_out") is True),
        }
        for s in sorted(blueprint["blueprint_steps"], key=lambda s: s["position"])
        if s.get("is_enabled", True) and s.get("operation_id")
    ]


def build_plan(steps: Sequence[Mapping[str, Any]], order_overrides: Mapping[str, Sequence[str]]) -> Plan:
    """Resolve snapshot steps against the registry (snapshots were validated: unknown is an error)."""
    planned = []
    for step in sorted(steps, key=lambda s: int(s["position"])):
        spec = get_operation(str(step["operation_id"]))
        if spec is None:
            raise ValueError(f"step {step['position']}: unknown operation {step['operation_id']!r}")
        planned.append(
            PlannedStep(
                position=int(step["position"]),
                operation_id=spec.id,
                # Checked when the blueprint was written: parsing cannot fail on a stored snapshot.
                step_config=StepConfig.model_validate(step.get("step_config") or {}),
                fan_out=bool(step.get("fan_out")),
                spec=spec,
                provider_order=provider_order(spec, order_overrides),
            )
        )
    return Plan(tuple(planned))
