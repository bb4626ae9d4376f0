"""A chunk task: hundreds of runs carried through the blueprint's steps together, as one Ray task.

Within a chunk every run moves through its steps on its own (asyncio), taking its next step as soon
as the last is done; the chunk makes the provider calls of all its runs itself, under leases of the
gateway actors' limits (LeasedCaller), and writes finished steps and ended runs in batches
(StepWriter), so a run that ends is written within a quarter second whatever the others wait for.
A chunk never waits on the children its fan-outs create: it reports them, and the coordinator
schedules them as new chunks.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import ray
from ray.actor import ActorHandle
from sqlalchemy import Engine

from blueprints.conditions import evaluate
from blueprints.context import merge_context
from cluster.budget import BudgetedCaller, BudgetHolder, Caps, book_lease
from cluster.caller import LeasedCaller
from cluster.database import engine_for
from cluster.entities import identity_keys
from cluster.execution import (
    STOPPED,
    RunState,
    StepOutcome,
    end_remaining,
    execute_step,
    skip_for_condition,
    skip_for_freshness,
)
from cluster.journal import Replay, load_replay, resume_state
from cluster.leases import BATCH
from cluster.metrics import engine_metrics
from cluster.page_cache import share_web_state
from cluster.plan import Plan, PlannedStep, build_plan
from cluster.sink import ENTITY_TYPES, JournalEntry, ResultSink, Scope
from config import Settings
from config.vocabulary import RunStatus, SkipReason, StepStatus
from operations.runtime import Attempt, BudgetExhausted, CallsStopped
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
    priority: str = BATCH  # "interactive" for small submissions: their calls go ahead of big batches
    caps: Caps | None = None  # the spending caps its calls count against


@dataclass
class ChunkReport:
    """What a chunk did: the coordinator schedules its children and adds up its counters."""

    run_ids: tuple[uuid.UUID, ...]
    succeeded: int = 0
    failed: int = 0
    stopped: int = 0  # left unfinished: the engine stopped before they could end
    budget_exhausted: int = 0  # ended by a spending cap
    answers_reused: int = 0  # provider answers an earlier try bought, taken instead of calling again
    children: list[tuple[uuid.UUID, int]] = field(default_factory=list)  # (run id, depth)
    steps_executed: int = 0
    provider_calls: int = 0
    actor_calls: int = 0
    cost_usd: float = 0.0
    entities_written: int = 0
    seconds: float = 0.0


class ChunkRunner:
    """Carries a chunk's runs through the plan."""

    def __init__(self, job: ChunkJob, settings: Settings, caller: Any, engine: Engine) -> None:
        self.job = job
        self.settings = settings
        self.caller = caller
        self.engine = engine
        self.plan: Plan = build_plan(job.steps, settings.providers.operation_provider_order)
        self.sink = ResultSink(engine, job.scope)
        self.replay = Replay()

    def _load(self) -> list[RunState]:
        with self.engine.begin() as conn:
            rows = engine_runs.load_runs(conn=conn, run_ids=self.job.run_ids)
            live = [r for r in rows if r["status"] not in RunStatus.terminal()]
            engine_runs.mark_running(conn=conn, run_ids=[r["id"] for r in live])
            # Runs that had started before (a replay) may have bought answers and finished steps.
            self.replay = load_replay(conn, self.plan, [r for r in live if r["started_at"] is not None])
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
            resume_state(state, self.replay.outcomes.get(state.run_id, []))
            states.append(state)
        return states

    def _stored_outputs(
        self, run_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[int, dict[str, Any]]]]:
        with self.engine.connect() as conn:
            return engine_runs.stored_outputs(conn=conn, run_ids=run_ids)

    async def run(self) -> ChunkReport:
        """Carry every run through the steps; write as they go; report children and counters.

        Each run moves to its next step as soon as its current one is done, so a provider's answers
        feed the next provider's queue one by one rather than a whole chunk at a time; the calls
        still reach the gateways in batches (BatchingCaller) and the rows PostgreSQL in batches
        (StepWriter).
        """
        started = time.perf_counter()
        report = ChunkReport(run_ids=self.job.run_ids)
        states = await asyncio.to_thread(self._load)
        self._fresh = FreshnessLookup(self.engine, self.job.scope.org_id)
        cluster = self.settings.cluster
        writer = StepWriter(
            self.sink,
            {s.run_id: s for s in states},
            flush_rows=cluster.chunk_flush_rows,
            flush_s=cluster.chunk_flush_s,
        )
        async with writer:
            await self._carry_all(states, writer)
        report.entities_written = writer.entities_written
        report.succeeded = sum(1 for s in states if s.status == RunStatus.SUCCEEDED)
        report.failed = sum(1 for s in states if s.status == RunStatus.FAILED)
        report.stopped = sum(1 for s in states if s.status == STOPPED)
        report.budget_exhausted = sum(1 for s in states if s.status == RunStatus.BUDGET_EXHAUSTED)
        report.answers_reused = sum(
            1
            for state in states
            for outcome in state.outcomes
            if outcome.result is not None and not outcome.stored
            for attempt in outcome.result.attempts
            if attempt.stored and attempt.final
        )
        for state in states:
            for outcome in state.outcomes:
                report.children += [(c.run_id, state.depth + 1) for c in outcome.children]
                if outcome.stored:
                    continue
                report.cost_usd += outcome.cost_usd
                report.steps_executed += outcome.result is not None
        report.provider_calls = getattr(self.caller, "provider_calls", 0)
        report.actor_calls = getattr(self.caller, "actor_calls", 0)
        report.seconds = time.perf_counter() - started
        return report

    async def _carry_all(self, states: Sequence[RunState], writer: StepWriter) -> None:
        """Carry every run; once the engine stops, cut off what is still in flight at its deadline."""
        tasks = [asyncio.ensure_future(self._carry(state, writer)) for state in states]
        pending: set[asyncio.Future[None]] = set(tasks)
        listen = getattr(self.caller, "listen", None)
        # How often to ask the gateways for news of a stop when none of the calls waits on them.
        listen_s = self.settings.cluster.chunk_listen_s
        listened = time.monotonic()
        while pending:
            if listen is not None and time.monotonic() - listened >= listen_s:
                listen()  # runs all waiting out a backoff or an answer still hear of a stop
                listened = time.monotonic()
            deadline = getattr(self.caller, "stop_deadline", None)
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                for task in pending:
                    task.cancel()  # calls in flight are recorded as interrupted; their runs stay unfinished
                await asyncio.gather(*pending, return_exceptions=True)
                break
            _, pending = await asyncio.wait(pending, timeout=0.25 if left is None else min(left, 0.25))
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def _carry(self, state: RunState, writer: StepWriter) -> None:
        """Carry one run to its end, handing each outcome, then the run's end, to the writer.

        When the engine stops, a run whose next provider call cannot start is left unfinished
        (running, to be resumed): its finished steps and the attempts it made are written.
        """
        try:
            await self._steps(state, writer)
        except CallsStopped:
            state.status = STOPPED
            return
        except BudgetExhausted as exc:
            # A cap leaves no room for the next call: the run ends here, resumable under a higher cap.
            state.status, state.error_message = RunStatus.BUDGET_EXHAUSTED, f"budget exhausted: {exc}"
            writer.end(state)
            return
        except asyncio.CancelledError:
            state.status = STOPPED  # cut off at the stop's deadline
            raise
        if not state.finished:
            state.status = RunStatus.SUCCEEDED
        writer.end(state)

    async def _steps(self, state: RunState, writer: StepWriter) -> None:
        """Run one run's remaining steps in order, handing each outcome to the writer."""
        for step in self.plan.steps:
            if not state.active_at(step.position):
                continue
            if not evaluate(step.condition, state.context):
                outcome = skip_for_condition(state, step)
            elif (fresh := await self._fresh.lookup(step, state)) is not None:
                outcome = skip_for_freshness(state, step, fresh)
            else:
                journal = self.replay.journal(writer, state.run_id, step.position)
                outcome = await execute_step(state, step, self.caller, journal)
            state.outcomes.append(outcome)
            state.done_steps[step.position] = outcome.status
            writer.add(step, outcome)
            ending = self._ending(state, step, outcome)
            if ending is not None:
                for skipped in end_remaining(state, self.plan, step.position, ending):
                    state.outcomes.append(skipped)
                    state.done_steps[skipped.position] = StepStatus.SKIPPED
                    writer.add(self.plan.step(skipped.position), skipped)
                return

    @staticmethod
    def _ending(state: RunState, step: PlannedStep, outcome: StepOutcome) -> SkipReason | None:
        """Decide whether this outcome ends the run, and why its later steps are skipped."""
        if outcome.status == StepStatus.FAILED:
            state.status, state.error_message = RunStatus.FAILED, outcome.error_message
            state.error_details = outcome.result.error if outcome.result else None
            return SkipReason.UPSTREAM_STEP_FAILED
        if not step.fan_out:
            return None
        state.status = RunStatus.SUCCEEDED
        if outcome.skip_reason == SkipReason.CONDITION_NOT_MET:
            return SkipReason.PARENT_STEP_CONDITION_NOT_MET
        return SkipReason.FANNED_OUT if outcome.children else SkipReason.NO_FAN_OUT_RESULTS


class StepWriter:
    """Collects finished steps and ended runs and writes them in batches, in order, on one writer thread.

    A batch goes when `flush_rows` outcomes have gathered or `flush_s` after its first one, whichever
    comes first; a run's end goes in the same batch as its last step, or a later one. Leaving the
    `async with` writes what is left and waits for every write.
    """

    def __init__(
        self,
        sink: ResultSink,
        states: dict[uuid.UUID, RunState],
        *,
        flush_rows: int = 400,
        flush_s: float = 0.25,
    ) -> None:
        self._sink = sink
        self._states = states
        self.flush_rows = flush_rows
        self.flush_s = flush_s
        self._pending: list[tuple[PlannedStep, StepOutcome]] = []
        self._ended: list[RunState] = []
        self._attempts: list[JournalEntry] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writes: list[asyncio.Future[int]] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sink")

    async def __aenter__(self) -> StepWriter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            self.flush()
            await asyncio.gather(*self._writes)
        finally:
            self._pool.shutdown(wait=True)

    @property
    def entities_written(self) -> int:
        """Entities created or changed by the writes done so far."""
        return sum(w.result() for w in self._writes if w.done() and not w.exception())

    def add(self, step: PlannedStep, outcome: StepOutcome) -> None:
        """Queue an outcome for the next batch."""
        self._pending.append((step, outcome))
        self._due()

    def attempts(
        self, op_run_id: uuid.UUID, run_id: uuid.UUID, position: int, attempts: Sequence[Attempt]
    ) -> None:
        """Queue provider attempts for the next batch: the journal, durable within flush_s."""
        self._attempts += [(op_run_id, run_id, position, a) for a in attempts]
        self._due()

    def end(self, state: RunState) -> None:
        """Queue a run's end (its entity, timeline and final status) for the next batch."""
        self._ended.append(state)
        self._due()

    def _due(self) -> None:
        if len(self._pending) + len(self._ended) + len(self._attempts) >= self.flush_rows:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.flush_s, self.flush)

    def flush(self) -> None:
        """Send what has gathered to the writer thread."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending and not self._ended and not self._attempts:
            return
        batch, self._pending = self._pending, []
        ended, self._ended = self._ended, []
        attempts, self._attempts = self._attempts, []
        for operation_id, outcomes in _by_operation(batch).items():
            engine_metrics().step_finished(operation_id, outcomes)
        loop = asyncio.get_running_loop()
        self._writes.append(
            loop.run_in_executor(self._pool, self._sink.write, batch, self._states, ended, attempts)
        )


def _by_operation(batch: Sequence[tuple[PlannedStep, StepOutcome]]) -> dict[str, list[StepOutcome]]:
    grouped: dict[str, list[StepOutcome]] = {}
    for step, outcome in batch:
        grouped.setdefault(step.operation_id, []).append(outcome)
    return grouped


class FreshnessLookup:
    """Answers "is this run's entity fresh enough to skip the step?" with one query per tick, not per run."""

    TICK_S = 0.005

    def __init__(self, engine: Engine, org_id: uuid.UUID) -> None:
        self._engine = engine
        self._org_id = org_id
        self._waiting: dict[int, list[tuple[RunState, asyncio.Future[Mapping[str, Any] | None]]]] = {}
        self._steps: dict[int, PlannedStep] = {}

    async def lookup(self, step: PlannedStep, state: RunState) -> Mapping[str, Any] | None:
        """Return the stored entity that makes this step skippable for the run, or None."""
        if step.skip_if_fresh is None:
            return None
        future: asyncio.Future[Mapping[str, Any] | None] = asyncio.get_running_loop().create_future()
        queue = self._waiting.setdefault(step.position, [])
        if not queue:
            self._steps[step.position] = step
            asyncio.get_running_loop().call_later(self.TICK_S, self._query, step.position)
        queue.append((state, future))
        return await future

    def _query(self, position: int) -> None:
        waiting = self._waiting.pop(position, [])
        task = asyncio.ensure_future(asyncio.to_thread(self._fresh, self._steps[position], waiting))
        task.add_done_callback(lambda done: _settle(done, waiting))

    def _fresh(
        self, step: PlannedStep, waiting: Sequence[tuple[RunState, Any]]
    ) -> list[Mapping[str, Any] | None]:
        rule = step.skip_if_fresh
        assert rule is not None  # only steps with a rule are looked up
        hours, fields = float(rule.max_age_hours), rule.identity_fields
        found: dict[uuid.UUID, Mapping[str, Any] | None] = {}
        with self._engine.connect() as conn:
            for entity_type in ENTITY_TYPES:
                runs = [s for s, _ in waiting if s.entity_type == entity_type]
                if not runs:
                    continue
                keys = [
                    identity_keys(entity_type, {k: s.context.get(k) for k in fields} if fields else s.context)
                    for s in runs
                ]
                rows = entity_store.find_fresh_entities(
                    conn=conn, org_id=self._org_id, entity_type=entity_type, keys=keys, max_age_hours=hours
                )
                found.update({s.run_id: row for s, row in zip(runs, rows, strict=True)})
        return [found.get(s.run_id) for s, _ in waiting]


def _settle(
    done: asyncio.Future[list[Mapping[str, Any] | None]],
    waiting: Sequence[tuple[RunState, asyncio.Future[Mapping[str, Any] | None]]],
) -> None:
    error = done.exception()
    for index, (_, future) in enumerate(waiting):
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(done.result()[index])


async def _run_chunk(
    job: ChunkJob, settings: Settings, handles: Mapping[str, ActorHandle[Any]]
) -> ChunkReport:
    caller: Any = LeasedCaller(settings.providers, handles, priority=job.priority, cluster=settings.cluster)
    if job.caps is not None:
        holder = BudgetHolder(job.caps, book_lease(settings), settings.cluster)
        caller = BudgetedCaller(caller, holder, settings.providers)
    engine = engine_for(settings)
    share_web_state(engine)  # the page readers' fetches, shared by every worker (once per process)
    try:
        return await ChunkRunner(job, settings, caller, engine).run()
    finally:
        await caller.close()


def run_chunk_locally(
    job: ChunkJob, settings: Settings, handles: Mapping[str, ActorHandle[Any]]
) -> ChunkReport:
    """Run a chunk in this process (what the Ray task does), e.g. to replay one in a test."""
    return asyncio.run(_run_chunk(job, settings, handles))


# Chunks mostly wait on providers and PostgreSQL: a small CPU share lets many run at once (the
# coordinator bounds how many); with a whole CPU each, a 2-core node would run only two.
@ray.remote(max_retries=0, num_cpus=0.1)
def run_chunk(job: ChunkJob, settings: Settings, handles: Mapping[str, ActorHandle[Any]]) -> ChunkReport:
    """The Ray task: one chunk. Retries are the coordinator's decision (it knows what is durable)."""
    return run_chunk_locally(job, settings, handles)
