"""Hand submissions to the cluster: start (or find) their coordinators; resume unfinished ones at start-up."""

from __future__ import annotations

import logging
import uuid

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
