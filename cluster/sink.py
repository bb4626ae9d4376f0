"""ResultSink: what a chunk produced, written to PostgreSQL in bulk as steps and runs finish.

Each batch is one transaction of whatever finished since the last: step results, operation runs and
attempts, and any children; and for the runs that ended, their entity state (final contexts and the
entities their fan-outs discovered, identity resolved against what is stored), timeline events under
those same entity ids, and each run's final status and context. So a run's end is written when that
run ends, whatever its chunk's other runs are waiting for. A run's context is not rewritten per
step: a replay rebuilds it from the stored operation outputs. Every row is keyed so a replayed chunk
rewrites the same rows and adds none.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Engine

from cluster import entities
from cluster.execution import RunState, StepOutcome
from cluster.metrics import engine_metrics
from cluster.plan import PlannedStep
from cluster.timeline import discovery_events, step_event
from config.vocabulary import RunStatus, StepStatus
from operations.history import attempt_row, history_rows
from operations.runtime import Attempt
from store.repositories import engine_runs
from store.repositories import entities as entity_store
from store.repositories.operation_history import insert_operation_history

ENTITY_TYPES: tuple[Literal["company"], Literal["person"]] = ("company", "person")
# One journaled provider attempt: (operation run id, pipeline run id, step position, the attempt).
JournalEntry = tuple[uuid.UUID, uuid.UUID, int, Attempt]


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose work this is: the tenant, submission and blueprint every row of a chunk belongs to."""

    org_id: uuid.UUID
    company_id: uuid.UUID
    submission_id: uuid.UUID
    blueprint_id: uuid.UUID
    blueprint_version: int


def _declared_inputs(step: PlannedStep, context: dict[str, Any]) -> dict[str, Any]:
    """The part of the context the operation declares it reads (the whole context is on the run)."""
    names = (
        {n for need in step.spec.requires for n in need.names}
        | set(step.spec.optional)
        | set(step.spec.params)
    )
    return {k: context[k] for k in names if context.get(k) is not None}


class ResultSink:
    """Turns step outcomes into rows and writes them in batches."""

    def __init__(self, engine: Engine, scope: Scope) -> None:
        self.engine = engine
        self.scope = scope

    def write(
        self,
        items: Sequence[tuple[PlannedStep, StepOutcome]],
        states: dict[uuid.UUID, RunState],
        ended: Sequence[RunState] = (),
        attempts: Sequence[JournalEntry] = (),
    ) -> int:
        """Write provider attempts, finished steps and ended runs in one transaction.

        Returns the entities created or changed.
        """
        with self.engine.begin() as conn:
            self._journal(conn, attempts)
            self._write_outcomes(conn, items, states)
            return self._finish(conn, ended) if ended else 0

    def _journal(self, conn: Connection, entries: Sequence[JournalEntry]) -> None:
        """Write provider attempts as they were made (a replay's same attempts collapse onto them)."""
        scope = self.scope
        rows = [
            attempt_row(
                op_run_id,
                attempt,
                org_id=scope.org_id,
                submission_id=scope.submission_id,
                pipeline_run_id=run_id,
                step_position=position,
            )
            for op_run_id, run_id, position, attempt in entries
            if not attempt.stored
        ]
        insert_operation_history(conn=conn, runs=[], attempts=rows)
        engine_metrics().rows_written("operation_attempts", len(rows))

    def _write_outcomes(
        self,
        conn: Connection,
        items: Sequence[tuple[PlannedStep, StepOutcome]],
        states: dict[uuid.UUID, RunState],
    ) -> None:
        """Write outcomes of any steps, with their operation history and children."""
        scope = self.scope
        step_rows: list[dict[str, Any]] = []
        run_rows: list[dict[str, Any]] = []
        attempt_rows: list[dict[str, Any]] = []
        child_rows: list[dict[str, Any]] = []
        for step, outcome in items:
            step_rows.append(self._step_row(outcome))
            state = states[outcome.run_id]
            if outcome.result is not None:
                run_row, attempts = history_rows(
                    outcome.result,
                    org_id=scope.org_id,
                    company_id=scope.company_id,
                    input_payload=_declared_inputs(step, outcome.input_context or state.context),
                    pipeline_run_id=outcome.run_id,
                    step_position=outcome.position,
                    submission_id=scope.submission_id,
                    with_attempts=False,  # journaled as they were made
                )
                run_rows.append(run_row)
                attempt_rows += attempts
            for child in outcome.children:
                child_rows.append(
                    {
                        "id": child.run_id,
                        "org_id": scope.org_id,
                        "company_id": scope.company_id,
                        "submission_id": scope.submission_id,
                        "blueprint_id": scope.blueprint_id,
                        "blueprint_version": scope.blueprint_version,
                        "parent_pipeline_run_id": outcome.run_id,
                        "parent_step_position": outcome.position,
                        "start_position": outcome.position + 1,
                        "depth": state.depth + 1,
                        "entity_index": child.entity_index,
                        "entity_type": child.entity_type,
                        "context": child.context,
                        "status": RunStatus.QUEUED,
                    }
                )
        if not step_rows:
            return
        insert_operation_history(conn=conn, runs=run_rows, attempts=attempt_rows)
        engine_runs.insert_children(conn=conn, rows=child_rows)
        engine_runs.upsert_step_results(conn=conn, rows=step_rows)
        metrics = engine_metrics()
        for table, rows in (
            ("step_results", step_rows),
            ("operation_runs", run_rows),
            ("operation_attempts", attempt_rows),
            ("pipeline_runs", child_rows),
        ):
            metrics.rows_written(table, len(rows))

    def _step_row(self, outcome: StepOutcome) -> dict[str, Any]:
        scope = self.scope
        return {
            "org_id": scope.org_id,
            "company_id": scope.company_id,
            "submission_id": scope.submission_id,
            "pipeline_run_id": outcome.run_id,
            "step_position": outcome.position,
            "operation_id": outcome.operation_id,
            "status": outcome.status,
            "skip_reason": outcome.skip_reason,
            "operation_run_id": outcome.result.run_id if outcome.result else None,
            "cost_usd": outcome.cost_usd,
            "input_payload": None,
            "output_payload": outcome.output_payload(),
            "error_message": outcome.error_message,
            "error_details": (outcome.result.error if outcome.result else None),
            "started_at": outcome.started_at,
            "finished_at": outcome.finished_at,
            "duration_ms": outcome.duration_ms,
            "attempt": 1,
        }

    def _finish(self, conn: Connection, states: Sequence[RunState]) -> int:
        """Store the entities of ended runs (and what they discovered), their timeline; end the runs.

        Returns the number of entities written (created or changed).
        """
        scope = self.scope
        subjects: list[tuple[uuid.UUID, str, dict[str, Any], str | None]] = []
        for state in states:
            last_op = next(
                (o.operation_id for o in reversed(state.outcomes) if o.status == StepStatus.SUCCEEDED), None
            )
            subjects.append((state.run_id, state.entity_type, state.context, last_op))
            for outcome in state.outcomes:
                subjects += [
                    (c.run_id, c.entity_type, c.context, outcome.operation_id) for c in outcome.children
                ]
        changed = 0
        ids: dict[uuid.UUID, uuid.UUID] = {}
        for entity_type in ENTITY_TYPES:
            picked = [(run_id, ctx, op) for run_id, kind, ctx, op in subjects if kind == entity_type]
            records = [
                (run_id, record, op)
                for run_id, ctx, op in picked
                if (record := entities.entity_record(entity_type, ctx)) is not None
            ]
            if not records:
                continue
            resolved = entity_store.resolve_entity_ids(
                conn=conn,
                org_id=scope.org_id,
                entity_type=entity_type,
                records=[r for _, r, _ in records],
                new_id=entities.new_entity_id(scope.org_id, entity_type),
            )
            rows = []
            for (run_id, record, op), entity_id in zip(records, resolved, strict=True):
                ids[run_id] = entity_id
                rows.append(
                    {
                        **record,
                        "entity_id": entity_id,
                        "company_id": scope.company_id,
                        "last_operation_id": op,
                        "last_run_id": run_id,
                    }
                )
            changes = entity_store.upsert_entities(
                conn=conn,
                org_id=scope.org_id,
                entity_type=entity_type,
                rows=rows,
                new_id=entities.new_entity_id(scope.org_id, entity_type),
            )
            changed += sum(1 for c in changes if c.changed or c.created)
        engine_runs.insert_timeline(conn=conn, rows=self._timeline(states, ids))
        engine_runs.finish_runs(
            conn=conn,
            rows=[
                {
                    "run_id": s.run_id,
                    "status": s.status,
                    "error_message": s.error_message,
                    "error_details": s.error_details,
                    "entity_id": ids.get(s.run_id),
                    "context": s.context,
                }
                for s in states
            ],
        )
        return changed

    def _timeline(self, states: Sequence[RunState], ids: dict[uuid.UUID, uuid.UUID]) -> list[dict[str, Any]]:
        scope = self.scope
        events: list[dict[str, Any]] = []
        for state in states:
            entity_id = ids.get(state.run_id)
            if entity_id is None:
                continue
            for outcome in state.outcomes:
                events.append(
                    step_event(
                        run_id=state.run_id,
                        submission_id=scope.submission_id,
                        org_id=scope.org_id,
                        company_id=scope.company_id,
                        entity_type=state.entity_type,
                        entity_id=entity_id,
                        position=outcome.position,
                        operation_id=outcome.operation_id,
                        step_status=outcome.status,
                        skip_reason=outcome.skip_reason,
                        result=outcome.result,
                        duration_ms=outcome.duration_ms,
                    )
                )
                if outcome.fan_out_type is not None:
                    events += discovery_events(
                        run_id=state.run_id,
                        submission_id=scope.submission_id,
                        org_id=scope.org_id,
                        company_id=scope.company_id,
                        parent_type=state.entity_type,
                        parent_entity_id=entity_id,
                        position=outcome.position,
                        operation_id=outcome.operation_id,
                        child_type=outcome.fan_out_type,
                        child_entities=[
                            (c.run_id, ids[c.run_id], list(c.context))
                            for c in outcome.children
                            if c.run_id in ids
                        ],
                        skipped_duplicates=outcome.skipped_duplicates,
                    )
        return events
