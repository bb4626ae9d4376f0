"""Pacing lanes alone: send times 1/rate apart, within the horizon, per lane, under an account cap."""

from __future__ import annotations

import itertools

import pytest

from cluster.pacing import PacingLanes
from providers.base import RateLimit, RateLimits


def _grant(lanes: PacingLanes, key: str, wanted: int, now: float, **options: bool) -> list[float]:
    granted, _ = lanes.grant(
        key,
        wanted,
        interactive=options.get("interactive", False),
        reserving=options.get("reserving", False),
        now=now,
    )
    return granted


def test_send_times_are_one_interval_apart_and_at_most_a_horizon_ahead() -> None:
    lanes = PacingLanes(RateLimits(RateLimit(rate=10)), horizon_s=0.25)
    granted, retry_in = lanes.grant("", 10, interactive=False, reserving=False, now=100.0)
    assert granted == pytest.approx([100.0, 100.1, 100.2]) and retry_in == pytest.approx(0.25)
    # Later asks continue the same timeline, never closer than the rate.
    later = _grant(lanes, "", 10, now=100.2)
    assert later == pytest.approx([100.3, 100.4])


def test_interactive_calls_may_go_past_the_horizon() -> None:
    lanes = PacingLanes(RateLimits(RateLimit(rate=10)), horizon_s=0.25)
    assert len(_grant(lanes, "", 10, now=0.0, interactive=True)) == 10


def test_every_nth_send_time_is_kept_for_interactive_calls_while_they_are_about() -> None:
    lanes = PacingLanes(RateLimits(RateLimit(rate=10)), horizon_s=1.0, interactive_share=0.25)
    batch = _grant(lanes, "", 20, now=0.0, reserving=True)
    assert batch == pytest.approx([0.0, 0.1, 0.2, 0.4, 0.5, 0.6, 0.8, 0.9, 1.0])  # 0.3 and 0.7 kept
    assert _grant(lanes, "", 1, now=0.25, interactive=True) == pytest.approx([0.3])


def test_a_pause_holds_back_its_lane_only() -> None:
    limits = RateLimits(RateLimit(rate=10), per_path=True)
    lanes = PacingLanes(limits, horizon_s=0.25)
    lanes.pause("/slow", 2.0, now=0.0)
    granted, retry_in = lanes.grant("/slow", 1, interactive=False, reserving=False, now=0.0)
    assert granted == [] and retry_in == pytest.approx(2.0 - 0.25)
    assert _grant(lanes, "/fast", 1, now=0.0) == [0.0]
    assert lanes.paused_s(1.0) == pytest.approx(1.0)
    assert lanes.health(1.0)["/slow"]["paused_s"] == pytest.approx(1.0)


def test_an_account_cap_spaces_every_lane_together() -> None:
    limits = RateLimits(RateLimit(rate=10), per_path=True, account=RateLimit(rate=10))
    lanes = PacingLanes(limits, horizon_s=1.0)
    times = sorted(_grant(lanes, "/a", 5, now=0.0) + _grant(lanes, "/b", 5, now=0.0))
    assert all(b - a >= 0.1 - 1e-9 for a, b in itertools.pairwise(times))
    assert {k: v["requests"] for k, v in lanes.health(0.0).items()} == {"/a": 5, "/b": 5}


def test_an_unlimited_lane_grants_at_once_and_keeps_no_timeline() -> None:
    lanes = PacingLanes(RateLimits(RateLimit(rate=1e9)))
    assert lanes.grant("", 500, interactive=False, reserving=False, now=5.0) == ([5.0] * 500, None)
    assert lanes.health(5.0) == {}
