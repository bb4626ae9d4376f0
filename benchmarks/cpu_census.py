"""Where a benchmark's CPU went: CPU seconds by role over a window, for the run's processes only.

A shared 2-core machine makes wall-clock rates drift with whatever else runs; the CPU time each part
of the engine spends per unit of work drifts far less, and says which part to make cheaper.

The run's processes are found as `ProcessTree` finds them (a marker in the environment they inherit),
plus the PostgreSQL backends serving the run's own database (they inherit nothing from us).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil
from sqlalchemy import Engine, text

from benchmarks.process_tree import ProcessTree

MARKER = "DEX_BENCH_CPU_CENSUS"


def role(_pid: int, cmdline: list[str]) -> str:
    """Name the part of the engine a process is, from its command line (Ray sets its workers' titles)."""
    line = " ".join(cmdline)
    for prefix, name in (
        ("ray::chunk", "chunk workers"),
        ("ray::GatewayActor", "gateway actors"),
        ("ray::BatchCoordinator", "coordinators"),
        ("ray::ChunkLauncher", "coordinators"),
        ("ray::IDLE", "chunk workers"),  # a worker between chunks
    ):
        if line.startswith(prefix):
            return name
    if "providers.sandbox" in line:
        return "sandbox"
    if line.startswith("ray::") or any(p in line for p in ("raylet", "gcs_server", "dashboard", "ray/")):
        return "Ray itself"
    return "driver"


@dataclass
class Census:
    """CPU seconds by role between `start` and `stop`."""

    seconds: dict[str, float] = field(default_factory=dict)

    def per_unit_ms(self, units: int) -> dict[str, float]:
        """Milliseconds of CPU per unit of work, by role, largest first."""
        ordered = sorted(self.seconds.items(), key=lambda item: -item[1])
        return {name: 1000.0 * s / max(units, 1) for name, s in ordered}

    def line(self, units: int, unit: str) -> str:
        """One printable line: each role's CPU per unit, and the total."""
        parts = self.per_unit_ms(units)
        total = sum(parts.values())
        shown = ", ".join(f"{name} {ms:.3f}" for name, ms in parts.items())
        return f"CPU ms per {unit}: {shown}; total {total:.3f}"


class CpuCensus:
    """Counts the CPU time of a run's processes by role over a window."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.tree = ProcessTree(marker=(MARKER, uuid.uuid4().hex), roots=[os.getpid()], classify=role)
        self.engine = engine
        self._start: dict[tuple[int, float], tuple[str, float]] = {}

    @property
    def environment(self) -> dict[str, str]:
        """The marker to set in this process before it starts the run's other processes."""
        return {self.tree.marker[0]: self.tree.marker[1]}

    def _backends(self) -> list[psutil.Process]:
        if self.engine is None:
            return []
        with self.engine.connect() as conn:
            pids = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            ).scalars()
            found = []
            for pid in pids:
                try:
                    found.append(psutil.Process(int(pid)))
                except psutil.NoSuchProcess:
                    continue
            return found

    def _read(self) -> dict[tuple[int, float], tuple[str, float]]:
        seen: dict[tuple[int, float], tuple[str, float]] = {}
        backends = {p.pid for p in self._backends()}
        for proc in [*self.tree.members(), *self._backends()]:
            try:
                key = (proc.pid, proc.create_time())
                name = "PostgreSQL" if proc.pid in backends else role(proc.pid, proc.cmdline())
                times = proc.cpu_times()
                seen[key] = (name, times.user + times.system)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
        return seen

    def start(self) -> None:
        """Begin the window."""
        self._start = self._read()

    def stop(self) -> Census:
        """End the window; processes that started within it count from zero, those gone are lost."""
        census = Census()
        for key, (name, seconds) in self._read().items():
            before = self._start.get(key, (name, 0.0))[1]
            census.seconds[name] = census.seconds.get(name, 0.0) + max(0.0, seconds - before)
        return census

    @contextmanager
    def window(self) -> Iterator[Census]:
        """Count the CPU spent inside the block; the census is filled when it ends."""
        census = Census()
        self.start()
        try:
            yield census
        finally:
            census.seconds = self.stop().seconds
