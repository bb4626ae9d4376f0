"""One step for one run: condition, freshness, the operation, the context merge, and fan-out.

Pure of I/O except the operation's provider calls (through the caller) — what happened is returned
as a StepOutcome for the sink to write. Ends are always defined: a failed step skips the run's later
steps (`upstream_step_failed`); a fan-out step, or a fan-out skipped by its condition, ends the
parent with its later steps skipped (`fanned_out`, `no_fan_out_results`,
`parent_step_condition_not_met`) since those steps belong to the children.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from blueprints.context import merge_context
from cluster.fanout import Child, children
from cluster.plan import Plan, PlannedStep
from config.vocabulary import OperationStatus, RunStatus, SkipReason, StepStatus
from operations.history import strip_raw
from operations.runtime import AttemptJournal, OpResult, ProviderCaller, run_operation

OPERATION_RUN_NAMESPACE = uuid.UUID("9a4f0f7e-2b0e-5a57-8f5c-1c2d3e4f5a6b")


def operation_run_id(run_id: uuid.UUID, position: int) -> uuid.UUID:
    """The id of the operation run a step executes: the same on every try of that step."""
    return uuid.uuid5(OPERATION_RUN_NAMESPACE, f"{run_id}:{position}")


# A run's state in its chunk when the engine stopped it: it stays running (unfinished) in the database.
STOPPED: Final = "stopped"


@dataclass
class RunState:
    """A run as a chunk carries it through its steps."""

    run_id: uuid.UUID
    entity_type: str
    entity_index: int
    depth: int
    start_position: int
    context: dict[str, Any]
    done_steps: dict[int, StepStatus] = field(default_factory=dict)
    status: RunStatus | Literal["stopped"] = RunStatus.RUNNING  # STOPPED is never written
    error_message: str | None = None
    error_details: dict[str, Any] | None = None  # the failed step's error: each provider's failure
    outcomes: list[StepOutcome] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status in RunStatus.terminal()

    def active_at(self, position: int) -> bool:
        """Tell whether the run still has to execute the step at position."""
        return not self.finished and position >= self.start_position and position not in self.done_steps


@dataclass
class StepOutcome:
    """What one step did for one run."""

    run_id: uuid.UUID
    position: int
    operation_id: str
    status: StepStatus
    skip_reason: SkipReason | None = None
    result: OpResult | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: int | None = None
    error_message: str | None = None
    input_context: dict[str, Any] | None = None
    children: list[Child] = field(default_factory=list)
    skipped_duplicates: list[str] = field(default_factory=list)
    fan_out_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    stored: bool = False  # finished by an earlier try of the run: read back, not to be written again

    @property
    def cost_usd(self) -> float:
        return self.result.cost_usd if self.result else 0.0

    def output_payload(self) -> dict[str, Any]:
        """The step result's output: a summary of the operation result.

        The output itself and each attempt's raw body are stored once, in operation_runs and
        operation_attempts (linked by operation_run_id), not again here.
        """
        payload: dict[str, Any] = dict(self.metadata)
        if self.result is not None:
            result = self.result
            payload["operation_result"] = {
                "run_id": str(result.run_id),
                "status": str(result.status),
                "provider_order_used": result.provider_order_used,
                "providers": [[a.provider, a.status] for a in result.attempts],
                "fields": sorted(k for k, v in (result.output or {}).items() if v is not None),
                "missing_inputs": result.missing_inputs,
                "error": result.error,
                "duration_ms": result.duration_ms,
                "cost_usd": result.cost_usd,
            }
        if self.fan_out_type is not None:
            payload["fan_out"] = {
                "child_run_ids": [str(c.run_id) for c in self.children],
                "child_count": len(self.children),
                "child_entity_type": self.fan_out_type,
                "skipped_duplicates": self.skipped_duplicates,
                "start_from_position": self.position + 1,
            }
        return payload


def _skip(state: RunState, step: PlannedStep, reason: SkipReason, **metadata: Any) -> StepOutcome:
    now = datetime.now(UTC)
    return StepOutcome(
        run_id=state.run_id,
        position=step.position,
        operation_id=step.operation_id,
        status=StepStatus.SKIPPED,
        skip_reason=reason,
        started_at=now,
        finished_at=now,
        duration_ms=0,
        metadata={"skip_reason": reason, **metadata},
    )


def end_remaining(state: RunState, plan: Plan, position: int, reason: SkipReason) -> list[StepOutcome]:
    """Skip every step after position for this run, with reason."""
    return [
        _skip(state, later, reason)
        for later in plan.after(position)
        if later.position not in state.done_steps
    ]


def skip_for_condition(state: RunState, step: PlannedStep) -> StepOutcome:
    """Record a step skipped because its condition was false."""
    condition = step.condition.model_dump() if step.condition is not None else None
    return _skip(state, step, SkipReason.CONDITION_NOT_MET, condition=condition, step_position=step.position)


def skip_for_freshness(state: RunState, step: PlannedStep, fresh: Mapping[str, Any]) -> StepOutcome:
    """Adopt a fresh entity's stored data and skip the step."""
    payload = fresh.get("canonical_payload") or {}
    state.context = merge_context(state.context, payload if isinstance(payload, Mapping) else {})
    enriched = fresh.get("last_enriched_at")
    return _skip(
        state,
        step,
        SkipReason.ENTITY_STATE_FRESH,
        entity_id=str(fresh.get("entity_id")),
        last_enriched_at=enriched.isoformat() if isinstance(enriched, datetime) else enriched,
        skip_if_fresh=step.skip_if_fresh.model_dump() if step.skip_if_fresh is not None else {},
    )


async def execute_step(
    state: RunState, step: PlannedStep, caller: ProviderCaller, journal: AttemptJournal | None = None
) -> StepOutcome:
    """Run the step's operation for the run and merge its output into the run's context.

    With a journal, each provider attempt is recorded as it is made and answers an earlier try of
    this step bought are reused. Raises CallsStopped when the engine stops before the step is done.
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    input_context = state.context
    result = await run_operation(
        step.spec,
        input_context,
        caller=caller,
        params=step.params,
        provider_order=step.provider_order,
        run_id=operation_run_id(state.run_id, step.position),
        journal=journal,
    )
    outcome = StepOutcome(
        run_id=state.run_id,
        position=step.position,
        operation_id=step.operation_id,
        status=StepStatus.SUCCEEDED,
        result=result,
        started_at=started,
        finished_at=datetime.now(UTC),
        duration_ms=round((time.perf_counter() - clock) * 1000),
        input_context=input_context,
    )
    if result.status is OperationStatus.FAILED:
        outcome.status = StepStatus.FAILED
        error = result.error or {}
        outcome.error_message = (
            f"Operation failed: {step.operation_id}: {error.get('message', 'no provider succeeded')}"
        )
        return outcome
    if result.status is OperationStatus.SKIPPED:
        outcome.status, outcome.skip_reason = StepStatus.SKIPPED, SkipReason.NO_PROVIDER_AVAILABLE
    # Raw provider bodies stay with their attempts: neither the context nor the children repeat them.
    output = strip_raw(result.output)
    state.context = merge_context(state.context, output)
    if step.fan_out and step.spec.fan_out is not None:
        items = (output or {}).get(step.spec.fan_out.field) or []
        made, duplicates = children(
            state.run_id, state.entity_type, state.context, step.position, step.spec.fan_out, items
        )
        outcome.children, outcome.skipped_duplicates = made, duplicates
        outcome.fan_out_type = step.spec.fan_out.entity_type
    return outcome
