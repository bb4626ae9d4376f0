"""Operation history rows: one `operation_runs` row per OpResult, one `operation_attempts` row per try."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from operations.runtime import OpResult, bounded_json


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
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return (run row, attempt rows) ready for a bulk insert."""
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
        "output_payload": result.output,
        "error": result.error,
        "provider_order_used": result.provider_order_used,
        "submission_id": submission_id,
        "pipeline_run_id": pipeline_run_id,
        "step_position": step_position,
        "duration_ms": result.duration_ms,
        "cost_usd": result.cost_usd,
    }
    attempts = [
        {
            "run_id": result.run_id,
            "attempt_index": index,
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
        }
        for index, attempt in enumerate(result.attempts)
    ]
    return run, attempts
