"""The gateway's one retry loop: retryable tries again after a jittered backoff, never before Retry-After.

A call's first try is made by the gateway itself (most calls end there, so nothing is set up for
them); `retry` takes over only when that try can be retried (429, 5xx, timeout, lost connection).
Each try that another follows is handed to `on_retry` as soon as it is over (the journal records it
then), and the last answer carries the earlier tries in `retried`.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from providers.base import ProviderResult
from providers.execute import Sleep


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many tries a call gets and how long it waits between them."""

    max_attempts: int = 4
    max_backoff_s: float = 30.0
    first_backoff_s: float = 0.5

    def backoff(self, tries: int, retry_after_s: float | None, jitter: float) -> float:
        """Return the wait after `tries` tries: doubling, capped, jittered by 0..1, at least Retry-After."""
        wait = min(self.max_backoff_s, self.first_backoff_s * 2 ** (tries - 1)) * (0.5 + jitter / 2)
        return float(max(wait, retry_after_s or 0.0))


async def retry(
    first: ProviderResult,
    again: Callable[[], Awaitable[ProviderResult]],
    *,
    policy: RetryPolicy,
    sleep: Sleep,
    on_retry: Callable[[ProviderResult], None],
    jitter: Callable[[], float] = random.random,
) -> ProviderResult:
    """Try `again` while the last try is retryable and attempts are left; return the last try.

    `sleep` may raise (a stop ends the backoff: the retry is not made) and so ends the loop.
    """
    tries = [first]
    result = first
    while result.is_retryable and len(tries) < policy.max_attempts:
        on_retry(result)
        await sleep(policy.backoff(len(tries), result.retry_after_s, jitter()))
        result = await again()
        tries.append(result)
    if len(tries) == 1:
        return result
    # The history keeps every try: what a 429 or a flapping provider cost shows up there.
    return replace(result, retried=tuple(tries[:-1]))
