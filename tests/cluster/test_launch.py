"""The background launcher: launches off the caller's thread, retried with growing delays, stoppable."""

from __future__ import annotations

import threading
import time
from uuid import UUID, uuid4

from cluster.launch import BackgroundLauncher
from config import Settings


class FlakyLaunch:
    """A launch that fails its first `failures` calls, then succeeds; it records when it was called."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[tuple[UUID, float]] = []

    def __call__(self, submission_id: UUID, settings: Settings) -> None:
        self.calls.append((submission_id, time.monotonic()))
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("the cluster is not reachable")


def test_a_failing_launch_is_retried_with_growing_delays_until_it_succeeds(settings: Settings) -> None:
    flaky = FlakyLaunch(failures=3)
    launcher = BackgroundLauncher(settings, launch_fn=flaky, first_retry_s=0.1, max_retry_s=0.3)
    submission_id = uuid4()
    try:
        launcher.submit(submission_id)
        assert launcher.wait_idle(10)
    finally:
        launcher.stop()
    assert [s for s, _ in flaky.calls] == [submission_id] * 4
    gaps = [later - earlier for (_, earlier), (_, later) in zip(flaky.calls, flaky.calls[1:], strict=False)]
    # 0.1 s, then 0.2 s, then capped at 0.3 s (a loaded machine may wake the thread late, never early).
    for gap, delay in zip(gaps, (0.1, 0.2, 0.3), strict=True):
        assert delay - 0.01 <= gap < delay + 1, gaps


def test_submit_returns_while_a_launch_is_still_running(settings: Settings) -> None:
    release = threading.Event()
    started: list[UUID] = []

    def slow_launch(submission_id: UUID, _: Settings) -> None:
        started.append(submission_id)
        release.wait(10)

    launcher = BackgroundLauncher(settings, launch_fn=slow_launch)
    first, second = uuid4(), uuid4()
    try:
        began = time.monotonic()
        launcher.submit(first)
        launcher.submit(second)
        assert time.monotonic() - began < 0.5
        assert launcher.pending() == 2  # one running, one waiting behind it
        release.set()
        assert launcher.wait_idle(10)
    finally:
        launcher.stop()
    assert started == [first, second]


def test_stop_leaves_the_retries_it_has_not_made(settings: Settings) -> None:
    flaky = FlakyLaunch(failures=100)
    launcher = BackgroundLauncher(settings, launch_fn=flaky, first_retry_s=30)
    launcher.submit(uuid4())
    deadline = time.monotonic() + 5
    while not flaky.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    began = time.monotonic()
    launcher.stop()
    assert time.monotonic() - began < 2 and len(flaky.calls) == 1
