"""A chunk task: hundreds of runs carried through the blueprint's steps together, as one Ray task.

Within a chunk every step runs for all its active runs concurrently (asyncio); their provider calls
go out in batches to the gateway actors (BatchingCaller), and each step's results are written in one
transaction. A chunk never waits on the children its fan-outs create: it reports them, and the
coordinator schedules them as new chunks.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import ray
from ray.actor import ActorHandle
from sqlalchemy import Engine

from blueprints.conditions import evaluate
from blueprints.context import merge_context
from cluster.caller import BatchingCaller
from cluster.execution import (
    RunState,
    StepOutcome,
    end_remaining,
    execute_step,
    skip_for_condition,
    skip_for_freshness,
)
from cluster.metrics import engine_metrics
from cluster.plan import Plan, PlannedStep, build_plan
from cluster.sink import ENTITY_TYPES, ResultSink, Scope
from config import Settings
from store.engine import build_engine, resolve_database_url
from store.repositories import engine_runs
from store.repositories import entities as entity_store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChunkJob:
    """The runs of one chunk and everything needed to run them."""

    scope: Scope
    run_ids: tuple[uuid.UUID, ...]
    steps: tuple[Mapping[str, Any], ...]
    attempt: int = 1


@dataclass
class ChunkReport:
    """What a chunk did: the coordinator schedules its children and adds up its counters."""

    run_ids: tuple[uuid.UUID, ...]
    succeeded: int = 0
    failed: int = 0
    children: list[tuple[uuid.UUID, int]] = field(default_factory=list)  # (run id, depth)
    steps_executed: int = 0
    provider_calls: int = 0
    actor_calls: int = 0
    cost_usd: float = 0.0
    entities_written: int = 0
    seconds: float = 0.0


@cache
def _engine(url: str) -> Engine:
    # One engine per worker process, reused by every chunk the worker runs.
    return build_engine(url, pool_size=2)


def engine_for(settings: Settings) -> Engine:
    """Return this process's engine for the configured database."""
    return _engine(resolve_database_url(settings))


class ChunkRunner:
    """Carries a chunk's runs through the plan."""

    def __init__(self, job: ChunkJob, settings: Settings, caller: Any, engine: Engine) -> None:
        self.job = job
        self.settings = settings
        self.caller = caller
        self.engine = engine
        self.plan: Plan = build_plan(job.steps, settings.providers.operation_provider_order)
        self.sink = ResultSink(engine, job.scope)

    def _load(self) -> list[RunState]:
        with self.engine.begin() as conn:
            rows = engine_runs.load_runs(conn=conn, run_ids=self.job.run_ids)
            live = [r for r in rows if r["status"] not in engine_runs.TERMINAL_RUN_STATUSES]
            engine_runs.mark_running(conn=conn, run_ids=[r["id"] for r in live])
        replayed = [r["id"] for r in live if r["done_steps"]]
        outputs = self._stored_outputs(replayed) if replayed else {}
        states = []
        for row in live:
            context = dict(row["context"] or {})
            # A replayed run continues after its finished steps: their outputs rebuild its context.
            for _, output in sorted(outputs.get(row["id"], [])):
                context = merge_context(context, output)
            state = RunState(
                run_id=row["id"],
                entity_type=row["entity_type"],
                entity_index=row["entity_index"],
                depth=row["depth"],
                start_position=row["start_position"],
                context=context,
                done_steps=dict(row["done_steps"]),
            )
            if "failed" in state.done_steps.values():
                # A replay after a crash: the run had already failed; only its ending is left to write.
                state.status, state.error_message = "failed", "a step failed"
            states.append(state)
        return states

    def _stored_outputs(
        self, run_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[int, dict[str, Any]]]]:
        with self.engine.connect() as conn:
            return engine_runs.stored_outputs(conn=conn, run_ids=run_ids)

    async def run(self) -> ChunkReport:
        """Execute every step for the chunk's runs; write as it goes; report children and counters."""
        started = time.perf_counter()
        report = ChunkReport(run_ids=self.job.run_ids)
        states = await asyncio.to_thread(self._load)
        by_id = {s.run_id: s for s in states}
        # One writer thread: a step's rows are written, in order, while the next step's calls are out.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sink") as writer:
            loop = asyncio.get_running_loop()
            writes = []
            for step in self.plan.steps:
                active = [s for s in states if s.active_at(step.position)]
                if not active:
                    continue
                outcomes, skips = await self._step(step, active)
                writes.append(loop.run_in_executor(writer, self.sink.write_step, step, outcomes, by_id))
                writes.append(loop.run_in_executor(writer, self.sink.write_skips, skips))
                report.steps_executed += sum(1 for o in outcomes if o.result is not None)
            await asyncio.gather(*writes)
        for state in states:
            if not state.finished:
                state.status = "succeeded"
        report.entities_written = await asyncio.to_thread(self.sink.finish, states)
        report.succeeded = sum(1 for s in states if s.status == "succeeded")
        report.failed = sum(1 for s in states if s.status == "failed")
        for state in states:
            for outcome in state.outcomes:
                report.children += [(c.run_id, state.depth + 1) for c in outcome.children]
                report.cost_usd += outcome.cost_usd
        report.provider_calls = getattr(self.caller, "provider_calls", 0)
        report.actor_calls = getattr(self.caller, "actor_calls", 0)
        report.seconds = time.perf_counter() - started
        return report

    async def _step(
        self, step: PlannedStep, active: Sequence[RunState]
    ) -> tuple[list[StepOutcome], list[StepOutcome]]:
        outcomes: list[StepOutcome] = []
        to_run: list[RunState] = []
        fresh = self._fresh_entities(step, active)
        for state in active:
            if not evaluate(step.condition, state.context):
                outcomes.append(skip_for_condition(state, step))
            elif state.run_id in fresh:
                outcomes.append(skip_for_freshness(state, step, fresh[state.run_id]))
            else:
                to_run.append(state)
        outcomes += await asyncio.gather(*(execute_step(s, step, self.caller) for s in to_run))
        skips: list[StepOutcome] = []
        by_id = {s.run_id: s for s in active}
        for outcome in outcomes:
            state = by_id[outcome.run_id]
            state.outcomes.append(outcome)
            state.done_steps[step.position] = outcome.status
            ending = self._ending(state, step, outcome)
            if ending is not None:
                later = end_remaining(state, self.plan, step.position, ending)
                state.outcomes += later
                skips += later
                for skipped in later:
                    state.done_steps[skipped.position] = "skipped"
        engine_metrics().step_finished(step.operation_id, outcomes)
        return outcomes, skips

    @staticmethod
    def _ending(state: RunState, step: PlannedStep, outcome: StepOutcome) -> str | None:
        """Decide whether this outcome ends the run, and why its later steps are skipped."""
        if outcome.status == "failed":
            state.status, state.error_message = "failed", outcome.error_message
            return "upstream_step_failed"
        if not step.fan_out:
            return None
        state.status = "succeeded"
        if outcome.skip_reason == "condition_not_met":
            return "parent_step_condition_not_met"
        return "fanned_out" if outcome.children else "no_fan_out_results"

    def _fresh_entities(
        self, step: PlannedStep, active: Sequence[RunState]
    ) -> dict[uuid.UUID, Mapping[str, Any]]:
        """Find, in one query per entity type, the runs whose entity is fresh enough to skip this step."""
        rule = step.skip_if_fresh
        hours = float(rule.get("max_age_hours", 0) or 0) if rule else 0.0
        if not rule or hours <= 0:
            return {}
        fields = [f for f in rule.get("identity_fields", []) if isinstance(f, str)]
        fresh: dict[uuid.UUID, Mapping[str, Any]] = {}
        with self.engine.connect() as conn:
            for entity_type in ENTITY_TYPES:
                runs = [s for s in active if s.entity_type == entity_type]
                if not runs:
                    continue
                identities = [
                    {k: s.context.get(k) for k in fields} if fields else dict(s.context) for s in runs
                ]
                found = entity_store.find_fresh_entities(
                    conn=conn,
                    org_id=self.job.scope.org_id,
                    entity_type=entity_type,
                    identities=identities,
                    max_age_hours=hours,
                )
                fresh.update({s.run_id: row for s, row in zip(runs, found, strict=True) if row is not None})
        return fresh


def run_chunk_locally(job: ChunkJob, settings: Settings, handles: Mapping[str, ActorHandle]) -> ChunkReport:
    """Run a chunk in this process (what the Ray task does), e.g. to replay one in a test."""
    caller = BatchingCaller(handles)
    return asyncio.run(ChunkRunner(job, settings, caller, engine_for(settings)).run())


# Chunks mostly wait on providers and PostgreSQL: a small CPU share lets many run at once (the
# coordinator bounds how many); with a whole CPU each, a 2-core node would run only two.
@ray.remote(max_retries=0, num_cpus=0.1)
def run_chunk(job: ChunkJob, settings: Settings, handles: Mapping[str, ActorHandle]) -> ChunkReport:
    """The Ray task: one chunk. Retries are the coordinator's decision (it knows what is durable)."""
    return run_chunk_locally(job, settings, handles)
