"""Dry-run cost estimate: blueprint steps and an org's history in, calls and cost per step and provider out.

Pure: no I/O. Prices come from the adapters (`Action.cost_usd`), which actions an operation may call
from its spec (`OperationSpec.calls`). How often each provider answers, how many children a fan-out
yields, how often a step fails or its condition holds come from the org's own history (`History`,
read by store/repositories/estimate_history.py) where it has enough, else from defaults that the
estimate states in its `assumptions`.

Every figure is a range: `low` is the cheapest plausible run (the first provider of each waterfall
answers, a fan-out yields no child or the fewest history saw), `high` the dearest (every keyed
provider is asked, every fan-out yields `max_results`), `expected` the best guess. An operation with
history is expected to call each of its provider actions as often per run as it did in history, which
carries its waterfall's hit rates, lookups and retries; one without is modelled from the spec.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from operations.registry import get_operation, provider_order
from operations.spec import OperationSpec
from operations.waterfall import ProviderCalls
from providers.registry import all_providers

MIN_HISTORY = 10  # fewer operation runs (or fan-outs, or condition checks) than this is no history
DEFAULT_HIT_RATE = 0.5  # share of the entities a provider is asked about that it answers
DEFAULT_FAN_OUT_SHARE = 0.5  # expected children per parent, as a share of max_results
DEFAULT_FAN_OUT_MAX = 100  # children per parent when a fan-out step sets no max_results
DEFAULT_CONDITION_RATE = 1.0  # a condition is assumed to hold, so that spend is not understated


@dataclass(frozen=True, slots=True)
class Range:
    """A low / expected / high figure."""

    low: float
    expected: float
    high: float

    @classmethod
    def of(cls, value: float) -> Range:
        return cls(value, value, value)

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.expected + other.expected, self.high + other.high)

    def __mul__(self, other: Range | float) -> Range:
        o = other if isinstance(other, Range) else Range.of(other)
        return Range(self.low * o.low, self.expected * o.expected, self.high * o.high)

    def less(self, other: Range | float) -> Range:
        """Subtract other figure by figure, never below zero."""
        o = other if isinstance(other, Range) else Range.of(other)
        return Range(
            max(0.0, self.low - o.low), max(0.0, self.expected - o.expected), max(0.0, self.high - o.high)
        )

    def as_dict(self, digits: int = 2) -> dict[str, float]:
        return {k: round(getattr(self, k), digits) for k in ("low", "expected", "high")}


ZERO = Range.of(0.0)


@dataclass(frozen=True, slots=True)
class ActionHistory:
    """One provider action within one operation, over the org's recent runs of that operation."""

    turns: int  # operation runs that sent it
    calls: int  # requests sent, retries included
    found: int  # operation runs in which it found something
    cost_usd: float  # what it cost in total
    max_cost_usd: float  # its dearest single call


@dataclass(frozen=True, slots=True)
class OperationHistory:
    """The org's recent runs of one operation, and what each provider action did in them."""

    runs: int
    found: int
    failed: int
    actions: Mapping[tuple[str, str], ActionHistory] = field(default_factory=dict)

    def provider_turns(self, provider: str) -> int:
        """Operation runs in which provider was sent anything (an upper bound when it has two actions)."""
        return max((a.turns for (p, _), a in self.actions.items() if p == provider), default=0)

    def provider_found(self, provider: str) -> int:
        return max((a.found for (p, _), a in self.actions.items() if p == provider), default=0)


@dataclass(frozen=True, slots=True)
class FanOutHistory:
    """Children made by the org's recent fan-outs of one operation (parents that did not fail)."""

    parents: int
    children: int
    min_children: int
    max_children: int


@dataclass(frozen=True, slots=True)
class ConditionHistory:
    """How often the condition of a blueprint's step held, in the org's earlier runs of that blueprint."""

    checked: int
    met: int


@dataclass(frozen=True)
class History:
    """What the estimate knows of one org's past: by operation, and by step position of one blueprint."""

    operations: Mapping[str, OperationHistory] = field(default_factory=dict)
    fan_outs: Mapping[str, FanOutHistory] = field(default_factory=dict)
    conditions: Mapping[int, ConditionHistory] = field(default_factory=dict)

    @classmethod
    def from_rows(
        cls,
        runs: Sequence[Mapping[str, Any]] = (),
        actions: Sequence[Mapping[str, Any]] = (),
        fan_outs: Sequence[Mapping[str, Any]] = (),
        conditions: Sequence[Mapping[str, Any]] = (),
    ) -> History:
        """Build the history from the rows of store/repositories/estimate_history.py."""
        by_operation: dict[str, dict[tuple[str, str], ActionHistory]] = {}
        for row in actions:
            by_operation.setdefault(row["operation_id"], {})[(row["provider"], row["action"])] = (
                ActionHistory(
                    turns=int(row["turns"]),
                    calls=int(row["calls"]),
                    found=int(row["found"]),
                    cost_usd=float(row["cost_usd"]),
                    max_cost_usd=float(row["max_cost_usd"]),
                )
            )
        return cls(
            operations={
                r["operation_id"]: OperationHistory(
                    int(r["runs"]), int(r["found"]), int(r["failed"]), by_operation.get(r["operation_id"], {})
                )
                for r in runs
            },
            fan_outs={
                r["operation_id"]: FanOutHistory(
                    int(r["parents"]), int(r["children"]), int(r["min_children"]), int(r["max_children"])
                )
                for r in fan_outs
            },
            conditions={
                int(r["position"]): ConditionHistory(int(r["checked"]), int(r["met"])) for r in conditions
            },
        )


@dataclass
class ActionEstimate:
    provider: str
    action: str
    price_usd: float  # the adapter's documented price of one call
    calls: Range
    cost_usd: Range


@dataclass
class ProviderEstimate:
    provider: str
    hit_rate: float | None  # share of its turns in which it found something
    source: str  # "history" | "default" | "no key"
    calls: Range = ZERO
    cost_usd: Range = ZERO
    actions: list[ActionEstimate] = field(default_factory=list)


@dataclass
class StepEstimate:
    position: int
    operation_id: str
    entities: Range  # entities that reach the step
    fresh: int  # of those, submitted entities already fresh (skip_if_fresh): they cost nothing here
    executed: Range  # entities the operation runs for
    condition_rate: Range | None
    children_per_parent: Range | None  # fan-out steps only
    children: Range | None
    providers: list[ProviderEstimate]
    calls: Range
    cost_usd: Range
    history_runs: int  # operation runs of the org's history this step's figures come from (0: defaults)


@dataclass
class Estimate:
    """What a batch of `entities` submitted entities is expected to call and cost."""

    entities: int
    fresh_entities: int
    steps: list[StepEstimate]
    providers: list[ProviderEstimate]
    calls: Range
    cost_usd: Range
    assumptions: list[str]

    @property
    def cost_per_entity(self) -> Range:
        """The cost per submitted entity."""
        return self.cost_usd * (1.0 / self.entities) if self.entities else ZERO

    def as_dict(self) -> dict[str, Any]:
        """Return the estimate as JSON-ready data (POST /api/v1/batch/estimate)."""

        def provider(p: ProviderEstimate) -> dict[str, Any]:
            return {
                "provider": p.provider,
                "hit_rate": None if p.hit_rate is None else round(p.hit_rate, 3),
                "source": p.source,
                "calls": p.calls.as_dict(1),
                "cost_usd": p.cost_usd.as_dict(4),
                "actions": [
                    {
                        "action": a.action,
                        "price_usd": a.price_usd,
                        "calls": a.calls.as_dict(1),
                        "cost_usd": a.cost_usd.as_dict(4),
                    }
                    for a in p.actions
                ],
            }

        def optional(value: Range | None, digits: int) -> dict[str, float] | None:
            return None if value is None else value.as_dict(digits)

        return {
            "entities": self.entities,
            "fresh_entities": self.fresh_entities,
            "calls": self.calls.as_dict(1),
            "cost_usd": self.cost_usd.as_dict(4),
            "cost_per_entity_usd": self.cost_per_entity.as_dict(6),
            "steps": [
                {
                    "position": s.position,
                    "operation_id": s.operation_id,
                    "entities": s.entities.as_dict(1),
                    "fresh": s.fresh,
                    "executed": s.executed.as_dict(1),
                    "condition_rate": optional(s.condition_rate, 3),
                    "children_per_parent": optional(s.children_per_parent, 2),
                    "children": optional(s.children, 1),
                    "history_runs": s.history_runs,
                    "calls": s.calls.as_dict(1),
                    "cost_usd": s.cost_usd.as_dict(4),
                    "providers": [provider(p) for p in s.providers],
                }
                for s in self.steps
            ],
            "providers": [provider(p) for p in self.providers],
            "assumptions": self.assumptions,
        }


def _price(provider: str, action: str) -> float:
    return float(all_providers()[provider].actions[action].cost_usd)


@dataclass
class _Notes:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        if line not in self.lines:
            self.lines.append(line)


@dataclass
class _OperationEstimate:
    """One operation's figures for one entity it runs for."""

    providers: list[ProviderEstimate]
    fail_rate: Range
    history_runs: int


def _action(
    declared: ProviderCalls, action: str, reach: Range, history: OperationHistory | None
) -> ActionEstimate:
    """Price one action of a provider's turn, for one entity the operation runs for."""
    price = _price(declared.provider, action)
    main = action in declared.actions
    past = history.actions.get((declared.provider, action)) if history else None
    low_calls = reach.low if action == declared.actions[0] else 0.0
    high_calls = reach.high if main else 0.0
    if past is not None and history is not None:
        per_call = past.cost_usd / past.calls if past.calls else price
        expected_calls, expected_cost = past.calls / history.runs, past.cost_usd / history.runs
        high_price = max(price, past.max_cost_usd)
    elif history is not None and history.provider_turns(declared.provider):
        # The provider was asked in history but never for this action (a lookup not needed, an unused
        # alternative): expect none.
        per_call, expected_calls, expected_cost, high_price = price, 0.0, 0.0, price
    else:
        per_call, high_price = price, price
        expected_calls = reach.expected if main else 0.0
        expected_cost = expected_calls * price
    if action == declared.actions[-1] and declared.alternatives:
        high_price = max(high_price, *(_price(declared.provider, a) for a in declared.alternatives))
    high_calls = max(high_calls, expected_calls)  # retries may exceed one call per turn
    calls = Range(low_calls, expected_calls, high_calls)
    cost = Range(low_calls * per_call, expected_cost, max(high_calls * high_price, expected_cost))
    return ActionEstimate(declared.provider, action, price, calls, cost)


def _operation(
    spec: OperationSpec, order: Sequence[str], keyed: Collection[str] | None, history: History, notes: _Notes
) -> _OperationEstimate:
    """Estimate one operation's provider calls for one entity it runs for."""
    past = history.operations.get(spec.id)
    if past is not None and past.runs < MIN_HISTORY:
        past = None
    if past is None:
        notes.add(
            f"{spec.id}: no history in this org (fewer than {MIN_HISTORY} runs): each provider is assumed "
            f"to answer {DEFAULT_HIT_RATE:.0%} of the entities it is asked about, each action of its turn "
            "is called once, and every call is billed at the adapter's documented price"
        )
    sequential = spec.policy == "first_success"
    declared = sorted(
        (c for c in spec.calls if c.provider in order), key=lambda c: list(order).index(c.provider)
    )
    estimates: list[ProviderEstimate] = []
    stage_reach = Range.of(1.0)
    for stage in (False, True):
        first = True
        missed_all = 1.0
        for calls in (c for c in declared if c.after_found is stage):
            if keyed is not None and calls.provider not in keyed:
                notes.add(f"{calls.provider}: no API key, so it is not called")
                estimates.append(ProviderEstimate(calls.provider, None, "no key"))
                continue
            turns = past.provider_turns(calls.provider) if past else 0
            hit = past.provider_found(calls.provider) / turns if past and turns else DEFAULT_HIT_RATE
            reach = Range(
                stage_reach.low if first or not sequential else 0.0,
                stage_reach.expected * (missed_all if sequential else 1.0),
                stage_reach.high,
            )
            actions = [_action(calls, a, reach, past) for a in calls.every_action]
            found_by = ProviderEstimate(
                calls.provider, hit, "history" if turns else "default", actions=actions
            )
            for a in actions:
                found_by.calls += a.calls
                found_by.cost_usd += a.cost_usd
            estimates.append(found_by)
            missed_all *= 1.0 - hit
            first = False
        # A second stage (verifiers) runs only once the first found something.
        found = past.found / past.runs if past else 1.0 - missed_all
        stage_reach = Range(0.0, found, 1.0)
    failed = past.failed / past.runs if past else 0.0
    return _OperationEstimate(estimates, Range(failed, failed, 0.0), past.runs if past else 0)


def _max_results(step_config: Mapping[str, Any]) -> int | None:
    for key in ("max_results", "limit"):
        value = step_config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _children_per_parent(
    position: int, spec: OperationSpec, step_config: Mapping[str, Any], history: History, notes: _Notes
) -> Range:
    cap = _max_results(step_config)
    past = history.fan_outs.get(spec.id)
    if past is not None and past.parents < MIN_HISTORY:
        past = None
    high = float(cap if cap is not None else (past.max_children if past else DEFAULT_FAN_OUT_MAX))
    if cap is None:
        source = "the most history saw" if past else f"{DEFAULT_FAN_OUT_MAX} (default)"
        notes.add(f"step {position} ({spec.id}) sets no max_results: at most {source} children per parent")
    if past is None:
        notes.add(
            f"step {position} ({spec.id}) fan-out: no history; expected {DEFAULT_FAN_OUT_SHARE:.0%} of "
            f"{high:g} children per parent, from 0 to {high:g}"
        )
        return Range(0.0, DEFAULT_FAN_OUT_SHARE * high, high)
    low = min(float(past.min_children), high)
    return Range(low, min(past.children / past.parents, high), high)


def _condition_rate(position: int, history: History, notes: _Notes) -> Range:
    past = history.conditions.get(position)
    if past is None or past.checked < MIN_HISTORY:
        notes.add(
            f"step {position}: its condition has no history for this blueprint; assumed to hold for "
            f"{DEFAULT_CONDITION_RATE:.0%} of the entities (low: none)"
        )
        return Range(0.0, DEFAULT_CONDITION_RATE, 1.0)
    rate = past.met / past.checked
    return Range(rate, rate, 1.0)


def estimate(
    steps: Sequence[Mapping[str, Any]],
    history: History | None = None,
    *,
    entities: int = 1,
    fresh: Mapping[int, int] | None = None,
    keyed: Collection[str] | None = None,
    order_overrides: Mapping[str, Sequence[str]] | None = None,
) -> Estimate:
    """Estimate what `entities` submitted entities cost through the blueprint's steps.

    `steps` are snapshot steps (position, operation_id, step_config, fan_out); `fresh` counts, by step
    position, the submitted entities already fresh for that step's skip_if_fresh; `keyed` names the
    providers with a key (None: all). Unknown operations raise ValueError.
    """
    history = history or History()
    notes = _Notes()
    fresh = fresh or {}
    arriving = Range.of(float(entities))
    roots = True  # steps before any fan-out run for the submitted entities themselves
    estimated: list[StepEstimate] = []
    by_provider: dict[str, ProviderEstimate] = {}
    for step in sorted(steps, key=lambda s: int(s["position"])):
        position, config = int(step["position"]), dict(step.get("step_config") or {})
        spec = get_operation(str(step["operation_id"]))
        if spec is None:
            raise ValueError(f"step {position}: unknown operation {step['operation_id']!r}")
        skipped_fresh = fresh.get(position, 0) if roots else 0
        if not roots and isinstance(config.get("skip_if_fresh"), Mapping):
            notes.add(f"step {position}: fan-out children are assumed not fresh (skip_if_fresh not checked)")
        condition = _condition_rate(position, history, notes) if config.get("condition") else None
        executed = arriving.less(skipped_fresh) * (condition or Range.of(1.0))
        order = provider_order(spec, order_overrides or {})
        operation = _operation(spec, order, keyed, history, notes)
        step_calls, step_cost = ZERO, ZERO
        providers = []
        for per_entity in operation.providers:
            scaled = ProviderEstimate(
                per_entity.provider,
                per_entity.hit_rate,
                per_entity.source,
                per_entity.calls * executed,
                per_entity.cost_usd * executed,
                [
                    ActionEstimate(
                        a.provider, a.action, a.price_usd, a.calls * executed, a.cost_usd * executed
                    )
                    for a in per_entity.actions
                ],
            )
            providers.append(scaled)
            step_calls += scaled.calls
            step_cost += scaled.cost_usd
            total = by_provider.setdefault(scaled.provider, ProviderEstimate(scaled.provider, None, "total"))
            total.calls += scaled.calls
            total.cost_usd += scaled.cost_usd
        # Entities whose step fails end there; a fan-out's parents end too, its children go on.
        succeeded = executed * Range.of(1.0).less(operation.fail_rate)
        here = arriving
        per_parent = children = None
        if step.get("fan_out") and spec.fan_out is not None:
            per_parent = _children_per_parent(position, spec, config, history, notes)
            arriving = children = succeeded * per_parent
            roots = False
        else:
            arriving = arriving.less(executed.less(succeeded))
        estimated.append(
            StepEstimate(
                position=position,
                operation_id=spec.id,
                entities=here,
                fresh=skipped_fresh,
                executed=executed,
                condition_rate=condition,
                children_per_parent=per_parent,
                children=children,
                providers=providers,
                calls=step_calls,
                cost_usd=step_cost,
                history_runs=operation.history_runs,
            )
        )
    return Estimate(
        entities=entities,
        fresh_entities=max(fresh.values(), default=0),
        steps=estimated,
        providers=sorted(by_provider.values(), key=lambda p: -p.cost_usd.expected),
        calls=sum((s.calls for s in estimated), ZERO),
        cost_usd=sum((s.cost_usd for s in estimated), ZERO),
        assumptions=notes.lines,
    )
