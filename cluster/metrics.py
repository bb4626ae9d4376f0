"""Engine metrics for the Ray dashboard (ray.util.metrics): provider calls, latency, 429s, progress.

Metric objects are created lazily in the process that records them; outside a Ray process they are
no-ops, so the same code runs in tests and in a plain process.
"""

from __future__ import annotations

import time
from collections import Counter as TallyCounter
from collections.abc import Sequence
from functools import cache
from typing import Any

import ray

from config import ClusterSettings
from config.vocabulary import RunStatus


class EngineMetrics:
    """Counters and histograms, tagged by operation, provider and status."""

    def __init__(self, settings: ClusterSettings | None = None) -> None:
        self.enabled = ray.is_initialized()
        if not self.enabled:
            return
        tuning = settings if settings is not None else ClusterSettings()
        self.flush_s = tuning.metrics_flush_s
        self.latency_sample_s = tuning.metrics_latency_sample_s
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
        self._attempts: TallyCounter[tuple[str, str]] = TallyCounter()
        self._rate_limited: TallyCounter[str] = TallyCounter()
        self._next_flush = 0.0
        self._next_latency: dict[str, float] = {}
        self.runs = Counter("dex_runs_finished_total", "Pipeline runs finished, by status", ("status",))
        self.rows = Counter("dex_rows_upserted_total", "Rows written by the result sink", ("table",))

    def step_finished(self, operation_id: str, outcomes: Sequence[Any]) -> None:
        """Count a step's outcomes (one increment per status, not per outcome)."""
        if not self.enabled:
            return
        for status, count in TallyCounter(o.status for o in outcomes).items():
            self.steps.inc(count, tags={"operation": operation_id, "status": status})

    def provider_attempt(
        self, provider: str, outcome: str, latency_ms: float | None, rate_limited: bool
    ) -> None:
        """Count one request a gateway sent (every retry included), its latency and a 429.

        Counts are added up here and passed to Ray at most every flush_s, and latency is sampled (a
        gateway sends thousands of requests a second; one metric call costs about 0.1 ms).
        """
        if not self.enabled:
            return
        self._attempts[(provider, outcome)] += 1
        if rate_limited:
            self._rate_limited[provider] += 1
        now = time.monotonic()
        if latency_ms is not None and now >= self._next_latency.get(provider, 0.0):
            # A sample, taken at most every latency_sample_s per provider: which request is sampled
            # depends on the clock, not on its latency, so the distribution stays unbiased.
            self._next_latency[provider] = now + self.latency_sample_s
            self.provider_latency.observe(latency_ms, tags={"provider": provider})
        if now >= self._next_flush:
            self.flush()

    def flush(self) -> None:
        """Pass the counts added up so far to Ray."""
        if not self.enabled:
            return
        self._next_flush = time.monotonic() + self.flush_s
        for (provider, outcome), count in self._attempts.items():
            self.provider_requests.inc(count, tags={"provider": provider, "outcome": outcome})
        for provider, count in self._rate_limited.items():
            self.rate_limited.inc(count, tags={"provider": provider})
        self._attempts.clear()
        self._rate_limited.clear()

    def runs_finished(self, succeeded: int, failed: int) -> None:
        """Count finished runs."""
        if self.enabled:
            if succeeded:
                self.runs.inc(succeeded, tags={"status": RunStatus.SUCCEEDED.value})
            if failed:
                self.runs.inc(failed, tags={"status": RunStatus.FAILED.value})

    def rows_written(self, table: str, count: int) -> None:
        """Count rows the sink wrote."""
        if self.enabled and count:
            self.rows.inc(count, tags={"table": table})


@cache
def engine_metrics() -> EngineMetrics:
    """Return this process's metrics."""
    return EngineMetrics()
