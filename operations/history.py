"""Operation history rows: one `operation_runs` row per OpResult, one `operation_attempts` row per try.

An attempt row also serves as the attempt journal (a chunk writes it as the answer arrives) and is
read back as an Attempt when a replay reuses the answer it bought.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from operations.runtime import Attempt, OpResult, bounded_json

RAW_KEYS = frozenset({"raw", "raw_response"})


def strip_raw(value: Any) -> Any:
    """Return an operation's output without the providers' raw bodies (`raw`, `raw_response`), at any depth.

    Those bodies are stored once, with the attempt that received them (operation_attempts); an
    output stored again (a run's context, its children, the operation's history row) goes without.
    """
    if isinstance(value, dict):
        return {k: strip_raw(v) for k, v in value.items() if k not in RAW_KEYS}
    if isinstance(value, list):
        return [strip_raw(v) for v in value]
    return value


def history_rows(
    result: OpResult,
    *,
    org_id: UUID,
    company_id: UUID | None,
    input_payload: Any,
    user_id: UUID | None = None,
    role: str | None = None,
    auth_method: str | None = None,
    pipeline_run_id: UUID | None = None,
    step_position: int | None = None,
    submission_id: UUID | None = None,
    with_attempts: bool = True,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return (run row, attempt rows) ready for a bulk insert.

    `with_attempts=False` leaves the attempts out: a chunk's journal has written them already.
    """
    run = {
        "run_id": result.run_id,
        "org_id": org_id,
        "company_id": company_id,
        "user_id": user_id,
        "role": role,
        "auth_method": auth_method,
        "operation_id": result.operation_id,
        "entity_type": result.entity_type,
        "status": str(result.status),
        "missing_inputs": result.missing_inputs,
        "input_payload": bounded_json(input_payload),
        "output_payload": strip_raw(result.output),
        "error": result.error,
        "provider_order_used": result.provider_order_used,
        "submission_id": submission_id,
        "pipeline_run_id": pipeline_run_id,
        "step_position": step_position,
        "duration_ms": result.duration_ms,
        "cost_usd": result.cost_usd,
    }
    attempts = (
        [
            attempt_row(
                result.run_id,
                attempt,
                org_id=org_id,
                submission_id=submission_id,
                pipeline_run_id=pipeline_run_id,
                step_position=step_position,
            )
            for attempt in result.attempts
        ]
        if with_attempts
        else []
    )
    return run, attempts


def attempt_row(
    run_id: UUID,
    attempt: Attempt,
    *,
    org_id: UUID,
    submission_id: UUID | None = None,
    pipeline_run_id: UUID | None = None,
    step_position: int | None = None,
) -> dict[str, Any]:
    """Return one `operation_attempts` row: what the history shows, and what a replay reuses."""
    answer = None
    if attempt.reusable:
        answer = {"data": attempt.data}
        if attempt.full_raw is not None:
            answer["raw"] = attempt.full_raw
    return {
        "run_id": run_id,
        "attempt_index": attempt.index,
        "org_id": org_id,
        "provider": attempt.provider,
        "action": attempt.action,
        "status": attempt.status,
        "skip_reason": attempt.skip_reason,
        "error_class": attempt.error_class,
        "http_status": attempt.http_status,
        "provider_status": attempt.provider_status,
        "duration_ms": attempt.duration_ms,
        "cost_usd": attempt.cost_usd,
        "raw_response": attempt.raw_response,
        "submission_id": submission_id,
        "pipeline_run_id": pipeline_run_id,
        "step_position": step_position,
        "call_key": attempt.call_key,
        "outcome": attempt.outcome,
        "message": attempt.message,
        "answer": answer,
        "final": attempt.final,
    }


def stored_attempt(row: Mapping[str, Any]) -> Attempt:
    """Read an `operation_attempts` row back as the attempt it recorded (stored: not to be written again)."""
    answer = row.get("answer") or {}
    cost = row.get("cost_usd")
    return Attempt(
        provider=row["provider"],
        action=row["action"],
        status=row["status"],
        skip_reason=row.get("skip_reason"),
        http_status=row.get("http_status"),
        provider_status=row.get("provider_status"),
        error_class=row.get("error_class"),
        message=row.get("message"),
        duration_ms=row.get("duration_ms"),
        cost_usd=float(cost) if cost is not None else 0.0,
        raw_response=row.get("raw_response"),
        index=row["attempt_index"],
        final=bool(row.get("final", True)),
        call_key=row.get("call_key"),
        outcome=row.get("outcome"),
        data=answer.get("data") if isinstance(answer, dict) else None,
        full_raw=answer.get("raw") if isinstance(answer, dict) else None,
        stored=True,
    )
