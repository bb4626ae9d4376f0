"""What an operation declares: id, inputs, output contract, provider plan, fan-out list, parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

# Re-exported: the operations name their outcomes from here; it is defined with the other statuses.
from config.vocabulary import OperationStatus as OperationStatus
from operations.waterfall import Plan, Policy, ProviderCalls

if TYPE_CHECKING:
    from operations.runtime import OperationRun, Outcome

EntityType = Literal["company", "person"]


@dataclass(frozen=True, slots=True)
class Need:
    """One required input: any of `names` satisfies it (`a|b` in missing_inputs)."""

    names: tuple[str, ...]

    @property
    def label(self) -> str:
        return "|".join(self.names)


def need(*names: str) -> Need:
    """Declare a required input satisfied by any of names."""
    return Need(tuple(names))


@dataclass(frozen=True, slots=True)
class FanOut:
    """The list in the output that a `fan_out` step turns into child runs, and what each child is.

    `rename` maps an item's keys to the canonical context names a child's later steps read
    (a competitor's `domain` becomes the child's `company_domain`).
    """

    field: str
    entity_type: EntityType
    rename: Mapping[str, str] = dataclass_field(default_factory=dict)

    def child_input(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """Return an item's non-null fields under canonical names (an item's own canonical key wins)."""
        child = {k: v for k, v in item.items() if v is not None and k not in self.rename}
        for raw, canonical in self.rename.items():
            value = item.get(raw)
            if value is not None and child.get(canonical) is None:
                child[canonical] = value
        return child


# The plan of an operation that calls no provider.
NO_PLAN: Plan[Any] = Plan("first_success", ())


@dataclass(frozen=True)
class OperationSpec:
    """A registered operation; `run` holds its logic, everything else is data a program can read."""

    id: str
    description: str
    output: type[BaseModel]
    run: Callable[[OperationRun], Awaitable[Outcome]]
    requires: tuple[Need, ...] = ()
    optional: tuple[str, ...] = ()
    # The provider steps its logic runs (through `OperationRun.waterfall`) and under which policy.
    plan: Plan[Any] = NO_PLAN
    fan_out: FanOut | None = None
    params: tuple[str, ...] = ()  # step_config keys the operation reads
    order_configurable: bool = False  # provider order may be overridden by configuration
    # The share of entities it is expected to find something for when no history says (a declared
    # prior: 1.0 for any company; less for a source that only knows some, such as online stores).
    coverage: float = 1.0
    extra: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def providers(self) -> tuple[str, ...]:
        """The providers its plan may call, in the default order."""
        return self.plan.providers

    @property
    def policy(self) -> Policy:
        """How its plan's answers end the waterfall."""
        return self.plan.policy

    @property
    def calls(self) -> tuple[ProviderCalls, ...]:
        """The provider actions its plan may call, one entry per provider (dry runs price them)."""
        return self.plan.turns

    def calls_of(self, provider: str) -> ProviderCalls | None:
        """Return what provider may be asked for in this operation, if declared."""
        return next((c for c in self.calls if c.provider == provider), None)

    @property
    def entity_type(self) -> EntityType:
        return "person" if self.id.startswith("person.") else "company"

    @property
    def produces(self) -> tuple[str, ...]:
        """The output fields a later step can read from the context."""
        return tuple(self.output.model_fields)

    def describe(self) -> dict[str, Any]:
        """Return the registry entry as JSON-ready data (POST /api/operations/list)."""
        return {
            "operation_id": self.id,
            "entity_type": self.entity_type,
            "description": self.description,
            "inputs": {
                "required": [list(n.names) for n in self.requires],
                "optional": list(self.optional),
                "params": list(self.params),
            },
            "outputs": list(self.produces),
            "output_schema": self.output.model_json_schema(),
            "providers": list(self.providers),
            "policy": self.policy,
            "fan_out": None
            if self.fan_out is None
            else {
                "field": self.fan_out.field,
                "entity_type": self.fan_out.entity_type,
                "rename": dict(self.fan_out.rename),
            },
        }
