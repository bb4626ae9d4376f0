"""Engine metrics for the Ray dashboard (ray.util.metrics): provider calls, latency, 429s, progress.

Metric objects are created lazily in the process that records them; outside a Ray process they are
no-ops, so the same code runs in tests and in a plain process.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import ray


class EngineMetrics:
    """Counters and histograms, tagged by operation, provider and status."""

    def __init__(self) -> None:
        self.enabled = ray.is_initialized()
        if not self.enabled:
            return
        from ray.util.metrics import Counter, Histogram

        self.steps = Counter(
            "dex_steps_total", "Steps finished, by operation and status", ("operation", "status")
        )
        self.provider_requests = Counter(
            "dex_provider_requests_total",
            "Provider attempts, by provider and outcome",
            ("provider", "outcome"),
        )
        self.rate_limited = Counter("dex_provider_429_total", "429s received from providers", ("provider",))
        self.provider_latency = Histogram(
            "dex_provider_latency_ms",
            "Provider attempt latency",
            boundaries=[5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000],
            tag_keys=("provider",),
        )
        self.runs = Counter("dex_runs_finished_total", "Pipeline runs finished, by status", ("status",))
        self.rows = Counter("dex_rows_upserted_total", "Rows written by the result sink", ("table",))

    def step_finished(self, operation_id: str, outcomes: Sequence[Any]) -> None:
        """Count a step's outcomes."""
        if not self.enabled:
            return
        for outcome in outcomes:
            self.steps.inc(tags={"operation": operation_id, "status": outcome.status})

    def provider_attempt(
        self, provider: str, outcome: str, latency_ms: float | None, rate_limited: bool
    ) -> None:
        """Count one request a gateway sent (every retry included), its latency and a 429."""
        if not self.enabled:
            return
        self.provider_requests.inc(tags={"provider": provider, "outcome": outcome})
        if latency_ms is not None:
            self.provider_latency.observe(latency_ms, tags={"provider": provider})
        if rate_limited:
            self.rate_limited.inc(tags={"provider": provider})

    def runs_finished(self, succeeded: int, failed: int) -> None:
        """Count finished runs."""
        if self.enabled:
            if succeeded:
                self.runs.inc(succeeded, tags={"status": "succeeded"})
            if failed:
                self.runs.inc(failed, tags={"status": "failed"})

    def rows_written(self, table: str, count: int) -> None:
        """Count rows the sink wrote."""
        if self.enabled and count:
            self.rows.inc(count, tags={"table": table})


@cache
def engine_metrics() -> EngineMetrics:
    """Return this process's metrics."""
    return EngineMetrics()
