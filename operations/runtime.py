"""Run one operation for one entity: check inputs, call providers through a caller, validate the output.

The caller is whatever reaches the providers — the rate-limited gateways, in-process or Ray actors —
so `/api/v1/execute` and the batch engine run operations through this same function. Nothing here
raises for bad input, a provider problem or a contract violation: each becomes a classified result.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from operations.inputs import Inputs
from operations.spec import OperationSpec, OperationStatus
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

    @classmethod
    def from_result(cls, result: ProviderResult) -> Attempt:
        """Record a provider result as an attempt."""
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
            raw_response=bounded_json(result.raw),
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


class OperationRun:
    """What an operation's logic works with: its inputs, its provider order and a recording caller."""

    def __init__(
        self, spec: OperationSpec, inputs: Inputs, caller: ProviderCaller, provider_order: Sequence[str]
    ) -> None:
        self.spec = spec
        self.inputs = inputs
        self.caller = caller
        self.provider_order = tuple(provider_order)
        self.attempts: list[Attempt] = []

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Call provider.action through the caller and record the attempt (a caller error is a failed one)."""
        try:
            result = await self.caller.call(provider, action, inputs)
        except Exception as exc:
            log.warning("%s.%s raised in the caller: %r", provider, action, exc)
            result = ProviderResult(
                provider=provider,
                action=action,
                outcome=ProviderOutcome.FAILED,
                error_class=ErrorClass.PROVIDER_ERROR,
                message=f"{type(exc).__name__}: {exc}",
            )
        self.attempts.extend(Attempt.from_result(earlier) for earlier in result.retried)
        self.attempts.append(Attempt.from_result(result))
        return result

    async def first_found(self, plan: Sequence[tuple[str, str, Mapping[str, Any]]]) -> ProviderResult | None:
        """Try (provider, action, inputs) in order; return the first found result."""
        for provider, action, inputs in plan:
            result = await self.call(provider, action, inputs)
            if result.outcome is ProviderOutcome.FOUND:
                return result
        return None

    def ordered(
        self, plan: Mapping[str, tuple[str, Mapping[str, Any]]]
    ) -> list[tuple[str, str, Mapping[str, Any]]]:
        """Arrange a provider → (action, inputs) plan in this run's provider order."""
        return [(p, *plan[p]) for p in self.provider_order if p in plan]

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
) -> OpResult:
    """Execute spec for one entity's context with the step's parameters; never raises."""
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
        run = OperationRun(spec, inputs, caller, provider_order or spec.providers)
        try:
            outcome = await spec.run(run)
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
