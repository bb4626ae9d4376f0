"""A graceful stop of the engine's batches on the connected Ray cluster: nothing paid for is lost.

Asked by whoever is about to take the cluster down (`dex enrich` on Ctrl-C and `dex serve` on SIGTERM
when Ray lives in their process; `dex cluster stop`):

1. every coordinator launches no more chunks;
2. every gateway's book stops granting: no new provider call starts anywhere, and requests waiting for
   a permit or a send time give up (their runs stay unfinished, to be resumed);
3. calls already sent get `grace_s` to answer; what is still open then is cut off and recorded as
   interrupted;
4. each chunk writes its journal, its finished steps and its ended runs, and returns; each
   coordinator ends `stopped`, leaving its submission running for the next start to resume.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import ray

from cluster.coordinator import STOPPED, CoordinatorState
from cluster.runtime import NAMESPACE
from config import ClusterSettings

log = logging.getLogger(__name__)


@dataclass
class StopSummary:
    """What a graceful stop found and did."""

    submissions: list[str] = field(default_factory=list)
    gateways: int = 0
    runs_stopped: int = 0
    unfinished: list[str] = field(default_factory=list)  # coordinators that did not end in time
    seconds: float = 0.0


def _named(prefix: str) -> list[Any]:
    names = ray.util.list_named_actors(all_namespaces=True)
    handles = []
    for entry in names:
        if entry.get("namespace") == NAMESPACE and str(entry.get("name", "")).startswith(prefix):
            try:
                handles.append((entry["name"], ray.get_actor(entry["name"], namespace=NAMESPACE)))
            except ValueError:
                continue  # gone meanwhile
    return handles


def _quietly(ref: Any, timeout_s: float) -> Any:
    try:
        return ray.get(ref, timeout=timeout_s)
    except Exception as exc:  # a dead or busy actor must not stop the stop
        log.warning("stop: %r", exc)
        return None


def stop_batches(grace_s: float = 10.0, *, flush_margin_s: float | None = None) -> StopSummary:
    """Stop every running batch gracefully; return once their chunks have written what they had.

    After the grace period, chunks get `flush_margin_s` (default: STOP_FLUSH_MARGIN_S) to write.
    """
    if flush_margin_s is None:
        flush_margin_s = ClusterSettings().stop_flush_margin_s
    started = time.monotonic()
    summary = StopSummary()
    coordinators = _named("submission:")
    for _, handle in coordinators:
        _quietly(handle.stop.remote(), 10)
    gateways = _named("provider:")
    for _, handle in gateways:
        _quietly(handle.stop.remote(grace_s), 10)
    summary.gateways = len(gateways)
    deadline = started + grace_s + flush_margin_s
    waiting = dict(coordinators)
    while waiting and time.monotonic() < deadline:
        for name, handle in list(waiting.items()):
            progress = _quietly(handle.progress.remote(), 5)
            if progress is None or progress.get("state") in CoordinatorState.ended():
                waiting.pop(name)
                if progress is not None and progress.get("state") == STOPPED:
                    summary.submissions.append(name.removeprefix("submission:"))
                    summary.runs_stopped += int(progress.get("runs_stopped", 0))
        if waiting:
            time.sleep(0.2)
    summary.unfinished = sorted(name.removeprefix("submission:") for name in waiting)
    summary.seconds = time.monotonic() - started
    return summary


def resume_batches() -> int:
    """Undo a stop on a cluster that stayed up: gateways grant again (resubmit the stopped batches).

    Returns how many gateways resumed.
    """
    gateways = _named("provider:")
    for _, handle in gateways:
        _quietly(handle.resume.remote(), 10)
    return len(gateways)
