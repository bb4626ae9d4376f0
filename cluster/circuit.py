"""The circuit breaker of one provider credential: closed, open for a cooldown, then half-open for one trial.

`CircuitBreaker` lives in the credential's `LeaseBook` (so it counts the failures of every process
that calls the provider) and is driven by the book's clock. After `threshold` provider-health
failures in a row it opens for `cooldown_s`: no call is made. Then it is half-open: exactly one
holder is granted the *trial*, one call; every other call is refused as before. The trial's success
closes the circuit, its failure opens it for another cooldown; a trial that ends without reaching
the provider (stopped, no permit) is given back, and a trial never reported is taken back when the
book forgets its holder (its process died) or after `trial_timeout_s` at the latest. Holders that
did not get the trial are told to ask again after `recheck_s`, which bounds how late they hear that
the circuit closed.
"""

from __future__ import annotations

from enum import StrEnum


class CircuitState(StrEnum):
    """Where a circuit is: calls flow, calls are refused, or one trial call may find out."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class TrialEnd(StrEnum):
    """How a trial call ended, as its holder reports it."""

    PASSED = "passed"  # the provider answered: it is back
    FAILED = "failed"  # a provider-health failure again
    ABANDONED = "abandoned"  # nothing reached the provider: someone else may try


class Gate(StrEnum):
    """A holder's verdict on one call while its circuit is not known to be closed."""

    PASS = "pass"  # closed after all: an ordinary call
    TRIAL = "trial"  # this call is the circuit's one trial
    REFUSED = "refused"  # open, or another call is the trial


class CircuitBreaker:
    """The circuit's state, from the health failures holders report and the trials they make."""

    def __init__(
        self, *, threshold: int, cooldown_s: float, trial_timeout_s: float = 60.0, recheck_s: float = 1.0
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self.trial_timeout_s = trial_timeout_s
        self.recheck_s = recheck_s
        self.opened = 0  # how many times it opened (a failed trial opens it again)
        self._failures = 0
        self._open_until = 0.0
        self._half_open = False  # opened, and no trial has passed since
        self._trial_holder: str | None = None
        self._trial_until = 0.0

    def state(self, now: float) -> CircuitState:
        """Return the circuit's state at now."""
        if now < self._open_until:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN if self._half_open else CircuitState.CLOSED

    def record(self, failures: int, healthy: bool, now: float) -> None:
        """Count a report's provider-health failures in a row (healthy: another outcome came first).

        Only a closed circuit counts: once open, the trial alone decides (a straggler sent before the
        circuit opened says nothing about the provider now).
        """
        if self.state(now) is not CircuitState.CLOSED:
            return
        self._failures = failures if healthy else self._failures + failures
        if self._failures >= self.threshold:
            self._open(now)

    def grant_trial(self, holder: str, now: float) -> bool:
        """Give holder the trial when the circuit is half-open and nobody holds a live one."""
        if self.state(now) is not CircuitState.HALF_OPEN:
            return False
        if self._trial_holder is not None and now < self._trial_until:
            return False
        self._trial_holder, self._trial_until = holder, now + self.trial_timeout_s
        return True

    def end_trial(self, holder: str, end: TrialEnd, now: float) -> None:
        """Apply the end of holder's trial: close, open again, or let another holder try."""
        if holder != self._trial_holder:
            return  # a trial taken back after its timeout, reported late
        self._trial_holder = None
        if end is TrialEnd.PASSED:
            self._half_open, self._failures = False, 0
        elif end is TrialEnd.FAILED:
            self._open(now)

    def on_trial(self, holder: str) -> bool:
        """Tell whether holder holds the trial."""
        return holder == self._trial_holder

    def forget(self, holder: str) -> None:
        """A holder's process died: a trial it held is nobody's."""
        if holder == self._trial_holder:
            self._trial_holder = None

    def refuse_s(self, now: float) -> float:
        """Return how long a holder must refuse calls before it asks again (0: it may call, or ask now)."""
        state = self.state(now)
        if state is CircuitState.OPEN:
            return self._open_until - now
        if state is CircuitState.HALF_OPEN and self._trial_holder is not None and now < self._trial_until:
            return min(self.recheck_s, self._trial_until - now)
        return 0.0

    def _open(self, now: float) -> None:
        self._open_until = now + self.cooldown_s
        self._half_open = True
        self._failures = 0
        self._trial_holder = None
        self.opened += 1
