"""The blueprint assembler: a structured goal and the fields an entity brings in, a blueprint out.

Deterministic, no model. The goal's outputs and conditions are placed on a level: the submitted
entity, or the entities of a list it fans out over (the people of a company). On each level the
planner (blueprints/planner.py) finds the cheapest chain of operations: first the one that gives the
fields a condition reads, unguarded; then the rest, guarded by the condition, so an entity that fails
it costs no more than the check. The fan-out step comes last on the entity's level, and the children's
steps after it. Each step says why it is there; what the goal asked for and cannot have is said too.
The blueprint is then checked by the same static validation as a hand-written one, and priced by the
dry-run estimator.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from blueprints.conditions import condition_problems
from blueprints.goal import EntityType, Goal, condition_fields
from blueprints.planner import (
    Need,
    cheapest_chain,
    met,
    reachable,
    requirements,
    runnable,
    why_unreachable,
)
from blueprints.schema import BlueprintStep
from blueprints.validation import item_fields, validate_steps
from blueprints.vocabulary import list_operations, unknown, vocabulary
from operations.estimate import MIN_HISTORY, History, Range, estimate
from operations.spec import OperationSpec

# The list a fan-out to this entity type takes when the goal names none: "the people of the company".
DEFAULT_LISTS: dict[str, str] = {"person": "person.search"}
MIN_FOUND_SHARE = 0.02  # an operation that never found anything still has a finite (if high) cost


@dataclass(frozen=True, slots=True)
class AssembledStep:
    """One step of the assembled blueprint, and why it is there."""

    position: int
    operation_id: str
    step_config: dict[str, Any]
    fan_out: bool
    why: str

    def as_step(self) -> dict[str, Any]:
        """Return the step as a blueprint step body."""
        return {
            "position": self.position,
            "operation_id": self.operation_id,
            "step_config": self.step_config,
            "fan_out": self.fan_out,
        }


@dataclass
class Assembly:
    """The answer to a goal: the blueprint, why each step, what it produces and costs, what it cannot do."""

    entity_type: EntityType
    entity_inputs: list[str]
    steps: list[AssembledStep] = field(default_factory=list)
    produces: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    unsatisfied: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # static validation's, on the assembled steps
    cost_per_entity: Range | None = None
    assumptions: list[str] = field(default_factory=list)

    def blueprint_steps(self) -> list[dict[str, Any]]:
        """Return the steps as blueprint step bodies."""
        return [s.as_step() for s in self.steps]


def _level(registry: Mapping[str, OperationSpec], entity_type: str) -> dict[str, OperationSpec]:
    return {i: s for i, s in registry.items() if s.entity_type == entity_type and s.fan_out is None}


class _Costs:
    """Each operation's expected cost per entity it finds something for, from the estimator (cached).

    An operation's cost is divided by the share of entities it finds something for: with the org's
    history, the share of its runs that found something; without it, the operation's declared
    coverage (a store database knows only stores). So a cheap operation that rarely answers for
    these entities loses to a dearer one that does.
    """

    def __init__(self, history: History | None, registry: Mapping[str, OperationSpec]) -> None:
        self.history = history
        self.registry = registry
        self.known: dict[str, float] = {}

    def __call__(self, operation_id: str) -> float:
        if operation_id not in self.known:
            step = {"position": 1, "operation_id": operation_id, "step_config": {}}
            cost = estimate([step], self.history).cost_usd.expected
            past = self.history.operations.get(operation_id) if self.history else None
            if past is not None and past.runs >= MIN_HISTORY:
                cost /= max(past.found / past.runs, MIN_FOUND_SHARE)
            elif (spec := self.registry.get(operation_id)) is not None:
                cost /= max(spec.coverage, MIN_FOUND_SHARE)
            self.known[operation_id] = cost
        return self.known[operation_id]


@dataclass
class _Level:
    """One level of the plan: the entities it runs for, what they have, what is asked of them."""

    entity_type: str
    operations: dict[str, OperationSpec]
    available: set[str]
    outputs: list[str] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def can_reach(self) -> set[str]:
        return reachable(self.available, self.operations)


def _condition(conditions: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"all": list(conditions)}


def _choose_list(
    goal: Goal, root: _Level, child_type: str | None, registry: Mapping[str, OperationSpec], notes: list[str]
) -> OperationSpec | None:
    """Return the operation whose list the entity fans out over, or None (saying why)."""
    if goal.via is not None:
        spec = registry.get(goal.via)
        if spec is None:
            notes.append(unknown(goal.via, list_operations(registry), "via: the operation"))
            return None
        if spec.fan_out is None:
            notes.append(f"via: {spec.id} yields no list of entities to fan out over")
            return None
        if not runnable(spec, root.can_reach):
            missing = [" or ".join(n) for n in requirements(spec) if not met(n, root.can_reach)]
            notes.append(f"via: {spec.id} needs {'; '.join(missing)}, which nothing here provides")
            return None
        return spec
    if child_type is None:
        return None
    lists = [
        s
        for s in registry.values()
        if s.fan_out is not None and s.fan_out.entity_type == child_type and runnable(s, root.can_reach)
    ]
    candidates = [s for s in lists if set(goal.search) <= set(s.params)]
    if lists and not candidates:
        keys, reads = (
            ", ".join(sorted(goal.search)),
            "; ".join(f"{s.id} reads {', '.join(s.params)}" for s in lists),
        )
        notes.append(f"no list of {_plural(child_type)} takes search {keys} ({reads})")
        return None
    default = DEFAULT_LISTS.get(child_type)
    chosen = next((s for s in candidates if s.id == default), None)
    if chosen is None and len(candidates) == 1:
        chosen = candidates[0]
    if chosen is None:
        if candidates:
            options = ", ".join(sorted(s.id for s in candidates))
            which = f"which list of {_plural(child_type)} to fan out over"
            notes.append(f"{which} is ambiguous: name one in `via` ({options})")
        else:
            notes.append(
                f"no operation lists {_plural(child_type)} from a {root.entity_type} with these inputs"
            )
    return chosen


def _list_config(goal: Goal, spec: OperationSpec, notes: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, value in goal.search.items():
        if key in spec.params:
            config[key] = value
        else:
            notes.append(f"search.{key} is not a parameter of {spec.id} (it reads {', '.join(spec.params)})")
    if goal.limits.max_results is not None:
        if "max_results" in spec.params:
            config["max_results"] = goal.limits.max_results
        else:
            notes.append(f"limits.max_results: {spec.id} takes no max_results")
    return config


def _place_outputs(
    goal: Goal,
    root: _Level,
    child: _Level | None,
    listing: OperationSpec | None,
    conditions: Sequence[dict[str, Any]],
    notes: list[str],
    known: set[str],
) -> list[str]:
    """Put each asked-for field and condition on the level that can produce it; return the list step's."""
    levels = [root] if child is None else [child, root] if goal.each or goal.via else [root, child]
    reach = {id(level): level.can_reach for level in levels}
    if child is not None and listing is not None and listing.fan_out is not None:
        # A child inherits its parent's fields, but what only the parent can produce is planned there.
        own = item_fields(listing, listing.fan_out) | {
            n for s in child.operations.values() for n in s.produces
        }
        reach[id(child)] &= own
    by_list = set(listing.produces) - reach[id(root)] if listing is not None else set()
    list_outputs: list[str] = []
    for name in dict.fromkeys(goal.outputs):
        if name not in known:
            notes.append(unknown(name, sorted(known), "output"))
            continue
        level = next((lv for lv in levels if name in reach[id(lv)]), None)
        if level is not None:
            level.outputs.append(name)
        elif name in by_list:
            list_outputs.append(name)
        else:
            target = child or root
            notes.append(
                f"output {name}: "
                + why_unreachable(name, target.entity_type, target.available, target.operations)
            )
    for condition in conditions:
        reads = condition_fields(condition)
        strange = [name for name in reads if name not in known]
        if strange:
            notes += [unknown(name, sorted(known), "condition field") for name in strange]
            continue
        level = next((lv for lv in (root, child) if lv and set(reads) <= reach[id(lv)]), None)
        if level is None:
            missing = next(n for n in reads if n not in reach[id(root)])
            notes.append(
                f"condition on {missing}: "
                + why_unreachable(missing, root.entity_type, root.available, root.operations)
            )
        else:
            level.conditions.append(condition)
    return list_outputs


class _StepWriter:
    """Numbers the steps and writes why each is there."""

    def __init__(self, costs: _Costs, freshness: dict[str, Any] | None) -> None:
        self.costs = costs
        self.freshness = freshness
        self.steps: list[AssembledStep] = []

    def chain(
        self,
        operation_ids: Sequence[str],
        level: _Level,
        *,
        condition: dict[str, Any] | None,
        purpose: dict[str, str],
        later_needs: Sequence[tuple[str, Need]],
    ) -> None:
        for index, operation_id in enumerate(operation_ids):
            spec = level.operations[operation_id]
            gives = [n for n in spec.produces if n in purpose and n not in level.available]
            reasons = [f"produces {n} ({purpose[n]})" for n in gives]
            after = [
                (operation_ids[j], n)
                for j in range(index + 1, len(operation_ids))
                for n in requirements(level.operations[operation_ids[j]])
            ]
            for consumer, need in [*after, *later_needs]:
                if not met(need, level.available) and met(need, spec.produces):
                    provided = next(n for n in need if n in spec.produces)
                    reasons.append(f"provides {provided}, which {consumer} needs")
            level.available |= set(spec.produces)
            for name in gives:
                del purpose[name]  # the first producer is the one credited
            cost = self.costs(operation_id)
            why = "; ".join(dict.fromkeys(reasons)) or "completes what the goal asks"
            self.add(operation_id, why + f" (about ${cost:.4f} per entity)", condition, fan_out=False)

    def add(
        self,
        operation_id: str,
        why: str,
        condition: dict[str, Any] | None,
        *,
        fan_out: bool,
        config: dict[str, Any] | None = None,
    ) -> None:
        step_config = dict(config or {})
        if condition is not None:
            step_config["condition"] = condition
            why += "; runs only for entities that meet the goal's condition"
        if self.freshness is not None and not fan_out:
            step_config["skip_if_fresh"] = dict(self.freshness)
        self.steps.append(AssembledStep(len(self.steps) + 1, operation_id, step_config, fan_out, why))


def _plan_level(
    level: _Level, writer: _StepWriter, notes: list[str], *, extra: Sequence[tuple[str, Need]] = ()
) -> dict[str, Any] | None:
    """Add the level's steps: the condition's fields first, then the rest under the condition."""
    condition = _condition(level.conditions)
    reads = [n for c in level.conditions for n in condition_fields(c)]
    purpose: dict[str, str] = {n: "the condition reads it" for n in reads}
    purpose.update({n: "asked for" for n in level.outputs if n not in purpose})
    first = cheapest_chain([(n,) for n in reads], level.available, level.operations, writer.costs)
    if first is None:  # placed only where reachable, so this is a planner fault: say so, do not guess
        notes.append(f"the condition's fields ({', '.join(reads)}) could not be planned")
        return None
    writer.chain(first.operation_ids, level, condition=None, purpose=purpose, later_needs=extra)
    needs: list[Need] = [(n,) for n in level.outputs] + [need for _, need in extra]
    rest = cheapest_chain(needs, level.available, level.operations, writer.costs)
    if rest is None:
        notes.append(f"the {level.entity_type} outputs ({', '.join(level.outputs)}) could not be planned")
        return condition
    writer.chain(rest.operation_ids, level, condition=condition, purpose=purpose, later_needs=extra)
    return condition


def _child_type(
    goal: Goal, entity_type: str, root: _Level, registry: Mapping[str, OperationSpec]
) -> str | None:
    """Return the entity type the goal's list holds: named by `each` or `via`, else what the outputs need."""
    if goal.via is not None and (spec := registry.get(goal.via)) is not None and spec.fan_out is not None:
        return spec.fan_out.entity_type
    if goal.each is not None and goal.each != entity_type:
        return goal.each
    other = "person" if entity_type == "company" else "company"
    other_reach = {n for s in _level(registry, other).values() for n in s.produces}
    return other if any(n not in root.can_reach and n in other_reach for n in goal.outputs) else None


def assemble(
    goal: Goal,
    entity_type: EntityType,
    available_inputs: Sequence[str],
    registry: Mapping[str, OperationSpec],
    *,
    history: History | None = None,
    keyed: Collection[str] | None = None,
) -> Assembly:
    """Plan a blueprint for goal over the registry, from the fields each entity brings.

    Operations are ranked by what they cost when they run (the org's history, else the adapters'
    prices); the answer's estimate prices the blueprint as a dry run would, with only `keyed` providers
    (None: all) called.
    """
    inputs = list(dict.fromkeys(available_inputs))
    answer = Assembly(entity_type=entity_type, entity_inputs=inputs)
    notes = answer.unsatisfied
    conditions = []
    for index, condition in enumerate(goal.conditions):
        problems = condition_problems(condition, f"goal.conditions[{index}]")
        notes += problems
        if not problems:
            conditions.append(condition)
    root = _Level(entity_type, _level(registry, entity_type), set(inputs))
    child_type = _child_type(goal, entity_type, root, registry)
    listing = _choose_list(goal, root, child_type, registry, notes) if child_type or goal.via else None
    child = None
    if listing is not None and listing.fan_out is not None:
        child_type = listing.fan_out.entity_type
        inherited = root.can_reach if child_type != entity_type else set()
        child = _Level(
            child_type, _level(registry, child_type), item_fields(listing, listing.fan_out) | inherited
        )
    elif child_type is None and goal.via is None and (goal.search or goal.limits.max_results is not None):
        notes.append("search and limits apply to a list to fan out over, and this goal has none")
    list_outputs = _place_outputs(goal, root, child, listing, conditions, notes, set(vocabulary(registry)))
    fans_out = child is not None and bool(child.outputs or child.conditions)
    writer = _StepWriter(
        _Costs(history, registry),
        None if goal.freshness is None else {"max_age_hours": goal.freshness.max_age_hours},
    )
    uses_list = listing is not None and (fans_out or bool(list_outputs))
    list_needs = [(listing.id, need) for need in requirements(listing)] if listing and uses_list else []
    guard = _plan_level(root, writer, notes, extra=list_needs)
    if listing is not None and listing.fan_out is not None and uses_list:
        config = _list_config(goal, listing, notes)
        why = f"lists {_plural(listing.fan_out.entity_type)} ({listing.fan_out.field})"
        if list_outputs:
            why += f"; produces {', '.join(list_outputs)} (asked for)"
        if fans_out:
            why += ": one child run per item, for what the goal asks of each"
        writer.add(listing.id, why, guard, fan_out=fans_out, config=config)
    if child is not None and listing is not None and listing.fan_out is not None and fans_out:
        child.available = item_fields(listing, listing.fan_out) | (
            set(root.available) if child.entity_type != entity_type else set()
        )
        _plan_level(child, writer, notes)
    else:
        child = None
    answer.steps = writer.steps
    _describe(answer, registry, [root] if child is None else [root, child], listing, list_outputs)
    if answer.steps:
        _check_and_price(answer, registry, history, keyed)
    return answer


def _plural(entity_type: str) -> str:
    return "people" if entity_type == "person" else "companies"


def _describe(
    answer: Assembly,
    registry: Mapping[str, OperationSpec],
    levels: Sequence[_Level],
    listing: OperationSpec | None,
    list_outputs: Sequence[str],
) -> None:
    """Fill in what the blueprint produces, per level, and which step makes each asked-for field."""
    fan_at = next((s.position for s in answer.steps if s.fan_out), len(answer.steps) + 1)
    parts = [
        [s for s in answer.steps if s.position <= fan_at],
        [s for s in answer.steps if s.position > fan_at],
    ]
    for index, level in enumerate(levels):
        steps = parts[index]
        fields = set(answer.entity_inputs) if index == 0 else set()
        if index == 1 and listing is not None and listing.fan_out is not None:
            fields |= item_fields(listing, listing.fan_out)
        for step in steps:
            fields |= set(registry[step.operation_id].produces)
        who = (
            f"each submitted {level.entity_type}"
            if index == 0
            else f"each of the {_plural(level.entity_type)}"
        )
        answer.produces.append({"entity_type": level.entity_type, "for": who, "fields": sorted(fields)})
        for name in level.outputs:
            maker = next((s for s in steps if name in registry[s.operation_id].produces), None)
            if maker is None and index == 1:
                maker = answer.steps[fan_at - 1]  # an item of the list brings it
            answer.outputs[name] = {"entity_type": level.entity_type, "step": maker and maker.position}
    for name in list_outputs:
        maker = next(s for s in answer.steps if listing is not None and s.operation_id == listing.id)
        answer.outputs[name] = {"entity_type": levels[0].entity_type, "step": maker.position}


def _check_and_price(
    answer: Assembly,
    registry: Mapping[str, OperationSpec],
    history: History | None,
    keyed: Collection[str] | None,
) -> None:
    """Validate the steps as a hand-written blueprint is validated, and price one entity's run."""
    steps = [BlueprintStep.model_validate(s) for s in answer.blueprint_steps()]
    problems = validate_steps(steps, registry, entity_inputs=answer.entity_inputs)
    answer.problems = [p.as_detail()["message"] for p in problems]
    priced = estimate(answer.blueprint_steps(), history, entities=1, keyed=keyed)
    answer.cost_per_entity = priced.cost_per_entity
    answer.assumptions = priced.assumptions
