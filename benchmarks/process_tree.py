"""Peak memory of one run's processes, daemonized ones included: sampled RSS, summed, by role."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType

import psutil

# A role for a process, from its pid and command line (e.g. "sandbox", "Ray workers").
Classify = Callable[[int, list[str]], str]
SETTLE_S = 2.0


@dataclass
class Sample:
    """One look at the tree: when, the RSS summed over its processes (by role), their PSS, how many.

    RSS counts a page shared by several processes (libraries, Ray's object store, forked dashboard
    modules) once in each; PSS splits it between them, so its sum is what the tree really holds.
    """

    at_s: float
    rss: int
    pss: int = 0
    by_role: dict[str, int] = field(default_factory=dict)
    count_by_role: dict[str, int] = field(default_factory=dict)
    processes: int = 0


def _settled(created: float) -> bool:
    """Tell whether a process is old enough to have run exec (its environment and command are final)."""
    return time.time() - created > SETTLE_S


class ProcessTree:
    """The processes of one run: given roots, their descendants, and every process carrying a marker.

    Ray's GCS, raylet, dashboard and agents are daemonized (re-parented away from the driver that
    started them), and a persistent local cluster outlives the command, so descent from a root
    process misses them. Each process inherits its parent's environment, so a variable set only in
    the run's own environment (`marker`) finds all of them, and no other engineer's.
    """

    def __init__(
        self,
        *,
        marker: tuple[str, str],
        roots: Iterable[int] = (),
        classify: Classify | None = None,
        interval_s: float = 0.5,
    ) -> None:
        self.marker = marker
        self.roots = set(roots)
        self.classify = classify or (lambda _pid, cmdline: os.path.basename(cmdline[0]) if cmdline else "?")
        self.interval_s = interval_s
        self.samples = 0
        self.peak = Sample(0.0, 0)
        self.peak_pss = 0
        self.peak_by_role: dict[str, int] = {}
        # (pid, create time) -> whether it is ours; the environment is read once per process.
        self._known: dict[tuple[int, float], bool] = {}
        self._roles: dict[tuple[int, float], str] = {}
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def environment(self) -> dict[str, str]:
        """Return this process's environment with the marker: give it to every process of the run."""
        return {**os.environ, self.marker[0]: self.marker[1]}

    def add_root(self, pid: int) -> None:
        """Count this process and its descendants even if it lacks the marker."""
        self.roots.add(pid)

    def _ours(self, proc: psutil.Process) -> bool:
        key = (proc.pid, proc.create_time())
        if key in self._known:
            return self._known[key]
        try:
            ours = proc.environ().get(self.marker[0]) == self.marker[1]
        except (psutil.AccessDenied, psutil.ZombieProcess):
            ours = False  # another user's process, or one already gone
        # Between fork and exec a child still shows its parent's environment (and command line):
        # decide for good only once it is a moment old.
        if _settled(key[1]):
            self._known[key] = ours
        return ours

    def members(self) -> list[psutil.Process]:
        """Return the run's live processes."""
        found: dict[int, psutil.Process] = {}
        for pid in list(self.roots):  # roots may be added while the sampler runs
            try:
                root = psutil.Process(pid)
                found[pid] = root
                found.update((child.pid, child) for child in root.children(recursive=True))
            except psutil.NoSuchProcess:
                continue
        for proc in psutil.process_iter():
            try:
                if proc.pid not in found and proc.pid != os.getpid() and self._ours(proc):
                    found[proc.pid] = proc
            except psutil.NoSuchProcess:
                continue
        return list(found.values())

    def sample(self) -> Sample:
        """Sum the RSS of the run's processes now, by role; keep the peaks."""
        now = Sample(time.monotonic() - self._started, 0)
        for proc in self.members():
            try:
                key = (proc.pid, proc.create_time())
                role = self._roles.get(key) or self.classify(proc.pid, proc.cmdline())
                if _settled(key[1]):
                    self._roles[key] = role
                memory = proc.memory_full_info()  # smaps_rollup: about 0.3 ms a process
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
            rss = memory.rss
            now.pss += getattr(memory, "pss", 0)
            now.rss += rss
            now.by_role[role] = now.by_role.get(role, 0) + rss
            now.count_by_role[role] = now.count_by_role.get(role, 0) + 1
            now.processes += 1
        self.samples += 1
        if now.rss > self.peak.rss:
            self.peak = now
        self.peak_pss = max(self.peak_pss, now.pss)
        for role, rss in now.by_role.items():
            self.peak_by_role[role] = max(rss, self.peak_by_role.get(role, 0))
        return now

    def _loop(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            self.sample()
            self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - began)))

    def start(self) -> ProcessTree:
        """Sample every interval_s in a background thread."""
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="process-tree-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> ProcessTree:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def terminate(self, timeout_s: float = 10.0) -> list[str]:
        """End every process of the run still alive (SIGTERM, then SIGKILL); return what was ended."""
        alive = self.members()
        ended = []
        for proc in alive:
            try:
                ended.append(f"{proc.pid} {' '.join(proc.cmdline())[:80]}")
                proc.send_signal(signal.SIGTERM)
            except psutil.NoSuchProcess:
                continue
        _, stubborn = psutil.wait_procs(alive, timeout=timeout_s)
        for proc in stubborn:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                continue
        psutil.wait_procs(stubborn, timeout=timeout_s)
        return ended
