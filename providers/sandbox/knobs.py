"""Per-provider knobs of the sandbox (latency, rate limit, faults, credits) and the live state they drive."""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat


class ProviderKnobs(BaseModel):
    """How one sandboxed provider behaves; settable at start and at run time (`POST /_sandbox/knobs`)."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(default=0.0, ge=0, le=120_000, description="Median added latency.")
    latency_sigma: float = Field(
        default=0.0, ge=0, le=3, description="Spread of a log-normal latency around the median (0 = fixed)."
    )
    rate_per_second: float | None = Field(
        default=None, gt=0, description="Requests/s before 429 with Retry-After (None = unlimited)."
    )
    burst: float | None = Field(
        default=None, gt=0, description="Token-bucket size (default: one second's worth)."
    )
    path_rates: dict[str, PositiveFloat] = Field(
        default_factory=dict,
        description="Endpoints with a limit of their own (requests/s by path under the provider, e.g. "
        '"/bulk-single-searchs/read"); a request to one counts against it instead of rate_per_second.',
    )
    error_rate: float = Field(default=0.0, ge=0, le=1, description="Share of answers that are a 5xx.")
    error_retry_after_s: int | None = Field(
        default=None, ge=0, le=3600, description="A Retry-After header on those 5xx (None: as the provider)."
    )
    timeout_rate: float = Field(default=0.0, ge=0, le=1, description="Share that hang for `timeout_s`.")
    timeout_s: float = Field(default=30.0, ge=0, le=600, description="How long a hung request hangs.")
    malformed_rate: float = Field(default=0.0, ge=0, le=1, description="Share of 200s with a broken body.")
    credits: float | None = Field(default=None, ge=0, description="Credits left (None = unlimited).")


class KnobsUpdate(BaseModel):
    """A partial change of knobs for one provider."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float | None = Field(default=None, ge=0, le=120_000)
    latency_sigma: float | None = Field(default=None, ge=0, le=3)
    rate_per_second: float | None = Field(default=None, gt=0)
    burst: float | None = Field(default=None, gt=0)
    path_rates: dict[str, PositiveFloat] | None = None
    error_rate: float | None = Field(default=None, ge=0, le=1)
    error_retry_after_s: int | None = Field(default=None, ge=0, le=3600)
    timeout_rate: float | None = Field(default=None, ge=0, le=1)
    timeout_s: float | None = Field(default=None, ge=0, le=600)
    malformed_rate: float | None = Field(default=None, ge=0, le=1)
    credits: float | None = Field(default=None, ge=0)
    unlimited_rate: bool = Field(default=False, description="Remove the rate limit.")
    unlimited_credits: bool = Field(default=False, description="Remove the credit cap.")

    def apply(self, knobs: ProviderKnobs) -> ProviderKnobs:
        """Return knobs with this update applied."""
        changes = self.model_dump(exclude_unset=True, exclude={"unlimited_rate", "unlimited_credits"})
        if "path_rates" in changes and changes["path_rates"] is None:
            changes["path_rates"] = {}  # null clears the endpoint limits
        if self.unlimited_rate:
            changes.update(rate_per_second=None, burst=None, path_rates={})
        if self.unlimited_credits:
            changes["credits"] = None
        return knobs.model_copy(update=changes)


class TokenBucket:
    """A token bucket: `rate` tokens a second, at most `capacity` saved up.

    Like real limiters it tolerates a few milliseconds of arrival jitter (`grace_s`): a request that
    is early by less than that is admitted, so a client pacing exactly at the limit is never refused
    because one request overtook another on the wire.
    """

    def __init__(self, rate: float, capacity: float, grace_s: float = 0.025) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.slack = rate * grace_s
        self.updated = time.monotonic()

    def take(self) -> float:
        """Take a token; return 0 on success, else the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1 - self.slack:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class ProviderStats:
    """What a provider's sandbox has seen; read by tests and benchmarks to prove limits were honoured."""

    requests: int = 0
    served: int = 0
    rate_limited: int = 0
    unauthorized: int = 0
    no_credits: int = 0
    balance_checks: int = 0  # free balance-endpoint requests, not in `requests`
    injected: Counter[str] = field(default_factory=Counter)
    credits_used: float = 0.0
    paths: Counter[str] = field(default_factory=Counter)
    peak_rps: int = 0
    _second: int = 0
    _in_second: int = 0

    def count_request(self, path: str) -> None:
        """Count a request and track the busiest wall-clock second seen."""
        self.requests += 1
        self.paths[path] += 1
        second = int(time.monotonic())
        if second != self._second:
            self._second, self._in_second = second, 0
        self._in_second += 1
        self.peak_rps = max(self.peak_rps, self._in_second)

    def as_dict(self) -> dict[str, object]:
        """Return the counters as JSON-ready data."""
        return {
            "requests": self.requests,
            "served": self.served,
            "rate_limited": self.rate_limited,
            "unauthorized": self.unauthorized,
            "no_credits": self.no_credits,
            "balance_checks": self.balance_checks,
            "injected": dict(self.injected),
            "credits_used": round(self.credits_used, 4),
            "peak_rps": self.peak_rps,
            "paths": dict(self.paths),
        }


class ProviderState:
    """Knobs, rate-limit bucket, credits, stats and fault dice of one sandboxed provider."""

    def __init__(self, knobs: ProviderKnobs, *, seed: int) -> None:
        self.stats = ProviderStats()
        self._dice = random.Random(seed)
        self.knobs = knobs
        self.bucket: TokenBucket | None = None
        self.path_buckets: dict[str, TokenBucket] = {}
        self.configure(knobs)

    def configure(self, knobs: ProviderKnobs) -> None:
        """Adopt new knobs (a new rate limit starts with a full bucket)."""
        self.knobs = knobs
        if knobs.rate_per_second is None:
            self.bucket = None
        else:
            capacity = knobs.burst or max(1.0, knobs.rate_per_second)
            self.bucket = TokenBucket(knobs.rate_per_second, capacity)
        self.path_buckets = {
            path: TokenBucket(rate, max(1.0, rate)) for path, rate in knobs.path_rates.items()
        }

    def throttle(self, path: str = "") -> int | None:
        """Return None when a request to path may go on, else the Retry-After seconds of a 429."""
        bucket = self.path_buckets.get(path, self.bucket)
        if bucket is None:
            return None
        wait = bucket.take()
        return None if wait == 0 else max(1, math.ceil(wait))

    def latency_s(self) -> float:
        """Draw this request's added latency."""
        median = self.knobs.latency_ms / 1000
        if median <= 0:
            return 0.0
        if self.knobs.latency_sigma <= 0:
            return median
        return median * math.exp(self._dice.gauss(0.0, self.knobs.latency_sigma))

    def fault(self) -> str | None:
        """Draw an injected fault for this request: "server_error", "timeout", "malformed" or None."""
        knobs = self.knobs
        roll = self._dice.random()
        if roll < knobs.error_rate:
            return "server_error"
        roll -= knobs.error_rate
        if roll < knobs.timeout_rate:
            return "timeout"
        roll -= knobs.timeout_rate
        if roll < knobs.malformed_rate:
            return "malformed"
        return None

    @property
    def out_of_credits(self) -> bool:
        return self.knobs.credits is not None and self.knobs.credits <= 0

    def balance(self, notional: float) -> float:
        """Return the credits left: the `credits` knob when set, else `notional` less what was spent."""
        if self.knobs.credits is not None:
            return self.knobs.credits
        return max(0.0, notional - self.stats.credits_used)

    def charge(self, credits: float) -> None:
        """Spend credits on a billable answer."""
        if credits <= 0:
            return
        self.stats.credits_used += credits
        if self.knobs.credits is not None:
            self.knobs = self.knobs.model_copy(update={"credits": max(0.0, self.knobs.credits - credits)})
