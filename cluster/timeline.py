"""Timeline events, pure: one per step that touched an entity, plus fan-out discovery (§7, flaws fixed).

Events carry the entity id the entity was stored under (resolved by the sink, never guessed), are
typed by the run's entity (a person.search in a company run is an event of the company), keep
`verified` as verified, and always carry `event_type`. Ids are deterministic, so a replayed chunk
writes each event once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from config.vocabulary import OperationStatus, SkipReason, StepStatus
from operations.runtime import OpResult

EVENT_NAMESPACE = uuid.UUID("5f0c2d3a-8e61-5b7e-a0f4-3c1b9d2e7a40")


def event_id(run_id: uuid.UUID, position: int, kind: str, entity_id: uuid.UUID) -> uuid.UUID:
    """Return the deterministic id of an event."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{run_id}:{position}:{kind}:{entity_id}")


def _provider(result: OpResult | None) -> str | None:
    if result is None or not result.attempts:
        return None
    found = [a for a in result.attempts if a.status in (OperationStatus.FOUND, OperationStatus.VERIFIED)]
    return (found or result.attempts)[0].provider


def step_event(
    *,
    run_id: uuid.UUID,
    submission_id: uuid.UUID,
    org_id: uuid.UUID,
    company_id: uuid.UUID | None,
    entity_type: str,
    entity_id: uuid.UUID,
    position: int,
    operation_id: str,
    step_status: StepStatus,
    skip_reason: SkipReason | None,
    result: OpResult | None,
    duration_ms: int | None,
) -> dict[str, Any]:
    """Return the `step_execution` event of one finished step."""
    if step_status == StepStatus.SKIPPED:
        status = OperationStatus.SKIPPED
    elif result is None:
        status = OperationStatus.FAILED
    else:
        status = result.status
    provider = _provider(result)
    fields = sorted(k for k, v in (result.output or {}).items() if v is not None) if result else []
    summary = f"step {position} {operation_id} {status}" + (f" via {provider}" if provider else "")
    return {
        "id": event_id(run_id, position, "step", entity_id),
        "org_id": org_id,
        "company_id": company_id,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "event_type": "step_execution",
        "operation_id": operation_id,
        "pipeline_run_id": run_id,
        "submission_id": submission_id,
        "provider": provider,
        "status": status,
        "fields_updated": fields,
        "summary": summary,
        "metadata": {
            "event_type": "step_execution",
            "step_position": position,
            "step_status": step_status,
            "skip_reason": skip_reason,
            "duration_ms": duration_ms,
            "cost_usd": result.cost_usd if result else 0.0,
            "provider_attempts": [
                {"provider": a.provider, "action": a.action, "status": a.status}
                for a in (result.attempts if result else [])
            ],
            "error": result.error if result else None,
        },
    }


def discovery_events(
    *,
    run_id: uuid.UUID,
    submission_id: uuid.UUID,
    org_id: uuid.UUID,
    company_id: uuid.UUID | None,
    parent_type: str,
    parent_entity_id: uuid.UUID,
    position: int,
    operation_id: str,
    child_type: str,
    child_entities: Sequence[tuple[uuid.UUID, uuid.UUID, Sequence[str]]],
    skipped_duplicates: Sequence[str],
) -> list[dict[str, Any]]:
    """Return the parent's `fan_out_discovery` event and one per discovered child entity.

    child_entities holds (child run id, child entity id, the child's input keys).
    """
    count = len(child_entities)
    noun = "people" if child_type == "person" else "companies"
    base = {
        "org_id": org_id,
        "company_id": company_id,
        "event_type": "fan_out_discovery",
        "operation_id": operation_id,
        "pipeline_run_id": run_id,
        "submission_id": submission_id,
    }
    events: list[dict[str, Any]] = [
        {
            **base,
            "id": event_id(run_id, position, "fan_out", parent_entity_id),
            "entity_type": parent_type,
            "entity_id": parent_entity_id,
            "provider": None,
            "status": OperationStatus.FOUND if count else OperationStatus.NOT_FOUND,
            "fields_updated": [],
            "summary": f"{operation_id} found {count} {noun}",
            "metadata": {
                "event_type": "fan_out_discovery",
                "step_position": position,
                "child_run_ids": [str(c[0]) for c in child_entities],
                "child_count": count,
                "skipped_duplicates": list(skipped_duplicates),
            },
        }
    ]
    for index, (child_run_id, child_entity_id, keys) in enumerate(child_entities):
        events.append(
            {
                **base,
                "id": event_id(child_run_id, position, "discovered", child_entity_id),
                "entity_type": child_type,
                "entity_id": child_entity_id,
                "provider": None,
                "status": OperationStatus.FOUND,
                "fields_updated": sorted(keys),
                "summary": f"{operation_id}: discovered {child_type} #{index}",
                "metadata": {
                    "event_type": "fan_out_discovery",
                    "step_position": position,
                    "parent_pipeline_run_id": str(run_id),
                    "child_pipeline_run_id": str(child_run_id),
                    "discovered_from_entity_id": str(parent_entity_id),
                },
            }
        )
    return events
