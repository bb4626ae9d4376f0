"""Batch status latency while a batch runs: the status read, timed every second, with the progress it saw."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import Engine, text

from api.services.batch_status import read_status

FINAL = ("completed", "failed", "canceled")


@dataclass
class Read:
    """One status read: when (monotonic), how long it took, what it said."""

    at: float
    ms: float
    status: str
    done: int
    total: int


class StatusProbe:
    """Time `read_status` for the newest submission every `every_s`, as POST /api/v1/batch/status does.

    The same service call in the same read-only REPEATABLE READ snapshot and with the request's
    defaults (page 1, 50 roots, steps included); what the HTTP layer and auth add is not in it.
    """

    def __init__(self, engine: Engine, *, every_s: float = 1.0) -> None:
        self.engine = engine
        self.every_s = every_s
        self.reads: list[Read] = []
        self.errors: list[str] = []
        self.submission_id: uuid.UUID | None = None
        self._org_id: uuid.UUID | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="status-probe", daemon=True)

    def _find(self) -> None:
        # The scratch database holds this run's submission only; it shows once its runs are committed.
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT id, org_id FROM submissions ORDER BY created_at DESC LIMIT 1")
            ).first()
        if row is not None:
            self.submission_id, self._org_id = row

    def _read(self) -> Read:
        assert self.submission_id is not None and self._org_id is not None
        snapshot = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        started = time.monotonic()
        with self.engine.connect().execution_options(**snapshot) as conn, conn.begin():
            data = read_status(
                conn=conn,
                org_id=self._org_id,
                pinned_company=None,
                submission_id=self.submission_id,
                page=1,
                per_page=50,
                include_steps=True,
            )
        took = time.monotonic() - started
        summary = data["summary"]
        done = summary["total"] - summary.get("queued", 0) - summary.get("running", 0)
        return Read(started, took * 1000, data["submission"]["status"], done, summary["total"])

    def _loop(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                if self.submission_id is None:
                    self._find()
                if self.submission_id is not None:
                    read = self._read()
                    self.reads.append(read)
                    if read.status in FINAL:
                        return
            except Exception as exc:  # keep probing; the report lists what went wrong
                self.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            self._stop.wait(max(0.0, self.every_s - (time.monotonic() - began)))

    def while_running(self) -> list[float]:
        """Return the latencies (ms) of the reads made before the batch was seen to end."""
        return [r.ms for r in self.reads if r.status not in FINAL]

    def steady_rate(self, low: float = 0.1, high: float = 0.9) -> float | None:
        """Return runs/s between the reads that saw `low` and `high` of the runs done."""
        if not self.reads or self.reads[-1].total == 0:
            return None
        total = self.reads[-1].total
        first = next((r for r in self.reads if r.done >= low * total), None)
        last = next((r for r in self.reads if r.done >= high * total), None)
        if first is None or last is None or last.at <= first.at:
            return None
        return (last.done - first.done) / (last.at - first.at)

    def __enter__(self) -> StatusProbe:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
