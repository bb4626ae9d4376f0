"""The retry loop alone: attempt counts, backoff and Retry-After, each try handed over as it ends."""

from __future__ import annotations

import pytest

from cluster.retry import RetryPolicy, retry
from operations.runtime import CallsStopped
from providers.base import ErrorClass, Outcome, ProviderResult


def _result(
    outcome: Outcome, error: ErrorClass | None = None, retry_after_s: float | None = None
) -> ProviderResult:
    return ProviderResult(
        provider="p", action="a", outcome=outcome, error_class=error, retry_after_s=retry_after_s
    )


THROTTLED = _result(Outcome.RETRYABLE, ErrorClass.RATE_LIMITED, retry_after_s=7.0)
DOWN = _result(Outcome.RETRYABLE, ErrorClass.SERVER_ERROR)
FOUND = _result(Outcome.FOUND)


class Script:
    """A provider that answers from a list, and a sleep that only notes how long it was asked to wait."""

    def __init__(self, *answers: ProviderResult) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.waits: list[float] = []
        self.handed: list[ProviderResult] = []

    async def again(self) -> ProviderResult:
        self.calls += 1
        return self.answers.pop(0)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


async def _run(script: Script, first: ProviderResult, policy: RetryPolicy) -> ProviderResult:
    return await retry(
        first,
        script.again,
        policy=policy,
        sleep=script.sleep,
        on_retry=script.handed.append,
        jitter=lambda: 1.0,  # no jitter: the backoff's top
    )


async def test_retries_until_an_answer_that_is_not_retryable() -> None:
    script = Script(DOWN, FOUND)
    result = await _run(script, DOWN, RetryPolicy(max_attempts=4, max_backoff_s=30))
    assert result.outcome is Outcome.FOUND and script.calls == 2
    assert result.retried == (DOWN, DOWN) and script.handed == [DOWN, DOWN]
    assert script.waits == [0.5, 1.0]  # doubling from half a second


async def test_stops_after_max_attempts_with_the_last_try() -> None:
    script = Script(DOWN, DOWN, DOWN, FOUND)
    result = await _run(script, DOWN, RetryPolicy(max_attempts=3, max_backoff_s=0.8))
    assert result.outcome is Outcome.RETRYABLE and script.calls == 2  # three tries in all
    assert len(result.retried) == 2 and len(script.handed) == 2  # the last try is the answer, not a retry
    assert script.waits == [0.5, 0.8]  # capped


async def test_retry_after_is_honoured_when_longer_than_the_backoff() -> None:
    script = Script(FOUND)
    result = await _run(script, THROTTLED, RetryPolicy(max_attempts=2))
    assert script.waits == [7.0] and result.retried == (THROTTLED,)


async def test_a_final_answer_or_a_single_attempt_is_returned_as_is() -> None:
    script = Script()
    assert await _run(script, FOUND, RetryPolicy()) is FOUND
    assert await _run(script, DOWN, RetryPolicy(max_attempts=1)) is DOWN
    assert script.calls == 0 and script.waits == [] and script.handed == []


async def test_a_stop_during_the_backoff_ends_the_loop_without_another_try() -> None:
    script = Script(FOUND)

    async def stopped(seconds: float) -> None:
        raise CallsStopped("the engine is stopping")

    with pytest.raises(CallsStopped):
        await retry(DOWN, script.again, policy=RetryPolicy(), sleep=stopped, on_retry=script.handed.append)
    assert script.calls == 0 and script.handed == [DOWN]  # journaled before the wait


@pytest.mark.parametrize(
    ("tries", "jitter", "retry_after", "expected"),
    [
        (1, 0.0, None, 0.25),  # half the base at the lowest jitter
        (1, 1.0, None, 0.5),
        (3, 1.0, None, 2.0),
        (10, 1.0, None, 30.0),  # capped at max_backoff_s
        (10, 0.0, None, 15.0),
        (1, 0.0, 3.0, 3.0),  # Retry-After wins when longer
        (4, 1.0, 1.0, 4.0),  # the backoff wins when longer
    ],
)
def test_backoff(tries: int, jitter: float, retry_after: float | None, expected: float) -> None:
    assert RetryPolicy(max_backoff_s=30).backoff(tries, retry_after, jitter) == pytest.approx(expected)
