"""Follow a submission: a live progress bar while it runs, then per-step and per-provider tables.

Everything is read from the database (never from Ray), so the same code serves a fresh run, a resumed
one and `dex status`. One poll is one statement over the submission's rows (index on submission_id);
on a very large submission the poll spaces itself out so that watching never costs the database much.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Column, Table
from sqlalchemy import Connection, Engine

from config.vocabulary import StepStatus, SubmissionStatus
from store.repositories import progress

# A poll may take at most this share of the wall time (a 1M-row submission's counts take ~0.2 s).
POLL_DUTY = 0.1
RATE_WINDOW_S = 20.0
MIN_NAME_WIDTH = 12  # a summary table's name column never gets narrower


@dataclass(frozen=True)
class Snapshot:
    """A submission's progress as PostgreSQL has it now."""

    status: str
    roots: int
    roots_done: int
    children: int
    pending: int
    failed: int
    cost_usd: float
    budget_exhausted: int = 0  # runs a spending cap ended
    max_cost_usd: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in SubmissionStatus.final()


def snapshot(conn: Connection, submission_id: uuid.UUID) -> Snapshot:
    """Read the submission's counters in one statement."""
    row = progress.snapshot_row(conn=conn, submission_id=submission_id)
    return Snapshot(
        status=str(row.status),
        roots=int(row.roots),
        roots_done=int(row.roots_done),
        children=int(row.children),
        pending=int(row.pending),
        failed=int(row.failed),
        cost_usd=float(row.cost_usd),
        budget_exhausted=int(row.budget_exhausted),
        max_cost_usd=None if row.max_cost_usd is None else float(row.max_cost_usd),
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


class _Rate:
    """Root runs finished per second over a sliding window."""

    def __init__(self) -> None:
        self.points: deque[tuple[float, int]] = deque()

    def add(self, done: int) -> float:
        now = time.monotonic()
        self.points.append((now, done))
        while len(self.points) > 2 and now - self.points[0][0] > RATE_WINDOW_S:
            self.points.popleft()
        (t0, d0), (t1, d1) = self.points[0], self.points[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else 0.0


def _info(snap: Snapshot, rate: float) -> str:
    eta = (snap.roots - snap.roots_done) / rate if rate > 0 else None
    if snap.roots_done == snap.roots and not snap.finished:
        eta = None  # only fan-out children left, which the root count cannot time
    return (
        f"{rate:,.0f}/s  ETA {_duration(eta)}  children {snap.children:,}  "
        f"failed {snap.failed:,}  cost ${snap.cost_usd:,.2f}"
    )


def watch(
    engine: Engine,
    submission_id: uuid.UUID,
    console: Console,
    *,
    interval_s: float = 1.0,
    on_poll: Callable[[Snapshot], None] | None = None,
    keep_alive: Callable[[], None] | None = None,
    keep_alive_every_s: float = 10.0,
) -> Snapshot:
    """Show a live bar until the submission reaches a final status; return its last snapshot.

    on_poll sees every snapshot (tests interrupt through it); keep_alive runs now and then (the caller
    relaunches a coordinator that is gone).
    """
    rate = _Rate()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        TextColumn("{task.fields[count]}", table_column=Column(no_wrap=True)),
        TextColumn("{task.fields[info]}", table_column=Column(overflow="fold")),
    )
    last_keep_alive = time.monotonic()
    polls = 0
    with Progress(*columns, console=console, transient=False, refresh_per_second=4) as bar:
        task = bar.add_task("entities", total=None, count="", info="")
        while True:
            started = time.monotonic()
            with engine.connect() as conn:
                snap = snapshot(conn, submission_id)
            took = time.monotonic() - started
            done_label = "children" if snap.roots_done == snap.roots and not snap.finished else "entities"
            bar.update(
                task,
                total=snap.roots,
                completed=snap.roots_done,
                description=done_label,
                count=f"{snap.roots_done:,}/{snap.roots:,}",
                info=_info(snap, rate.add(snap.roots_done)),
            )
            if on_poll is not None:
                on_poll(snap)
            if snap.finished:
                return snap
            if keep_alive is not None and time.monotonic() - last_keep_alive >= keep_alive_every_s:
                keep_alive()
                last_keep_alive = time.monotonic()
            # Soon at first (a small batch ends within a second or two), then every interval_s.
            polls += 1
            time.sleep(max(min(interval_s, 0.1 * 2**polls), took / POLL_DUTY) - took)


@dataclass
class StepLine:
    """One step's outcome counts."""

    position: int
    operation_id: str
    succeeded: int = 0
    not_found: int = 0
    skipped: int = 0
    failed: int = 0
    cost_usd: float = 0.0


def step_summary(conn: Connection, submission_id: uuid.UUID, steps: list[dict[str, Any]]) -> list[StepLine]:
    """Count each step's outcomes over the whole run tree (succeeded excludes not found)."""
    lines = {s["position"]: StepLine(s["position"], s["operation_id"]) for s in steps}
    for position, status, n, cost in progress.step_counts(conn=conn, submission_id=submission_id):
        line = lines.setdefault(position, StepLine(position, "?"))
        if status in StepStatus.terminal():  # each has its own column
            setattr(line, status, getattr(line, status) + int(n))
        line.cost_usd += float(cost)
    for position, n in progress.not_found_counts(conn=conn, submission_id=submission_id):
        if position in lines:
            # A not-found operation still ends its step as succeeded: move it to its own column.
            lines[position].not_found += int(n)
            lines[position].succeeded -= int(n)
    return [lines[p] for p in sorted(lines)]


def provider_summary(conn: Connection, submission_id: uuid.UUID) -> list[dict[str, Any]]:
    """Count each provider's calls, 429s (error_class rate_limited) and cost for the submission."""
    return progress.provider_counts(conn=conn, submission_id=submission_id)


def print_summary(
    console: Console, conn: Connection, submission_id: uuid.UUID, steps: list[dict[str, Any]]
) -> None:
    """Print the per-step and per-provider tables, fitted to the terminal's width."""
    lines = step_summary(conn, submission_id, steps)
    counts = [
        [f"{line.succeeded:,}", f"{line.not_found:,}", f"{line.skipped:,}", f"{line.failed:,}",
         f"${line.cost_usd:,.2f}"]
        for line in lines
    ]  # fmt: skip
    headers = ("#", "operation", "succeeded", "not found", "skipped", "failed", "cost")
    room = _room(
        console, headers, [[str(line.position), "", *c] for line, c in zip(lines, counts, strict=True)]
    )
    table = _table("steps", headers)
    for line, row in zip(lines, counts, strict=True):
        table.add_row(str(line.position), fit_name(line.operation_id, room), *row)
    console.print(table)
    providers = provider_summary(conn, submission_id)
    if not providers:
        console.print("no provider was called")
        return
    rows = [
        [row["provider"], f"{row['calls']:,}", f"{row['found']:,}", f"{row['errors']:,}",
         f"{row['rate_limited']:,}", f"${float(row['cost']):,.2f}"]
        for row in providers
    ]  # fmt: skip
    table = _table("providers", ("provider", "calls", "found", "errors", "429s", "cost"))
    for row in rows:
        table.add_row(*row)
    console.print(table)


def fit_name(name: str, width: int) -> str:
    """Break a name like `company.research.resolve_pricing_page_url` into lines of at most `width`.

    Lines break only after a dot or an underscore, never inside a word.
    """
    if len(name) <= width:
        return name
    lines = [""]
    for part in re.split(r"(?<=[._])", name):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def _room(console: Console, headers: tuple[str, ...], rows: list[list[str]]) -> int:
    # The name column (the second) gets what the others leave of the terminal. Each column takes its
    # widest cell plus two spaces of padding, and one space separates columns and ends each row.
    others = sum(max(len(headers[i]), *(len(r[i]) for r in rows)) + 2 for i in range(len(headers)) if i != 1)
    return max(MIN_NAME_WIDTH, console.width - others - 2 - len(headers) - 1)


def _table(title: str, headers: tuple[str, ...]) -> Table:
    first, *numbers = headers
    name_first = first != "#"
    columns = [Column(first, justify="left" if name_first else "right", no_wrap=not name_first)]
    if not name_first:
        columns.append(Column(numbers.pop(0), overflow="fold", min_width=MIN_NAME_WIDTH))
    # Counts never wrap or shrink: on a narrow terminal the name column breaks at its dots instead.
    columns += [Column(name, justify="right", no_wrap=True) for name in numbers]
    return Table(*columns, title=title, box=box.SIMPLE_HEAD, title_justify="left")
