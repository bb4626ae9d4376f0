"""Hand submissions to the cluster: start (or find) their coordinators; resume unfinished ones at start-up."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable

import ray

from cluster.coordinator import chunk_launcher, find_coordinator, start_coordinator
from cluster.runtime import connect
from config import Settings
from store.engine import build_engine, resolve_database_url
from store.repositories import engine_runs

log = logging.getLogger(__name__)


def launch(submission_id: uuid.UUID, settings: Settings) -> None:
    """Start the submission's coordinator on the cluster (connecting to Ray first if needed)."""
    connect(settings.cluster, state_dir=settings.dex_state_dir)
    start_coordinator(submission_id, settings)


def warm_workers(settings: Settings, *, wait: bool = True) -> int | None:
    """Start the worker processes chunk tasks will run in (one per chunk slot), before any batch.

    With `wait`, block until they are up and return how many there are; else return at once.
    """
    connect(settings.cluster, state_dir=settings.dex_state_dir)
    ref: ray.ObjectRef[int] = chunk_launcher().warm.remote(settings.cluster.max_chunks_in_flight)
    return int(ray.get(ref, timeout=300)) if wait else None


def resume_unfinished(settings: Settings) -> list[uuid.UUID]:
    """Start a coordinator for every unfinished submission that has none alive; return their ids."""
    connect(settings.cluster, state_dir=settings.dex_state_dir)
    engine = build_engine(resolve_database_url(settings), pool_size=1)
    try:
        with engine.connect() as conn:
            pending = engine_runs.unfinished_submissions(conn=conn)
    finally:
        engine.dispose()
    resumed = []
    for submission_id in pending:
        if find_coordinator(submission_id) is None:
            start_coordinator(submission_id, settings)
            resumed.append(submission_id)
    if resumed:
        log.info("resumed %d unfinished submissions", len(resumed))
    return resumed


LaunchFunction = Callable[[uuid.UUID, Settings], None]


class BackgroundLauncher:
    """Start coordinators off the request path: one worker thread, a failed launch retried with backoff.

    A submission is durable before it is handed over here, so nothing is lost if this process dies
    with launches pending: `dex serve` resumes unfinished submissions when it starts.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        launch_fn: LaunchFunction = launch,
        first_retry_s: float = 1.0,
        max_retry_s: float = 60.0,
    ) -> None:
        self.settings = settings
        # Replaceable (tests inject a launch that fails first, or waits).
        self.launch_fn = launch_fn
        self.first_retry_s = first_retry_s
        self.max_retry_s = max_retry_s
        self._due: list[tuple[float, int, int, uuid.UUID]] = []  # (when, tie-break, attempt, submission)
        self._order = itertools.count()
        self._busy = False
        self._stopping = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread (once)."""
        with self._changed:
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(target=self._work, name="dex-launcher", daemon=True)
                self._thread.start()

    def submit(self, submission_id: uuid.UUID) -> None:
        """Queue a submission's launch and return at once."""
        self._schedule(submission_id, attempt=1, delay_s=0.0)
        self.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the launch in progress, if any (waiting at most timeout_s); drop the rest."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    def pending(self) -> int:
        """Return how many launches are queued or in progress."""
        with self._changed:
            return len(self._due) + int(self._busy)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no launch is queued or running; return whether that happened in time."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._due or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def _schedule(self, submission_id: uuid.UUID, *, attempt: int, delay_s: float) -> None:
        with self._changed:
            entry = (time.monotonic() + delay_s, next(self._order), attempt, submission_id)
            heapq.heappush(self._due, entry)
            self._changed.notify_all()

    def _next(self) -> tuple[int, uuid.UUID] | None:
        """Block until a launch is due (None once stopping); mark the launcher busy with it."""
        with self._changed:
            while not self._stopping:
                if self._due and self._due[0][0] <= time.monotonic():
                    _, _, attempt, submission_id = heapq.heappop(self._due)
                    self._busy = True
                    return attempt, submission_id
                self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
            return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            attempt, submission_id = job
            try:
                self.launch_fn(submission_id, self.settings)
            except Exception:
                delay = min(self.max_retry_s, self.first_retry_s * 2 ** (attempt - 1))
                log.exception(
                    "launch %d of submission %s failed; retrying in %.1f s", attempt, submission_id, delay
                )
                self._schedule(submission_id, attempt=attempt + 1, delay_s=delay)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
