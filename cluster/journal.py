"""What a replayed chunk takes back from PostgreSQL: the answers already bought, and the steps already done.

A chunk journals every provider attempt as its answer arrives (StepWriter writes them within a
quarter second), long before its step or run ends. When a chunk runs again after a crash or a stop,
`Replay` reads back, for the runs that had started:

- the attempts each of their operation runs recorded: a step that is executed again reuses the
  answers they bought (`OperationRun` looks them up by provider, action and input) instead of
  buying them again;
- the steps they had finished, as outcomes marked `stored`: not written again, but part of the
  run's story, so the run's end writes a timeline event for every finished step and every fan-out
  discovery, whatever crashed and when.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection

from cluster.execution import RunState, StepOutcome, operation_run_id
from cluster.fanout import Child
from cluster.plan import Plan
from config.vocabulary import OperationStatus, RunStatus, SkipReason, StepStatus
from operations.history import stored_attempt
from operations.runtime import Attempt, OpResult
from store.repositories import engine_runs


class AttemptWriter(Protocol):
    """Where a step's attempts go to be written (the chunk's StepWriter)."""

    def attempts(
        self, op_run_id: uuid.UUID, run_id: uuid.UUID, position: int, attempts: Sequence[Attempt]
    ) -> None: ...


@dataclass(slots=True)
class StepJournal:
    """The AttemptJournal of one step of one run in a chunk."""

    writer: AttemptWriter
    run_id: uuid.UUID
    position: int
    operation_run_id: uuid.UUID
    earlier: Sequence[Attempt] = ()

    def bought(self) -> Sequence[Attempt]:
        return self.earlier

    def record(self, attempts: Sequence[Attempt]) -> None:
        self.writer.attempts(self.operation_run_id, self.run_id, self.position, attempts)


@dataclass
class Replay:
    """What earlier tries of a chunk's runs left: recorded attempts, finished steps (as outcomes)."""

    attempts: dict[uuid.UUID, list[Attempt]] = field(default_factory=dict)  # by operation run id
    outcomes: dict[uuid.UUID, list[StepOutcome]] = field(default_factory=dict)  # by pipeline run id

    def journal(self, writer: AttemptWriter, run_id: uuid.UUID, position: int) -> StepJournal:
        """Return the journal a step's operation records into (and reuses answers from)."""
        op_run_id = operation_run_id(run_id, position)
        return StepJournal(writer, run_id, position, op_run_id, self.attempts.get(op_run_id, ()))


def load_replay(conn: Connection, plan: Plan, started: Sequence[Mapping[str, Any]]) -> Replay:
    """Read back what the runs in `started` (rows that had begun before: a replay) left behind."""
    replay = Replay()
    if not started:
        return replay
    run_ids = [r["id"] for r in started]
    op_run_ids = [operation_run_id(r, step.position) for r in run_ids for step in plan.steps]
    for row in engine_runs.stored_attempts(conn=conn, run_ids=op_run_ids):
        replay.attempts.setdefault(row["run_id"], []).append(stored_attempt(row))
    steps = engine_runs.stored_steps(conn=conn, run_ids=run_ids)
    fanned = [s["pipeline_run_id"] for s in steps if (s["output_payload"] or {}).get("fan_out")]
    children: dict[tuple[uuid.UUID, int], list[Child]] = {}
    for row in engine_runs.stored_children(conn=conn, parent_ids=fanned):
        children.setdefault((row["parent_pipeline_run_id"], row["parent_step_position"]), []).append(
            Child(row["id"], row["entity_type"], row["entity_index"], dict(row["context"] or {}))
        )
    for row in steps:
        outcome = _stored_outcome(row, replay, plan, children)
        replay.outcomes.setdefault(row["pipeline_run_id"], []).append(outcome)
    return replay


def _stored_outcome(
    row: Mapping[str, Any],
    replay: Replay,
    plan: Plan,
    children: Mapping[tuple[uuid.UUID, int], list[Child]],
) -> StepOutcome:
    """Rebuild a finished step's outcome from its stored rows (enough for its events and the run's end)."""
    payload: dict[str, Any] = dict(row["output_payload"] or {})
    summary = payload.pop("operation_result", None)
    fan_out = payload.pop("fan_out", None)
    result = None
    if isinstance(summary, dict) and row["operation_run_id"] is not None:
        op_run_id = row["operation_run_id"]
        result = OpResult(
            run_id=op_run_id,
            operation_id=row["operation_id"],
            entity_type=plan.step(row["step_position"]).spec.entity_type,
            status=OperationStatus(summary.get("status", OperationStatus.FAILED)),
            output=row["operation_output"],
            attempts=list(replay.attempts.get(op_run_id, [])),
            missing_inputs=list(summary.get("missing_inputs") or []),
            error=summary.get("error"),
            duration_ms=int(summary.get("duration_ms") or 0),
        )
    outcome = StepOutcome(
        run_id=row["pipeline_run_id"],
        position=row["step_position"],
        operation_id=row["operation_id"],
        status=StepStatus(row["status"]),
        skip_reason=None if row["skip_reason"] is None else SkipReason(row["skip_reason"]),
        result=result,
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        duration_ms=row["duration_ms"],
        error_message=row["error_message"],
        metadata=payload,
        stored=True,
    )
    if isinstance(fan_out, dict):
        outcome.fan_out_type = fan_out.get("child_entity_type")
        outcome.skipped_duplicates = list(fan_out.get("skipped_duplicates") or [])
        outcome.children = children.get((row["pipeline_run_id"], row["step_position"]), [])
    return outcome


def resume_state(state: RunState, outcomes: Sequence[StepOutcome]) -> None:
    """Give a replayed run its finished steps back; a run that had failed keeps its failure."""
    state.outcomes = list(outcomes)
    failed = next((o for o in outcomes if o.status == StepStatus.FAILED), None)
    if failed is not None:
        # The run had failed before the crash: only its ending is left to write.
        state.status = RunStatus.FAILED
        state.error_message = failed.error_message or "a step failed"
        state.error_details = failed.result.error if failed.result else None
