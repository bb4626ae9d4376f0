"""`dex` commands as subprocesses of a benchmark: `dex enrich` with its output timed, `dex sandbox`."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from providers.sandbox.server import free_port


def dex_command() -> list[str]:
    """Return this environment's `dex` (the console script beside this interpreter)."""
    script = Path(sys.executable).with_name("dex")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


class DexRun:
    """A `dex` command whose output lines are kept with the time each arrived (since the start)."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path) -> None:
        self.wall_start = time.time()
        self._start = time.monotonic()
        self.lines: list[tuple[float, str]] = []
        self.exited_s: float | None = None
        self.interrupted_s: float | None = None
        self.process = subprocess.Popen(
            [*dex_command(), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, args=(log,), name="dex-output", daemon=True)
        self._reader.start()

    def _read(self, log: Path) -> None:
        assert self.process.stdout is not None
        with log.open("w") as out:
            for line in self.process.stdout:
                self.lines.append((time.monotonic() - self._start, line.rstrip("\n")))
                out.write(line)
                out.flush()

    def wait(self, timeout_s: float) -> int:
        """Wait for the exit; past the timeout, Ctrl-C (the submission stays resumable), then kill."""
        try:
            code = self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGINT)
            try:
                code = self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                code = self.process.wait()
        self.exited_s = time.monotonic() - self._start
        self._reader.join(timeout=10)
        return code

    def interrupt(self) -> int:
        """Press Ctrl-C on it (the submission stays resumable) and wait for it to exit."""
        self.interrupted_s = time.monotonic() - self._start
        self.process.send_signal(signal.SIGINT)
        return self.wait(120)

    @property
    def wall_s(self) -> float:
        """Return how long it ran: until it exited, or until it was interrupted."""
        return self.interrupted_s or self.exited_s or time.monotonic() - self._start

    def find(self, pattern: str) -> tuple[float, re.Match[str]] | None:
        """Return the first output line matching the pattern, with when it came."""
        compiled = re.compile(pattern)
        for at, line in self.lines:
            match = compiled.search(line)
            if match:
                return at, match
        return None

    def tail(self, n: int) -> list[str]:
        """Return the last n output lines."""
        return [line for _, line in self.lines[-n:]]


@dataclass
class Phase:
    """A stretch of the run: what happened, and how long it took."""

    name: str
    seconds: float


def phases(run: DexRun, first_start: Any, last_end: Any) -> list[Phase]:
    """Cut `dex enrich`'s wall time into phases, from its own output and the runs' first start and last end.

    Boundaries `dex enrich` does not print (a changed message) are left out: their time goes to the
    next phase found, whose name then says so.
    """
    marks: list[tuple[str, float]] = []
    submitted = run.find(r"checked in ([\d,.]+)s, written in ([\d,.]+)s")
    if submitted is not None:
        at, match = submitted
        checked, written = (float(g.replace(",", "")) for g in match.groups())
        marks += [
            ("start-up: settings, database, tenant, blueprint", at - checked - written),
            ("file check (pass 1)", at - written),
            ("writing the submission and its runs (pass 2, COPY)", at),
        ]
    ray = run.find(r"^Ray at ")
    if ray is not None:
        marks.append(("Ray start (or join)", ray[0]))
    if first_start is not None:
        marks.append(("launch: coordinator, workers, first chunk", first_start.timestamp() - run.wall_start))
    if last_end is not None:
        marks.append(("the batch: first run start to last run end", last_end.timestamp() - run.wall_start))
    results = run.find(r"^results: .*written in ([\d,.]+)s\)$")
    if results is not None:
        at, match = results
        marks += [
            ("end noticed, per-step and per-provider summary", at - float(match.group(1).replace(",", ""))),
            ("writing the results file", at),
        ]
    if run.interrupted_s is not None:
        marks.append(("the batch, until interrupted", run.interrupted_s))
    elif run.exited_s is not None:
        marks.append(("exit (Ray shutdown)", run.exited_s))
    found, previous = [], 0.0
    for name, at in marks:
        found.append(Phase(name, at - previous))
        previous = at
    return found


class SandboxProcess:
    """`dex sandbox` in its own process: its memory counts in the run, and it never shares our GIL."""

    def __init__(self, *, env: dict[str, str], seed: int, companies: int, provider: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.provider = provider
        args = ["sandbox", "--port", str(self.port), "--seed", str(seed), "--companies", str(companies)]
        self.process = subprocess.Popen(
            [*dex_command(), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def wait_ready(self, timeout_s: float) -> None:
        """Wait until it answers (a world of a million companies takes a minute or two to build)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"the sandbox exited during start-up: {error[-2000:]}")
            try:
                if httpx.get(f"{self.url}/_sandbox/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the sandbox did not answer within {timeout_s:.0f}s")

    def stats(self) -> dict[str, Any]:
        """Return the provider's counters (requests, served, rate_limited, …)."""
        stats: dict[str, Any] = httpx.get(f"{self.url}/_sandbox/stats", timeout=30).json()
        return dict(stats.get(self.provider, {}))

    def reset(self) -> None:
        """Zero the counters."""
        httpx.post(f"{self.url}/_sandbox/reset", timeout=30).raise_for_status()

    def stop(self) -> None:
        """Stop it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
