"""Pacing lanes: the send times of one provider credential, one timeline per lane, 1/rate apart.

A lane is an endpoint with its own documented limit, else the credential's shared one; an account
cap, where the provider has one, spaces the send times of every lane together. `PacingLanes` lives
in the credential's `LeaseBook` and is driven by the book's clock (`now` is passed in), so it is
tested alone. Batch work gets send times at most `horizon_s` ahead, so that work arriving later,
and interactive calls, never queue behind a long backlog; while interactive calls are about, every
`1/interactive_share`-th send time is kept for them. A 429 pauses its lane for everyone.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from providers.base import RateLimit, RateLimits

UNPACED_INTERVAL_S = 1e-6


def paced(limit: RateLimit) -> bool:
    """Tell whether requests on this limit need send times (a limit this high means unlimited)."""
    return 1 / limit.per_second >= UNPACED_INTERVAL_S


@dataclass
class _Timeline:
    """One lane's slots: 1/rate apart, after any 429 pause, some kept for interactive calls."""

    limit: RateLimit
    next_t: float = 0.0
    paused_until: float = 0.0
    position: int = 0
    reserved: deque[float] = field(default_factory=deque)
    granted: int = 0

    @property
    def interval(self) -> float:
        return 1 / self.limit.per_second

    def start(self, now: float) -> float:
        return max(self.next_t, self.paused_until, now)


class PacingLanes:
    """Send times of one credential's lanes, handed out so that every lane keeps its rate."""

    def __init__(
        self, limits: RateLimits, *, horizon_s: float = 0.25, interactive_share: float = 0.1
    ) -> None:
        self.limits = limits
        self.horizon_s = horizon_s
        self.interactive_share = min(max(interactive_share, 0.0), 0.5)
        self._lanes: dict[str, _Timeline] = {}
        self._account = _Timeline(limits.account) if limits.account and paced(limits.account) else None

    def grant(
        self, key: str, wanted: int, *, interactive: bool, reserving: bool, now: float
    ) -> tuple[list[float], float | None]:
        """Grant up to `wanted` send times on lane `key`; also when more can be asked for, if not all.

        `reserving`: interactive calls are about, so batch work leaves them their share.
        """
        lane = self._lane(key)
        if lane is None:
            return [now] * wanted, None
        granted: list[float] = []
        if interactive:
            while lane.reserved and lane.reserved[0] < now - lane.interval:
                lane.reserved.popleft()  # an unclaimed reserved slot in the past is lost
            while lane.reserved and len(granted) < wanted:
                granted.append(max(lane.reserved.popleft(), now))
        # Batch slots go at most horizon_s ahead; interactive ones wherever the timeline has room.
        until = math.inf if interactive else now + self.horizon_s
        reserve_every = (
            round(1 / self.interactive_share)
            if not interactive and reserving and self.interactive_share > 0
            else 0
        )
        account = self._account
        while len(granted) < wanted:
            t = lane.start(now)
            if account is not None:
                t = max(t, account.start(now))
            if t > until:
                break
            lane.next_t = t + lane.interval
            lane.position += 1
            if reserve_every and lane.position % reserve_every == 0:
                lane.reserved.append(t)  # kept for an interactive call
                continue
            if account is not None:
                account.next_t = t + account.interval
            granted.append(t)
        lane.granted += len(granted)
        if len(granted) == wanted:
            return granted, None
        start = lane.start(now)
        if account is not None:
            start = max(start, account.start(now))
        # Asked again no sooner than one horizon on: each ask then gets a useful handful, and lease calls
        # stay a few a second per holder (at a quarter horizon, 16 chunks' calls took a core in B1).
        return granted, max(start - now - self.horizon_s, self.horizon_s)

    def pause(self, key: str, seconds: float, now: float) -> None:
        """Send nothing more on lane `key` for `seconds` (a 429's Retry-After), whoever asks."""
        lane = self._lane(key)
        if lane is not None:
            lane.paused_until = max(lane.paused_until, now + seconds)

    def paused_s(self, now: float) -> float:
        """Return how long the longest pause of any lane still lasts."""
        return max([0.0, *(lane.paused_until - now for lane in self._lanes.values())])

    def health(self, now: float) -> dict[str, Any]:
        """Return each lane's rate, send times granted so far and pause left."""
        return {
            key or "shared": {
                "rate_per_second": round(lane.limit.per_second, 3),
                "requests": lane.granted,
                "paused_s": round(max(0.0, lane.paused_until - now), 3),
            }
            for key, lane in sorted(self._lanes.items())
        }

    def _lane(self, key: str) -> _Timeline | None:
        lane = self._lanes.get(key)
        if lane is None:
            _, limit = self.limits.lane(key)  # a lane's key leads to its own limit
            if not paced(limit) and self._account is None:
                return None
            lane = self._lanes[key] = _Timeline(limit)
        return lane
