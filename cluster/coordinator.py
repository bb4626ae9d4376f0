"""BatchCoordinator: one named, detached actor per submission that drives it to completion.

It pages the submission's unfinished runs out of PostgreSQL, cuts them into chunks, keeps at most
`max_chunks_in_flight` chunk tasks running (ray.wait), schedules the children each chunk reports as
new chunks, retries a chunk whose worker died (its writes are idempotent), and when nothing is left
derives the submission's status from its whole run tree. It holds only work in flight: killed and
recreated, it first adopts the chunks its predecessor started that are still running (the launcher
knows them), then picks up from what PostgreSQL says, so no run is carried by two chunks at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections import deque
from enum import StrEnum
from typing import Any, cast

import ray
from ray.actor import ActorHandle

from cluster.actors import gateway_handles
from cluster.budget import Caps
from cluster.chunk import ChunkJob, ChunkReport, run_chunk
from cluster.database import engine_for
from cluster.leases import BATCH, INTERACTIVE
from cluster.metrics import engine_metrics
from cluster.placement import on_head_node, spread_over_nodes
from cluster.plan import build_plan
from cluster.runtime import NAMESPACE
from cluster.sink import Scope
from config import Settings
from config.vocabulary import SubmissionStatus
from store.repositories import engine_runs

log = logging.getLogger(__name__)


class CoordinatorState(StrEnum):
    """Where a coordinator actor is in its life (its progress `state`; not a submission status)."""

    STARTING = "starting"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"  # ended because the engine stops: its submission stays running, resumable
    CRASHED = "crashed"

    @classmethod
    def ended(cls) -> frozenset[CoordinatorState]:
        """The states of a coordinator that will not run again (a new one may take its name)."""
        return frozenset({cls.FINISHED, cls.STOPPED, cls.CRASHED})


STOPPED = CoordinatorState.STOPPED


def coordinator_name(submission_id: uuid.UUID) -> str:
    """Return the coordinator actor's name for a submission."""
    return f"submission:{submission_id}"


@ray.remote(num_cpus=0, max_concurrency=8, concurrency_groups={"admin": 2})  # type: ignore[call-overload]
class BatchCoordinator:
    """Schedules a submission's runs as chunk tasks until its whole tree is done."""

    def __init__(self, submission_id: uuid.UUID, settings: Settings) -> None:
        self.submission_id = submission_id
        self.settings = settings
        self.state = CoordinatorState.STARTING
        self.counters: dict[str, float] = {
            "chunks_launched": 0, "chunks_done": 0, "chunks_retried": 0, "runs_succeeded": 0,
            "runs_failed": 0, "children_scheduled": 0, "provider_calls": 0, "actor_calls": 0, "cost_usd": 0.0,
            "chunks_adopted": 0, "answers_reused": 0, "runs_stopped": 0,
        }  # fmt: skip
        self.started = time.monotonic()
        self.finished_status: str | None = None  # a SubmissionStatus, or STOPPED
        self.stopping = False  # the engine stops: launch nothing more, end when the chunks running end

    async def run(self) -> str:
        """Drive the submission to its end, linger a little to answer progress calls, then exit."""
        try:
            status = await self._run()
        except Exception:
            log.exception("coordinator of %s failed", self.submission_id)
            self.state = CoordinatorState.CRASHED
            raise
        # A detached actor is a process: it must not outlive its submission for long. Stopped, it
        # stays only for the stop to read its state: its submission resumes under a new coordinator.
        cluster = self.settings.cluster
        linger = cluster.coordinator_stopped_linger_s if status == STOPPED else cluster.coordinator_linger_s
        await asyncio.sleep(linger)
        ray.actor.exit_actor()  # type: ignore[no-untyped-call]
        return status

    async def _run(self) -> str:
        settings = self.settings
        engine = engine_for(settings)
        with engine.begin() as conn:
            row = engine_runs.start_submission(conn=conn, submission_id=self.submission_id)
            max_cost, monthly = engine_runs.spending_caps(conn=conn, submission_id=self.submission_id)
        caps = Caps.of(
            submission_id=self.submission_id,
            org_id=row["org_id"],
            max_cost_usd=max_cost,
            monthly_budget_usd=monthly,
        )
        snapshot = row["blueprint_snapshot"] or {}
        steps = tuple(snapshot.get("steps", []))
        plan = build_plan(steps, settings.providers.operation_provider_order)
        handles = gateway_handles(plan.providers, settings.providers, cluster=settings.cluster)
        scope = Scope(
            row["org_id"], row["company_id"], row["id"], row["blueprint_id"], row["blueprint_version"]
        )
        # A small submission is somebody waiting: its calls go ahead of big batches' in the gateways.
        entity_count = (row["input_payload"] or {}).get("entity_count")
        small = isinstance(entity_count, int) and entity_count <= settings.cluster.interactive_batch_max
        priority = INTERACTIVE if small else BATCH
        settings_ref = ray.put(settings)
        cluster = settings.cluster
        self.state = CoordinatorState.RUNNING
        queue: deque[uuid.UUID] = deque()
        attempts: dict[tuple[uuid.UUID, ...], int] = {}
        in_flight: dict[asyncio.Future[ChunkReport], ChunkJob] = {}
        page_size = cluster.chunk_size * cluster.max_chunks_in_flight * 2
        cursor: tuple[int, uuid.UUID] | None = None
        exhausted = False
        swept: set[uuid.UUID] = set()  # children picked up by the sweep (not yet reported by a chunk)
        # Chunks a killed predecessor started are still running: wait for them rather than run their
        # runs a second time beside them (writes would collapse, but provider calls would repeat).
        for (ref,), run_ids in await chunk_launcher().running.remote(self.submission_id):
            in_flight[asyncio.ensure_future(ref)] = ChunkJob(
                scope=scope, run_ids=run_ids, steps=steps, priority=priority, caps=caps
            )
            self.counters["chunks_adopted"] += 1
        while True:
            if self.stopping:
                if not await self._drain(in_flight):
                    continue
                self.state = self.finished_status = STOPPED
                return STOPPED
            # The runs that exist now are paged out of PostgreSQL, so a huge submission never sits in memory.
            if not exhausted and len(queue) < page_size // 2:
                page = await asyncio.to_thread(self._page, cursor, page_size)
                queue.extend(run_id for run_id, _ in page)
                exhausted = len(page) < page_size
                cursor = (page[-1][1], page[-1][0]) if page else cursor
            while queue and len(in_flight) < cluster.max_chunks_in_flight:
                run_ids = self._take(queue, in_flight, cluster.chunk_size)
                if run_ids:
                    job = ChunkJob(scope=scope, run_ids=run_ids, steps=steps, priority=priority, caps=caps)
                    in_flight[await self._launch(job, settings_ref, handles)] = job
            if not in_flight:
                if queue or not exhausted:
                    continue
                # A last sweep: runs a lost chunk created but never reported.
                leftover = await asyncio.to_thread(self._page, None, page_size)
                if not leftover:
                    break
                queue.extend(run_id for run_id, _ in leftover)
                continue
            # Woken by the first chunk to end; while chunk slots are free, also every second to pick up
            # children that fan-outs have already written, so they need not wait for their parent's
            # whole chunk to end.
            free = len(in_flight) < cluster.max_chunks_in_flight
            done, _ = await asyncio.wait(
                in_flight,
                timeout=cluster.coordinator_child_sweep_s if free else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done:
                busy = {run_id for job in in_flight.values() for run_id in job.run_ids}
                found = await asyncio.to_thread(self._queued_children, page_size)
                fresh = [c for c in found if c not in busy and c not in swept]
                swept.update(fresh)
                queue.extendleft(reversed(fresh))
                continue
            for finished in done:
                job = in_flight.pop(finished)
                try:
                    report: ChunkReport = finished.result()
                except Exception as exc:  # the worker died or the task raised: replay the chunk
                    tries = attempts.get(job.run_ids, 1)
                    if tries >= cluster.chunk_max_attempts:
                        log.error("chunk of %d runs failed %d times: %s", len(job.run_ids), tries, exc)
                        await asyncio.to_thread(self._fail, job.run_ids, f"chunk failed {tries} times: {exc}")
                    else:
                        attempts[job.run_ids] = tries + 1
                        self.counters["chunks_retried"] += 1
                        in_flight[await self._launch(job, settings_ref, handles)] = job
                    continue
                self._account(report)
                if report.stopped:
                    # Its runs could not start a call: the gateways are stopping. Launching their runs
                    # again would only stop them again; end like a stopped coordinator.
                    self.stopping = True
                # Children go first: depth-first keeps the tree's memory and latency small.
                queue.extendleft(child for child, _ in reversed(report.children))
        status = await asyncio.to_thread(self._finish)
        chunk_launcher().forget.remote(self.submission_id)
        self.finished_status = status
        self.state = CoordinatorState.FINISHED
        return status

    async def _drain(self, in_flight: dict[asyncio.Future[ChunkReport], ChunkJob]) -> bool:
        """While stopping: take in the chunks that end (their runs stop); True once none is left."""
        if in_flight:
            done, _ = await asyncio.wait(in_flight, timeout=0.25, return_when=asyncio.FIRST_COMPLETED)
            for finished in done:
                in_flight.pop(finished)
                if not finished.exception():
                    self._account(finished.result())
        return not in_flight

    async def _launch(self, job: ChunkJob, settings_ref: Any, handles: Any) -> asyncio.Future[ChunkReport]:
        # A readable name on the dashboard: which submission, which chunk, how many runs.
        self.counters["chunks_launched"] += 1
        number = int(self.counters["chunks_launched"])
        name = f"chunk {str(self.submission_id)[:8]} #{number} ({len(job.run_ids)} runs)"
        try:
            (ref,) = await chunk_launcher().launch.remote(job, [settings_ref], handles, name)
        except ray.exceptions.RayActorError:
            # The launcher died (its chunks with it; they will be replayed): start a new one.
            (ref,) = await chunk_launcher().launch.remote(job, [settings_ref], handles, name)
        return asyncio.ensure_future(ref)

    def _take(
        self, queue: deque[uuid.UUID], in_flight: dict[Any, ChunkJob], size: int
    ) -> tuple[uuid.UUID, ...]:
        busy = {run_id for job in in_flight.values() for run_id in job.run_ids}
        taken: list[uuid.UUID] = []
        while queue and len(taken) < size:
            run_id = queue.popleft()
            if run_id not in busy and run_id not in taken:
                taken.append(run_id)
        return tuple(taken)

    def _account(self, report: ChunkReport) -> None:
        counters = self.counters
        counters["chunks_done"] += 1
        counters["runs_succeeded"] += report.succeeded
        counters["runs_failed"] += report.failed
        counters["children_scheduled"] += len(report.children)
        counters["provider_calls"] += report.provider_calls
        counters["actor_calls"] += report.actor_calls
        counters["cost_usd"] += report.cost_usd
        counters["answers_reused"] += report.answers_reused
        counters["runs_stopped"] += report.stopped
        engine_metrics().runs_finished(report.succeeded, report.failed)

    def _page(self, cursor: tuple[int, uuid.UUID] | None, limit: int) -> list[tuple[uuid.UUID, int]]:
        with engine_for(self.settings).connect() as conn:
            return engine_runs.pending_runs(
                conn=conn,
                submission_id=self.submission_id,
                after=cursor,
                limit=limit,
            )

    def _queued_children(self, limit: int) -> list[uuid.UUID]:
        with engine_for(self.settings).connect() as conn:
            return engine_runs.queued_children(conn=conn, submission_id=self.submission_id, limit=limit)

    def _fail(self, run_ids: tuple[uuid.UUID, ...], message: str) -> None:
        with engine_for(self.settings).begin() as conn:
            engine_runs.fail_runs(conn=conn, run_ids=run_ids, message=message)

    def _finish(self) -> SubmissionStatus:
        with engine_for(self.settings).begin() as conn:
            return engine_runs.sync_submission_status(conn=conn, submission_id=self.submission_id)

    @ray.method(concurrency_group="admin")
    def stop(self) -> str:
        """Launch no more chunks; end (unfinished, resumable) once those running have ended."""
        self.stopping = True
        return self.state

    @ray.method(concurrency_group="admin")
    def progress(self) -> dict[str, Any]:
        """Return the coordinator's state and counters."""
        return {
            "submission_id": str(self.submission_id),
            "state": self.state,
            "status": self.finished_status,
            "elapsed_s": round(time.monotonic() - self.started, 1),
            **self.counters,
        }


LAUNCHER_NAME = "dex:chunk-launcher"


@ray.remote(num_cpus=0, max_concurrency=64)  # type: ignore[call-overload]
class ChunkLauncher:
    """Submits every submission's chunk tasks, so that they all share one pool of warm workers.

    Ray never lends a worker process that ran tasks under one detached actor to another: were each
    coordinator (a detached actor) to submit its own chunks, every submission would start, and
    import the engine into, fresh worker processes (seconds of CPU each) while the previous
    submission's workers sat idle. Submitted from this one detached actor, chunks reuse them.

    It owns the chunks, so they outlive a killed coordinator; it remembers which it started for which
    submission, so that the coordinator resuming the submission can adopt the ones still running.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: dict[uuid.UUID, dict[ray.ObjectRef[Any], tuple[uuid.UUID, ...]]] = {}

    def launch(
        self, job: ChunkJob, settings_ref: list[Any], handles: Any, name: str
    ) -> tuple[ray.ObjectRef[Any]]:
        """Start the chunk task; return its reference (in a tuple, so Ray passes it on unresolved)."""
        ref = run_chunk.options(name=name, **spread_over_nodes()).remote(job, settings_ref[0], handles)
        submission_id = job.scope.submission_id
        with self._lock:
            chunks = self._chunks.setdefault(submission_id, {})
            chunks[ref] = job.run_ids
            crowded = len(chunks) > 64
        if crowded:
            self.running(submission_id)  # forget the finished ones
        return (ref,)

    def running(
        self, submission_id: uuid.UUID
    ) -> list[tuple[tuple[ray.ObjectRef[Any]], tuple[uuid.UUID, ...]]]:
        """Return the submission's chunks still running: (reference in a tuple, their run ids)."""
        with self._lock:
            chunks = dict(self._chunks.get(submission_id, {}))
        if not chunks:
            return []
        finished, _ = ray.wait(list(chunks), num_returns=len(chunks), timeout=0, fetch_local=False)
        done = set(finished)
        with self._lock:
            kept = self._chunks.get(submission_id, {})
            for ref in done:
                kept.pop(ref, None)
        return [((ref,), run_ids) for ref, run_ids in chunks.items() if ref not in done]

    async def start_coordinator(self, submission_id: uuid.UUID, settings: Settings) -> ActorHandle[Any]:
        """Get or create the submission's coordinator and start it (idempotent while it lives).

        Created here rather than by the caller, the coordinator belongs to the launcher's job: it
        starts on one of the job's idle workers at once, where a `dex enrich` (a new job each time)
        would wait seconds for a worker process of its own.
        """
        for _ in range(2):
            handle: ActorHandle[Any] = BatchCoordinator.options(  # type: ignore[attr-defined]
                name=coordinator_name(submission_id),
                namespace=NAMESPACE,
                lifetime="detached",
                get_if_exists=True,
                **on_head_node(),
            ).remote(submission_id, settings)
            progress: dict[str, Any] = await asyncio.wait_for(handle.progress.remote(), timeout=60)
            if progress["state"] == CoordinatorState.STARTING:
                handle.run.remote()
            if progress["state"] not in CoordinatorState.ended():
                return handle
            # A coordinator lingering after its end (a batch resumed under a higher cap, or after a
            # stop): it will not run again, so a new one takes its name.
            ray.kill(handle, no_restart=True)
            await _gone(coordinator_name(submission_id))
        return handle

    def forget(self, submission_id: uuid.UUID) -> None:
        """Drop what is remembered of a finished submission's chunks."""
        with self._lock:
            self._chunks.pop(submission_id, None)

    async def warm(self, workers: int) -> int:
        """Start (and import the engine into) enough worker processes for `workers` chunks at once.

        Chunk tasks reuse the processes this leaves idle: a first batch then does not wait seconds
        for its workers to start. Returns how many distinct processes answered.
        """
        pids = await asyncio.gather(
            *(_hold_worker.options(name="warm-up", **spread_over_nodes()).remote(1.0) for _ in range(workers))
        )
        return len(set(pids))


async def _gone(name: str, timeout_s: float = 30.0) -> None:
    """Wait until no actor answers to name (a killed one has released it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            ray.get_actor(name, namespace=NAMESPACE)
        except ValueError:
            return
        await asyncio.sleep(0.1)


@ray.remote(max_retries=0, num_cpus=0.1)
def _hold_worker(seconds: float) -> int:
    # Holding the worker a moment makes the warm-up's tasks land on distinct processes.
    time.sleep(seconds)
    return os.getpid()


def chunk_launcher() -> ActorHandle[Any]:
    """Return the cluster's chunk launcher, creating it (on the head node) if needed."""
    launcher: ActorHandle[Any] = ChunkLauncher.options(  # type: ignore[attr-defined]
        name=LAUNCHER_NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True, **on_head_node()
    ).remote()
    return launcher


def start_coordinator(submission_id: uuid.UUID, settings: Settings) -> ActorHandle[Any]:
    """Get or create the submission's coordinator (through the launcher) and start it."""
    ref: Any = chunk_launcher().start_coordinator.remote(submission_id, settings)
    handle: Any = ray.get(ref, timeout=120)
    return cast(ActorHandle[Any], handle)


def find_coordinator(submission_id: uuid.UUID) -> ActorHandle[Any] | None:
    """Return the live coordinator of a submission, if there is one."""
    try:
        return ray.get_actor(coordinator_name(submission_id), namespace=NAMESPACE)
    except ValueError:
        return None
