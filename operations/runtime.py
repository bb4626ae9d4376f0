"""Run one operation for one entity: check inputs, call providers through a caller, validate the output.

The caller is whatever reaches the providers — the rate-limited gateways, in-process or Ray actors —
so `/api/v1/execute` and the batch engine run operations through this same function. Nothing here
raises for bad input, a provider problem or a contract violation: each becomes a classified result.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from pydantic import ValidationError

from operations.inputs import Inputs
from operations.spec import OperationSpec, OperationStatus
from operations.waterfall import run_plan
from providers.base import ErrorClass, ProviderResult
from providers.base import Outcome as ProviderOutcome

log = logging.getLogger(__name__)

MAX_RAW_CHARS = 20_000
# Step-config keys that steer the engine, never an operation.
ENGINE_KEYS = frozenset({"condition", "skip_if_fresh", "fan_out"})


class ProviderCaller(Protocol):
    """Reaches a provider action with rate limits and retries applied (the gateway)."""

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Run provider.action for inputs and return its final classified result."""
        ...


class AttemptJournal(Protocol):
    """Where one operation run's provider attempts become durable as they are made (a chunk's writer).

    `bought` returns the attempts already recorded for this operation run (by an earlier try of the
    same step that crashed or stopped), so the answers they paid for are reused, not bought again.
    """

    def bought(self) -> Sequence[Attempt]:
        """Return the attempts already recorded for this operation run, in index order."""
        ...

    def record(self, attempts: Sequence[Attempt]) -> None:
        """Make these new attempts durable soon (within a flush interval)."""
        ...


def call_key(provider: str, action: str, inputs: Mapping[str, Any]) -> str:
    """Identify a call by what it asks: the same provider, action and inputs make the same key."""
    body = orjson.dumps([provider, action, inputs], option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.blake2b(body, digest_size=16).hexdigest()


_ATTEMPT_STATUS = {
    ProviderOutcome.FOUND: "found",
    ProviderOutcome.NOT_FOUND: "not_found",
    ProviderOutcome.RETRYABLE: "failed",
    ProviderOutcome.FAILED: "failed",
    ProviderOutcome.SKIPPED: "skipped",
}


def bounded_json(raw: Any) -> Any:
    """Return raw as stored: JSON values up to MAX_RAW_CHARS, a marker beyond (raw bodies can be huge)."""
    if raw is None or isinstance(raw, bool | int | float):
        return raw
    text = raw if isinstance(raw, str) else None
    if text is None:
        try:
            import orjson

            size = len(orjson.dumps(raw, default=str))
        except TypeError:
            return {"unserializable": repr(raw)[:MAX_RAW_CHARS]}
        return raw if size <= MAX_RAW_CHARS else {"truncated": True, "size": size}
    return text if len(text) <= MAX_RAW_CHARS else {"truncated": True, "text": text[:MAX_RAW_CHARS]}


@dataclass(slots=True)
class Attempt:
    """One provider tried by an operation (an `operation_attempts` row)."""

    provider: str
    action: str
    status: str
    skip_reason: str | None = None
    http_status: int | None = None
    provider_status: str | None = None
    error_class: str | None = None
    message: str | None = None
    duration_ms: int | None = None
    cost_usd: float = 0.0
    raw_response: Any = None
    # The journal's part: the attempt's place in its operation run, whether it is a call's answer
    # (final) or an earlier try of it, what the call asked (call_key), and what reusing it needs.
    index: int = 0
    final: bool = True
    call_key: str | None = None
    outcome: str | None = None
    data: dict[str, Any] | None = None
    full_raw: Any = None  # the whole body, kept only when raw_response had to be cut
    stored: bool = False  # read back from the journal: already durable

    @classmethod
    def from_result(
        cls, result: ProviderResult, *, index: int = 0, final: bool = True, key: str | None = None
    ) -> Attempt:
        """Record a provider result as an attempt."""
        raw = bounded_json(result.raw)
        return cls(
            provider=result.provider,
            action=result.action,
            status=_ATTEMPT_STATUS[result.outcome],
            skip_reason=result.skip_reason,
            http_status=result.http_status,
            provider_status=result.provider_status,
            error_class=str(result.error_class) if result.error_class else None,
            message=result.message,
            duration_ms=None if result.duration_ms is None else round(result.duration_ms),
            cost_usd=result.cost_usd,
            raw_response=raw,
            index=index,
            final=final,
            call_key=key,
            outcome=str(result.outcome),
            data=result.data,
            full_raw=result.raw
            if isinstance(raw, dict) and raw is not result.raw and "truncated" in raw
            else None,
        )

    @property
    def reusable(self) -> bool:
        """Tell whether a replay may take this answer instead of calling again.

        Answers the provider gave (found, not found, or a refusal it sent back) were paid for or are
        final; a 429, a 5xx, a timeout, a circuit refusal or a stop were not answers: call again.
        """
        if not self.final or self.outcome is None:
            return False
        if self.outcome in (ProviderOutcome.FOUND, ProviderOutcome.NOT_FOUND):
            return True
        return self.outcome == ProviderOutcome.FAILED and self.http_status is not None

    def to_result(self) -> ProviderResult:
        """Rebuild the provider result this attempt recorded (for a replay that reuses it)."""
        return ProviderResult(
            provider=self.provider,
            action=self.action,
            outcome=ProviderOutcome(self.outcome or "failed"),
            data=self.data,
            http_status=self.http_status,
            provider_status=self.provider_status,
            error_class=ErrorClass(self.error_class) if self.error_class else None,
            message=self.message,
            cost_usd=self.cost_usd,
            duration_ms=self.duration_ms,
            raw=self.full_raw if self.full_raw is not None else self.raw_response,
            skip_reason=self.skip_reason,
        )

    def summary(self) -> dict[str, Any]:
        """Return the attempt as the API shows it."""
        return {
            "provider": self.provider,
            "action": self.action,
            "status": self.status,
            "skip_reason": self.skip_reason,
            "http_status": self.http_status,
            "provider_status": self.provider_status,
            "error_class": self.error_class,
            "message": self.message,
            "duration_ms": self.duration_ms,
            "cost_usd": self.cost_usd,
            "raw_response": self.raw_response,
        }


@dataclass(slots=True)
class Outcome:
    """What an operation's logic returns: a status, and its output when it has one."""

    status: OperationStatus
    output: dict[str, Any] | None = None
    message: str | None = None


@dataclass(slots=True)
class OpResult:
    """The result of one operation execution (an `operation_runs` row plus its attempts)."""

    run_id: uuid.UUID
    operation_id: str
    entity_type: str
    status: OperationStatus
    output: dict[str, Any] | None
    attempts: list[Attempt]
    missing_inputs: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    duration_ms: int = 0

    @property
    def cost_usd(self) -> float:
        return round(sum(a.cost_usd for a in self.attempts), 6)

    @property
    def provider_order_used(self) -> list[str]:
        """Providers actually called, in the order they were first called (skips excluded)."""
        return list(dict.fromkeys(a.provider for a in self.attempts if a.status != "skipped"))

    def to_api(self) -> dict[str, Any]:
        """Return the OpResult as /api/v1/execute answers it."""
        return {
            "run_id": str(self.run_id),
            "operation_id": self.operation_id,
            "entity_type": self.entity_type,
            "status": str(self.status),
            "output": self.output,
            "provider_attempts": [a.summary() for a in self.attempts],
            "provider_order_used": self.provider_order_used,
            "missing_inputs": self.missing_inputs,
            "error": self.error,
            "duration_ms": self.duration_ms,
            "cost_usd": self.cost_usd,
        }


# Set by OperationRun.call for the call in progress: the gateway hands it each try that will be
# retried (a 429, a 5xx) as it happens, so the journal records it then, not when the call ends.
ON_RETRIED_TRY: ContextVar[Callable[[ProviderResult], None] | None] = ContextVar(
    "on_retried_try", default=None
)


@dataclass(slots=True)
class CallInFlight:
    """The call in progress of an operation run: how many HTTP requests the gateway sent for it."""

    sent: int = 0


# Set by OperationRun.call; the gateway counts each request it sends, so that a call cut short by a
# stop is recorded as an attempt when a request of it went out (the provider may bill it).
IN_FLIGHT: ContextVar[CallInFlight | None] = ContextVar("in_flight", default=None)


class BudgetExhausted(Exception):
    """A spending cap leaves no room for this call: the run ends budget_exhausted, resumable."""


class CallsStopped(Exception):
    """The engine is stopping: no new provider call starts; the run stays unfinished, to be resumed."""


def _interrupted(provider: str, action: str) -> ProviderResult:
    return ProviderResult(
        provider=provider,
        action=action,
        outcome=ProviderOutcome.RETRYABLE,
        error_class=ErrorClass.INTERRUPTED,
        message="the engine stopped before the answer came",
    )


class OperationRun:
    """What an operation's logic works with: its inputs, its provider order, its plan and a recording caller.

    With a journal, every attempt is handed to it as its answer arrives, and a call whose answer an
    earlier try of this operation run already bought takes that answer instead of calling again.
    """

    def __init__(
        self,
        spec: OperationSpec,
        inputs: Inputs,
        caller: ProviderCaller,
        provider_order: Sequence[str],
        journal: AttemptJournal | None = None,
    ) -> None:
        self.spec = spec
        self.inputs = inputs
        self.caller = caller
        self.provider_order = tuple(provider_order)
        self.attempts: list[Attempt] = []
        self.journal = journal
        self._bought = list(journal.bought()) if journal is not None else []
        self._next_index = max((a.index for a in self._bought), default=-1) + 1
        self.reused = 0

    def _reuse(self, key: str) -> ProviderResult | None:
        """Take the answer an earlier try bought for this call, with the tries that preceded it."""
        for position, attempt in enumerate(self._bought):
            if attempt.call_key == key and attempt.reusable:
                tries = [a for a in self._bought[:position] if a.call_key == key and not a.final]
                taken = {id(a) for a in (*tries, attempt)}
                self._bought = [a for a in self._bought if id(a) not in taken]
                self.attempts += [*tries, attempt]
                self.reused += 1
                return attempt.to_result()
        return None

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Call provider.action through the caller and record the attempt (a caller error is a failed one)."""
        key = call_key(provider, action, inputs)
        if self._bought and (reused := self._reuse(key)) is not None:
            return reused
        tried: list[ProviderResult] = []

        def on_try(earlier: ProviderResult) -> None:
            tried.append(earlier)
            self._record([Attempt.from_result(earlier, final=False, key=key)])

        token = ON_RETRIED_TRY.set(on_try)
        flight = CallInFlight()
        flight_token = IN_FLIGHT.set(flight)
        try:
            result = await self.caller.call(provider, action, inputs)
        except (CallsStopped, BudgetExhausted):
            raise
        except asyncio.CancelledError:
            if flight.sent > len(tried):  # a request went out and its answer never came
                self._record([Attempt.from_result(_interrupted(provider, action), key=key)])
            raise
        except Exception as exc:
            log.warning("%s.%s raised in the caller: %r", provider, action, exc)
            result = ProviderResult(
                provider=provider,
                action=action,
                outcome=ProviderOutcome.FAILED,
                error_class=ErrorClass.PROVIDER_ERROR,
                message=f"{type(exc).__name__}: {exc}",
            )
        finally:
            ON_RETRIED_TRY.reset(token)
            IN_FLIGHT.reset(flight_token)
        # Tries the gateway did not hand over as they happened (a gateway in another process).
        unseen = result.retried[len(tried) :] if len(result.retried) > len(tried) else ()
        self._record(
            [
                *(Attempt.from_result(earlier, final=False, key=key) for earlier in unseen),
                Attempt.from_result(result, key=key),
            ]
        )
        return result

    def _record(self, made: list[Attempt]) -> None:
        """Number new attempts in this operation run, and journal them."""
        for attempt in made:
            attempt.index, self._next_index = self._next_index, self._next_index + 1
        if self.journal is not None:
            self.journal.record(made)
        self.attempts += made

    def waterfall(self, known: Any) -> Awaitable[ProviderResult | None]:
        """Run the operation's declared plan for what is known (operations/waterfall.py says how)."""
        return run_plan(self, self.spec.plan, known)

    def status_without_output(self) -> OperationStatus:
        """Derive the status when nothing was found: not_found beats failed beats skipped."""
        statuses = {a.status for a in self.attempts}
        if "not_found" in statuses:
            return OperationStatus.NOT_FOUND
        if "failed" in statuses:
            return OperationStatus.FAILED
        return OperationStatus.SKIPPED if statuses else OperationStatus.NOT_FOUND

    def miss(self, message: str | None = None) -> Outcome:
        """Return the outcome of finding nothing."""
        return Outcome(self.status_without_output(), None, message)

    def unusable(self, message: str) -> Outcome:
        """Fail without calling anyone: an input is present but unusable (a number for a domain)."""
        return Outcome(OperationStatus.FAILED, None, message)


_SKIP_LABELS = {"missing_provider_api_key": "no key", "missing_required_inputs": "missing inputs"}
_ERROR_LABELS = {
    "rate_limited": "429",
    "timeout": "timeout",
    "connection": "connection lost",
    "bad_key": "bad key",
    "no_credits": "no credits",
    "bad_input": "bad input",
    "malformed_body": "unreadable answer",
    "deadline": "no answer in time",
    "interrupted": "interrupted",
}


def _attempt_label(attempt: Attempt) -> str:
    """One attempt in a few words: `429`, `500`, `timeout`, `no key`, `not found`…"""
    if attempt.status == "skipped":
        reason = attempt.skip_reason or "skipped"
        return _SKIP_LABELS.get(reason, reason.replace("_", " "))
    if attempt.status == "not_found":
        return "not found"
    if attempt.message and "circuit open" in attempt.message:
        return "circuit open"
    if attempt.error_class == "server_error" and attempt.http_status:
        return str(attempt.http_status)
    if attempt.error_class in _ERROR_LABELS:
        return _ERROR_LABELS[attempt.error_class]
    return str(attempt.http_status or attempt.error_class or attempt.status)


def failure_summary(attempts: Sequence[Attempt]) -> tuple[str, list[dict[str, Any]]]:
    """Say why each provider gave nothing, e.g. `leadmagic: 429 (twice), 500; icypeas: timeout`.

    Also return each provider's attempts as details (the history keeps the raw bodies).
    """
    by_provider: dict[str, list[str]] = {}
    details = []
    for attempt in attempts:
        label = _attempt_label(attempt)
        by_provider.setdefault(attempt.provider, []).append(label)
        details.append(
            {
                "provider": attempt.provider,
                "action": attempt.action,
                "status": attempt.status,
                "reason": label,
                "http_status": attempt.http_status,
                "error_class": attempt.error_class,
                "message": attempt.message,
            }
        )
    parts = []
    for provider, labels in by_provider.items():
        counted = [(label, labels.count(label)) for label in dict.fromkeys(labels)]
        said = [f"{label} \N{MULTIPLICATION SIGN}{n}" if n > 1 else label for label, n in counted]
        parts.append(f"{provider}: {', '.join(said)}")
    return "; ".join(parts) or "no provider was tried", details


def _missing_inputs(spec: OperationSpec, inputs: Inputs) -> list[str]:
    return [n.label for n in spec.requires if inputs.raw(*n.names) in (None, "", [], {})]


def _params(step_config: Mapping[str, Any] | None) -> dict[str, Any]:
    if not isinstance(step_config, Mapping):
        return {}
    return {k: v for k, v in step_config.items() if k not in ENGINE_KEYS}


async def run_operation(
    spec: OperationSpec,
    context: Mapping[str, Any],
    *,
    caller: ProviderCaller,
    params: Mapping[str, Any] | None = None,
    provider_order: Sequence[str] | None = None,
    run_id: uuid.UUID | None = None,
    journal: AttemptJournal | None = None,
) -> OpResult:
    """Execute spec for one entity's context with the step's parameters.

    Never raises, except CallsStopped when the engine stops before the operation could finish and
    BudgetExhausted when a spending cap leaves no room for its next call.
    """
    started = time.perf_counter()
    inputs = Inputs(context, _params(params))
    result = OpResult(
        run_id=run_id or uuid.uuid4(),
        operation_id=spec.id,
        entity_type=spec.entity_type,
        status=OperationStatus.FAILED,
        output=None,
        attempts=[],
    )
    missing = _missing_inputs(spec, inputs)
    if missing:
        result.missing_inputs = missing
        result.error = {"code": "missing_inputs", "message": f"missing required inputs: {', '.join(missing)}"}
    else:
        run = OperationRun(spec, inputs, caller, provider_order or spec.providers, journal)
        try:
            outcome = await spec.run(run)
        except (CallsStopped, BudgetExhausted):
            raise
        except Exception as exc:  # an operation bug must not take the batch (or the API) down
            log.exception("operation %s crashed", spec.id)
            outcome = Outcome(OperationStatus.FAILED, None, None)
            result.error = {"code": "operation_error", "message": f"{type(exc).__name__}: {exc}"}
        result.attempts = run.attempts
        result.status = outcome.status
        if outcome.output is not None:
            try:
                result.output = spec.output.model_validate(outcome.output).model_dump(mode="json")
            except ValidationError as exc:
                result.status = OperationStatus.FAILED
                result.error = {
                    "code": "output_validation_failed",
                    "message": "the provider answer does not fit the operation's contract",
                    "details": exc.errors(include_url=False, include_input=False)[:20],
                }
        if outcome.message and result.error is None and result.status is OperationStatus.FAILED:
            result.error = {"code": "operation_failed", "message": outcome.message}
        if result.error is None and result.status is OperationStatus.FAILED:
            # Every provider tried gave nothing: say what each of them answered.
            message, details = failure_summary(result.attempts)
            result.error = {"code": "providers_failed", "message": message, "details": details}
    result.duration_ms = round((time.perf_counter() - started) * 1000)
    return result
